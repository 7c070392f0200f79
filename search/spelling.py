""" "Mungkin maksud Anda": the rules both engines follow when they suggest a word.

A word is only corrected when the index has never seen it (in the text or the metadata
words) and it has at least ``MIN_WORD`` letters. The correction is a word the index knows
that is at most ``MAX_EDITS`` edits away (a swap of two neighbours counts once) and starts
like the typed word: the first letter for metadata words (names and places), the first
two for the OCR text, whose vocabulary is large and noisy. Metadata words are preferred,
then the closest, then the most common.
"""

from __future__ import annotations

MIN_WORD = 4
MAX_EDITS = 2
PREFIX = {"meta": 1, "text": 2}  # field -> letters that must match
FIELDS = ("meta", "text")  # in order of preference
FEW_HITS = 2  # a search with this many hits or fewer gets suggestions


def wants_correction(word: str) -> bool:
    return len(word) >= MIN_WORD and not word.isdigit()


def reachable(word: str, known: str, start: str) -> bool:
    """Worth measuring: same start, length within reach."""
    return known.startswith(start) and abs(len(known) - len(word)) <= MAX_EDITS


def edit_distance(a: str, b: str, limit: int = MAX_EDITS) -> int:
    """Optimal string alignment distance, or ``limit + 1`` once it is certainly above."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    row = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return row[-1]


def best(word: str, candidates: list[tuple[str, int]]) -> str | None:
    """The closest, then most common, of (known word, document count) within reach."""
    near = [
        (edit_distance(word, known), -count, known)
        for known, count in candidates
        if known != word and count > 0
    ]
    near = [n for n in near if n[0] <= MAX_EDITS]
    return min(near)[2] if near else None
