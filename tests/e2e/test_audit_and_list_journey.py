"""The audit trail and the document list in a real browser: an auditor narrows the trail to
today's uploads, reads the record's title instead of its id and follows it to the record;
a range that ends before it starts is told in words; the list shows the first page small.
Screenshots are kept in the test's temporary folder, never committed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, keep, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser

TITLE = "C.HASIL PPWP 2024 · Wonorejo, Kec. Jaten, Karanganyar · TPS 061"


@pytest.fixture(scope="module")
def a_record(archive_env, server, tmp_path_factory) -> str:
    scan = make_form(tmp_path_factory.mktemp("audit") / "tps061.png", tps=61, seed=61,
                     village="Wonorejo")  # fmt: skip
    out = archive_cli(archive_env, "ingest", str(scan), "--election", "PPWP", "--form-type",
                      "C.HASIL", "--year", "2024", "--province", "Jawa Tengah", "--regency",
                      "Karanganyar", "--district", "Jaten", "--village", "Wonorejo",
                      "--tps", "61")  # fmt: skip
    return out.split("\t", 1)[0].strip()


def test_an_auditor_filters_the_trail_by_date_and_opens_the_record_by_its_title(
    page, a_record, request
):
    today = datetime.now(UTC).date()
    log_in(page, "pemeriksa")
    page.goto("/audit")
    page.get_by_label("Tindakan").select_option(label="Mengunggah dokumen")
    page.get_by_label("Dari tanggal (UTC)").fill(today.isoformat())
    page.get_by_label("Sampai tanggal (UTC)").fill(today.isoformat())
    page.get_by_role("button", name="Saring").click()
    expect(page).to_have_url(re.compile(rf"action=upload.*from={today}.*to={today}"))

    rows = page.locator("table.audit tbody tr")
    expect(rows.first.get_by_role("link", name="Mengunggah dokumen")).to_have_attribute(
        "title", "upload"
    )
    title = page.get_by_role("link", name=TITLE)
    expect(title).to_have_attribute("title", f"document:{a_record}")
    expect(page.locator("table.audit")).not_to_contain_text(f"document:{a_record}")
    expect(page.locator("dl.details dt", has_text="SHA-256").first).to_be_visible()
    keep(page, request, "audit-filtered")
    title.click()
    expect(page).to_have_url(re.compile(rf"/documents/{a_record}$"))

    page.goto("/audit")
    page.get_by_label("Dari tanggal (UTC)").fill((today + timedelta(days=1)).isoformat())
    page.get_by_label("Sampai tanggal (UTC)").fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Saring").click()
    expect(page.get_by_role("alert")).to_have_text("Tanggal awal jatuh setelah tanggal akhir.")
    expect(page.get_by_label("Dari tanggal (UTC)")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("table.audit tbody")).to_contain_text("Tidak ada entri.")

    page.get_by_label("Dari tanggal (UTC)").fill("2001-01-01")
    page.get_by_label("Sampai tanggal (UTC)").fill("2001-01-02")
    page.get_by_role("button", name="Saring").click()
    expect(page.locator("table.audit tbody")).to_contain_text("Tidak ada entri.")
    expect(page.get_by_role("alert")).to_have_count(0)


def test_the_document_list_shows_each_records_first_page(page, a_record, request):
    log_in(page, "pemeriksa")
    page.goto("/documents")
    row = page.locator("table.list tbody tr", has=page.locator(f'a[href="/documents/{a_record}"]'))
    thumb = row.get_by_role("img", name="Halaman 1 dari C.HASIL TPS 061")
    thumb.scroll_into_view_if_needed()
    expect(thumb).to_have_attribute("loading", "lazy")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    box = thumb.bounding_box()
    assert box and (round(box["width"]), round(box["height"])) == (48, 64)
    keep(page, request, "thumbnails")
