"""The record page in a real browser: the scan comes first with a page strip, zoom, pan and
a quarter turn; the metadata sits beside it; without JavaScript every page is a plain image;
the original and the searchable PDF download under different names, and a download answers
byte ranges so a large PDF opens at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import archive_cli, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser

METADATA = ["--election", "PPWP", "--form-type", "C.HASIL", "--year", "2024",
            "--province", "Jawa Tengah", "--regency", "Karanganyar", "--district", "Jaten",
            "--village", "Ngringo", "--tps", "11"]  # fmt: skip


@pytest.fixture(scope="module")
def two_pages(archive_env, server, tmp_path_factory) -> str:
    scan = make_form(tmp_path_factory.mktemp("viewer") / "ngringo.pdf", fmt="pdf", pages=2,
                     village="Ngringo", tps=11, unique_word="Kembangsore")  # fmt: skip
    out = archive_cli(archive_env, "ingest", str(scan), "--no-wait", *METADATA)
    return out.split("\t", 1)[0].strip()


def _open_ready(page, record_id: str) -> None:
    page.goto(f"/documents/{record_id}")
    expect(page.locator(".record-head .status")).to_have_attribute(
        "data-status", "ready", timeout=180_000
    )


def test_the_scan_comes_first_with_strip_zoom_pan_and_turn(page, two_pages):
    log_in(page, "pemeriksa")
    _open_ready(page, two_pages)
    viewer, meta = page.locator("[data-viewer]"), page.locator(".record-meta")
    expect(page.get_by_role("img", name="Gambar halaman 1")).to_be_visible()
    # The viewer comes first and the metadata beside it (on a desktop-wide window).
    scan_box, meta_box = viewer.bounding_box(), meta.bounding_box()
    assert scan_box["y"] < 400
    assert meta_box["x"] > scan_box["x"] + scan_box["width"] - 1
    assert abs(meta_box["y"] - scan_box["y"]) < 5

    # The page strip turns the page.
    strip = page.get_by_role("navigation", name="Daftar halaman")
    expect(strip.get_by_role("link")).to_have_count(2)
    strip.get_by_role("link", name="Halaman 2").click()
    expect(page.get_by_role("img", name="Gambar halaman 2")).to_be_visible()
    expect(page.get_by_role("img", name="Gambar halaman 1")).to_be_hidden()
    expect(strip.get_by_role("link", name="Halaman 2")).to_have_attribute("aria-current", "page")
    expect(page.locator("[data-page-of]")).to_have_text("Halaman 2 dari 2")

    # Zoom in twice, then drag: the page pans inside its box.
    stage = page.locator("[data-stage]")
    before = page.get_by_role("img", name="Gambar halaman 2").bounding_box()["width"]
    page.get_by_role("button", name="Perbesar").click()
    page.get_by_role("button", name="Perbesar").click()
    expect(viewer).to_have_attribute("data-zoom", "1.5")
    expect(page.locator("[data-zoom-level]")).to_have_text("150%")
    after = page.get_by_role("img", name="Gambar halaman 2").bounding_box()["width"]
    assert after > before * 1.4
    box = stage.bounding_box()
    left = stage.evaluate("s => s.scrollLeft")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 120, box["y"] + box["height"] / 2 - 80, steps=5)
    page.mouse.up()
    assert stage.evaluate("s => s.scrollLeft") > left
    page.keyboard.press("-")  # the keyboard zooms too, once the stage has focus
    expect(viewer).to_have_attribute("data-zoom", "1.25")

    # A quarter turn for a page the automatic turn got wrong.
    page.get_by_role("button", name="Putar 90°").click()
    style = page.get_by_role("img", name="Gambar halaman 2").get_attribute("style")
    assert "rotate(90deg)" in style

    # The strip and the metadata say what is known, never "TPS ?".
    expect(meta).to_contain_text("TPS 011")
    expect(page.locator("body")).not_to_contain_text("TPS ?")


def test_without_javascript_every_page_is_a_plain_image(browser, server, two_pages):
    context = browser.new_context(base_url=server, java_script_enabled=False, locale="id-ID")
    page = context.new_page()
    try:
        log_in(page, "pemeriksa")
        page.goto(f"/documents/{two_pages}")
        expect(page.get_by_role("img", name="Gambar halaman 1")).to_be_visible()
        expect(page.get_by_role("img", name="Gambar halaman 2")).to_be_attached()
        expect(page.get_by_role("button", name="Perbesar")).to_be_hidden()
    finally:
        context.close()


def test_downloads_have_distinct_names_and_answer_ranges(page, two_pages):
    log_in(page, "pemeriksa")
    _open_ready(page, two_pages)
    with page.expect_download() as original:
        page.get_by_role("link", name="Unduh berkas asli").click()
    with page.expect_download() as searchable:
        page.get_by_role("link", name="Unduh PDF teks").click()
    names = original.value.suggested_filename, searchable.value.suggested_filename
    assert names[0].endswith("_asli.pdf") and names[1].endswith("_teks.pdf"), names

    answer = page.evaluate(
        """async (id) => {
            const r = await fetch(`/api/v1/documents/${id}/pdf`, {headers: {Range: "bytes=0-4"}});
            return [r.status, r.headers.get("Content-Range"), await r.text()];
        }""",
        two_pages,
    )
    assert answer[0] == 206
    assert answer[1].startswith("bytes 0-4/")
    assert answer[2] == "%PDF-"

    # "Buka PDF teks di peramban" opens it in the browser, not as a download.
    link = page.get_by_role("link", name="Buka PDF teks di peramban")
    opened = page.request.get(link.get_attribute("href"), headers={"Range": "bytes=0-99"})
    assert opened.status == 206
    assert opened.headers["content-disposition"].startswith("inline")
