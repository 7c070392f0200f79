"""Records management in a real browser: a records officer places a legal hold from a
record's page and proposes the destruction of the records that are due; an approver (the
second pair of eyes) approves; the officer executes and downloads the berita acara."""

from __future__ import annotations

import pymupdf
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser

METADATA = ["--election", "PPWP", "--form-type", "C.KEJADIAN", "--year", "2014",
            "--province", "Jawa Tengah", "--regency", "Karanganyar", "--district", "Kerjo",
            "--village", "Kwadungan"]  # fmt: skip


@pytest.fixture(scope="module")
def due_records(archive_env, server, tmp_path_factory) -> list[str]:
    """Three C.KEJADIAN forms of the 2014 presidential election: due for destruction under the
    example schedule (2 years active + 3 inactive), whether or not OCR has run yet."""
    folder = tmp_path_factory.mktemp("kejadian")
    ids = []
    for tps in (1, 2, 3):
        scan = make_form(folder / f"kejadian-{tps}.png", form_type="C.KEJADIAN", year=2014,
                         district="Kerjo", village="Kwadungan", tps=tps)  # fmt: skip
        out = archive_cli(
            archive_env, "ingest", str(scan), "--no-wait", *METADATA, "--tps", str(tps)
        )
        ids.append(out.split("\t", 1)[0].strip())
    return ids


def test_hold_propose_approve_execute_and_download_the_minutes(
    page, browser, server, due_records, tmp_path
):
    held, *destroyed = due_records

    # A records officer holds one record from its page.
    log_in(page, "petugas")
    page.goto(f"/documents/{held}")
    expect(page.locator("dd[data-retention-state]")).to_have_text("jatuh tempo (musnah)")
    page.get_by_role("link", name="Tahan", exact=True).click()
    page.get_by_label("Nomor perkara *").fill("12/PHPU.PRES-XXII/2024")
    page.get_by_label("Alasan *").fill("Sengketa hasil pemilu di Mahkamah Konstitusi")
    page.get_by_role("button", name="Tahan", exact=True).click()
    expect(page.get_by_text("berlaku untuk 1 arsip")).to_be_visible()
    page.goto(f"/documents/{held}")
    expect(page.locator("dd[data-retention-state]")).to_have_text("ditahan")
    expect(page.get_by_role("link", name="12/PHPU.PRES-XXII/2024")).to_be_visible()

    # ... and proposes the destruction of the district's due records: the held one is not offered.
    page.get_by_role("link", name="Penyusutan").click()
    page.get_by_role("link", name="Usulkan pemusnahan").click()
    page.get_by_label("Kecamatan").fill("Kerjo")
    page.get_by_role("button", name="Tampilkan arsip jatuh tempo").click()
    boxes = page.locator("input[name=record_id]")
    expect(boxes).to_have_count(2)
    assert {boxes.nth(i).get_attribute("value") for i in range(2)} == set(destroyed)
    for i in range(2):  # a new list starts with nothing ticked
        expect(boxes.nth(i)).not_to_be_checked()
        boxes.nth(i).check()
    page.get_by_label("Catatan usulan").fill("Dinilai panitia: sesuai JRA, tidak bernilai guna")
    page.get_by_role("button", name="Usulkan arsip yang dipilih").click()
    expect(page.get_by_text("menunggu persetujuan pejabat")).to_be_visible()
    expect(page.get_by_role("button", name="Setujui")).to_have_count(0)  # four eyes
    list_url = page.url

    # The approver approves.
    other = browser.new_context(base_url=server, accept_downloads=True, locale="id-ID")
    approver = other.new_page()
    approver.set_default_timeout(20_000)
    log_in(approver, "pejabat")
    approver.get_by_role("link", name="Penyusutan").click()
    approver.locator(f"a[href='{list_url.removeprefix(server)}']").click()
    approver.get_by_label("Catatan keputusan (wajib)").fill(
        "Disetujui sesuai berita acara penilaian"
    )
    approver.get_by_role("button", name="Setujui").click()
    expect(approver.locator("h1 .lstatus")).to_have_text("disetujui")
    expect(approver.get_by_role("button", name="Laksanakan pemusnahan")).to_have_count(0)
    other.close()

    # The officer executes and downloads the minutes.
    page.goto(list_url)
    page.get_by_label("Ketik nomor daftar").fill(list_url.rsplit("/", 1)[1])
    page.get_by_role("button", name="Laksanakan pemusnahan").click()
    expect(page.locator("h1 .lstatus")).to_have_text("dilaksanakan")
    expect(page.get_by_text("2 arsip, 0 dikecualikan")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Unduh berita acara (PDF)").click()
    pdf_path = tmp_path / "berita-acara.pdf"
    download.value.save_as(pdf_path)
    assert pdf_path.read_bytes()[:5] == b"%PDF-"
    text = "".join(p.get_text() for p in pymupdf.open(pdf_path))
    assert "BERITA ACARA PEMUSNAHAN ARSIP" in text and "pejabat" in text
    assert all(record_id in text for record_id in destroyed) and held not in text

    page.goto(f"/documents/{destroyed[0]}")
    expect(page.locator("dd[data-retention-state]")).to_have_text("dimusnahkan")
    expect(page.get_by_text("Arsip ini telah dimusnahkan")).to_be_visible()
    page.goto(f"/documents/{held}")
    expect(page.locator("dd[data-retention-state]")).to_have_text("ditahan")
