"""Result forms of other makers' layouts (tests/formgen_tally.py), read with the real Tesseract.

One form per layout family (digits inline; digits with TERBILANG; printed digits in boxes;
handwritten digits in boxes; a DPR/DPRD party table over two pages), each page OCR'd as the
pipeline does and read by ``read_tally``, the pages checked together by ``combine``. The
seeds are fixed so a failure is reproducible; bench/tally_bench.py measures many more.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ocr, tally
from ingest.models import FileKind, OcrSettings, PageContext, Tally
from ingest.pipeline import process_file
from tests.formgen_tally import TallyForm, tally_form

pytestmark = pytest.mark.slow

ROW_KINDS = ("candidate", "party", "party_total")


def read(form: TallyForm, folder: Path) -> Tally:
    pages = []
    for number, image in enumerate(form.pages, 1):
        path = folder / f"page-{number}.png"
        image.save(path)
        result = ocr.recognize(path, folder / f"ocr-{number}", OcrSettings(), 300)
        page = tally.read_tally(PageContext(number, path, 300, 0, result.text, result.tsv_path))
        if page is not None:
            pages.append(page)
    return tally.combine(pages)


def printed(form: TallyForm) -> dict:
    """What the form prints, keyed as the reader keys it."""
    out, rows = {}, [e for e in form.expected if e.kind in ROW_KINDS]
    for n, e in enumerate(rows, 1):
        out[f"row{n}"] = (e.kind, e.value)
    for e in form.expected:
        if e.kind in ("valid", "invalid", "ballots_used"):
            out[e.kind] = (e.kind, e.value)
        elif e.kind == "sheets":
            out[f"sheets.{e.key}"] = (e.kind, e.value)
        elif e.kind not in ROW_KINDS:
            out[f"{e.kind}.{e.key}.{e.column}"] = (e.kind, e.value)
    return out


def as_read(reading: Tally) -> dict:
    return {n.key: (n.kind, n.votes) for n in reading.numbers}


@pytest.fixture(scope="module")
def forms(tmp_path_factory):
    """Each family's form and its reading, OCR'd once for the module."""
    cases = {
        "inline": ("inline", "light", 1),
        "terbilang": ("terbilang", "light", 1),
        "printed_boxes": ("printed_boxes", "light", 1),
        "handwritten_boxes": ("handwritten_boxes", "light", 1),
        "handwritten_heavy": ("handwritten_boxes", "heavy", 2),
        "dpr": ("dpr", "light", 4),
    }
    out = {}
    for name, (family, level, seed) in cases.items():
        form = tally_form(family, level, seed)
        out[name] = form, read(form, tmp_path_factory.mktemp(name))
    return out


@pytest.mark.parametrize(
    "name",
    ["inline", "terbilang", "printed_boxes", "handwritten_boxes", "handwritten_heavy", "dpr"],
)
def test_given_a_layout_family_when_read_then_every_printed_number_is_read_exactly(forms, name):
    form, reading = forms[name]
    assert as_read(reading) == printed(form)
    assert reading.consistent is True and not tally.needs_review(reading)
    assert {n.status for n in reading.numbers} == {"confirmed"}


def test_given_terbilang_when_read_then_every_count_has_its_digits_and_words_agreeing(forms):
    form, reading = forms["terbilang"]
    rows = [
        n for n in reading.numbers if n.kind in ROW_KINDS + ("valid", "invalid", "ballots_used")
    ]
    assert all(n.digits.value == n.words.value == n.votes for n in rows)
    assert {n.words.source for n in rows} == {"words"}


def test_given_a_dpr_table_over_two_pages_when_read_then_parties_are_checked_across_them(forms):
    form, reading = forms["dpr"]
    pages = {n.page for n in reading.rows}
    assert len(pages) == 2, "the table runs over two pages"
    party_checks = [c for c in reading.checks if c.code == "party_sum"]
    assert len(party_checks) == 3 and all(c.holds for c in party_checks)
    candidates = [n for n in reading.rows if n.kind == "candidate"]
    assert all(n.party.upper().startswith("PARTAI") for n in candidates)


def test_given_every_number_when_read_then_it_points_to_its_place_on_the_page(forms):
    form, reading = forms["printed_boxes"]
    for n in reading.numbers:
        left, top, right, bottom = n.digits.box
        assert 0 <= left < right <= 1 and 0 <= top < bottom <= 1
        assert right - left < 0.3 and bottom - top < 0.06, "a cell, not the page"
    boxed = [n for n in reading.numbers if n.digits.source == "boxes"]
    assert boxed and all(n.digits.box[2] > 0.5 for n in boxed)


@pytest.mark.parametrize(
    ("family", "broken", "code"),
    [
        ("dpr", "party_total", "party_sum"),
        ("inline", "voter_row", "lp_sum"),
        ("terbilang", "valid", "candidates_sum"),
    ],
)
def test_given_a_form_whose_printed_arithmetic_fails_when_read_then_inconsistent(
    tmp_path, family, broken, code
):
    form = tally_form(family, "light", 3, broken=broken)
    reading = read(form, tmp_path)
    assert reading.consistent is False
    failing = [i for i in reading.issues if i.code == code]
    assert failing and failing[0].numbers, "the failed check names its numbers"
    assert tally.needs_review(reading)


def test_given_a_two_page_form_in_one_file_when_the_pipeline_runs_then_pages_are_combined(
    tmp_path,
):
    form = tally_form("dpr", "light", 4)
    source = tmp_path / "form.tiff"
    form.pages[0].save(
        source,
        "TIFF",
        dpi=(300, 300),
        save_all=True,
        append_images=form.pages[1:],
        compression="tiff_lzw",
    )
    out = tmp_path / "out"
    out.mkdir()
    doc = process_file(
        source, FileKind.TIFF, out, OcrSettings(), readers={"tally": tally.read_tally}
    )
    pages = [p.readings["tally"] for p in doc.pages if p.readings["tally"] is not None]
    assert len(pages) == 2
    assert as_read(tally.combine(pages)) == printed(form)
