"""Beranda in a real browser: each role starts from the work that waits for it; the menu
shows counts, marks the page you are on, folds on a phone, and has a skip link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_each_role_starts_from_its_own_work(page):
    log_in(page, "arsiparis")
    page.get_by_role("link", name="Beranda").click()
    expect(page.get_by_role("heading", name="Beranda")).to_be_visible()
    expect(page.locator("[data-waiting=review]")).to_contain_text("Arsip perlu ditinjau")
    expect(page.locator("[data-waiting=failed]")).to_contain_text("Arsip gagal diproses")
    expect(page.locator("[data-waiting=due]")).to_have_count(0)
    expect(page.get_by_role("link", name="Beranda")).to_have_attribute("aria-current", "page")
    page.locator("[data-waiting=failed]").click()
    expect(page.get_by_role("link", name="Dokumen", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.get_by_role("link", name="Gagal", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    page.get_by_role("button", name="Keluar").click()
    log_in(page, "petugas")
    page.goto("/beranda")
    for key in ("review", "due", "coming_due", "proposed", "approved", "holds", "fixity"):
        expect(page.locator(f"[data-waiting={key}]")).to_be_visible()
    expect(page.locator("[data-waiting=failed]")).to_have_count(0)
    page.locator("[data-waiting=holds]").click()
    expect(page.get_by_role("link", name="Penahanan", exact=True)).to_have_attribute(
        "aria-current", "page"
    )


def test_the_skip_link_leads_past_the_menu(page):
    log_in(page, "pemeriksa")
    page.goto("/beranda")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#isi"
    expect(page.locator("main#isi")).to_be_focused()


def test_on_a_phone_the_menu_folds_behind_a_button(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 844},
                                  locale="id-ID")  # fmt: skip
    page = context.new_page()
    try:
        log_in(page, "petugas")
        page.goto("/beranda")
        menu = page.get_by_role("navigation", name="Menu utama")
        expect(menu).to_be_hidden()
        toggle = page.get_by_role("button", name="Menu")
        expect(toggle).to_have_attribute("aria-expanded", "false")
        toggle.click()
        expect(menu).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        menu.get_by_role("link", name="Retensi").click()
        expect(page.get_by_role("heading", name="Retensi arsip")).to_be_visible()
    finally:
        context.close()
