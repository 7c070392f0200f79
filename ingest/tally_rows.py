"""Words of Tesseract's word table, gathered into the visual rows of a form's tables.

Tesseract's own lines are not trusted to be table rows: with a ruled table, boxes or a column
of words, psm 4 splits one row into two lines (the label, then its count a few pixels lower)
or runs two rows together. A row here is every word whose centre, measured square to the
page's slant, lies on the same height; the slant comes from the words Tesseract did put on
one line. Each word is typed once (``Token``): a number in digits, a number word, text, or
the specks and box lines the OCR reads as "|", "[Z]" or "lO]".
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ingest import terbilang

MAX_SLANT = math.tan(math.radians(5))
ROW_GAP = 0.45  # words whose levelled centres are closer than this many word heights share a row
_EDGES = "[](){}|.,:;'\"`_~-=*#"
# A count as the OCR prints it: digits, a few letters it takes for digits, thousands dots.
_DIGITS = re.compile(r"^[0-9OoIlSZB]{1,5}$|^[0-9]{1,3}[.,][0-9]{3}$")
_AS_DIGIT = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "S": "5", "Z": "2", "B": "8"})


@dataclass(frozen=True)
class Word:
    text: str
    left: int
    top: int
    width: int
    height: int
    conf: float  # Tesseract's 0-100
    line_key: tuple[str, str, str]  # Tesseract's block, paragraph and line numbers

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def center_x(self) -> float:
        return self.left + self.width / 2

    @property
    def center_y(self) -> float:
        return self.top + self.height / 2


@dataclass(frozen=True)
class Token:
    """A word and what it is: "num" (a count in digits), "word" (a number word), "text",
    or "junk" (specks, ruling lines and box edges read as characters)."""

    word: Word
    kind: str
    value: int | None = None  # for "num"
    clean: bool = True  # for "num": digits only, no letter taken for a digit

    @property
    def x(self) -> float:
        return self.word.center_x


def parse_words(tsv: str) -> list[Word]:
    rows = csv.reader(tsv.splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE)
    return [
        Word(
            r[11].strip(),
            int(r[6]),
            int(r[7]),
            int(r[8]),
            int(r[9]),
            float(r[10]),
            (r[2], r[3], r[4]),
        )
        for r in rows
        if len(r) >= 12 and r[0] == "5" and r[11].strip()
    ]


def read_words(tsv_path: Path) -> list[Word]:
    return parse_words(Path(tsv_path).read_text(encoding="utf-8"))


def classify(word: Word) -> Token:
    if word.text.startswith("(") and word.text.endswith(")"):
        return Token(word, "junk")  # "(1+2+3)", a column's "(4)": never a count
    core = word.text.strip(_EDGES)
    if core and _DIGITS.match(core) and any(ch.isdigit() for ch in core):
        digits = core.replace(".", "").replace(",", "")
        value = int(digits.translate(_AS_DIGIT))
        return Token(word, "num", value, digits.isdigit())
    letters = sum(ch.isalpha() for ch in core)
    abbreviation = re.search(r"[A-Za-z]\.[A-Za-z]", core)  # "S.E.", "M.Si." in a name
    if letters >= 2 and not abbreviation and terbilang.is_number_word(core):
        return Token(word, "word")
    if letters >= 2 or (letters == 1 and len(core) <= 2 and word.conf >= 50):
        return Token(word, "text")
    return Token(word, "junk")


def slant(words: list[Word]) -> float:
    """dy/dx of the text: the median slope of Tesseract's lines, over words of the line's
    usual height (a speck touching a word makes its box taller)."""
    lines: dict[tuple, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    slopes = []
    for line in lines.values():
        usual = sorted(w.height for w in line)[len(line) // 2]
        line = [w for w in line if abs(w.height - usual) <= 0.2 * usual]
        xs = [w.center_x for w in line]
        if len(line) < 2 or max(xs) - min(xs) < 300:
            continue
        mx, my = sum(xs) / len(xs), sum(w.bottom for w in line) / len(line)
        sxy = sum((x - mx) * (w.bottom - my) for x, w in zip(xs, line, strict=True))
        slopes.append(sxy / sum((x - mx) ** 2 for x in xs))
    if not slopes:
        return 0.0
    return max(-MAX_SLANT, min(MAX_SLANT, sorted(slopes)[len(slopes) // 2]))


@dataclass(frozen=True)
class Row:
    """Words on one height of the page, left to right, typed."""

    tokens: tuple[Token, ...]
    level_y: float  # centre height measured square to the slant (page y at x = 0)
    height: float  # the usual word height

    @cached_property
    def words(self) -> tuple[Word, ...]:
        return tuple(t.word for t in self.tokens)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)

    def y_at(self, x: float, slope: float) -> float:
        """Page y of the row's centre line at page x."""
        return self.level_y + slope * x

    def of(self, *kinds: str) -> list[Token]:
        return [t for t in self.tokens if t.kind in kinds]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def _text_height(words: list[Word]) -> float:
    """The usual height of the row's printed words: words of three letters or more read
    surely (a dash or a stray "1" is not as tall as the text, and what the OCR makes of
    handwriting in boxes is taller), else of three characters or more. The lower third of
    them, not the median: the OCR often stretches a word's box over a digit box's sides
    beside it ("DALAM DPT" 69 pixels tall on a row of 32-pixel text), and a row height
    taken that tall hides the row's boxes (ingest/tally_boxes.py wants them taller)."""
    printed = [w.height for w in words if sum(ch.isalpha() for ch in w.text) >= 3 and w.conf >= 60]
    full = [w.height for w in words if sum(ch.isalnum() for ch in w.text) >= 3]
    heights = sorted(printed or full or [w.height for w in words])
    return heights[len(heights) // 3]


def rows_of(words: list[Word], slope: float) -> list[Row]:
    """The page's words as rows, top to bottom."""
    if not words:
        return []
    usual = sorted(w.height for w in words)[len(words) // 2]
    placed = sorted(words, key=lambda w: w.center_y - slope * w.center_x)
    rows: list[list[Word]] = [[placed[0]]]
    for word in placed[1:]:
        level = word.center_y - slope * word.center_x
        current = rows[-1]
        middle = sorted(w.center_y - slope * w.center_x for w in current)[len(current) // 2]
        if level - middle <= ROW_GAP * usual:
            current.append(word)
        else:
            rows.append([word])
    out = []
    for group in rows:
        group.sort(key=lambda w: w.left)
        levels = sorted(w.center_y - slope * w.center_x for w in group)
        height = _text_height(group)
        out.append(Row(tuple(classify(w) for w in group), levels[len(levels) // 2], height))
    return out
