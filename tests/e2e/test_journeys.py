"""The main journeys in a real browser: log in, upload, watch it process, search, open a
record, download; and what an auditor may not do."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill_region, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scans")
    return make_form(
        folder / "c-hasil-papahan-tps007.jpg", fmt="jpeg", tps=7, unique_word="Jambuklutuk"
    )


def test_archivist_uploads_and_watches_it_become_ready(page, scan):
    log_in(page, "arsiparis")
    page.get_by_role("link", name="Unggah", exact=True).click()
    page.get_by_label("Berkas *").set_input_files(str(scan))
    fill_region(page, "Papahan")
    page.get_by_label("TPS", exact=True).fill("007")
    page.get_by_role("button", name="Unggah", exact=True).click()

    expect(page.get_by_text("Berkas diterima dan masuk antrean")).to_be_visible()
    expect(page.locator(".status")).to_contain_text(
        re.compile("Dalam antrean|Sedang diproses|Siap")
    )
    expect(page.locator(".status.ready")).to_contain_text("Siap", timeout=120_000)
    expect(page.locator(".ocr-text").first).to_contain_text("Jambuklutuk")
    expect(page.get_by_role("img", name="Gambar halaman 1")).to_be_visible()


def test_auditor_searches_opens_and_downloads(page, scan):
    log_in(page, "pemeriksa")
    expect(page.get_by_role("link", name="Unggah")).to_have_count(0)
    page.get_by_role("textbox", name="Cari").fill("TPS 007 jambuklutuk")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#total")).to_have_text("1 dokumen ditemukan")
    hit = page.locator("article.hit").first
    expect(hit.locator("mark")).to_have_text(re.compile("Jambuklutuk", re.I))
    expect(hit.locator("img.thumb")).to_be_visible()
    page.locator("a[data-facet=province]").click()  # drill down: the regencies appear
    expect(page.locator("a[data-facet=regency]")).to_have_text("Karanganyar")
    expect(page.locator("#total")).to_have_text("1 dokumen ditemukan")
    hit = page.locator("article.hit").first

    hit.get_by_role("link").last.click()
    expect(page.locator("h1")).to_contain_text("TPS 007")
    with page.expect_download() as original:
        page.get_by_role("link", name="Unduh berkas asli").click()
    downloaded = original.value.path().read_bytes()
    assert hashlib.sha256(downloaded).hexdigest() == hashlib.sha256(scan.read_bytes()).hexdigest()
    with page.expect_download() as pdf:
        page.get_by_role("link", name="Unduh PDF teks").click()
    assert pdf.value.path().read_bytes()[:5] == b"%PDF-"

    response = page.goto("/upload")
    assert response.status == 403


def test_admin_adds_a_user_who_can_then_log_in(page):
    log_in(page, "admin")
    page.get_by_role("link", name="Pengguna").click()
    page.get_by_label("Nama pengguna").fill("pengelola")
    page.get_by_label("Kata sandi (min. 10 karakter)").fill("pengelola pass 1")
    page.get_by_label("Peran", exact=True).select_option("records_officer")
    page.get_by_role("button", name="Tambah").click()
    expect(page.get_by_text("Pengguna pengelola dibuat.")).to_be_visible()
    expect(page.get_by_role("cell", name="pengelola", exact=True)).to_be_visible()


def test_a_wrong_password_is_refused(page):
    page.goto("/login")
    page.get_by_label("Nama pengguna").fill("pemeriksa")
    page.get_by_label("Kata sandi").fill("not the password")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_text("Nama pengguna atau kata sandi salah.")).to_be_visible()
