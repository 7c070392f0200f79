"""Per-digit boxes in the page image: where a count is written one digit a box.

The page OCR reads a box's sides as "1", "|" or "]" (``123`` in three boxes comes out as
``11213`` or ``lO] [Z]``), so boxed counts are found in the image and read apart
(ingest/tally_cells.py). No layout is assumed: boxes are looked for on every row, wherever
they stand. The rows' part of the page is levelled if its text slopes; its horizontal lines
are found once (``edges``); a box is the space between a top and a bottom edge around the
row's text, cut by sides that are inked over nearly all that height (a digit inside never
is); equally spaced sides, side by side or a narrow gap apart, make a group, kept only if
each box holds at most one digit (a voter table's narrow L / P / JML cells hold numbers).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ingest.tally_rows import Row

INK = 140  # grey level below which a pixel is ink
# Share of the height between a box's top and bottom edges that its sides cover (a digit
# inside a box stays under ~0.7 of it).
SIDE = 0.85
# Digits are thickened and scaled to this height for the strip OCR: measured on 60 boxed forms
# (405 numbers) it reads 393 right against 379 for the pieces as cut.
DIGIT_PX = 36
# The table is levelled when its text slopes more than this many degrees; below it a rule
# drifts less than a pixel across a box group and the profiles tolerate the slant.
LEVEL = 0.25


@dataclass(frozen=True)
class BoxGroup:
    """Per-digit boxes holding one count."""

    box: tuple[int, int, int, int]  # page pixels: left, top, right, bottom
    pieces: tuple[Image.Image | None, ...]  # each box's ink, black on white; None when empty

    @property
    def inked(self) -> tuple[Image.Image, ...]:
        return tuple(p for p in self.pieces if p is not None)

    @property
    def gapped(self) -> bool:
        """An empty box between written ones: a digit may be missing."""
        marks = "".join("x" if p is not None else "." for p in self.pieces).strip(".")
        return "." in marks


class Levelled:
    """The rows' part of the page as an ink mask (255 = ink), turned level by the slant."""

    def __init__(self, image: Image.Image, rows: Sequence[Row], slope: float):
        reach = 3 * max(row.height for row in rows)
        self.top = max(0, min(row.top for row in rows) - reach)
        bottom = min(image.height, max(row.bottom for row in rows) + reach)
        region = image.crop((0, self.top, image.width, bottom))
        if region.mode != "L":
            region = region.convert("L")
        self.turn = math.atan(slope) if abs(math.degrees(math.atan(slope))) > LEVEL else 0.0
        if self.turn:
            region = region.rotate(math.degrees(self.turn), Image.Resampling.NEAREST, fillcolor=255)
        self.ink = region.point([255 if v < INK else 0 for v in range(256)])
        self.center = (region.width / 2, region.height / 2)
        self.slope = slope
        heights = sorted(row.height for row in rows)
        self.edges = edges(self.ink, round(1.5 * heights[len(heights) // 2]))

    def to_level(self, x: float, y: float) -> tuple[float, float]:
        dx, dy = x - self.center[0], y - self.top - self.center[1]
        cos, sin = math.cos(self.turn), math.sin(self.turn)
        return self.center[0] + dx * cos + dy * sin, self.center[1] - dx * sin + dy * cos

    def to_page(self, x: float, y: float) -> tuple[float, float]:
        dx, dy = x - self.center[0], y - self.center[1]
        cos, sin = math.cos(self.turn), math.sin(self.turn)
        return self.center[0] + dx * cos - dy * sin, self.top + self.center[1] + dx * sin + dy * cos

    def page_box(self, left: float, top: float, right: float, bottom: float) -> tuple:
        corners = [self.to_page(x, y) for x in (left, right) for y in (top, bottom)]
        xs, ys = [c[0] for c in corners], [c[1] for c in corners]
        return round(min(xs)), round(min(ys)), round(max(xs)), round(max(ys))

    def row_y(self, row: Row) -> float:
        x = self.center[0]
        return self.to_level(x, row.y_at(x, self.slope))[1]


def find_boxes(level: Levelled, row: Row, pitch: float) -> list[BoxGroup]:
    """The groups of per-digit boxes on ``row``, left to right.

    Boxes are found from their top and bottom edges (horizontal lines above and below the
    row's text, overlapping), then their sides: the columns inked over nearly the whole
    height between the edges, which a digit inside a box never is."""
    middle = level.row_y(row)
    h = row.height
    tops = [s for s in level.edges if middle - 0.62 * pitch <= s.y <= middle - 0.4 * h]
    bottoms = [s for s in level.edges if middle + 0.4 * h <= s.y <= middle + 0.62 * pitch]
    # boxes between their own edges first; between the table's rules only where boxes fill
    # the row (the rules' span also holds the cells between two groups of boxes)
    rule = 0.4 * level.ink.width
    boxes = _between(
        level,
        [t for t in tops if t.right - t.left < rule],
        [b for b in bottoms if b.right - b.left < rule],
        middle,
        h,
    )
    if not boxes:
        boxes = _between(level, tops, bottoms, middle, h)
    groups = []
    for group in _grouped(sorted(boxes)):
        found = _group(level, group)
        if found is not None:
            groups.append(found)
    return groups


def _between(level: Levelled, tops: list, bottoms: list, middle: float, h: float) -> list:
    """Boxes between pairs of edges, nearest the text first; a box found again between
    farther edges (the same box between the table's rules) is kept once."""
    boxes: list[tuple[int, int, int, int]] = []
    for top in sorted(tops, key=lambda s: middle - s.y):
        for bottom in sorted(bottoms, key=lambda s: s.y - middle):
            left, right = max(top.left, bottom.left), min(top.right, bottom.right)
            if right - left >= h and bottom.y - top.y >= 1.2 * h:
                for box in _boxes(level.ink, left, top.y, right, bottom.y):
                    if not any(_overlap(box, b) > 0.3 * (box[2] - box[0]) for b in boxes):
                        boxes.append(box)
    return boxes


def _overlap(a: tuple, b: tuple) -> int:
    return min(a[2], b[2]) - max(a[0], b[0])


@dataclass(frozen=True)
class Edge:
    """A horizontal line in the levelled region: a rule, or a box's top or bottom."""

    y: int
    left: int
    right: int


def edges(ink: Image.Image, shortest: int) -> list[Edge]:
    """Horizontal lines at least ``shortest`` pixels long, from a copy of the ink mask
    shrunk eightfold across (a line keeps its blocks full; letters do not)."""
    blocks = ink.resize((max(1, ink.width // 8), ink.height), Image.Resampling.BOX)
    data = blocks.point([255 if v >= 190 else 0 for v in range(256)]).tobytes()
    width, least = blocks.width, max(2, shortest // 8)
    pattern = re.compile(rb"\xff{%d,}" % least)
    # each line: [y_first, y_last, left, right, segments of its last pixel row]; a segment
    # continues a line only if it touches one of that line's segments a row or two above,
    # so that a slanted rule does not swallow the box edges just below its far end
    found: list[list] = []
    open_lines: list[list] = []
    for y in range(blocks.height):
        row = data[y * width : (y + 1) * width]
        if b"\xff" * least not in row:
            continue
        open_lines = [o for o in open_lines if y - o[1] <= 2]
        touched: dict[int, list] = {}
        for m in pattern.finditer(row):
            left, right = m.start() * 8, m.end() * 8
            line = next(
                (o for o in open_lines if any(left <= b and right >= a for a, b in o[4])), None
            )
            if line is None:
                line = [y, y, left, right, []]
                found.append(line)
            line[1], line[2], line[3] = y, min(line[2], left), max(line[3], right)
            touched.setdefault(id(line), [line, []])[1].append((left, right))
        for line, segments in touched.values():
            line[4] = segments
            if line not in open_lines:
                open_lines.append(line)
    return [Edge((a + b) // 2, left, right) for a, b, left, right, _ in found]


def _boxes(
    ink: Image.Image, left: int, top: int, right: int, bottom: int
) -> list[tuple[int, int, int, int]]:
    """Boxes between two edges: equal spans between columns inked over nearly all the
    height. A tall digit's stem may pass for a side too; equal spacing tells them apart."""
    inner = ink.crop((left - 10, top + 3, right + 11, bottom - 2))
    if inner.height < 6:
        return []
    inked = profile(inner, rows=False)
    sides = [
        (left - 10 + (a + b) // 2, max(inked[a : b + 1]), left - 10 + a, left - 10 + b)
        for a, b in ink_runs(inked, SIDE)
    ]
    height = bottom - top
    out: list[tuple[int, int, int, int]] = []
    while True:
        chain = _chain(sides, height, (left, right))
        if len(chain) < 2:
            return out
        out += [(a, top, b, bottom) for a, b in itertools.pairwise(chain)]
        sides = [s for s in sides if not chain[0] <= s[0] <= chain[-1]]


def _chain(sides: list[tuple], height: int, ends: tuple[int, int]) -> list[int]:
    """The longest run of equally spaced sides; of two as long, the one that ends where the
    edges above and below end (a neighbouring box's side lies just outside), then the one
    with the most ink on its sides. A side is matched by its whole inked run: a digit's
    stroke touching it widens the run and moves its middle."""
    best: tuple = (0, 0, 0.0, [])
    strength = {x: s for x, s, _, _ in sides}
    xs = [x for x, _, _, _ in sides]
    for i, a in enumerate(xs):
        for b in xs[i + 1 :]:
            width = b - a
            if not 0.35 * height <= width <= 1.6 * height:
                continue
            chain = [a, b]
            while True:
                want, slack = chain[-1] + width, max(4, 0.1 * width)
                step = [
                    x
                    for x, _, lo, hi in sides
                    if lo - slack <= want <= hi + slack and x > chain[-1]
                ]
                if not step:
                    break
                chain.append(step[0])
            off = abs(chain[0] - ends[0]) + abs(chain[-1] - ends[1])
            score = (len(chain), -round(off / 8), sum(strength[x] for x in chain), chain)
            if score[:3] > best[:3]:
                best = score
    return best[3]


def _grouped(boxes: list[tuple[int, int, int, int]]) -> list[list[tuple[int, int, int, int]]]:
    """Boxes side by side (touching, or a narrow gap apart), alike in size: one count each."""
    groups: list[list[tuple[int, int, int, int]]] = []
    for box in boxes:
        width = box[2] - box[0]
        last = groups[-1][-1] if groups else None
        if (
            last is not None
            and 0 <= box[0] - last[2] <= 0.45 * width
            and abs(width - (last[2] - last[0])) <= 0.2 * width
            and abs(box[1] - last[1]) <= 8
            and abs(box[3] - last[3]) <= 8
        ):
            groups[-1].append(box)
        elif last is None or box[0] >= last[2] - 2:
            groups.append([box])
    return [g for g in groups if len(g) >= 2]


def _group(level: Levelled, boxes: list[tuple[int, int, int, int]]) -> BoxGroup | None:
    pieces = []
    for a, top, b, bottom in boxes:
        piece = _piece(level.ink.crop((a + 3, top + 3, b - 2, bottom - 2)))
        if piece is not None and piece.width > 1.25 * piece.height:  # a number, not a digit
            return None
        pieces.append(piece)
    box = level.page_box(
        boxes[0][0], min(b[1] for b in boxes), boxes[-1][2], max(b[3] for b in boxes)
    )
    return BoxGroup(box, tuple(pieces))


def _piece(box: Image.Image) -> Image.Image | None:
    """The box's digit without its ruling lines and specks, or None for an empty box."""
    if box.width < 4 or box.height < 4:
        return None
    box = box.copy()
    draw = ImageDraw.Draw(box)
    draw.rectangle((0, 0, box.width - 1, box.height - 1), outline=0, width=3)  # side remnants
    for start, end in ink_runs(profile(box, rows=True), 0.8):
        draw.rectangle((0, start - 1, box.width, end + 1), fill=0)
    box = box.filter(ImageFilter.MedianFilter(3))
    columns = _blob(profile(box, rows=False))
    if columns is None:
        return None
    box = box.crop((columns[0], 0, columns[1] + 1, box.height))
    rows = _blob(profile(box, rows=True))
    if rows is None or rows[1] - rows[0] < 0.2 * box.height:
        return None  # a speck or a dash, not a digit
    digit = ImageOps.invert(box.crop((0, rows[0], box.width, rows[1] + 1)))
    digit = digit.filter(ImageFilter.MinFilter(3))  # thin pen strokes read as other digits
    width = max(1, round(digit.width * DIGIT_PX / digit.height))
    return digit.resize((width, DIGIT_PX), Image.Resampling.LANCZOS)


def profile(image: Image.Image, *, rows: bool) -> list[float]:
    """Share of ink per pixel row (or column), by averaging in C."""
    size = (1, image.height) if rows else (image.width, 1)
    return [v / 255 for v in image.resize(size, Image.Resampling.BOX).tobytes()]


def ink_runs(values: list[float], threshold: float, gap: int = 0) -> list[tuple[int, int]]:
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
    runs = ink_runs(values, 0.01, gap=max(4, len(values) // 10))
    return max(runs, key=lambda r: sum(values[r[0] : r[1] + 1]), default=None)
