"""The review queue in a real browser: a form uploaded without metadata, whose page does not
carry it legibly, waits for an archivist, who fills it in with the page image in view."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill_region, log_in

pytestmark = pytest.mark.browser


def test_archivist_confirms_a_form_the_machine_could_not_read(page, real_scans):
    log_in(page, "arsiparis")
    page.get_by_role("link", name="Unggah", exact=True).click()
    page.get_by_label("Berkas *").set_input_files(str(real_scans / "linn.png"))
    page.get_by_role("button", name="Unggah", exact=True).click()  # no metadata typed at all

    # Waiting for a person is its own status, not a green "Siap"; the unknown TPS says so.
    expect(page.locator(".status.review")).to_contain_text("Perlu ditinjau", timeout=120_000)
    expect(page.get_by_text("Metadata perlu ditinjau")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("TPS ?")
    record_path = urlparse(page.url).path
    page.get_by_role("link", name="Dokumen", exact=True).click()
    page.get_by_role("link", name="Perlu ditinjau", exact=True).click()
    expect(page.locator(f"table.list a[href='{record_path}']")).to_have_count(1)
    page.get_by_role("link", name="Siap", exact=True).click()
    expect(page.locator(f"table.list a[href='{record_path}']")).to_have_count(0)
    page.goto(record_path)
    page.get_by_role("link", name="Tinjau sekarang").click()

    expect(page.get_by_role("img", name="Halaman 1")).to_be_visible()
    fill_region(page, "Papahan")
    page.get_by_label("TPS *", exact=True).fill("")
    page.get_by_role("button", name="Konfirmasi").click()
    expect(page.get_by_label("TPS *", exact=True)).to_be_focused()  # the browser asks for it

    page.get_by_label("TPS *", exact=True).fill("23")
    page.get_by_role("button", name="Konfirmasi").click()
    expect(page.get_by_text("Metadata dikonfirmasi")).to_be_visible()

    page.get_by_role("link", name="Cari", exact=True).click()
    page.get_by_role("textbox", name="Cari").fill("TPS 023 papahan")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="C.HASIL · PPWP 2024 · TPS 023 Papahan")).to_be_visible()
