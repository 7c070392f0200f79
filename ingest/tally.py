"""Vote counts on C.Hasil result forms: find the tables, read every number twice where the
form allows it, check the arithmetic, and say how far each number can be trusted.

Sirekap's OCR misread handwritten counts and published impossible totals (docs/domain.md), so
this reader only assists: it reports what it read, number by number, with both readings (the
digits, and the amount in words where the form prints a TERBILANG column) and where each
stands on the page; it checks every sum the form allows (ingest/tally_checks.py) and lists
every problem as a stable code with its numbers (ingest/tally_issues.py). It never "corrects"
a number, and shows as confirmed only what two readings or the arithmetic confirm.

``read_tally`` is the page reader; it costs ~0 on other pages (a regex on the page's OCR
text comes first). It works from the page OCR's word table and the page image, on any
layout: the tables are found from their header and section words (ingest/tally_layout.py),
rows from the words' heights (ingest/tally_rows.py), per-digit boxes from the ruling lines
(ingest/tally_boxes.py), their digits and the printed ones read again by one small OCR call
(ingest/tally_cells.py), each row's role and readings put together by ingest/tally_table.py.
A form's numbers may stand on several pages (section I on one, a
DPR party table running over two): ``combine`` checks the pages of a document together.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from ingest.models import Issue, PageContext, Reading, Tally, TallyRow
from ingest.tally_checks import LOW_CONFIDENCE, MAX_VOTERS, evaluate, needs_review, status
from ingest.tally_issues import describe
from ingest.tally_recap import combine_recap, is_recap_page, read_recap
from ingest.tally_rows import read_words, rows_of, slant
from ingest.tally_table import Found, read_page

__all__ = [
    "LOW_CONFIDENCE",
    "MAX_VOTERS",
    "check",
    "combine",
    "combine_recap",
    "is_tally_page",
    "needs_review",
    "no_table",
    "read_tally",
]

log = logging.getLogger(__name__)

TOTALS = {"valid": "valid votes", "invalid": "invalid votes", "ballots_used": "ballots used"}
_TALLY_TEXT = re.compile(
    r"SUARA\s+(TIDAK\s+)?SAH|TIDAK\s+SAH|PEROLEHAN\s+SUARA|DATA\s+PEMILIH|HAK\s+PILIH",
    re.IGNORECASE,
)
ROW_KINDS = ("candidate", "party", "party_total")


def is_tally_page(text: str) -> bool:
    """The cheap first test: a tally page prints "SUARA SAH", "PEROLEHAN SUARA" or the voter
    data's "DATA PEMILIH" / "HAK PILIH"."""
    return bool(_TALLY_TEXT.search(text))


def read_tally(context: PageContext, *, max_voters: int = MAX_VOTERS) -> Tally | None:
    """Page reader: the page's counts and their checks; None when it holds no tally table."""
    if not is_tally_page(context.text):
        return None
    if is_recap_page(context.text):  # a D.Hasil: a column per child region
        return read_recap(context)
    words = read_words(context.tsv_path)
    slope = slant(words)
    found = read_page(rows_of(words, slope), context.gray, slope, context.dpi)
    if not found:
        return None
    return combine([(context.number, found)], max_voters=max_voters)


def numbers_of(page: int, found: Sequence[Found]) -> list[TallyRow]:
    """The numbers of one page's rows, without keys yet."""
    out = []
    for row in found:
        for column, digits in row.digits.items():
            words = row.words if column in ("votes", "JML") else None
            number = TallyRow(
                row.label, None, 0.0, row.kind, column, "", row.role, "", "", page, digits, words
            )
            out.append(status(number))
    return out


def combine(pages, *, max_voters: int = MAX_VOTERS) -> Tally:
    """One checked Tally for a form's pages, in page order.

    ``pages`` are (page number, rows found) pairs, or page Tallies as ``read_tally`` returns
    them. Table rows are taken in page order (a party's candidates may continue on the next
    page); a total or a line of section I read on two pages is kept from the first.
    """
    numbers: list[TallyRow] = []
    for item in sorted(pages, key=_page_number):
        if isinstance(item, Tally):
            numbers += [status(replace(n, key="", party="")) for n in item.numbers]
        else:
            numbers += numbers_of(*item)
    numbers, duplicates = _keys(numbers)
    tally = evaluate(numbers, max_voters)
    if duplicates:
        extra = tuple(duplicates)
        tally = replace(
            tally,
            issues=tally.issues + extra,
            problems=tally.problems + tuple(describe(i, "en") for i in extra),
        )
    return tally


def no_table() -> Tally:
    """The tally of a result form on which no vote table could be read: flagged."""
    tally = evaluate([], MAX_VOTERS)
    issue = Issue("no_table", {})
    return replace(tally, issues=(issue,), problems=(describe(issue, "en"),))


def _page_number(item) -> int:
    if isinstance(item, Tally):
        return min((n.page for n in item.numbers), default=0)
    return item[0]


def _keys(numbers: list[TallyRow]) -> tuple[list[TallyRow], list[Issue]]:
    """Stable keys ("row3", "valid", "users.dpt.JML"), each row's party, and duplicates."""
    out: list[TallyRow] = []
    seen: dict[str, TallyRow] = {}
    duplicates: list[Issue] = []
    party, count = "", 0
    for number in numbers:
        if number.kind in ROW_KINDS:
            count += 1
            key = f"row{count}"
            if number.kind == "party":
                party = number.label
            number = replace(number, key=key, party=party if number.kind == "candidate" else "")
            if number.kind == "party_total":
                party = ""
        elif number.kind in TOTALS:
            key = number.kind
        else:
            column = "" if number.column == "votes" else number.column
            key = ".".join(p for p in (number.kind, number.role, column) if p)
        if key in seen:  # a second page of the same form, or a line taken for another
            pages = f"{seen[key].page}, {number.page}"
            duplicates.append(
                Issue("duplicate", {"key": key, "label": number.label, "pages": pages}, (key,))
            )
            continue
        number = replace(number, key=key)
        seen[key] = number
        out.append(number)
    return out, duplicates


def check(
    rows: Sequence[TallyRow],
    valid: int | None,
    invalid: int | None,
    ballots_used: int | None,
    confidences: dict,
    *,
    max_voters: int = MAX_VOTERS,
) -> Tally:
    """The checks on counts given as plain numbers with confidences (one reading each)."""
    numbers = []
    for n, row in enumerate(rows, 1):
        reading = _reading(row.votes, row.confidence)
        number = replace(row, key=f"row{n}", digits=reading, words=None)
        numbers.append(status(number))
    for key, value in zip(TOTALS, (valid, invalid, ballots_used), strict=True):
        reading = _reading(value, confidences.get(key, 0.0))
        numbers.append(status(TallyRow(TOTALS[key], None, 0.0, key, key=key, digits=reading)))
    return evaluate(numbers, max_voters)


def _reading(value: int | None, confidence: float) -> Reading:
    return Reading(value, confidence, "" if value is None else str(value), None, "print")
