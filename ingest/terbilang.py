"""Indonesian number words ("terbilang": *delapan puluh empat*) read back into a number.

Many result forms print a count twice: in digits (ANGKA) and in words (TERBILANG). The words
are an independent second reading: the digits and the words are different ink, read by
different OCR, so when both give the same number it is confirmed, and when they differ a
person decides. The parser is therefore strict about grammar (``dua puluh dua puluh`` is no
number) but forgiving about how the OCR spelled and spaced the words:

- spaces missing or extra (``duapuluh``, ``se ratus``, ``dela pan``);
- letters the OCR confuses (``1``/``l``/``I``, ``0``/``o``, ``rn``/``m``, ``cl``/``d``,
  ``5``/``s``);
- one letter wrong in a word (two in a word of seven letters or more): ``dclapan``, ``ernpat``;
- the word ``suara`` after the number, brackets, dashes, dots and ``#`` marks around it.

A reading that needed fuzzy matching is returned with a lower confidence (``FUZZY``).
"""

from __future__ import annotations

import collections
import functools
import re
from dataclasses import dataclass

UNITS = {
    "nol": 0,
    "kosong": 0,
    "satu": 1,
    "dua": 2,
    "tiga": 3,
    "empat": 4,
    "lima": 5,
    "enam": 6,
    "tujuh": 7,
    "delapan": 8,
    "sembilan": 9,
}
# Words of the grammar besides the units; "se" is the prefix of sepuluh, seratus ... when the
# OCR or the writer split it off.
SCALES = ("se", "sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu")
VOCABULARY = (*UNITS, *SCALES)
FILLERS = ("suara", "rupiah", "orang", "saja")  # words a form may print after the number
FUZZY = 0.75  # confidence factor of a reading that needed a letter changed
# Letter pairs the OCR reads for one letter; tried as alternatives, since "cl" may also be a
# misread "e" ("dclapan") and "li" is in "lima".
_CONFUSED = ((("rn", "m"), ("cl", "d"), ("vv", "w"), ("ii", "u")), (("li", "h"),))
_LOOKALIKES = str.maketrans({"1": "l", "|": "l", "!": "l", "0": "o", "5": "s", "8": "b"})
_NOT_LETTERS = re.compile(r"[^a-z]+")
_LETTER_COUNTS = {word: collections.Counter(word) for word in VOCABULARY}
_EXACT = re.compile("(" + "|".join(sorted(VOCABULARY, key=len, reverse=True)) + ")")


@dataclass(frozen=True)
class WordsReading:
    value: int
    tokens: tuple[str, ...]  # the number words as understood, e.g. ("delapan", "puluh", "empat")
    fuzzy: bool  # a letter had to be changed (or a word guessed) to read it


def parse(text: str) -> WordsReading | None:
    """The number written in ``text`` in Indonesian words, or None if it is not one."""
    words = _words(text)
    if not words:
        return None
    for letters in _variants("".join(words)):
        exact = _tokens_exact(letters)
        if exact is None:
            continue
        value = evaluate(exact)
        if value is not None:
            return WordsReading(value, tuple(exact), False)
    tokens = _tokens_fuzzy(words)
    if tokens is None:
        return None
    value = evaluate(tokens)
    return None if value is None else WordsReading(value, tuple(tokens), True)


def is_number_word(word: str) -> bool:
    """Whether one OCR word reads as (part of) a number word: the cheap test a row's reader
    uses to tell the TERBILANG cell from a name."""
    letters = _normal(word)
    if len(letters) < 3 and letters != "se":
        return False
    return any(_match_word(variant) is not None for variant in _variants(letters))


def _normal(word: str) -> str:
    return _NOT_LETTERS.sub("", word.lower().translate(_LOOKALIKES))


def _variants(letters: str) -> list[str]:
    """``letters`` as read, then with each group of OCR letter-pair slips undone."""
    out = [letters]
    for group in _CONFUSED:
        changed = letters
        for wrong, right in group:
            changed = changed.replace(wrong, right)
        if changed not in out:
            out.append(changed)
    return out


def _words(text: str) -> list[str]:
    words = [_normal(w) for w in re.split(r"[\s\-–—/]+", text)]
    words = [w for w in words if w]
    while words and words[-1] in FILLERS:
        words.pop()
    return words


def _tokens_exact(letters: str) -> list[str] | None:
    """The letters cut into vocabulary words with nothing left over, longest words first."""
    tokens, at = [], 0
    while at < len(letters):
        found = _EXACT.match(letters, at)
        if not found:
            return _split_any(letters)  # a greedy cut can fail where another succeeds
        tokens.append(found.group(1))
        at = found.end()
    return tokens


@functools.lru_cache(maxsize=4096)
def _split_any(letters: str) -> list[str] | None:
    """Any exact cut of ``letters`` into vocabulary words (e.g. "sebelas" vs "se"+"belas")."""
    if not letters:
        return []
    for word in sorted(VOCABULARY, key=len, reverse=True):
        if letters.startswith(word):
            rest = _split_any(letters[len(word) :])
            if rest is not None:
                return [word, *rest]
    return None


def _tokens_fuzzy(words: list[str]) -> list[str] | None:
    """Each OCR word (or two joined, where the OCR split one) matched to at most two
    vocabulary words within the allowed number of wrong letters."""
    tokens: list[str] = []
    i = 0
    while i < len(words):
        joined = words[i] + words[i + 1] if i + 1 < len(words) else None
        single = _match_any(words[i])
        if joined is not None:
            pair = _match_any(joined)
            if pair is not None and (single is None or _match_any(words[i + 1]) is None):
                tokens += pair
                i += 2
                continue
        if single is None:
            return None
        tokens += single
        i += 1
    return tokens


def _match_any(word: str) -> list[str] | None:
    for variant in _variants(word):
        found = _match_word(variant)
        if found is not None:
            return found
    return None


@functools.lru_cache(maxsize=8192)
def _match_word(word: str) -> list[str] | None:
    exact = _tokens_exact(word)
    if exact is not None:
        return exact
    close = _close(word)
    if close is not None:
        return list(close)
    # two words run together, one of them misspelt: try every cut
    for cut in range(2, len(word) - 1):
        left, right = word[:cut], word[cut:]
        a = _tokens_exact(left) or _as_list(_close(left))
        b = _tokens_exact(right) or _as_list(_close(right))
        if a and b:
            return a + b
    return None


def _as_list(found: tuple[str, ...] | None) -> list[str] | None:
    return list(found) if found else None


@functools.lru_cache(maxsize=8192)
def _close(word: str) -> tuple[str, ...] | None:
    """The single vocabulary word within 1 edit (2 for words of 7+ letters), if only one is.

    Cached, and a vocabulary word is measured only if it shares enough letters: a table's
    labels repeat the same few words, and most are far from any number word."""
    if len(word) < 3:
        return None
    allowed = 2 if len(word) >= 7 else 1
    best, ties = None, 0
    have = collections.Counter(word)
    for candidate in VOCABULARY:
        if len(candidate) < 3 or abs(len(candidate) - len(word)) > allowed:
            continue
        if sum((_LETTER_COUNTS[candidate] - have).values()) > allowed:
            continue  # more of its letters missing than edits allowed
        distance = _distance(word, candidate, allowed)
        if distance <= allowed:
            if best is None or distance < best[0]:
                best, ties = (distance, candidate), 0
            elif distance == best[0]:
                ties += 1
    if best is None or ties:
        return None
    return (best[1],)


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (limit + 1) once every path exceeds ``limit``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def evaluate(tokens: list[str] | tuple[str, ...]) -> int | None:
    """The value of number words in the grammar of Indonesian numbers below a million, or
    None when they do not form one (``["dua", "puluh", "dua", "puluh"]``)."""
    joined = _join_se(list(tokens))
    if joined in (["nol"], ["kosong"]):
        return 0
    if not joined or any(t in ("nol", "kosong") for t in joined):
        return None
    tokens = joined
    for word in ("seribu", "ribu"):
        if word in tokens:
            at = tokens.index(word)
            thousands = _below_1000(tokens[:at]) if word == "ribu" else (1 if at == 0 else None)
            rest = _below_1000(tokens[at + 1 :]) if at + 1 < len(tokens) else 0
            if not thousands or rest is None:
                return None
            return thousands * 1000 + rest
    return _below_1000(tokens)


def _below_1000(tokens: list[str]) -> int | None:
    """Hundreds, then tens or teens, then a unit; every part optional but not all."""
    if not tokens:
        return None
    value, at = 0, 0
    hundreds = _scaled(tokens, at, "ratus", "seratus")
    if hundreds is not None:
        value, at = hundreds[0] * 100, hundreds[1]
    if at < len(tokens) and tokens[at] == "sepuluh":
        value, at = value + 10, at + 1
    elif at < len(tokens) and tokens[at] == "sebelas":
        value, at = value + 11, at + 1
    else:
        teens = _scaled(tokens, at, "belas", None)
        tens = _scaled(tokens, at, "puluh", None)
        if teens is not None:
            if teens[0] == 1:  # "satu belas" is not said
                return None
            value, at = value + 10 + teens[0], teens[1]
        elif tens is not None:
            if tens[0] == 1:
                return None
            value, at = value + 10 * tens[0], tens[1]
            if at < len(tokens) and tokens[at] in UNITS:
                value, at = value + UNITS[tokens[at]], at + 1
        elif at < len(tokens) and tokens[at] in UNITS:
            value, at = value + UNITS[tokens[at]], at + 1
    if at != len(tokens):
        return None
    return value


def _scaled(tokens: list[str], at: int, scale: str, prefixed: str | None) -> tuple[int, int] | None:
    """(multiplier, next index) for "<unit> <scale>" or the "se" form at ``at``, else None."""
    if prefixed and at < len(tokens) and tokens[at] == prefixed:
        return 1, at + 1
    if at + 1 < len(tokens) and tokens[at] in UNITS and tokens[at + 1] == scale:
        if scale == "ratus" and tokens[at] == "satu":
            return 1, at + 2  # "satu ratus": unusual, but unambiguous
        return UNITS[tokens[at]], at + 2
    return None


def _join_se(tokens: list[str]) -> list[str] | None:
    """ "se" + "ratus" as "seratus" (the OCR or a writer split the prefix off)."""
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == "se":
            if i + 1 < len(tokens) and tokens[i + 1] in ("puluh", "belas", "ratus", "ribu"):
                word = "sebelas" if tokens[i + 1] == "belas" else "se" + tokens[i + 1]
                out.append(word)
                i += 2
                continue
            return None
        out.append(tokens[i])
        i += 1
    return out
