"""The count cells of a tally table in the page image, and the digits in them.

Each row's count cell is cut from the page image along its ruling lines, the table levelled
first if the labels slope. Counts in per-digit boxes have their box lines erased, each box's ink
cut out, the digits of a row set side by side as one word, all rows' words put onto one small
strip, and a single digits-only Tesseract pass reads them (~0.01 s with the engine kept loaded,
as page OCR keeps its own: see ingest/ocr.py).
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import tesserocr
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ingest.ocr import TSV_HEADER, kept_engine
from ingest.tally_rows import Line, Word, parse_words

log = logging.getLogger(__name__)

INK = 140  # grey level below which a pixel is ink
# A column inked over this share of a row's height is a ruling line. Box sides span ~0.8;
# a digit's stem plus the box's top and bottom edges stay under ~0.65.
RULE = 0.72
# Digits are thickened and scaled to this height before the strip OCR: measured on 60 boxed forms
# (405 numbers) it reads 393 right against 379 for the pieces as cut. ``DIGIT_LANG`` "eng" read
# 395 but starts 25 ms slower than "ind" (0.096 vs 0.070 s CPU), which the budget cannot spare.
DIGIT_PX = 36
DIGIT_LANG = "ind"
# The table is levelled when its labels slope more than this many degrees; below it the narrow
# projections in _between_rules and the rule test (RULE) tolerate the slant.
LEVEL = 0.4
MISCOUNTED = 0.3  # confidence of a number whose digit count differs from its inked boxes


@dataclass(frozen=True)
class Cell:
    left: int  # page x of the cell's left ruling line
    boxed: bool  # ruling lines inside the cell: per-digit boxes
    pieces: tuple[Image.Image, ...]  # each box's ink (or the whole printed number), black on white


def count_cells(image: Image.Image, lines: Sequence[Line]) -> list[Cell | None]:
    """The count cell right of each row's label, or None where no ruled cell is found.

    Works on an ink mask (255 = ink) with Pillow's BOX resize as a projection: a pixel row (or
    column) whose mean is near 255 is a ruling line; digits never span a whole cell. Projections
    need level lines (0.4 degrees of skew already smears a rule over ten pixel rows), so the
    table region is first turned level by the skew the label words show.
    """
    reach = 4 * max(line.height for line in lines)
    ys = [int(line.center_y) for line in lines]
    left, top = max(0, min(line.label_right for line in lines) - 200), max(0, min(ys) - reach)
    region = image.crop((left, top, image.width, min(image.height, max(ys) + reach))).convert("L")
    turn = math.atan(_skew(lines))
    if abs(turn) > math.radians(LEVEL):
        region = region.rotate(math.degrees(turn), Image.Resampling.NEAREST, fillcolor=255)
    ink = region.point([255 if v < INK else 0 for v in range(256)])
    center = (region.width / 2, region.height / 2)
    return [_cell(ink, line, _turned(line, left, top, center, turn), reach) for line in lines]


def _skew(lines: Sequence[Line]) -> float:
    """Slope (dy/dx) of the text: the median over labels of the slope of their words' tops.

    Only words of the label's usual height count: capitals share a top line, while a speck
    that touches a word, or a "J" below the baseline, makes its box taller."""
    slopes = []
    for line in lines:
        words = [w for w in line.label_words if abs(w.height - line.height) <= 0.12 * line.height]
        xs = [w.left + w.width / 2 for w in words]
        if len(words) < 2 or max(xs) - min(xs) < 300:
            continue
        mx, my = sum(xs) / len(xs), sum(w.top for w in words) / len(words)
        sxy = sum((x - mx) * (w.top - my) for x, w in zip(xs, words, strict=True))
        slopes.append(sxy / sum((x - mx) ** 2 for x in xs))
    return sorted(slopes)[len(slopes) // 2] if slopes else 0.0


def _turned(line: Line, ox: int, oy: int, center, turn: float) -> tuple[int, int]:
    """Where the row's label end lands in the levelled region (Pillow turns anticlockwise)."""
    x, y = line.label_right - ox - center[0], line.center_y - oy - center[1]
    cos, sin = math.cos(turn), math.sin(turn)
    return int(center[0] + x * cos + y * sin), int(center[1] - x * sin + y * cos)


def _cell(ink: Image.Image, line: Line, at: tuple[int, int], reach: int) -> Cell | None:
    """The ruled cell right of the label end ``at`` (levelled-region pixels) and its pieces."""
    x, y = at[0] + 20, at[1]
    top = max(0, y - reach)
    rows = _between_rules(ink.crop((x, top, x + 400, y + reach)), y - top, line.height)
    if rows is None:
        return None
    inner = ink.crop((x, top + rows[0], ink.width, top + rows[1]))
    rules = _runs(_profile(inner, rows=False), RULE)
    if len(rules) < 2:
        return None
    spans = [(a[1] + 3, b[0] - 2) for a, b in itertools.pairwise(rules) if b[0] - a[1] > 8]
    boxed = len(spans) > 1
    if boxed:  # the boxes are alike; margins between the cell's border and the boxes are not
        usual = sorted(b - a for a, b in spans)[len(spans) // 2]
        spans = [(a, b) for a, b in spans if abs(b - a - usual) <= 0.3 * usual]
    pieces = (_piece(inner.crop((a, 0, b, inner.height))) for a, b in spans)
    left = line.label_right + 20 + rules[0][0]  # along a level row, page x barely moves
    return Cell(left, boxed, tuple(p for p in pieces if p))


def _between_rules(band: Image.Image, middle: int, text_height: int) -> tuple[int, int] | None:
    """Rows of ``band`` between the ruling lines just above and just below the row's text.

    ``band`` is kept narrow (400 px) so a rule that is not quite level still fills its rows."""
    rules = _runs(_profile(band, rows=True), 0.5)
    above = [end for start, end in rules if end < middle - text_height // 2]
    below = [start for start, end in rules if start > middle + text_height // 2]
    if not above or not below:
        return None
    return above[-1] + 3, below[0] - 2


def _piece(box: Image.Image) -> Image.Image | None:
    """The box's digit without its ruling lines and specks, or None for an empty box."""
    box = box.copy()
    draw = ImageDraw.Draw(box)
    for start, end in _runs(_profile(box, rows=True), 0.8):
        draw.rectangle((0, start - 1, box.width, end + 1), fill=0)
    box = box.filter(ImageFilter.MedianFilter(3))
    columns = _blob(_profile(box, rows=False))
    if columns is None:
        return None
    box = box.crop((columns[0], 0, columns[1] + 1, box.height))
    rows = _blob(_profile(box, rows=True))
    if rows is None or rows[1] - rows[0] < 0.2 * box.height:
        return None  # a speck or a dash, not a digit
    digit = ImageOps.invert(box.crop((0, rows[0], box.width, rows[1] + 1)))
    digit = digit.filter(ImageFilter.MinFilter(3))  # thin pen strokes read as other digits
    width = max(1, round(digit.width * DIGIT_PX / digit.height))
    return digit.resize((width, DIGIT_PX), Image.Resampling.LANCZOS)


def _profile(image: Image.Image, *, rows: bool) -> list[float]:
    """Share of ink per pixel row (or column), by averaging in C."""
    size = (1, image.height) if rows else (image.width, 1)
    return [v / 255 for v in image.resize(size, Image.Resampling.BOX).tobytes()]


def _runs(values: list[float], threshold: float, gap: int = 0) -> list[tuple[int, int]]:
    """(first, last) index of each run at or above threshold; runs ``gap`` apart are joined."""
    runs: list[list[int]] = []
    for i, value in enumerate(values):
        if value >= threshold:
            if runs and i - runs[-1][1] <= gap + 1:
                runs[-1][1] = i
            else:
                runs.append([i, i])
    return [(a, b) for a, b in runs]


def _blob(values: list[float]) -> tuple[int, int] | None:
    """The run of inked positions holding the most ink: the digit, not a stray speck."""
    runs = _runs(values, 0.01, gap=max(4, len(values) // 10))
    return max(runs, key=lambda r: sum(values[r[0] : r[1] + 1]), default=None)


def compose(rows: list[tuple[Image.Image, ...]]) -> tuple[Image.Image, list[tuple[int, int]]]:
    """One strip, a row's pieces side by side as one word per line; the y band of each line."""
    height = max(p.height for pieces in rows for p in pieces)
    gap, margin = height // 5, height // 2
    widths = [sum(p.width for p in pieces) + gap * (len(pieces) - 1) for pieces in rows]
    strip = Image.new("L", (max(widths) + 2 * margin, len(rows) * 2 * height + margin), 255)
    bands, y = [], margin
    for pieces in rows:
        x = margin
        for piece in pieces:
            strip.paste(piece, (x, y + (height - piece.height) // 2))
            x += piece.width + gap
        bands.append((y - height // 2, y + height + height // 2))
        y += 2 * height
    return strip, bands


DIGITS_ONLY = {"tessedit_char_whitelist": "0123456789"}


def ocr_digits(strip: Image.Image, dpi: int) -> list[Word]:
    """One digits-only Tesseract pass over the strip, on an engine kept loaded.

    The ``tesseract`` command spent 0.07 s CPU per call starting up, most of the cost; with
    an engine kept loaded the strip, a few hundred pixels of black digits, takes under
    0.01 s. Engines are pooled (``ocr.kept_engine``), one per thread using one. No deadline
    is set: page OCR has one, and this strip is far smaller than a page.
    """
    try:
        with kept_engine(DIGIT_LANG, tesserocr.PSM.SINGLE_BLOCK, **DIGITS_ONLY) as engine:
            engine.SetImage(strip)
            engine.SetSourceResolution(dpi)
            engine.Recognize()
            tsv = engine.GetTSVText(0)
    except RuntimeError:  # engine could not start (no language data) or failed on this strip
        log.warning("digit OCR could not run", exc_info=True)
        return []
    return parse_words(TSV_HEADER + tsv)


def reading(words: list[Word], band: tuple[int, int], boxes: int) -> tuple[int | None, float]:
    """(count, confidence) of one strip line; a digit count unlike the inked boxes is doubtful."""
    found = sorted((w for w in words if band[0] <= w.center_y < band[1]), key=lambda w: w.left)
    text = "".join(w.text for w in found)
    if not text.isdigit():
        return None, 0.0
    confidence = min(max(0.0, w.conf) for w in found) / 100
    if boxes and len(text) != boxes:
        confidence = min(confidence, MISCOUNTED)
    return int(text), confidence
