"""Bulk upload in a real browser: many files (and a ZIP) uploaded resumably, each file's
progress followed live, and the batch page afterwards."""

from __future__ import annotations

import re
import zipfile

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill_region, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser


def test_archivist_uploads_a_batch_and_follows_every_file(page, tmp_path):
    files = [make_form(tmp_path / f"tps{n:03d}.png", tps=n, seed=40 + n, village="Jetis",
                       unique_word=f"Durian{n}") for n in (11, 12)]  # fmt: skip
    extra = make_form(tmp_path / "tps013.png", tps=13, seed=53, village="Jetis")
    with zipfile.ZipFile(tmp_path / "kotak.zip", "w") as z:
        z.write(extra, "tps013.png")
    log_in(page, "arsiparis")
    page.get_by_role("link", name="Unggah massal").click()
    page.get_by_label("Berkas atau ZIP *").set_input_files(
        [*map(str, files), str(tmp_path / "kotak.zip")]
    )
    page.get_by_label("Nama batch").fill("Desa Jetis kotak 1")
    fill_region(page, "Jetis")
    page.get_by_role("button", name="Mulai unggah").click()

    rows = page.locator("#bulk-files tr")
    expect(rows).to_have_count(3)
    for n in range(3):  # each file's own state, live, until its record settles
        expect(rows.nth(n).locator(".status")).to_have_text(
            re.compile(r"^(siap|perlu ditinjau)$"), timeout=180_000
        )
    expect(page.locator("#bulk-summary")).to_have_text(re.compile(r"^3 / 3$"))

    page.get_by_role("link", name="Buka halaman batch").click()
    expect(page.locator("h1")).to_contain_text("Desa Jetis kotak 1")
    items = page.locator("#batch-items tr")
    expect(items).to_have_count(3)
    expect(page.locator("#batch-items")).to_contain_text("kotak.zip/tps013.png")
    expect(page.locator("#batch-settled")).to_have_text("3 / 3 selesai")
    page.get_by_role("link", name="Batch", exact=True).click()
    expect(page.get_by_role("cell", name="Desa Jetis kotak 1")).to_be_visible()
