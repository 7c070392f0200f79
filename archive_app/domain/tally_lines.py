"""A form's lines in the tally CSV, as kept beside its record so an export joins them
instead of writing them.

A regency's export is ~20,000 forms and ~200,000 lines. Decoding each form's vote counts
and writing its cells took most of its 0.8-1.4 s, and a form's counts never change once
read (they are exported as read, never corrected). So the part of a form's lines that
comes from its counts is written once, when the counts are stored, and kept as ``packed``
text. What can change without the counts, the form's place (a reviewer's correction) and
its flags (``review`` ends), is written at export time: one run of cells for all its lines.

A line: the place, then the number's name, votes and confidence, the form's ``consistent``
and flags, then the number's status. Packed, a form's lines are joined by the line end and
hold ``FLAGS`` where the flags go; the place goes before each. That works only when no cell
holds the line end or ``FLAGS`` (nor a NUL, which PostgreSQL cannot store): such a form is
not packed, and is written each time.

``VERSION`` names this layout. Kept lines of another version are not used (the export
writes those forms as it would without them), so a change here must bump it; the test that
pins a form's packed text says so.
"""

from __future__ import annotations

from typing import Any

from archive_app.domain.spreadsheet import CsvLines

VERSION = 1
FLAGS = "\x1f"  # where the flags go (the unit separator: PostgreSQL text holds no NUL)
_SHEET_NUMBERS = ("voters", "users", "disabled", "sheets")


def numbers(tally: dict[str, Any]) -> list[tuple[Any, Any, Any, Any]]:
    """(name, votes, confidence, status) of every number read, in the export's order: the
    candidates, the totals, then the voter data and ballot sheets (named by their key)."""
    keyed = {n["key"]: n for n in tally.get("numbers", [])}
    named = [
        (row["label"], row["votes"], row["confidence"], row.get("status", ""))
        for row in tally["rows"]
    ]
    for name in ("valid", "invalid", "ballots_used"):
        confidence = tally.get("confidences", {}).get(name, "")
        status = keyed.get(name, {}).get("status", "")
        named.append((name.upper(), tally[name], confidence, status))
    named += [
        (n["key"].upper(), n["votes"], n["confidence"], n["status"])
        for n in keyed.values()
        if n["kind"] in _SHEET_NUMBERS
    ]
    return named


def pieces(tally: dict[str, Any], lines: CsvLines) -> list[tuple[str, str]]:
    """Each line's cells before the flags and after them (with their separators), for a
    line ``place + sep + before + flags + after + end``."""
    sep, cell = lines.sep, lines.cell
    consistent = "" if tally["consistent"] is None else str(tally["consistent"]).lower()
    middle = sep + cell(consistent) + sep
    return [
        (
            f"{cell(name)}{sep}{cell(_text(votes))}{sep}{cell(confidence)}{middle}",
            sep + cell(status),
        )
        for name, votes, confidence, status in numbers(tally)
    ]


def packed(tally: dict[str, Any], lines: CsvLines) -> str | None:
    """The form's lines without their place and flags, as kept; None when they cannot be
    told apart again (a cell holds the line end or FLAGS), cannot be stored (a NUL, which
    PostgreSQL text refuses; its JSON holds it escaped) or there are none."""
    end = lines.end
    parts = pieces(tally, lines)
    if not parts or any(c in b or c in a for b, a in parts for c in (end, FLAGS, "\x00")):
        return None
    return end.join(f"{before}{FLAGS}{after}" for before, after in parts)


def unpacked(kept: str, place: str, flags: str, end: str) -> str:
    """The form's lines from ``packed`` text: ``place`` (its cells and the separator after
    them) before each line, ``flags`` (one cell) where they go."""
    return place + kept.replace(FLAGS, flags).replace(end, end + place) + end


def _text(value: Any) -> str:
    return "" if value is None else str(value)
