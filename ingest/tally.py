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
as one word, all rows' words go onto one small strip and a single digits-only Tesseract call
reads them (~0.1 s, mostly Tesseract's start-up). bench/tally_bench.py measures both ways.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import math
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageOps

from ingest.models import PageContext, Tally, TallyRow

log = logging.getLogger(__name__)

MAX_VOTERS = 300  # voters a 2024 TPS may have; pass the configured value as ``max_voters``
LOW_CONFIDENCE = 0.6  # a number read less surely than this goes to a human even if sums hold
TOTALS = {"valid": "valid votes", "invalid": "invalid votes", "ballots_used": "ballots used"}
LABELS = {  # printed labels of the totals rows (formgen's and the 2024 forms' wording)
    "valid": ("JUMLAH SELURUH SUARA SAH",),
    "invalid": ("JUMLAH SUARA TIDAK SAH", "JUMLAH SELURUH SUARA TIDAK SAH"),
    "ballots_used": (
        "JUMLAH SUARA SAH DAN TIDAK SAH",
        "JUMLAH SELURUH SUARA SAH DAN SUARA TIDAK SAH",
    ),
}
MATCH = 0.75  # difflib ratio (letters only) at which a line is taken to be that label
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
UNRULED = 0.5  # most a main-OCR count is trusted when no ruled cell was found around it
_TALLY_TEXT = re.compile(r"SUARA\s+(TIDAK\s+)?SAH", re.IGNORECASE)
_NOT_LETTERS = re.compile(r"[^A-Z]")
_HEADINGS = {"JUMLAH", "PEROLEHAN", "NAMA", "URUT"}


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
    with Image.open(context.image_path) as image:
        image.draft("L", image.size)  # a colour JPEG decodes its grey channel only
        cells = count_cells(image, [line for _, line in roles])
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
            readings[i] = _reading(words, band, len(cell.pieces) if cell.boxed else 0)
    return readings


# --- the word table ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # Tesseract's 0-100
    line_key: tuple

    @property
    def center_y(self) -> float:
        return self.top + self.height / 2


@dataclass(frozen=True)
class Line:
    words: tuple[Word, ...]  # left to right

    @property
    def center_y(self) -> float:
        return sorted(w.center_y for w in self.words)[len(self.words) // 2]

    @property
    def height(self) -> int:
        return sorted(w.height for w in self.words)[len(self.words) // 2]

    @property
    def label_words(self) -> tuple[Word, ...]:
        """From the first word of 3+ letters to a wide gap: what the OCR made of ruling lines
        and boxes ("|", "Il", "Tol2I2") sits far right of the label, in the count cell."""
        named = [i for i, w in enumerate(self.words) if len(re.findall("[A-Za-z]", w.text)) > 2]
        if not named:
            return ()
        words = [self.words[named[0]]]
        for word in self.words[named[0] + 1 :]:
            if word.left - (words[-1].left + words[-1].width) > 2.5 * self.height:
                break
            words.append(word)
        while not re.search("[A-Za-z]", words[-1].text):
            words.pop()
        return tuple(words)

    @property
    def label(self) -> str:
        return " ".join(w.text for w in self.label_words)

    @property
    def label_right(self) -> int:
        words = self.label_words or self.words
        return max(w.left + w.width for w in words)

    def number_after(self, x: int) -> tuple[int, float] | None:
        """(count, confidence) when one all-digit word, and nothing else but ruling lines read
        as "|", follows x."""
        after = [w for w in self.words if w.left >= x - 5 and w.left > self.label_right]
        after = [w for w in after if any(ch.isalnum() for ch in w.text)]
        if len(after) == 1 and after[0].text.isdigit():
            return int(after[0].text), max(0.0, after[0].conf) / 100
        return None


def parse_words(tsv: str) -> list[Word]:
    rows = csv.reader(tsv.splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE)
    return [
        Word(r[11].strip(), *map(int, r[6:10]), float(r[10]), (r[2], r[3], r[4]))
        for r in rows
        if len(r) >= 12 and r[0] == "5" and r[11].strip()
    ]


def read_lines(tsv_path: Path) -> list[Line]:
    """Tesseract's text lines, top to bottom (psm 4 keeps a table row on one line)."""
    words = parse_words(Path(tsv_path).read_text(encoding="utf-8"))
    groups = itertools.groupby(
        sorted(words, key=lambda w: (w.line_key, w.left)), lambda w: w.line_key
    )
    return sorted((Line(tuple(group)) for _, group in groups), key=lambda line: line.center_y)


def locate_rows(lines: list[Line]) -> list[tuple[str, Line]]:
    """(role, line) pairs: candidate rows ("row") top to bottom, then the totals found."""
    found = _totals(lines)
    if len(found) < 2:  # one "jumlah suara sah" may be running text; a table has two or more
        return []
    first = min(found.values())
    header = _header(lines[:first])
    rows = [line for line in lines[header + 1 : first] if header >= 0 and _is_row(line)]
    totals = sorted(found.items(), key=lambda item: item[1])
    return [("row", line) for line in rows] + [(role, lines[i]) for role, i in totals]


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text.upper())


def _totals(lines: list[Line]) -> dict[str, int]:
    """Each totals label to its best-matching line, one line per label, best matches first."""
    scored = []
    for i, line in enumerate(lines):
        letters = _letters(line.label)
        for role, variants in LABELS.items():
            score = max(_similarity(letters, _letters(v)) for v in variants)
            if score >= MATCH:
                scored.append((score, role, i))
    found: dict[str, int] = {}
    for _, role, i in sorted(scored, reverse=True):
        if role not in found and i not in found.values():
            found[role] = i
    return found


def _similarity(a: str, b: str) -> float:
    """difflib's ratio, skipping the full comparison where its cheap upper bounds fall short."""
    matcher = SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < MATCH or matcher.quick_ratio() < MATCH:
        return 0.0
    return matcher.ratio()


def _header(lines: list[Line]) -> int:
    """Index of the candidate table's column header ("NO. URUT | NAMA ... | PEROLEHAN")."""
    for i in range(len(lines) - 1, -1, -1):
        if {_letters(w.text) for w in lines[i].words} & {"NAMA", "URUT"}:
            return i
    return -1


def _is_row(line: Line) -> bool:
    """A table row carries a name; headings ("II. JUMLAH SUARA", a header's "PEROLEHAN SUARA"
    that the OCR put on a line of its own) do not."""
    return bool(line.label) and not {_letters(w.text) for w in line.words} & _HEADINGS


# --- the count cells in the page image ----------------------------------------------------------


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


def ocr_digits(strip: Image.Image, dpi: int) -> list[Word]:
    """One Tesseract run over the strip, digits only; PNG in and TSV out through pipes."""
    command = ["tesseract", "stdin", "stdout", "-l", DIGIT_LANG, "--psm", "6", "--dpi", str(dpi)]
    command += ["-c", "tessedit_char_whitelist=0123456789", "tsv"]
    buffer = io.BytesIO()
    strip.save(buffer, "PNG", compress_level=1)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}  # threads are 4x slower here, see ingest/ocr.py
    try:
        done = subprocess.run(command, input=buffer.getvalue(), env=env, capture_output=True,
                              timeout=60, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        log.warning("digit OCR could not run", exc_info=True)
        return []
    if done.returncode:
        log.warning("digit OCR failed: %s", done.stderr[-300:])
        return []
    return parse_words(done.stdout.decode("utf-8", "replace"))


def _reading(words: list[Word], band: tuple[int, int], boxes: int) -> tuple[int | None, float]:
    """(count, confidence) of one strip line; a digit count unlike the inked boxes is doubtful."""
    found = sorted((w for w in words if band[0] <= w.center_y < band[1]), key=lambda w: w.left)
    text = "".join(w.text for w in found)
    if not text.isdigit():
        return None, 0.0
    confidence = min(max(0.0, w.conf) for w in found) / 100
    if boxes and len(text) != boxes:
        confidence = min(confidence, LOW_CONFIDENCE / 2)
    return int(text), confidence
