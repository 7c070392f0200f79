"""Counts the page OCR left unread: a table's count cells found empty on a row are cut from
the page image and read by the digits strip (ingest/tally_cells.py).

On a heavy scan the page OCR reads a printed "91" as "ol:" or "177" as "V7", or drops the
word altogether: the row is found, its count is not. Where a table's counts stand is known
from its other rows (the count columns: counts of two rows or more, one above the other),
so a labelled row with nothing in one of them has that cell looked at again: its ruling
lines taken out, and the ink left, if it is as tall as the row's text, read as a number.
Nothing here assumes a layout: the columns come from the rows themselves. A count read so
is never sure alone (ingest/tally_table.py caps it): the arithmetic may confirm it. On the
tuning forms (bench/tally_bench.py, seeds 1000-1031) it took heavy scans from 96.5 % to
97.4 % of numbers exact (inline digits 38 numbers missed -> 22), wrong confirmed still 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ingest.tally_boxes import DIGIT_PX, INK, ink_runs, profile
from ingest.tally_rows import Row

Span = tuple[int, int]  # left, right in page pixels

RULE = 0.6  # share of a crop's width (height) inked on one pixel row (column): a ruling line
TALLEST = 1.6  # ink taller than this many text heights is no printed count
LOWEST = 0.55  # ... and shorter than this is a speck, a dash or a dot
BAND = 0.95  # the cell's height around the row's middle, in text heights each way


@dataclass(frozen=True)
class RowCounts:
    """What a row of a table holds, as spans: its counts found (digits or boxes), and the
    spans of everything else read on it (label, row number, words) that bound a cell."""

    row: Row
    counts: tuple[Span, ...]
    others: tuple[Span, ...]
    number: Span | None  # the row's number (NO. URUT), to keep its column out
    wanted: bool  # a row that may have counts (labelled)


@dataclass(frozen=True)
class Gap:
    """An empty count cell of a row, with the ink found in it."""

    at: int  # index of the row in the table's rows
    piece: Image.Image  # the ink, black on white, DIGIT_PX tall
    box: tuple[int, int, int, int]  # page pixels


def columns(rows: Sequence[RowCounts]) -> list[Span]:
    """The table's count columns: spans of counts overlapping from row to row, in two rows
    or more; a column where most rows have their row number is the NO column."""
    spans = sorted((s, i) for i, r in enumerate(rows) for s in r.counts)
    merged: list[tuple[int, int, set[int]]] = []
    for (left, right), i in spans:
        if merged and left <= merged[-1][1]:
            a, b, seen = merged[-1]
            merged[-1] = (a, max(b, right), seen | {i})
        else:
            merged.append((left, right, {i}))
    numbers = [r.number for r in rows if r.number is not None]
    out = []
    for left, right, seen in merged:
        ranked = sum(1 for n in numbers if n[0] <= right and n[1] >= left)
        if len(seen) >= 2 and ranked <= len(seen):
            out.append((left, right))
    return out


def find(rows: Sequence[RowCounts], image: Image.Image, slope: float) -> list[Gap]:
    """The empty cells of the count columns, on the rows that want counts, with ink."""
    found: list[Gap] = []
    cols = columns(rows)
    for at, row in enumerate(rows):
        if not row.wanted:
            continue
        for n, col in enumerate(cols):
            if any(s[0] <= col[1] and s[1] >= col[0] for s in row.counts):
                continue
            cell = _cell(row, cols, n)
            if cell is None:
                continue
            gap = _ink(image, row, slope, cell)
            if gap is not None:
                found.append(Gap(at, *gap))
    return found


def _cell(row: RowCounts, cols: list[Span], n: int) -> Span | None:
    """The x span of column ``n``'s cell on ``row``: to halfway to the neighbouring columns
    (a column's own width beyond the outer ones), short of what else the row holds."""
    left, right = cols[n]
    reach = max(right - left, round(3 * row.row.height))
    low = (cols[n - 1][1] + left) // 2 if n > 0 else left - reach
    high = (right + cols[n + 1][0]) // 2 if n + 1 < len(cols) else right + reach
    for a, b in row.others:
        if b <= (left + right) / 2:
            low = max(low, b + 4)
        elif a >= (left + right) / 2:
            high = min(high, a - 4)
        else:
            return None  # the label or the words run into the column: nothing to cut
    return (low, high) if high - low >= row.row.height else None


def _ink(
    image: Image.Image, row: RowCounts, slope: float, cell: Span
) -> tuple[Image.Image, tuple[int, int, int, int]] | None:
    """The cell's ink without its ruling lines: the digits, if they look like a count."""
    h = row.row.height
    middle = row.row.y_at((cell[0] + cell[1]) / 2, slope)
    top, bottom = round(middle - BAND * h), round(middle + BAND * h)
    crop = image.crop((cell[0], top, cell[1], bottom))
    if crop.mode != "L":
        crop = crop.convert("L")
    ink = crop.point([255 if v < INK else 0 for v in range(256)])
    draw = ImageDraw.Draw(ink)
    for a, b in ink_runs(profile(ink, rows=True), RULE):
        draw.rectangle((0, a - 1, ink.width, b + 1), fill=0)
    for a, b in ink_runs(profile(ink, rows=False), RULE):
        draw.rectangle((a - 1, 0, b + 1, ink.height), fill=0)
    ink = ink.filter(ImageFilter.MedianFilter(3))
    across = ink_runs(profile(ink, rows=False), 0.01, gap=max(4, round(0.6 * h)))
    if not across:
        return None
    values = profile(ink, rows=False)
    a, b = max(across, key=lambda r: sum(values[r[0] : r[1] + 1]))
    digits = ink.crop((a, 0, b + 1, ink.height))
    down = ink_runs(profile(digits, rows=True), 0.01, gap=2)
    if not down:
        return None
    values = profile(digits, rows=True)
    c, d = max(down, key=lambda r: sum(values[r[0] : r[1] + 1]))
    if not LOWEST * h <= d - c + 1 <= TALLEST * h:
        return None
    piece = ImageOps.invert(digits.crop((0, c, digits.width, d + 1)))
    width = max(1, round(piece.width * DIGIT_PX / piece.height))
    box = (cell[0] + a, top + c, cell[0] + b + 1, top + d + 1)
    return piece.resize((width, DIGIT_PX), Image.Resampling.LANCZOS), box
