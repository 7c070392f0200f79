"""The recapitulation check as auditors and operators use it: the master list and published
results imported at the command line, the sums after review and disposition, the comparison
over the API and on the Rekapitulasi page, and its exports."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner

from archive_app.cli import main
from archive_app.recordkeeping import disposition, retention
from archive_app.records import review
from tests.conftest import bearer
from tests.recap_helpers import archived, meta, recap_tally, tally

LIST = (
    "kode_tps,provinsi,kabupaten_kota,kecamatan,kelurahan_desa,dpt\n"
    "3313052001001,Jawa Tengah,Karanganyar,Jaten,Papahan,250\n"
    "3313052001002,Jawa Tengah,Karanganyar,Jaten,Papahan,240\n"
    "3313052001003,Jawa Tengah,Karanganyar,Jaten,Papahan,230\n"
    "3313052002001,Jawa Tengah,Karanganyar,Jaten,Ngringo,260\n"
)


@pytest.fixture
def cli(settings):
    runner = CliRunner()

    def run(*args):
        env = {"ARCHIVE_DATA_DIR": str(settings.data_dir), "ARCHIVE_SECRET_KEY": "test-secret-key"}
        return runner.invoke(main, [str(a) for a in args], env=env)

    return run


@pytest.fixture
def karanganyar(services):
    """Three C.Hasil forms of Papahan (one for a TPS the list does not have), one of
    Ngringo's left out."""
    store = services.metadata
    return {
        "tps1": archived(store, meta("33.13.05.2001", 1), tally([100, 80, 20])),
        "tps2": archived(
            store, meta("33.13.05.2001", 2), tally([60, 70, 10], statuses={"row2": "unsure"})
        ),
        "stray": archived(store, meta("33.13.05.2001", 9), tally([5, 5, 5])),
    }


def recap(client, token, **params):
    response = client.get(
        "/api/v1/recap", query_string={"election": "PPWP", **params}, headers=bearer(token)
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_coverage_names_missing_tps_and_forms_naming_a_tps_not_on_the_list(
    cli, client, tokens, karanganyar, tmp_path
):
    (tmp_path / "tps.csv").write_text(LIST)
    done = cli("tps", "import", tmp_path / "tps.csv", "--year", 2024)
    assert done.exit_code == 0, done.output
    assert "4 station(s) read, 4 new" in done.output
    again = cli("tps", "import", tmp_path / "tps.csv", "--year", 2024)
    assert "4 station(s) read, 0 new" in again.output
    body = recap(client, tokens["auditor"])
    assert set(body) == {"region", "level", "coverage", "rows", "differences", "missing_tps"}
    assert (body["region"], body["level"]) == ("", "nation")
    assert body["coverage"] == {"expected": 4, "archived": 2, "missing": 2}
    assert [t["code"] for t in body["missing_tps"]] == ["3313052001003", "3313052002001"]
    assert body["missing_tps"][0]["name"] == "Papahan TPS 003"
    rows = {r["candidate"]: r for r in body["rows"]}
    assert set(rows["1"]) == {"candidate", "from_forms", "unsure", "recap_form", "published"}
    assert (rows["1"]["from_forms"], rows["2"]["from_forms"], rows["2"]["unsure"]) == (165, 155, 70)
    page = client.get(
        "/rekapitulasi",
        query_string={"election": "PPWP", "region": "33.13.05.2001"},
        headers=bearer(tokens["records_officer"]),
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "TPS ini tidak ada dalam daftar TPS" in html and "Papahan TPS 003" in html
    assert "<svg" not in html  # no differences yet: no chart
    assert (
        client.get("/api/v1/recap?election=PPWP", headers=bearer(tokens["archivist"])).status_code
        == 403
    )
    assert cli("tps", "list").output.strip() == "2024-02-14\t4"


def test_import_errors_name_the_line_and_nothing_is_half_imported(cli, services, tmp_path):
    bad = LIST + "3313052002002,Jawa Tengah,Karanganyar,Jaten,Ngringo,many\n33.13.05,,,,,\n"
    (tmp_path / "bad.csv").write_text(bad)
    done = cli("tps", "import", tmp_path / "bad.csv", "--year", 2024)
    assert done.exit_code == 1
    assert "bad.csv line 6: DPT 'many'" in done.output and "bad.csv line 7" in done.output
    assert services.metadata.tps.polls() == []
    (tmp_path / "3313052001001.json").write_text(json.dumps({"chart": {"1": 5, "2": "x"}}))
    done = cli("results", "import", tmp_path / "3313052001001.json", "--year", 2024)
    assert done.exit_code == 1 and "3313052001001.json chart: 2: 'x' is not a count" in done.output
    assert services.metadata.published.imports("PPWP", 2024) == []
    assert (
        cli("tps", "import", tmp_path / "bad.csv", "--year", 2024, "--election", "PEMILU").exit_code
        == 1
    )


def test_a_published_figure_that_differs_from_the_form_is_listed_down_to_the_crop(
    cli, client, tokens, karanganyar, tmp_path
):
    (tmp_path / "tps.csv").write_text(LIST)
    cli("tps", "import", tmp_path / "tps.csv", "--year", 2024)
    folder = tmp_path / "hhcw"
    folder.mkdir()
    figures = {
        "chart": {"1": 100, "2": 80, "3": 20},
        "ts": "2024-02-15 08:00:00",
        "administrasi": {
            "suara_sah": 200,
            "pemilih_dpt_j": 250,
            "pengguna_dptb_j": 2,
            "suara_total": 202,
        },
    }
    (folder / "3313052001001.json").write_text(json.dumps(figures))
    assert cli("results", "import", folder, "--year", 2024).exit_code == 0
    assert recap(client, tokens["auditor"])["differences"] == []
    figures["chart"]["1"], figures["ts"] = 700, "2024-02-16 09:00:00"
    figures["administrasi"]["suara_total"] = 802
    (folder / "3313052001001.json").write_text(json.dumps(figures))
    done = cli("results", "import", folder, "--year", 2024)
    assert "2 changed since the previous import" in done.output, done.output
    changes = cli("results", "changes", "--year", 2024).output.splitlines()
    assert any(line.startswith("33.13.05.2001.001\thitung\t1\t100\t700") for line in changes)
    body = recap(client, tokens["auditor"])
    first = body["differences"][0]
    assert (first["region"], first["kind"], first["level"]) == (
        "33.13.05.2001.001",
        "published_forms",
        "tps",
    )
    one = next(c for c in first["candidates"] if c["candidate"] == "1")
    assert (one["first"], one["second"], one["difference"]) == (100, 700, 600)
    assert one["crops"][0]["document_id"] == karanganyar["tps1"]
    assert "/pages/1/crop?box=" in one["crops"][0]["crop"]
    tps = client.get(first["drill_down"], headers=bearer(tokens["auditor"])).get_json()
    assert (tps["region"], tps["level"]) == ("33.13.05.2001.001", "tps")
    page = client.get(
        "/rekapitulasi",
        headers=bearer(tokens["auditor"]),
        query_string={"election": "PPWP", "region": "3313052001001"},
    )
    html = page.get_data(as_text=True)
    assert "angka publikasi 700 berbeda dengan formulir 100" in html
    assert "total publikasi 802 melebihi DPT 250 + DPTb 2" in html
    nation = client.get("/rekapitulasi?election=PPWP", headers=bearer(tokens["auditor"]))
    assert "<svg" in nation.get_data(as_text=True)


def test_a_recap_form_that_differs_from_its_villages_is_found_from_the_district_down(
    services, client, tokens, karanganyar
):
    store = services.metadata
    district = recap_tally({"2001": [165, 160, 35]}, [165, 160, 35])
    form = archived(store, meta("33.13.05", form_type="D.HASIL.KECAMATAN"), district)
    body = recap(
        client, tokens["auditor"], province="33", regency="13", district="05", level="district"
    )
    assert (body["region"], body["level"]) == ("33.13.05", "district")
    rows = {r["candidate"]: r for r in body["rows"]}
    assert (rows["2"]["from_forms"], rows["2"]["recap_form"]) == (155, 160)
    kinds = {(d["region"], d["kind"]) for d in body["differences"]}
    assert ("33.13.05", "recap_forms") in kinds and ("33.13.05.2001", "recap_forms") in kinds
    village = next(d for d in body["differences"] if d["region"] == "33.13.05.2001")
    assert village["candidates"][0]["crops"][0]["document_id"] == form
    below = client.get(village["drill_down"], headers=bearer(tokens["auditor"])).get_json()
    assert below["level"] == "village"
    assert (
        client.get(
            "/api/v1/recap?election=PPWP&level=district&province=33",
            headers=bearer(tokens["auditor"]),
        ).status_code
        == 400
    )
    assert (
        client.get(
            "/api/v1/recap?election=PPWP&regency=3313&district=5", headers=bearer(tokens["auditor"])
        ).status_code
        == 400
    )


def test_sums_follow_a_review_correction(services, client, tokens, karanganyar):
    """GIVEN a form filed under the wrong TPS WHEN a records officer corrects it in review
    THEN its votes leave the old TPS's sums and join the new one's, at once."""
    raw = {**meta("33.13.05.2002", 1, village="Ngringo").as_dict(), "tps": "1"}
    review.confirm(services, karanganyar["stray"], raw, "pengelola", records_officer=True)
    village = recap(
        client, tokens["auditor"], province="33", regency="13", district="05", village="2002"
    )
    assert {r["candidate"]: r["from_forms"] for r in village["rows"]}["1"] == 5
    papahan = recap(client, tokens["auditor"], village="33.13.05.2001")
    assert {r["candidate"]: r["from_forms"] for r in papahan["rows"]}["1"] == 160


def test_sums_follow_a_disposition(services, client, tokens):
    """GIVEN a witness copy under a schedule that destroys such copies WHEN an approved
    destruction list is executed THEN its votes leave the sums, and the officers' own form
    stays counted."""
    store = services.metadata
    retention.ensure_schedule(services, "test")
    rows = retention.load_example()
    for row in rows:
        row["form_types"] = [f for f in row["form_types"] if f != "C.HASIL.SALINAN"]
    rows.append(
        {
            "code": "SALINAN",
            "title": "Salinan C.Hasil",
            "form_types": ["C.HASIL.SALINAN"],
            "active_years": 1,
            "inactive_years": 1,
            "disposition": "destroy",
        }
    )
    retention.save_schedule(services, rows, "salinan dimusnahkan", "pengelola")
    copy = archived(
        store, meta("33.13.05.2001", 1, form_type="C.HASIL.SALINAN", year=2014), tally([7, 8, 9])
    )
    retention.refresh(services, ids=[copy])
    assert recap(client, tokens["auditor"], year=2014)["rows"][0]["from_forms"] == 7
    list_id = disposition.propose(services, "destroy", [copy], "usul", "pengelola")
    disposition.decide(services, list_id, True, "setuju", "pejabat")
    disposition.execute(services, list_id, "pengelola")
    assert recap(client, tokens["auditor"], year=2014)["rows"] == []


def test_exports_csv_xlsx_and_the_pdf_with_page_crops(services, client, tokens, karanganyar):
    from openpyxl import load_workbook

    store = services.metadata
    archived(
        store,
        meta("33.13.05", form_type="D.HASIL.KECAMATAN"),
        recap_tally({"2001": [165, 150, 35]}, [165, 150, 35]),
    )
    auditor = bearer(tokens["auditor"])
    params = {"election": "PPWP", "province": "33", "regency": "33.13"}
    comparison = client.get("/api/v1/recap/comparison.csv", query_string=params, headers=auditor)
    assert comparison.status_code == 200 and comparison.mimetype == "text/csv"
    lines = comparison.get_data(as_text=True).splitlines()
    assert lines[0].startswith("region,name,level,candidate")
    differences = client.get(
        "/api/v1/recap/differences.csv", query_string=params, headers=auditor
    ).get_data(as_text=True)
    assert ",recap_forms," in differences
    book = client.get("/api/v1/recap/export.xlsx", query_string=params, headers=auditor)
    sheets = load_workbook(io.BytesIO(book.data)).sheetnames
    assert sheets == ["Perbandingan", "Selisih", "TPS belum ada"]
    pdf = client.get("/api/v1/recap/laporan-selisih.pdf", query_string=params, headers=auditor)
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    actions = [e["action"] for e in store.audit.list(action="recap.export")]
    assert len(actions) == 4


@pytest.mark.slow
def test_a_read_form_joins_its_sums_and_the_same_page_filed_for_another_tps_is_flagged(
    client, tokens, worker, tmp_path
):
    """GIVEN a C.Hasil uploaded for TPS 001, and the same page saved as a JPEG uploaded for
    TPS 002 WHEN both are read THEN the village's sums hold both forms' numbers as read, and
    both are flagged as one page filed for two TPS."""
    from PIL import Image

    from tests.formgen_tally import tally_form
    from tests.integration.api_helpers import upload, wait_settled

    form = tally_form("inline", "light", 7)  # one page, PPWP
    png, jpeg = tmp_path / "tps1.png", tmp_path / "tps2.jpg"
    form.pages[0].save(png, dpi=(300, 300))
    Image.open(png).save(jpeg, quality=60, dpi=(300, 300))
    ids = []
    for path, tps in ((png, "1"), (jpeg, "2")):
        sent = upload(
            client,
            tokens["archivist"],
            path,
            election=form.election.replace(" ", "_"),
            tps=tps,
            region_code="33.13.05.2001",
        )
        assert sent.status_code == 202, sent.get_json()
        ids.append(sent.get_json()["id"])
    records = [wait_settled(client, tokens["auditor"], i) for i in ids]
    assert all(r["status"] == "ready" for r in records), [r["error"] for r in records]
    body = recap(
        client,
        tokens["auditor"],
        election=records[0]["metadata"]["election"],
        village="33.13.05.2001",
    )
    read = [n for n in records[0]["tally"]["rows"] if n["votes"] is not None]
    assert read, records[0]["tally"]
    rows = {r["candidate"]: r["from_forms"] for r in body["rows"]}
    assert rows["1"] == 2 * records[0]["tally"]["rows"][0]["votes"]
    page = client.get(
        "/rekapitulasi",
        headers=bearer(tokens["auditor"]),
        query_string={"election": records[0]["metadata"]["election"], "region": "33.13.05.2001"},
    )
    html = page.get_data(as_text=True)
    assert html.count('data-code="duplicate_page"') == 2


@pytest.mark.slow
def test_a_recap_form_is_read_with_the_same_reader_and_compared_with_its_villages(
    services, client, tokens, worker, tmp_path
):
    """GIVEN the C.Hasil sums of two villages WHEN a D.Hasil Kecamatan whose column for one
    of them differs is uploaded and read THEN its columns and total stand beside the sums,
    and the village where it differs is a difference with the crop of its number."""
    from tests.formgen_recap import recap_form
    from tests.integration.api_helpers import upload, wait_settled

    form = recap_form("short_codes", "light", 100)
    store = services.metadata
    first = sorted(form.children)[0]
    for code, figures in form.children.items():
        votes = [v for k, v in sorted(figures.items()) if k.startswith("row")]
        if code == first:
            votes[0] += 7  # this village's C.Hasil counts paslon 1 seven votes more
        archived(store, meta(regions_dotted(code), 1, election=form.election),
                 tally(votes, figures["invalid"]))  # fmt: skip
    path = tmp_path / "d-hasil.tiff"
    form.pages[0].save(path, "TIFF", dpi=(300, 300), save_all=True, append_images=form.pages[1:])
    sent = upload(client, tokens["archivist"], path, election=form.election,
                  form_type="D.HASIL.KECAMATAN", region_code="33.13.05")  # fmt: skip
    assert sent.status_code == 202, sent.get_json()
    record = wait_settled(client, tokens["auditor"], sent.get_json()["id"])
    assert record["status"] == "ready", record["error"]
    assert record["tally"]["consistent"] is True, record["tally"]["problems"]
    body = recap(client, tokens["auditor"], election=form.election, district="33.13.05")
    rows = {r["candidate"]: r for r in body["rows"]}
    total = sum(v["row1"] for v in form.children.values())
    assert (rows["1"]["recap_form"], rows["1"]["from_forms"]) == (total, total + 7)
    village = next(d for d in body["differences"]
                   if d["kind"] == "recap_forms" and d["level"] == "village")  # fmt: skip
    assert village["region"] == regions_dotted(first)
    one = village["candidates"][0]
    assert (one["candidate"], one["difference"]) == ("1", -7)
    assert one["crops"][0]["document_id"] == record["id"] and one["crops"][0]["crop"]


def regions_dotted(code: str) -> str:
    from vocabulary import regions

    return regions.dotted(code)


@pytest.mark.parametrize("region", ["1", "nope", "33.1", "3313052001001x"])
def test_the_api_refuses_a_region_code_the_page_refuses(client, tokens, region):
    """GIVEN region=1 WHEN asked of the API and of the Rekapitulasi page THEN both answer 400
    (the API ignored the parameter and answered the nation's recap), the API with its stable
    error code; a region code that is one is answered for that region."""
    asked = {"election": "PPWP", "year": 2024, "region": region}
    headers = bearer(tokens["auditor"])
    page = client.get("/rekapitulasi", query_string=asked, headers=headers)
    assert page.status_code == 400
    assert "region harus kode wilayah atau TPS" in page.get_data(as_text=True)  # not English
    response = client.get("/api/v1/recap", query_string=asked, headers=headers)
    assert response.status_code == 400, response.get_json()
    body = response.get_json()
    assert body["error"] == "invalid_parameter" and "region" in body["message"]
    assert recap(client, tokens["auditor"], year=2024, region="33.13")["level"] == "regency"
    both = {**asked, "region": "33", "province": "34"}
    assert client.get("/api/v1/recap", query_string=both, headers=headers).status_code == 400
