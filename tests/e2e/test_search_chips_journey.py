"""Search in a real browser: active filters are chips a person removes with one click, and
result pages are numbered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def three_forms(archive_env, server, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("chips")
    for tps in (41, 42, 43):
        scan = make_form(folder / f"tps{tps}.png", tps=tps, seed=tps, village="Sroyo")
        archive_cli(archive_env, "ingest", str(scan), "--election", "PPWP", "--form-type",
                    "C.HASIL", "--year", "2024", "--province", "Jawa Tengah", "--regency",
                    "Karanganyar", "--district", "Jaten", "--village", "Sroyo",
                    "--tps", str(tps))  # fmt: skip


def test_filters_are_chips_and_pages_are_numbered(page, three_forms):
    log_in(page, "pemeriksa")
    page.goto("/?village=Sroyo&election=PPWP&per_page=1")
    expect(page.locator("#total")).to_have_text("3 dokumen ditemukan")
    pager = page.get_by_role("navigation", name="Halaman hasil")
    pager.get_by_role("link", name="Halaman 3").click()
    expect(pager.locator("[aria-current=page]")).to_have_text("3")

    chips = page.get_by_role("list", name="Saringan aktif")
    expect(chips.get_by_role("link", name=re.compile("^Hapus saringan"))).to_have_count(2)
    chips.get_by_role("link", name="Hapus saringan Pemilihan: PPWP").click()
    expect(page).to_have_url(re.compile(r"village=Sroyo"))
    expect(page).not_to_have_url(re.compile(r"election=|page=3"))
    expect(page.locator("#total")).to_have_text("3 dokumen ditemukan")
    expect(page.get_by_role("list", name="Saringan aktif").get_by_role("link")).to_have_count(1)
