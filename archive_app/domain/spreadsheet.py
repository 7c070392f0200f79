"""The one CSV writer every export uses, with spreadsheet formulas defused.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
by Excel and LibreOffice as a formula: a village typed as ``=HYPERLINK("http://...")``
became a live link in an auditor's export. Such text cells get a leading apostrophe, which
spreadsheets show as text and never run (OWASP's advice); numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, TextIO

_FORMULA_START = frozenset("=+-@\t\r")
# types whose equal values are always written alike (CsvLines keeps them by value)
_ALIKE = frozenset((str, int, bool, type(None)))
# cells of these alone are written as they are (by a writer that quotes only what needs it,
# none of them its delimiter, quote, escape or line end character); none starts a formula
_PLAIN_CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_"
_PLAIN = re.compile("[" + _PLAIN_CHARS + "]+")


def defuse(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


class SafeWriter:
    """csv.writer with every text cell defused."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([defuse(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)


class CsvLines:
    """The lines SafeWriter would write, made by joining cells each written once.

    An export of millions of cells from a few thousand distinct values (a regency's tally
    CSV: 200,000 lines of candidates' names, small numbers and a handful of statuses) spent
    most of its second in csv.writer and the defusing of every cell. Here a cell is written
    by the same csv writer, defused, the first time its value comes, and kept; a run of
    cells shared by many lines (a form's place) is joined once. The csv writer writes a
    cell the same whatever its neighbours (but for one empty cell alone on its line), so the
    lines are the writer's, byte for byte (tests/unit/test_csv_lines.py compares them on
    arbitrary cells, in several dialects).
    """

    KEPT = 65_536  # distinct cells kept; past it the store starts again (memory stays flat)

    def __init__(self, **options: Any) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out, **options)
        self.sep = self._writer.dialect.delimiter
        self.end = self._writer.dialect.lineterminator
        # a cell is written beside an empty one (csv writes one empty cell alone as ""),
        # whose text (empty, or "" when every cell is quoted) is then cut off
        empty = self._written(("", ""))
        self._trail = (len(empty) + len(self.sep) + len(self.end)) // 2
        self._kept: dict[tuple[type, Any], str] = {}
        dialect = self._writer.dialect
        special = dialect.delimiter + (dialect.quotechar or "") + (dialect.escapechar or "")
        self._plain = dialect.quoting == csv.QUOTE_MINIMAL and not set(
            special + dialect.lineterminator
        ) & set(_PLAIN_CHARS)

    def cell(self, value: Any) -> str:
        kind = type(value)
        if kind is float:
            key: tuple[type, Any] = (kind, value or str(value))  # 0.0 == -0.0, written apart
        elif kind in _ALIKE:
            key = (kind, value)  # the type too: 1, True and 1.0 are equal, written apart
        else:  # Decimal("1.0") == Decimal("1"), and so on: written every time
            return self._write(value)
        try:
            return self._kept[key]
        except KeyError:
            if len(self._kept) >= self.KEPT:
                self._kept.clear()
            text = self._kept[key] = self._write(value)
            return text

    def once(self, value: Any) -> str:
        """A cell that comes once (a record's id): written, not kept, so that it does not
        push out the values that do repeat. Letters, digits and ``_`` alone, not starting a
        formula, are written as they are whenever the dialect quotes only what needs it."""
        if self._plain and type(value) is str and _PLAIN.fullmatch(value):
            return value
        return self._write(value)

    def _write(self, value: Any) -> str:
        return self._written((defuse(value), ""))[: -self._trail]

    def _written(self, row: tuple[Any, ...]) -> str:
        self._out.seek(0)
        self._out.truncate()
        self._writer.writerow(row)
        return self._out.getvalue()

    def cells(self, values: Iterable[Any]) -> str:
        """A run of cells, joined: part of a line, or a whole one for ``line``."""
        return self.sep.join(map(self.cell, values))

    def line(self, *runs: str) -> str:
        """Runs of cells (from ``cells``) as one line, ending as the writer ends lines.
        (csv writes a line of one empty cell as ``""``; no export here has such lines.)"""
        return self.sep.join(runs) + self.end
