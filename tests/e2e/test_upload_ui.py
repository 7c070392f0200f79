"""Uploading as a person at a desk does it: files dropped on the zone, a start button that
cannot be pressed twice while the upload runs, and each refused file's reason in the live
table, in Indonesian."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import fill_region, log_in
from tests.formgen import make_form

pytestmark = pytest.mark.browser

DROP = """([selector, files]) => {
    const transfer = new DataTransfer();
    for (const [name, type, b64] of files) {
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], name, {type}));
    }
    const zone = document.querySelector(selector);
    for (const type of ["dragenter", "dragover", "drop"]) {
        const init = {dataTransfer: transfer, bubbles: true, cancelable: true};
        zone.dispatchEvent(new DragEvent(type, init));
    }
}"""

WATCH_BUTTON = """(button) => {
    window.seenBusy = [];
    new MutationObserver(() => window.seenBusy.push([button.disabled, button.textContent]))
        .observe(button, {attributes: true, childList: true, characterData: true, subtree: true});
}"""


def _file(path, type_="image/png") -> list[str]:
    return [path.name, type_, base64.b64encode(path.read_bytes()).decode()]


def test_bulk_files_are_dropped_the_button_waits_and_refusals_say_why(page, tmp_path):
    scan = make_form(tmp_path / "tps021.png", tps=21, seed=71, village="Suruhkalang")
    junk = tmp_path / "catatan.pdf"
    junk.write_bytes(b"bukan formulir, hanya catatan rapat")
    log_in(page, "arsiparis")
    page.get_by_role("link", name="Unggah massal").click()
    expect(page.get_by_role("heading", name="Unggah massal")).to_be_visible()
    page.wait_for_load_state("load")  # the drop zone's script is set up

    page.evaluate(DROP, ["[data-dropzone]", [_file(scan), _file(junk, "application/pdf")]])
    expect(page.locator("[data-dropzone-list]")).to_contain_text("2 berkas dipilih")
    expect(page.locator("[data-dropzone-list]")).to_contain_text("catatan.pdf")
    fill_region(page, "Suruhkalang")
    start = page.get_by_role("button", name="Mulai unggah")
    start.evaluate(WATCH_BUTTON)
    start.click()

    rows = page.locator("#bulk-files tr")
    expect(rows).to_have_count(2)
    refused = rows.filter(has_text="catatan.pdf")
    expect(refused.locator(".status")).to_have_text("ditolak")
    expect(refused.locator("td.reason")).to_have_text(
        "Berkas ini bukan pindaian PDF, TIFF, JPEG atau PNG, sehingga tidak dapat diarsipkan."
    )
    expect(rows.filter(has_text="tps021.png").locator(".status")).to_have_text(
        re.compile(r"^(siap|perlu ditinjau)$"), timeout=180_000
    )
    # The button was disabled (saying so) while the files went up, and is back afterwards.
    seen = page.evaluate("window.seenBusy")
    assert [True, "Sedang mengunggah…"] in seen, seen
    expect(page.get_by_role("button", name="Mulai unggah")).to_be_enabled()

    page.get_by_role("link", name="Buka halaman batch").click()
    expect(page.locator("#batch-items")).to_contain_text("bukan pindaian PDF")


def test_one_file_is_dropped_and_a_refusal_reads_in_indonesian(page, tmp_path):
    junk = tmp_path / "kosong.png"
    junk.write_bytes(b"")
    log_in(page, "arsiparis")
    page.get_by_role("link", name="Unggah", exact=True).click()
    expect(page.get_by_role("heading", name="Unggah formulir hasil pindaian")).to_be_visible()
    page.wait_for_load_state("load")
    two = [_file(junk), _file(junk)]
    page.evaluate(DROP, ["[data-dropzone]", two])
    expect(page.locator("[data-dropzone-list]")).to_contain_text("Hanya satu berkas")
    page.evaluate(DROP, ["[data-dropzone]", [_file(junk)]])
    expect(page.locator("[data-dropzone-list]")).to_have_text("1 berkas dipilih: kosong.png")
    assert page.get_by_label("Berkas *").evaluate("i => i.files.length") == 1
    page.get_by_role("button", name="Unggah", exact=True).click()
    expect(page.get_by_role("alert")).to_have_text("Berkas kosong.")
