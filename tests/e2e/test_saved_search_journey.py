"""Search in a real browser: a misspelt village gets "Mungkin maksud Anda", the results are
put in TPS order, and the search is saved and run again from its link."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def kelapamuda(archive_env, server, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("kelapamuda")
    for tps in (53, 51, 52):  # archived out of TPS order
        scan = make_form(folder / f"tps{tps}.png", tps=tps, seed=tps, village="Kelapamuda")
        archive_cli(archive_env, "ingest", str(scan), "--election", "PPWP", "--form-type",
                    "C.HASIL", "--year", "2024", "--province", "Jawa Tengah", "--regency",
                    "Karanganyar", "--district", "Jaten", "--village", "Kelapamuda",
                    "--tps", str(tps))  # fmt: skip


def _tps_order(page) -> list[str]:
    headings = page.locator("article.hit h2").all_inner_texts()
    return [re.search(r"TPS \d{3}", h).group(0) for h in headings]


def test_search_suggest_sort_save_and_run_a_saved_search(page, kelapamuda):
    log_in(page, "pemeriksa")
    page.goto("/?q=Kelapmuda")
    expect(page.locator("#total")).to_have_text("0 dokumen ditemukan")
    suggestion = page.locator("#suggestion")
    expect(suggestion).to_contain_text("Mungkin maksud Anda:")
    suggestion.get_by_role("link", name="kelapamuda").click()
    expect(page.locator("#total")).to_have_text("3 dokumen ditemukan")

    page.get_by_label("Urutkan").select_option("tps")  # runs the search again by itself
    expect(page).to_have_url(re.compile(r"sort=tps"))
    expect(page).to_have_url(re.compile(r"q=kelapamuda"))
    assert _tps_order(page) == ["TPS 051", "TPS 052", "TPS 053"]

    page.get_by_text("Simpan pencarian ini").click()
    page.get_by_label("Nama").fill("Kelapamuda per TPS")
    page.get_by_role("button", name="Simpan", exact=True).click()
    expect(page.get_by_text("Pencarian \u201cKelapamuda per TPS\u201d disimpan.")).to_be_visible()

    page.goto("/")
    page.get_by_role("link", name="Kelapamuda per TPS").click()
    expect(page).to_have_url(re.compile(r"q=kelapamuda.*sort=tps"))
    expect(page.get_by_label("Urutkan")).to_have_value("tps")
    expect(page.locator("#total")).to_have_text("3 dokumen ditemukan")
    assert _tps_order(page) == ["TPS 051", "TPS 052", "TPS 053"]

    page.get_by_role("button", name="Hapus pencarian tersimpan Kelapamuda per TPS").click()
    expect(page.get_by_text("Pencarian \u201cKelapamuda per TPS\u201d dihapus.")).to_be_visible()
    expect(page.get_by_role("link", name="Kelapamuda per TPS")).to_have_count(0)
