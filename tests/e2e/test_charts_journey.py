"""Charts in a real browser: drawn by the server as SVG, visible without any script, their
numbers one click away as a table, and nothing the Content-Security-Policy refuses."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def _csp_refusals(page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return refused


def test_an_auditor_reads_the_retention_and_tally_charts(page):
    refused = _csp_refusals(page)
    log_in(page, "pemeriksa")
    page.goto("/retention")
    states = page.get_by_role("group", name="Arsip menurut status retensi")  # bars are links
    expect(states).to_be_visible()
    expect(states.locator("rect.bar")).to_have_count(6)
    timeline = page.get_by_role(
        "img", name="Arsip yang jatuh tempo per triwulan, 10 tahun ke depan"
    )
    expect(timeline).to_be_visible()
    expect(timeline.locator("rect.bar")).to_have_count(40)
    figure = page.locator("#grafik-status")
    figure.get_by_text("Lihat angka").click()
    expect(figure.get_by_role("cell", name="jatuh tempo", exact=True)).to_be_visible()

    page.goto("/beranda")
    expect(page.get_by_role("heading", name="Hitungan suara yang perlu diperiksa")).to_be_visible()
    assert refused == []


def test_an_archivist_reads_the_ingest_charts_without_javascript(browser, server):
    context = browser.new_context(base_url=server, java_script_enabled=False, locale="id-ID")
    page = context.new_page()
    try:
        log_in(page, "arsiparis")
        page.goto("/batches")
        pages = page.get_by_role("img", name="Halaman dibaca per jam, 48 jam terakhir (UTC)")
        expect(pages).to_be_visible()
        expect(pages.locator("rect.bar")).to_have_count(48)
        expect(page.get_by_role("group", name="Antrean sekarang")).to_be_visible()
        expect(
            page.get_by_role("img", name="Arsip gagal diproses per jam, 48 jam terakhir (UTC)")
        ).to_be_visible()
    finally:
        context.close()
