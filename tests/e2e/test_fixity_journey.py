"""The fixity page in a real browser: an auditor goes from Beranda's fixity tile to the last
checks of the stored files."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, log_in

pytestmark = pytest.mark.browser


def test_an_auditor_reads_the_last_fixity_checks(page, archive_env):
    out = archive_cli(archive_env, "verify")
    assert "0 missing, 0 changed" in out
    log_in(page, "pemeriksa")
    page.goto("/beranda")
    page.locator("[data-waiting=fixity]").click()
    expect(page.get_by_role("heading", name="Pemeriksaan fixity")).to_be_visible()
    expect(page.get_by_role("link", name="Jejak Audit", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    runs = page.locator("#fixity-runs tbody tr")
    expect(runs.first).to_contain_text("semua")
    expect(page.locator("#fixity-problems")).to_contain_text("Tidak ada berkas yang gagal")
