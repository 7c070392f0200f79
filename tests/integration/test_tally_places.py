"""Every number points to its place on the page: a result form of another maker's layout
uploaded and read on the embedded backends, its counts in the API with both readings and a
crop link each, the crop served with the page views' role check and never cached, and bad
crop parameters refused with a 400.
"""

from __future__ import annotations

import csv
import io

import pytest
from PIL import Image

from tests.conftest import bearer
from tests.formgen_tally import tally_form
from tests.integration.api_helpers import upload, wait_settled

pytestmark = pytest.mark.slow


@pytest.fixture
def read_form(client, tokens, worker, tmp_path):
    """A two-page C.Hasil (section I, then ANGKA and TERBILANG) uploaded and processed."""
    form = tally_form("terbilang", "light", 1)
    path = tmp_path / "form.tiff"
    form.pages[0].save(
        path,
        "TIFF",
        dpi=(300, 300),
        save_all=True,
        append_images=form.pages[1:],
        compression="tiff_lzw",
    )
    response = upload(client, tokens["archivist"], path, election="DPD")
    assert response.status_code == 202, response.get_json()
    record = wait_settled(client, tokens["auditor"], response.get_json()["id"])
    assert record["status"] == "ready", record["error"]
    return form, record


def test_given_a_read_form_when_fetched_then_each_count_has_its_readings_and_crops(
    client, tokens, read_form
):
    form, record = read_form
    tally = record["tally"]
    assert tally["consistent"] is True and tally["review"] is False, record["review_reasons"]
    assert not [r for r in record["review_reasons"] if r.startswith("tally")]
    row = tally["rows"][0]
    assert {"label", "votes", "confidence"} <= set(row), "the fields clients use are kept"
    assert row["status"] == "confirmed" and row["digits"]["value"] == row["words"]["value"]
    assert row["digits"]["crop"].startswith(f"/api/v1/documents/{record['id']}/pages/2/crop?box=")
    assert tally["totals"]["valid"]["votes"] == tally["valid"]
    assert tally["voters"]["users"]["total"]["JML"]["votes"] == tally["ballots_used"]
    assert all(n["crop"] for n in tally["numbers"])
    crop = client.get(row["words"]["crop"], headers=bearer(tokens["auditor"]))
    assert crop.status_code == 200 and crop.mimetype == "image/jpeg"
    assert crop.headers["Cache-Control"] == "private, no-store"
    image = Image.open(io.BytesIO(crop.data))
    assert image.width >= 240 and image.height < image.width, "a strip of the row, not the page"


def test_given_a_crop_link_when_fetched_without_login_or_with_bad_boxes_then_refused(
    client, tokens, read_form
):
    _, record = read_form
    auditor = bearer(tokens["auditor"])
    url = f"/api/v1/documents/{record['id']}/pages/1/crop"
    assert client.get(url, query_string={"box": "0.1,0.1,0.2,0.2"}).status_code == 401
    for box in (
        "",
        "abc",
        "0.1,0.2,0.3",
        "0.5,0.5,0.4,0.6",
        "nan,0,1,1",
        "0,0,inf,1",
        "1e999,0,1,1",
        "0.5,0.5,0.5,0.9",
        "2,2,3,3",
        "0," * 60 + "1",
    ):
        response = client.get(url, query_string={"box": box}, headers=auditor)
        assert response.status_code == 400, box
        body = response.get_json()
        assert body["error"] == "crop.bad_box" and "box" in body["message"]
    assert client.get(url, headers=auditor).status_code == 400
    clamped = client.get(url, query_string={"box": "-1,-1,0.5,0.2"}, headers=auditor)
    assert clamped.status_code == 200, "a box reaching past the page is clamped to it"
    gone = f"/api/v1/documents/{record['id']}/pages/9/crop"
    assert client.get(gone, query_string={"box": "0,0,1,1"}, headers=auditor).status_code == 404


def test_given_the_record_page_when_shown_then_each_count_links_to_its_crop(
    client, tokens, read_form
):
    _, record = read_form
    page = client.get(f"/documents/{record['id']}", headers=bearer(tokens["auditor"]))
    html = page.get_data(as_text=True)
    assert html.count(f"/api/v1/documents/{record['id']}/pages/2/crop?box=") >= 6
    assert "terkonfirmasi" in html and "Data pemilih" in html


def test_given_the_region_export_when_downloaded_then_each_number_has_its_status(
    client, tokens, read_form
):
    form, record = read_form
    auditor = bearer(tokens["auditor"])
    export = client.get("/api/v1/tally.csv", query_string={"village": "papahan"}, headers=auditor)
    lines = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    assert len(lines) == len(form.expected)
    assert {line["status"] for line in lines} == {"confirmed"}
    users = next(line for line in lines if line["line"] == "USERS.TOTAL.JML")
    assert users["votes"] == str(record["tally"]["ballots_used"])
