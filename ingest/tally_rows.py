"""Tally rows in Tesseract's word table: the candidate lines and the printed totals labels.

psm 4 keeps a table row on one text line, so a row is a line; labels are matched fuzzily
(letters only, difflib) because OCR noise in the labels is common.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from pathlib import Path

LABELS = {  # printed labels of the totals rows (formgen's and the 2024 forms' wording)
    "valid": ("JUMLAH SELURUH SUARA SAH",),
    "invalid": ("JUMLAH SUARA TIDAK SAH", "JUMLAH SELURUH SUARA TIDAK SAH"),
    "ballots_used": (
        "JUMLAH SUARA SAH DAN TIDAK SAH",
        "JUMLAH SELURUH SUARA SAH DAN SUARA TIDAK SAH",
    ),
}
MATCH = 0.75  # difflib ratio (letters only) at which a line is taken to be that label
_NOT_LETTERS = re.compile(r"[^A-Z]")
_HEADINGS = {"JUMLAH", "PEROLEHAN", "NAMA", "URUT"}


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
