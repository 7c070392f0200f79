"""Page OCR on the engine kept loaded (ingest/ocr.py): what one run leaves, and how it fails."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pymupdf
import pytest

from ingest import ocr, ocr_capi
from ingest.models import OcrSettings
from tests.formgen import make_form

WORD = "Kelapagading"


@pytest.fixture(scope="module")
def form(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ocr")
    return make_form(folder / "form.jpg", fmt="jpeg", tps=5, unique_word=WORD)


def test_given_a_page_then_one_run_writes_the_pdf_text_and_word_table(form, tmp_path):
    result = ocr.recognize(form, tmp_path / "ocr", OcrSettings(), 300)
    assert WORD in result.text and result.words > 50 and result.confidence > 80
    table = result.tsv_path.read_text(encoding="utf-8")
    assert table.startswith("level\tpage_num") and WORD in table  # as the command wrote it
    assert result.text == (tmp_path / "ocr.txt").read_text(encoding="utf-8").strip()
    with pymupdf.open(result.pdf_path) as pdf:
        assert WORD in pdf[0].get_text()
        assert round(pdf[0].rect.width) == 595  # A4 at the dpi given, not Tesseract's 70
        # a JPEG page's PDF holds the text alone: the JPEG goes under it as it is, with its
        # ICC profile (derivatives.PdfAssembler), which Tesseract's renderer would drop
        assert result.text_only_pdf and not pdf[0].get_images()
    whole = ocr.recognize(form, tmp_path / "whole", OcrSettings(), 300, text_only=False)
    with pymupdf.open(whole.pdf_path) as pdf:
        assert not whole.text_only_pdf and pdf[0].get_images() and WORD in pdf[0].get_text()


def test_given_the_same_page_twice_then_the_kept_engine_reads_it_the_same(form, tmp_path):
    first = ocr.recognize(form, tmp_path / "a", OcrSettings(), 300)
    second = ocr.recognize(form, tmp_path / "b", OcrSettings(), 300)
    assert first.text == second.text and first.score == second.score


def test_given_a_page_slower_than_the_timeout_then_it_fails_with_that_reason(form, tmp_path):
    with pytest.raises(ocr.OcrError, match="took longer than"):
        ocr.recognize(form, tmp_path / "slow", OcrSettings(timeout_seconds=0.02), 300)
    assert not list(tmp_path.glob("slow.*"))  # no half-written page PDF or text left behind
    assert WORD in ocr.recognize(form, tmp_path / "again", OcrSettings(), 300).text


def test_given_a_damaged_image_then_ocr_fails_with_a_clear_message(tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    with pytest.raises(ocr.OcrError, match="could not read broken.png"):
        ocr.recognize(broken, tmp_path / "broken", OcrSettings(), 300)
    with pytest.raises(ocr.OcrError, match="could not read broken.png"):
        ocr.measure(broken, OcrSettings(), 100)


def test_given_languages_that_are_not_installed_then_ocr_says_so(form, tmp_path):
    with pytest.raises(ocr.OcrError, match="could not load the languages 'xyz'"):
        ocr.recognize(form, tmp_path / "x", OcrSettings(languages="xyz"), 300)


def _pdf_bytes(path: Path) -> bytes:
    """A page PDF without what differs from run to run (dates, document ids)."""
    return re.sub(rb"/(CreationDate|ModDate) \(D:[^)]*\)|/ID \[[^\]]*\]", b"", path.read_bytes())


@pytest.mark.parametrize("text_only", [True, False])
def test_given_a_page_then_the_c_api_engine_writes_what_tesserocr_wrote(
    form, tmp_path, monkeypatch, text_only
):
    """GIVEN a form WHEN page OCR runs on Tesseract's C API (the interpreter lock free) THEN
    its word table, text and PDF are those tesserocr's ProcessPages wrote."""
    assert ocr_capi.available()  # this platform must not fall back unnoticed
    ours = ocr.recognize(form, tmp_path / "c", OcrSettings(), 300, text_only=text_only)
    monkeypatch.setattr(ocr_capi, "available", lambda: False)
    theirs = ocr.recognize(form, tmp_path / "t", OcrSettings(), 300, text_only=text_only)
    assert ours.tsv_path.read_text() == theirs.tsv_path.read_text()
    assert (ours.text, ours.score, ours.words) == (theirs.text, theirs.score, theirs.words)
    assert _pdf_bytes(ours.pdf_path) == _pdf_bytes(theirs.pdf_path)


def test_given_a_page_being_read_then_another_thread_of_the_process_runs_meanwhile(form, tmp_path):
    """GIVEN page OCR under way WHEN another thread has Python work THEN it runs beside it (the
    pipeline's side thread decodes and makes the previews then); tesserocr's ProcessPages held
    the interpreter lock, and such a thread counted ~50x slower."""
    ocr.recognize(form, tmp_path / "warm", OcrSettings(), 300)  # the engine loaded
    counted, stop = [0], threading.Event()

    def count() -> None:
        while not stop.is_set():
            counted[0] += 1

    def rate(work) -> float:
        counted[0] = 0
        stop.clear()
        thread = threading.Thread(target=count)
        thread.start()
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        stop.set()
        thread.join()
        return counted[0] / seconds

    alone = rate(lambda: time.sleep(0.3))
    beside = rate(lambda: ocr.recognize(form, tmp_path / "read", OcrSettings(), 300))
    assert beside > 0.2 * alone


def test_given_a_colour_page_then_tesseract_reads_its_gray_and_leaves_no_copy(form, tmp_path):
    """A colour page costs Tesseract two 32-bit copies (~70 MB at A4, 300 dpi) and a threshold
    per channel; its gray reads as well (docs/benchmarks.md). GIVEN a colour scan WHEN read
    THEN the word table is the one its gray gives, the file under the text is still the
    colour scan, and the gray handed over is gone."""
    from PIL import Image, ImageOps

    gray = Image.open(form).convert("L")
    colour = ImageOps.colorize(gray, black=(20, 20, 90), white=(250, 238, 215))
    colour.save(tmp_path / "colour.png", dpi=(300, 300))
    colour.convert("L").save(tmp_path / "gray.png", dpi=(300, 300))
    read = ocr.recognize(tmp_path / "colour.png", tmp_path / "colour", OcrSettings(), 300)
    held = ocr.recognize(
        tmp_path / "colour.png", tmp_path / "held", OcrSettings(), 300, gray=colour.convert("L")
    )
    as_gray = ocr.recognize(tmp_path / "gray.png", tmp_path / "gray", OcrSettings(), 300)
    table = as_gray.tsv_path.read_text(encoding="utf-8")
    assert read.tsv_path.read_text(encoding="utf-8") == table
    assert held.tsv_path.read_text(encoding="utf-8") == table
    assert read.image_path == tmp_path / "colour.png" and read.text_only_pdf
    assert not list(tmp_path.glob("*.pgm"))
