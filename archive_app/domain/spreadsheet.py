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


class SafeWriter:
    """csv.writer with every text cell defused."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([defuse(cell) for cell in row])

    def writerow_defused(self, row: Iterable[Any]) -> Any:
        """A row whose every cell went through defuse() already: an export that repeats a
        form's place on each of its lines defuses it once (a regency's vote counts are
        millions of cells)."""
        return self._writer.writerow(row)

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: TextIO, **options: Any) -> SafeWriter:
    return SafeWriter(out, **options)
