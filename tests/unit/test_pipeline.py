"""The ingest pipeline end to end, with real Tesseract: what an archivist gets for an upload.

Expensive runs happen once per module (fixtures) and several tests read their results. The two
real-scan tests are marked slow: cardinal.pdf is dense brochure text at four orientations and
multipage.pdf has an 81-megapixel page.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import pymupdf
import pytest
from PIL import Image, ImageChops

from ingest.models import FileKind, OcrSettings, ProcessedDocument
from ingest.pages import iter_pages
from ingest.pipeline import process_file
from tests.formgen import PAGE_PX, make_form, make_text_pdf

WORD = "Kelapagading"  # printed only in the form's notes line: only OCR can know it


def run(source: Path, kind: FileKind, workdir: Path, settings=None, calls=None):
    out = workdir / "out"
    out.mkdir()
    on_page = None if calls is None else (lambda done, total: calls.append((done, total)))
    return process_file(source, kind, out, settings or OcrSettings(), on_page=on_page)


def pdf_pages_text(path: Path) -> list[str]:
    with pymupdf.open(path) as record:
        return [page.get_text() for page in record]


def assert_previews_bounded(record: ProcessedDocument, settings: OcrSettings) -> None:
    for page in record.pages:
        with Image.open(page.view_path) as view, Image.open(page.thumb_path) as thumb:
            assert view.format == thumb.format == "JPEG"
            assert max(view.size) <= settings.view_max_px
            assert max(thumb.size) <= settings.thumb_max_px


@pytest.fixture(scope="module")
def upright(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("upright")
    source = make_form(workdir / "form.png", unique_word=WORD, tps=5, village="Papahan")
    calls: list[tuple[int, int]] = []
    return run(source, FileKind.PNG, workdir, calls=calls), calls


def test_given_an_upright_form_when_processed_then_region_tps_and_unique_word_are_read(upright):
    record, _ = upright
    text = record.pages[0].text
    assert "Papahan" in text
    assert re.search(r"TPS\s*:?\s*005", text)
    assert WORD in text
    assert record.text_path.read_text(encoding="utf-8") == text


def test_given_an_upright_form_when_processed_then_it_is_confident_and_not_turned(upright):
    record, calls = upright
    page = record.pages[0]
    assert (page.source, page.rotation) == ("ocr", 0)
    assert page.confidence > 85 and page.words > 50
    assert (page.width_px, page.height_px) == PAGE_PX
    assert calls == [(1, 1)]


def test_given_an_upright_form_when_processed_then_the_pdf_is_searchable_and_a4(upright):
    record, _ = upright
    with pymupdf.open(record.pdf_path) as pdf:
        assert pdf.page_count == 1
        assert WORD in pdf[0].get_text() and "Papahan" in pdf[0].get_text()
        assert pdf[0].rect.width == pytest.approx(595, abs=2)  # 2480 px at 300 dpi


def test_given_a_png_when_processed_then_its_pixels_lie_unchanged_under_the_text(upright):
    """PNG pages: Tesseract writes the text layer alone and the PNG goes under it as it is."""
    record, _ = upright
    source = record.pdf_path.parent.parent / "form.png"
    with pymupdf.open(record.pdf_path) as pdf:
        [(xref, *_)] = pdf[0].get_images(full=True)
        embedded = Image.open(io.BytesIO(pdf.extract_image(xref)["image"]))
        with Image.open(source) as original:
            assert embedded.size == original.size
            assert ImageChops.difference(embedded.convert("L"), original).getbbox() is None
        assert pdf[0].get_image_bbox(pdf[0].get_images(full=True)[0]) == pdf[0].rect
        assert WORD in pdf[0].get_text()


def test_given_any_document_when_processed_then_view_and_thumbnail_are_bounded(upright):
    assert_previews_bounded(upright[0], OcrSettings())


@pytest.mark.parametrize("scanned_at", [90, 180])
def test_given_a_form_scanned_turned_when_processed_then_it_is_read_upright(tmp_path, scanned_at):
    source = make_form(tmp_path / "turned.png", unique_word=WORD, rotate=scanned_at, noise=0.2)
    record = run(source, FileKind.PNG, tmp_path)
    page = record.pages[0]
    assert page.rotation == (360 - scanned_at) % 360
    assert WORD in page.text and "Papahan" in page.text
    assert (page.width_px, page.height_px) == PAGE_PX
    with Image.open(page.view_path) as view:
        assert view.height > view.width, "the view is upright (portrait) too"


class Probe:
    """A page reader that records where and on what it ran."""

    def __init__(self, pixels_only: bool):
        self.pixels_only = pixels_only
        self.calls: list[tuple[str, int, tuple[int, int]]] = []

    def __call__(self, context):
        self.calls.append((threading.current_thread().name, context.rotation, context.gray.size))
        return {"rotation": context.rotation, "text": bool(context.text)}


@pytest.mark.parametrize("scanned_at", [0, 90])
def test_given_a_pixels_only_reader_then_it_runs_beside_ocr_and_again_on_a_turned_page(
    tmp_path, scanned_at
):
    """Readers that need only pixels run on a side thread while Tesseract reads the page;
    if the page turns out sideways, they run again on the upright copy, after the OCR."""
    source = make_form(tmp_path / "form.png", unique_word=WORD, rotate=scanned_at)
    beside, after = Probe(pixels_only=True), Probe(pixels_only=False)
    out = tmp_path / "out"
    out.mkdir()
    record = process_file(source, FileKind.PNG, out, OcrSettings(),
                       readers={"beside": beside, "after": after})  # fmt: skip
    page = record.pages[0]
    upright = (360 - scanned_at) % 360
    assert page.rotation == upright
    assert list(page.readings) == ["beside", "after"]
    assert page.readings["beside"] == {"rotation": upright, "text": upright != 0}
    assert page.readings["after"] == {"rotation": upright, "text": True}
    assert beside.calls[0][:2] == ("side_0", 0)  # first on the page as scanned, beside OCR
    assert len(beside.calls) == (1 if upright == 0 else 2)
    assert beside.calls[-1][2] == after.calls[-1][2] == (page.width_px, page.height_px)
    assert not after.calls[0][0].startswith("side")


def test_given_a_two_page_tiff_when_processed_then_both_pages_are_read_in_order(tmp_path):
    source = make_form(tmp_path / "batch.tif", fmt="tiff", pages=2, tps=5, unique_word=WORD)
    calls: list[tuple[int, int]] = []
    record = run(source, FileKind.TIFF, tmp_path, calls=calls)
    assert [p.number for p in record.pages] == [1, 2]
    assert "005" in record.pages[0].text and "006" in record.pages[1].text
    in_pdf = pdf_pages_text(record.pdf_path)
    assert len(in_pdf) == 2 and "005" in in_pdf[0] and "006" in in_pdf[1]
    assert record.text_path.read_text(encoding="utf-8").split("\f") == [
        p.text for p in record.pages
    ]
    assert calls == [(1, 2), (2, 2)]


def test_given_page_workers_then_pages_are_prepared_ahead_and_kept_in_order(tmp_path):
    source = make_form(tmp_path / "long.tif", fmt="tiff", pages=4, tps=5, unique_word=WORD)
    calls: list[tuple[int, int]] = []
    record = run(source, FileKind.TIFF, tmp_path, OcrSettings(page_workers=2), calls)
    assert [p.number for p in record.pages] == [1, 2, 3, 4]
    assert [f"{tps:03d}" in p.text for tps, p in zip((5, 6, 7, 8), record.pages, strict=True)] == [
        True
    ] * 4
    in_pdf = pdf_pages_text(record.pdf_path)
    assert [f"{tps:03d}" in text for tps, text in zip((5, 6, 7, 8), in_pdf, strict=True)] == [
        True
    ] * 4
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_given_a_pdf_with_a_text_page_and_a_scan_when_processed_then_only_the_scan_is_ocrd(
    tmp_path,
):
    text_pdf = make_text_pdf(tmp_path / "typed.pdf", "BERITA ACARA rekapitulasi suara Papahan")
    last_pdf = make_text_pdf(tmp_path / "last.pdf", "Lampiran daftar hadir saksi Papahan")
    scan_pdf = make_form(tmp_path / "scan.pdf", fmt="pdf", unique_word=WORD)
    with pymupdf.open(text_pdf) as record, pymupdf.open(scan_pdf) as scan:
        record.insert_pdf(scan)
        with pymupdf.open(last_pdf) as last:  # a text page while the scan is still being read
            record.insert_pdf(last)
        record.save(tmp_path / "mixed.pdf")
    record = run(tmp_path / "mixed.pdf", FileKind.PDF, tmp_path, OcrSettings(page_workers=2))
    typed, scanned, appended = record.pages
    assert (typed.source, typed.confidence, typed.rotation) == ("text", None, 0)
    assert typed.text == "BERITA ACARA rekapitulasi suara Papahan"
    assert scanned.source == "ocr" and WORD in scanned.text
    assert appended.source == "text" and appended.text.startswith("Lampiran")
    assert record.extra["orientation"] == ["page 2: 0 (first pass)"], "pages 1, 3 never went to OCR"
    in_pdf = pdf_pages_text(record.pdf_path)
    assert "BERITA ACARA" in in_pdf[0] and WORD in in_pdf[1] and "Lampiran" in in_pdf[2]


def test_given_a_phone_jpeg_with_an_exif_rotation_when_processed_then_exif_is_applied(tmp_path):
    sideways = make_form(tmp_path / "sideways.png", unique_word=WORD, rotate=270)
    with Image.open(sideways) as image:
        exif = image.getexif()
        exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
        image.save(tmp_path / "phone.jpg", "JPEG", quality=90, exif=exif)
    page = run(tmp_path / "phone.jpg", FileKind.JPEG, tmp_path).pages[0]
    assert page.rotation == 0, "EXIF, not the orientation search, turned it"
    assert (page.width_px, page.height_px) == PAGE_PX
    assert WORD in page.text


def test_given_a_transparent_png_when_processed_then_it_is_read_on_white(tmp_path):
    """Transparent pixels stored as black would make Tesseract see a black page."""
    form = make_form(tmp_path / "form.png", unique_word=WORD)
    with Image.open(form) as gray:
        ink = Image.new("LA", gray.size, 0)
        ink.putalpha(gray.point(lambda v: 255 - v))
        ink.save(tmp_path / "transparent.png")
    page = run(tmp_path / "transparent.png", FileKind.PNG, tmp_path).pages[0]
    assert WORD in page.text and page.confidence > 85


def test_given_a_blank_page_without_dpi_when_processed_then_nothing_is_turned_and_it_is_a4(
    tmp_path,
):
    Image.new("L", PAGE_PX, 255).save(tmp_path / "blank.png")  # no dpi tag
    record = run(tmp_path / "blank.png", FileKind.PNG, tmp_path)
    assert (record.pages[0].words, record.pages[0].rotation) == (0, 0)
    assert record.extra["orientation"] == ["page 1: 0 (first pass)"]
    with pymupdf.open(record.pdf_path) as pdf:
        assert pdf[0].rect.height == pytest.approx(842, rel=0.02), "A4 assumed, not 70 dpi"


def _reference_words(path: Path) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z]{5,}", path.read_text(encoding="utf-8"))}


@pytest.mark.slow
def test_given_the_same_page_at_four_orientations_then_all_come_out_upright(tmp_path, real_scans):
    """cardinal.pdf: linn.png at 0, 90, 180 and 270 degrees. Run at 150 dpi to keep the test
    short: at 300 dpi the sideways brochure page costs Tesseract ~30 s before the fix."""
    settings = OcrSettings(dpi=150)
    record = run(real_scans / "cardinal.pdf", FileKind.PDF, tmp_path, settings)
    assert [p.rotation for p in record.pages] == [0, 270, 180, 90]
    expected = _reference_words(real_scans / "linn.txt")
    for page in record.pages:
        found = {w.lower() for w in re.findall(r"[A-Za-z]{5,}", page.text)}
        assert len(expected & found) >= 0.8 * len(expected), f"page {page.number} unreadable"
        assert (page.width_px, page.height_px) == (1275, 1650)
    assert len(pdf_pages_text(record.pdf_path)) == 4


@pytest.mark.slow
def test_given_a_mixed_real_pdf_with_an_81_megapixel_page_then_every_page_is_archived(
    tmp_path, real_scans
):
    settings = OcrSettings()
    record = run(real_scans / "multipage.pdf", FileKind.PDF, tmp_path, settings)
    assert [p.source for p in record.pages] == ["ocr", "ocr", "ocr", "text", "ocr", "ocr"]
    assert (record.pages[1].width_px, record.pages[1].height_px) == (9000, 9000)
    assert "megapixels" in record.pages[1].text
    assert all(p.rotation == 0 for p in record.pages)
    with pymupdf.open(real_scans / "multipage.pdf") as original:
        own_text = original[3].get_text().strip()
    assert record.pages[3].text == own_text
    in_pdf = pdf_pages_text(record.pdf_path)
    assert len(in_pdf) == 6 and in_pdf[3].strip() == own_text
    assert "throne of England" in in_pdf[4]
    assert_previews_bounded(record, settings)


@pytest.mark.parametrize("keep", [True, False])
def test_given_a_gray_jpeg_then_its_pixels_are_held_only_for_page_readers(tmp_path, keep):
    """The upload is decoded on first use of its preview; in full only if readers need it."""
    source = make_form(tmp_path / "form.jpg", fmt="jpeg")
    settings = OcrSettings(keep_pixels=keep)
    [page] = list(iter_pages(source, FileKind.JPEG, tmp_path, settings))
    assert page.pixels is None  # nothing decoded before Tesseract starts
    assert max(page.preview.size) == settings.view_max_px
    assert (page.pixels.size if page.pixels else None) == (PAGE_PX if keep else None)


def colour_scan(path: Path, **form) -> tuple[Path, bytes]:
    """A colour JPEG scan with an ICC profile, as a colour scanner or phone writes it."""
    from PIL import ImageCms, ImageOps

    gray = Image.open(make_form(path.with_suffix(".gray.png"), **form))
    tinted = ImageOps.colorize(gray, black=(20, 20, 70), white=(250, 244, 228))
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    tinted.save(path, "JPEG", quality=85, dpi=(300, 300), icc_profile=profile)
    return path, profile


def embedded_jpeg(pdf: pymupdf.Document, page: int) -> tuple[bytes, str]:
    """The raw (still JPEG-encoded) data of the page's one image, and its colour space as PDF
    text (``[/ICCBased 7 0 R]``)."""
    [(xref, *_)] = pdf[page].get_images(full=True)
    kind, space = pdf.xref_get_key(xref, "ColorSpace")
    if kind == "xref":
        space = pdf.xref_object(int(space.split()[0]), compressed=True)
    return pdf.xref_stream_raw(xref), space


def icc_profile(pdf: pymupdf.Document, space: str) -> bytes:
    return pdf.xref_stream(int(re.search(r"/ICCBased\s+(\d+) 0 R", space).group(1)))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_given_a_colour_upload_then_its_gray_is_decoded_once_for_tesseract_and_readers(
    tmp_path, monkeypatch, fmt
):
    """Tesseract reads a colour page's gray, and the readers read it beside the run: each
    used to decode it (a JPEG's luminance twice; a PNG in full for its preview and once
    more as gray). A spy counts the gray decodes: a JPEG's once, a PNG's none beyond the
    preview's."""
    import ingest.models
    import ingest.ocr
    import ingest.pages

    source, _ = colour_scan(tmp_path / "colour.jpg", unique_word=WORD)
    if fmt == "PNG":
        with Image.open(source) as image:
            image.save(source.with_suffix(".png"))
        source = source.with_suffix(".png")
    decodes = []
    for module in (ingest.models, ingest.ocr, ingest.pages):
        real = module.decoded_gray
        monkeypatch.setattr(module, "decoded_gray", lambda opened, real=real: (
            decodes.append(threading.current_thread().name) or real(opened)
        ))  # fmt: skip
    beside, after = Probe(pixels_only=True), Probe(pixels_only=False)
    out = tmp_path / "out"
    out.mkdir()
    record = process_file(source, FileKind[fmt], out, OcrSettings(),
                          readers={"beside": beside, "after": after})  # fmt: skip
    page = record.pages[0]
    assert WORD in page.text
    assert beside.calls[0][:2] == ("side_0", 0) and after.calls
    assert beside.calls[0][2] == after.calls[0][2] == (page.width_px, page.height_px)
    assert len(decodes) == (1 if fmt == "JPEG" else 0)


def test_given_a_colour_jpeg_then_it_lies_under_the_text_byte_for_byte_with_its_profile(tmp_path):
    """Tesseract's renderer copied the JPEG but declared it DeviceRGB, dropping its profile."""
    source, profile = colour_scan(tmp_path / "colour.jpg", unique_word=WORD)
    record = run(source, FileKind.JPEG, tmp_path)
    with pymupdf.open(record.pdf_path) as pdf:
        data, space = embedded_jpeg(pdf, 0)
        assert data == source.read_bytes()
        assert icc_profile(pdf, space) == profile
        assert WORD in pdf[0].get_text()
    assert record.pdf_path.stat().st_size < 1.05 * source.stat().st_size


def test_given_a_scanned_pdf_then_its_own_pages_are_kept_under_the_text(tmp_path, real_scans):
    """c02-22.pdf: a 150-dpi colour JPEG page with an ICC profile. Rendered at 300 dpi and
    stored again it was 3x larger and lost the profile; now the page is kept as it is."""
    source = real_scans / "c02-22.pdf"
    record = run(source, FileKind.PDF, tmp_path)
    with pymupdf.open(source) as original, pymupdf.open(record.pdf_path) as pdf:
        (data, space), (data_before, space_before) = (
            embedded_jpeg(pdf, 0),
            embedded_jpeg(original, 0),
        )
        assert data == data_before
        assert icc_profile(pdf, space) == icc_profile(original, space_before)
        assert pdf[0].rect == original[0].rect
        text = pdf[0].get_text()
        assert "widow" in text and "kitchen" in text
        # the text lies over the printed words: "kitchen", on the page's upper half
        kitchen = [pymupdf.Rect(w[:4]) for w in pdf[0].get_text("words") if w[4] == "kitchen"]
        assert kitchen and all(pdf[0].rect.contains(box) for box in kitchen)
        assert all(0.25 < box.y0 / pdf[0].rect.height < 0.5 for box in kitchen)
    assert record.pdf_path.stat().st_size < 1.1 * source.stat().st_size
    assert record.pages[0].source == "ocr" and record.pages[0].confidence > 60
