"""Exports joined from cells written once (spreadsheet.CsvLines) are the csv writer's lines,
byte for byte: an auditor compares exports, and a cell's text may not depend on which
value came first."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from archive_app.domain import spreadsheet

# Few values, drawn often: most cells are ones the lines have already written.
TEXT = st.sampled_from(["", "Papahan", "=1+1", "-3", "+62", "@x", "\tx", "\rx", " a", "a,b",
                        'say "hi"', "two\nlines", "'", "Jl. Raya; 5", "Ñuñoa ✓", "0"])  # fmt: skip
NUMBER = st.sampled_from([0, 1, -1, 7, 300, 0.0, -0.0, 1.0, 0.93, -0.5, 1e-7,
                          float("inf"), float("nan"), True, False, Decimal("1.0"),
                          Decimal("1"), Decimal("-0")])  # fmt: skip
CELL = st.one_of(TEXT, NUMBER, st.none(), st.text(max_size=6), st.integers())
ROWS = st.lists(st.lists(CELL, min_size=2, max_size=6), min_size=1, max_size=30)
OPTIONS = st.sampled_from([
    {}, {"delimiter": "\t"}, {"delimiter": ";", "lineterminator": "\n"},
    {"quoting": csv.QUOTE_ALL}, {"quoting": csv.QUOTE_NONNUMERIC}, {"quotechar": "'"},
    {"quoting": csv.QUOTE_NONE, "escapechar": "\\"}, {"doublequote": False, "escapechar": "\\"},
])  # fmt: skip


class FewKept(spreadsheet.CsvLines):
    KEPT = 3  # the store starts again every few cells


def _writer_text(rows, options) -> str:
    out = io.StringIO()
    spreadsheet.writer(out, **options).writerows(rows)
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(rows=ROWS, options=OPTIONS)
def test_given_any_cells_when_joined_from_cells_written_once_then_lines_are_the_writers(
    rows, options
):
    for lines in (spreadsheet.CsvLines(**options), FewKept(**options)):
        joined = "".join(lines.line(lines.cells(row)) for row in rows)
        assert joined == _writer_text(rows, options)


@settings(max_examples=100, deadline=None)
@given(head=st.lists(CELL, min_size=1, max_size=4), rows=ROWS)
def test_given_a_run_of_cells_shared_by_many_lines_then_each_line_is_the_writers(head, rows):
    lines = spreadsheet.CsvLines()
    shared = lines.cells(head)
    joined = "".join(lines.line(shared, lines.cells(row)) for row in rows)
    assert joined == _writer_text([[*head, *row] for row in rows], {})


def test_given_cells_a_spreadsheet_would_run_when_joined_then_they_are_text():
    lines = spreadsheet.CsvLines()
    head = lines.cells(("=1+1", "Papahan", "005"))
    text = lines.line(head, lines.cells(("-3", 7, -3)), lines.cells(("@x", "+y")))
    assert text == "'=1+1,Papahan,005,'-3,7,-3,'@x,'+y\r\n"


@settings(max_examples=100, deadline=None)
@given(value=CELL.filter(lambda v: v not in ("", None)), options=OPTIONS)
def test_given_a_line_of_one_cell_then_it_is_the_writers_but_for_one_empty_cell(value, options):
    """The one place a cell's text depends on the line: csv writes a lone empty cell as
    "" (so that the line is not blank). CsvLines does not; no export writes such lines."""
    lines = spreadsheet.CsvLines(**options)
    assert lines.line(lines.cells([value])) == _writer_text([[value]], options)
    plain = spreadsheet.CsvLines()
    assert (plain.line(plain.cells([""])), _writer_text([[""]], {})) == ("\r\n", '""\r\n')


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.one_of(CELL, st.from_regex(r"[0-9a-fZ]{1,32}", fullmatch=True)),
                    min_size=2, max_size=6),
    options=st.one_of(OPTIONS, st.just({"lineterminator": "Z\n"})),
)  # fmt: skip
def test_given_cells_that_come_once_then_they_are_written_as_the_writer_writes_them(
    values, options
):
    """``once`` (a record's id) skips the writer for plain text, in the dialects where the
    writer would write it as it is, and only there."""
    lines = spreadsheet.CsvLines(**options)
    joined = lines.line(lines.sep.join(lines.once(value) for value in values))
    assert joined == _writer_text([values], options)
