"""Recap forms (D.Hasil) read by the tally reader: a column per child region, checked column
by column and row by row (ingest/tally_recap.py). The OCR'd tests use the real Tesseract on
forms of tests/formgen_recap.py; bench/recap_read_bench.py measures many more."""

from __future__ import annotations

import pytest

from ingest import ocr, tally
from ingest.models import OcrSettings, PageContext, Reading, Tally, TallyRow
from ingest.tally_checks import status
from ingest.tally_issues import describe
from tests.formgen_recap import recap_form


def number(key: str, value: int | None, kind: str = "candidate") -> TallyRow:
    reading = Reading(value, 0.95, str(value), (0.1, 0.1, 0.2, 0.12), "print") if value else None
    return status(TallyRow("PASLON", None, 0.0, kind, "votes", key, "", "", "", 1, reading))


def test_a_total_unlike_its_columns_is_the_forms_error_and_is_named():
    columns = {"2001": (10, 20), "2002": (5, 5), "": (15, 26)}
    found = []
    for column, (a, b) in columns.items():
        suffix = f"@{column}" if column else ""
        found += [number(f"row1{suffix}", a), number(f"row2{suffix}", b)]
        found.append(number(f"valid{suffix}", a + b, "valid"))
    read = tally.combine_recap([found])
    assert read.consistent is False
    issues = {i.params["key"]: i for i in read.issues if i.code == "columns_sum"}
    assert set(issues) == {"row2", "valid"}
    issue = issues["row2"]
    assert issue.params["sum"] == 25 and issue.params["total"] == 26
    assert "jumlah kolom wilayah 25" in describe(issue, "id")
    assert [r.votes for r in read.rows] == [15, 26] and read.valid == 41


def test_a_number_missing_from_a_column_leaves_the_sums_undecided_not_failed():
    found = [number("row1@2001", 10), number("row2@2001", 20), number("valid@2001", 30, "valid"),
             number("row1@2002", 5), number("valid@2002", 9, "valid"),
             number("row1", 15), number("row2", 24), number("valid", 39, "valid")]  # fmt: skip
    read = tally.combine_recap([found])
    filled = {n.key: n for n in read.numbers}
    assert filled["row2@2002"].status == "unread" and filled["row2@2002"].votes is None
    assert read.consistent is not False and tally.needs_review(read)
    assert [c.holds for c in read.checks if c.code == "columns_sum"] == [True, None, True]
    lost = Tally((), None, None, None, {}, None, (), (), (), ())
    assert tally.combine_recap([lost]).consistent is None


@pytest.mark.slow
@pytest.mark.parametrize("family,seed", [("short_codes", 100), ("kabkota", 102)])
def test_a_recap_form_is_read_column_by_column(tmp_path, family, seed):
    form = recap_form(family, "light", seed)
    pages = []
    for at, image in enumerate(form.pages, 1):
        path = tmp_path / f"p{at}.png"
        image.save(path, dpi=(300, 300))
        result = ocr.recognize(path, tmp_path / f"o{at}", OcrSettings(), 300)
        page = tally.read_tally(PageContext(at, path, 300, 0, result.text, result.tsv_path))
        assert page is not None
        pages.append(page)
    read = tally.combine_recap(pages)
    values = {n.key: n.votes for n in read.numbers}
    for printed in form.expected:
        column = printed.column[-(2 if family == "kabkota" else 4) :] if printed.column else ""
        key = printed.key + (f"@{column}" if column else "")
        if key not in values:  # printed in full
            key = printed.key + (f"@{printed.column}" if printed.column else "")
        assert values.get(key) == printed.value, key
    assert read.consistent is True and not tally.needs_review(read)
    assert all(n.status == "confirmed" for n in read.numbers)
