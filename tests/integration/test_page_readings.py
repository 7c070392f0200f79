"""Metadata read from the page and tally checks, through the API on real backends (embedded
and scale-out): fields filled in, disagreements sent to review, counts checked and flagged."""

from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import bearer
from tests.factories import metadata
from tests.formgen import make_form
from tests.integration.api_helpers import settings_for, upload, wait_searchable, wait_settled
from tests.qr_forms import make_form_with_qr

NOTHING = {k: "" for k in ("election", "form_type", "year", "province", "regency", "district",
                           "village", "tps")}  # fmt: skip


@pytest.fixture(params=["embedded", "scaleout"])
def settings(request, tmp_path):
    """Every test here runs twice: on the embedded adapters and on the scale-out ones."""
    return settings_for(request, tmp_path)


def test_metadata_left_out_is_read_from_the_printed_header(client, tokens, worker, tmp_path):
    form = make_form(tmp_path / "f.png", village="Bolong", district="Karanganyar", tps=17,
                     unique_word="Srikaya")  # fmt: skip
    response = upload(client, tokens["archivist"], form, **NOTHING)
    assert response.status_code == 202, response.get_json()
    record = wait_settled(client, tokens["auditor"], response.get_json()["id"])
    assert record["status"] == "ready", record["error"]
    assert record["metadata"]["village"] == "Bolong" and record["metadata"]["tps"] == 17
    assert record["metadata"]["election"] == "PPWP" and record["metadata"]["form_type"] == "C.HASIL"
    assert (
        record["extracted"]["tps"]["value"] == 17 and record["extracted"]["tps"]["confidence"] > 0.5
    )
    found = wait_searchable(client, tokens["auditor"], {"q": "srikaya", "tps": "17"})
    assert [h["id"] for h in found["hits"]] == [record["id"]]


def test_a_code_on_the_form_that_contradicts_the_typed_tps_sends_the_record_to_review(
    client, tokens, worker, tmp_path
):
    form = make_form_with_qr(tmp_path / "qr.png", "tps=21;village=Papahan", tps=21,
                             village="Papahan")  # fmt: skip
    response = upload(client, tokens["archivist"], form, tps="12")  # the typist swapped digits
    record = wait_settled(client, tokens["auditor"], response.get_json()["id"])
    assert (
        record["review"] is True and record["metadata"]["tps"] == 12
    )  # the person's value is kept
    assert any("tps" in reason for reason in record["review_reasons"])
    review = wait_searchable(client, tokens["auditor"], {"flag": "review"})
    assert [h["id"] for h in review["hits"]] == [record["id"]]


def test_a_page_without_a_header_and_no_metadata_goes_to_review(client, tokens, worker,
                                                                 real_scans):  # fmt: skip
    response = upload(client, tokens["archivist"], real_scans / "linn.png", **NOTHING)
    record = wait_settled(client, tokens["auditor"], response.get_json()["id"])
    assert record["status"] == "ready" and record["review"] is True
    assert any("neither given nor read" in r for r in record["review_reasons"])


def test_an_archivist_confirms_a_record_in_review_and_the_correction_is_audited(
    client, tokens, worker, real_scans
):
    archivist, auditor = bearer(tokens["archivist"]), bearer(tokens["auditor"])
    response = upload(client, tokens["archivist"], real_scans / "linn.png", **NOTHING)
    record = wait_settled(client, tokens["auditor"], response.get_json()["id"])
    queue = client.get("/review", headers=archivist)
    assert queue.status_code == 200 and record["id"] in queue.get_data(as_text=True)
    page = client.get(f"/review/{record['id']}", headers=archivist).get_data(as_text=True)
    assert f"/documents/{record['id']}/pages/1" in page  # the page image is in view
    confirmed = metadata(tps=9)
    incomplete = client.post(f"/review/{record['id']}", headers=archivist,
                             data={**confirmed, "tps": ""})  # fmt: skip
    assert incomplete.status_code == 400 and record["id"] in client.get(
        "/review", headers=archivist
    ).get_data(as_text=True)
    assert (
        client.post(f"/review/{record['id']}", headers=auditor, data=confirmed).status_code == 403
    )
    done = client.post(f"/review/{record['id']}", headers=archivist, data=confirmed)
    assert done.status_code == 302
    after = client.get(f"/api/v1/documents/{record['id']}", headers=auditor).get_json()
    assert after["review"] is False and after["metadata"]["tps"] == 9
    assert after["metadata"]["village"] == "Papahan"
    trail = client.get("/api/v1/audit", query_string={"action": "metadata.review"},
                       headers=bearer(tokens["admin"])).get_json()  # fmt: skip
    [entry] = [e for e in trail["entries"] if e["target"] == f"document:{record['id']}"]
    assert entry["actor"] == "archivist"
    assert entry["details"]["changes"]["tps"] == {"before": 0, "after": 9}
    assert any("neither given nor read" in r for r in entry["details"]["reasons"])
    found = wait_searchable(client, tokens["auditor"], {"tps": "9", "village": "papahan"})
    assert [h["id"] for h in found["hits"]] == [record["id"]]


def test_the_same_review_form_sent_at_once_many_times_confirms_the_record_once(
    app, client, tokens, worker, real_scans
):
    """The probe sent one form eight times at once: three were confirmed, each audited with
    the same "before" values. Exactly one is now, the others are told it changed."""
    from concurrent.futures import ThreadPoolExecutor

    archivist = bearer(tokens["archivist"])
    response = upload(client, tokens["archivist"], real_scans / "linn.png", **NOTHING)
    record = wait_settled(client, tokens["auditor"], response.get_json()["id"])
    assert record["review"] is True
    confirmed = metadata(tps=9)

    def send(_):
        return app.test_client().post(f"/review/{record['id']}", headers=archivist,
                                      data=confirmed).status_code  # fmt: skip

    with ThreadPoolExecutor(6) as pool:
        answers = sorted(pool.map(send, range(6)))
    assert answers == [302] + [409] * 5, answers
    again = client.post(f"/review/{record['id']}", headers=archivist, data=confirmed)
    assert again.status_code == 409  # why, in the page's language
    assert "arsip ini tidak menunggu tinjauan" in again.get_data(as_text=True)
    trail = client.get("/api/v1/audit", query_string={"action": "metadata.review"},
                       headers=bearer(tokens["admin"])).get_json()  # fmt: skip
    assert [e["target"] for e in trail["entries"]].count(f"document:{record['id']}") == 1


def test_a_record_still_waiting_to_be_read_cannot_be_confirmed(client, tokens, real_scans):
    """No worker runs here, so the record stays queued: a confirmation now would be
    overwritten by its readings later, and is refused."""
    record_id = upload(client, tokens["archivist"], real_scans / "typewriter.png",
                    **NOTHING).get_json()["id"]  # fmt: skip
    busy = client.post(f"/review/{record_id}", headers=bearer(tokens["archivist"]),
                       data={"election": "PPWP", "form_type": "C.HASIL", "tps": "3"})  # fmt: skip
    assert busy.status_code == 409 and "Tidak dapat dikonfirmasi" in busy.get_data(as_text=True)


def test_a_tally_that_does_not_add_up_is_flagged_never_corrected(client, tokens, worker,
                                                                 tmp_path):  # fmt: skip
    good = make_form(tmp_path / "good.png", votes=(120, 45, 67), invalid=3, digit_boxes=True,
                     tps=31, seed=3)  # fmt: skip
    bad = make_form(tmp_path / "bad.png", votes=(120, 45, 67), invalid=3, digit_boxes=True,
                    valid_override=250, tps=32, seed=4)  # fmt: skip
    ids = {}
    for name, path, tps in (("good", good, "31"), ("bad", bad, "32")):
        record_id = upload(client, tokens["archivist"], path, tps=tps).get_json()["id"]
        ids[name] = wait_settled(client, tokens["auditor"], record_id)
    good_tally, bad_tally = ids["good"]["tally"], ids["bad"]["tally"]
    assert [r["votes"] for r in good_tally["rows"]] == [120, 45, 67]
    assert good_tally["valid"] == 232 and good_tally["consistent"] is True
    assert bad_tally["valid"] == 250 and bad_tally["consistent"] is False  # as read
    assert "inconsistent" in ids["bad"]["flags"]
    flagged = wait_searchable(client, tokens["auditor"], {"flag": "inconsistent"})
    assert [h["id"] for h in flagged["hits"]] == [ids["bad"]["id"]]
    export = client.get("/api/v1/tally.csv", query_string={"village": "papahan"},
                        headers=bearer(tokens["auditor"]))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True))))
    valid = {r["tps"]: r["votes"] for r in rows if r["line"] == "VALID"}
    assert valid == {"031": "232", "032": "250"}
