"""Vote counts on C.Hasil tally pages: find the rows, read the numbers, check the arithmetic.

Sirekap's OCR misread handwritten counts and published impossible totals (docs/domain.md), so
this reader only assists: it reports what it read with a confidence per number, checks the sums
and lists every problem as a plain English sentence; it never "corrects" a number. ``check`` is
the arithmetic alone; ``needs_review`` is the flag that sends a page to an auditor.

``read_tally`` costs ~0 on other pages: a regex on the page's OCR text comes first. Rows are
found in Tesseract's word table by their printed labels (fuzzy, so OCR noise is tolerated); each
row's count cell is then cut from the page image along its ruling lines, the table levelled
first if the labels slope. Printed counts are taken as the main OCR read them. Counts in
per-digit boxes are not: the main OCR reads every box line as a "1" (``123`` becomes ``11213``).
Their box lines are erased, each box's ink is cut out, the digits of a row are set side by side
as one word, all rows' words go onto one small strip and a single digits-only Tesseract pass
reads them (~0.01 s: the engine stays loaded in the process). bench/tally_bench.py measures
both ways.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace

from ingest.models import PageContext, Tally, TallyRow
from ingest.tally_cells import compose, count_cells, ocr_digits, reading
from ingest.tally_rows import locate_rows, read_lines

log = logging.getLogger(__name__)

MAX_VOTERS = 300  # voters a 2024 TPS may have; pass the configured value as ``max_voters``
LOW_CONFIDENCE = 0.6  # a number read less surely than this goes to a human even if sums hold
TOTALS = {"valid": "valid votes", "invalid": "invalid votes", "ballots_used": "ballots used"}
UNRULED = 0.5  # most a main-OCR count is trusted when no ruled cell was found around it
_TALLY_TEXT = re.compile(r"SUARA\s+(TIDAK\s+)?SAH", re.IGNORECASE)


def check(
    rows: Sequence[TallyRow],
    valid: int | None,
    invalid: int | None,
    ballots_used: int | None,
    confidences: dict,
    *,
    max_voters: int = MAX_VOTERS,
) -> Tally:
    """The checks on what was read, as a Tally.

    ``consistent`` is False when a sum fails or a number exceeds ``max_voters``, True when at
    least one sum could be checked and every check holds, None when no sum could be checked.
    Unread and low-confidence numbers add problems but do not decide ``consistent``.
    """
    problems: list[str] = []
    votes = [row.votes for row in rows]
    checked = failed = False
    if rows and valid is not None and None not in votes:
        checked, total = True, sum(votes)
        if total != valid:
            failed = True
            problems.append(f"candidate votes sum to {total}, but valid votes read {valid}")
    if valid is not None and invalid is not None and ballots_used is not None:
        checked = True
        if valid + invalid != ballots_used:
            failed = True
            problems.append(f"valid {valid} + invalid {invalid} = {valid + invalid}, "
                            f"but ballots used read {ballots_used}")  # fmt: skip
    named = [(f"row {n} ({r.label})", r.votes, r.confidence) for n, r in enumerate(rows, 1)]
    for (key, name), value in zip(TOTALS.items(), (valid, invalid, ballots_used), strict=True):
        named.append((name, value, confidences.get(key, 0.0)))
    for name, value, confidence in named:
        if value is None:
            problems.append(f"{name}: the number could not be read")
            continue
        if value > max_voters:
            failed = True
            problems.append(f"{name}: {value} is more than the {max_voters} voters a TPS has")
        if confidence < LOW_CONFIDENCE:
            problems.append(f"{name}: {value} was read with low confidence ({confidence:.2f})")
    consistent = False if failed else (True if checked else None)
    return Tally(tuple(rows), valid, invalid, ballots_used, dict(confidences), consistent,
                 tuple(problems))  # fmt: skip


def needs_review(tally: Tally) -> bool:
    """The auditor flag: anything but a consistent page whose every number was read surely."""
    return tally.consistent is not True or bool(tally.problems)


def is_tally_page(text: str) -> bool:
    """The cheap first test: tally tables print "SUARA SAH" / "SUARA TIDAK SAH"."""
    return bool(_TALLY_TEXT.search(text))


def read_tally(context: PageContext, *, max_voters: int = MAX_VOTERS) -> Tally | None:
    """Page reader: the page's counts and their checks; None when it holds no tally table."""
    if not is_tally_page(context.text):
        return None
    roles = locate_rows(read_lines(context.tsv_path))
    if not roles:
        return None
    cells = count_cells(context.gray, [line for _, line in roles])
    return assemble(roles, _read_cells(roles, cells, context.dpi), max_voters)


def assemble(roles, readings, max_voters: int = MAX_VOTERS) -> Tally:
    """Readings, in ``roles`` order, as a checked Tally; a total not found reads as None."""
    pairs = list(zip(roles, readings, strict=True))
    rows = [TallyRow(line.label, *read) for (role, line), read in pairs if role == "row"]
    totals = {role: read for (role, _), read in pairs if role != "row"}
    values = [totals.get(key, (None, 0.0)) for key in TOTALS]
    confidences = {key: conf for key, (_, conf) in zip(TOTALS, values, strict=True)}
    tally = check(rows, *(value for value, _ in values), confidences, max_voters=max_voters)
    if rows:
        return tally
    return replace(tally, problems=("no candidate rows were found", *tally.problems))


def _read_cells(roles, cells, dpi: int) -> list[tuple[int | None, float]]:
    """Printed counts from the main OCR; boxed or unread ones through one strip OCR call."""
    readings: list[tuple[int | None, float]] = [(None, 0.0)] * len(roles)
    pending = []
    for i, ((_, line), cell) in enumerate(zip(roles, cells, strict=True)):
        printed = line.number_after(cell.left if cell else line.label_right)
        if printed and not cell:  # no ruled cell found, so boxes cannot be ruled out
            readings[i] = printed[0], min(printed[1], UNRULED)
        elif printed and not cell.boxed:
            readings[i] = printed
        elif cell and cell.pieces:
            pending.append((i, cell))
    if pending:
        strip, bands = compose([cell.pieces for _, cell in pending])
        words = ocr_digits(strip, dpi)
        for (i, cell), band in zip(pending, bands, strict=True):
            readings[i] = reading(words, band, len(cell.pieces) if cell.boxed else 0)
    return readings
