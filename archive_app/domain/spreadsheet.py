"""The one CSV writer every export uses, with spreadsheet formulas defused.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken
by Excel and LibreOffice as a formula: a village typed as ``=HYPERLINK("http://...")``
became a live link in an auditor's export. Such text cells get a leading apostrophe, which
spreadsheets show as text and never run (OWASP's advice); numbers are written as numbers.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

_FORMULA_START = frozenset("=+-@\t\r")


def defuse(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in _FORMULA_START:
        return "'" + value
    return value


class Shared(tuple[Any, ...]):
    """Cells repeated on many lines (a form's place on each of its vote counts), defused
    once, here: a regency's export is millions of cells, and no caller can hand the writer
    a cell that skipped ``defuse``."""

    __slots__ = ()

    def __new__(cls, *cells: Any) -> Shared:
        return super().__new__(cls, map(defuse, cells))


class SafeWriter:
    """csv.writer with every text cell defused."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([defuse(cell) for cell in row])

    def writerow_shared(
        self, head: Shared, cells: Iterable[Any], tail: Shared, last: Iterable[Any] = ()
    ) -> Any:
        """One line: ``Shared`` cells (defused when they were made) around cells of this
        line alone (defused now)."""
        return self._writer.writerow([*head, *map(defuse, cells), *tail,
                                      *map(defuse, last)])  # fmt: skip

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)
