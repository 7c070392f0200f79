"""The page of a hit that matches the searched words best, and its highlighted snippet,
found in Python from the pages' text as stored in the hit.

Why not in the engine: Elasticsearch used to index every page once more, as nested
documents, only to pick this page and highlight it for the 20 or so hits shown. That
third analysed copy of the text (and two extra Lucene documents per record) cost a third
of the node's work in `archive reindex` (issue 18); reading the few pages shown and
matching the query's words here costs well under a millisecond per hit.

Words are matched as the index splits and folds them (``search/query.py``): runs of
letters and digits, lowercased, accents stripped. A phrase's words count one by one, as
in the embedded engine's snippets.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from html import escape

from vocabulary.text import fold

SNIPPET_CHARS = 240
LEAD_CHARS = 40  # text kept before the first marked word, for context
_WORD = re.compile(r"[^\W_]+")


def _matches(text: str, wanted: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, folded word) of each wanted word in ``text``, in order.

    Plain ASCII text (most OCR output) is folded by lowercasing it whole, which keeps every
    offset; other text word by word, each distinct word folded once."""
    if text.isascii():
        lowered = text.lower()
        if not any(word in lowered for word in wanted):
            return []
        return [
            (m.start(), m.end(), m.group()) for m in _WORD.finditer(lowered) if m.group() in wanted
        ]
    return [
        (m.start(), m.end(), word)
        for m in _WORD.finditer(text)
        if (word := _folded(m.group())) in wanted
    ]


@lru_cache(maxsize=65_536)
def _folded(word: str) -> str:
    return fold(word)


def best_page(pages: Sequence[str], words: Iterable[str]) -> tuple[tuple[str, ...], int | None]:
    """(highlighted snippet, page number from 1) of the page holding the most of ``words``
    (then the most occurrences; the first such page on a tie); ((), None) if no page holds
    any (a record found by its metadata alone)."""
    wanted = frozenset(words)
    best, best_key, best_matches = None, (0, 0), []
    for number, text in enumerate(pages, start=1):
        matches = _matches(text, wanted) if wanted else []
        key = (len({word for _, _, word in matches}), len(matches))
        if key > best_key:
            best, best_key, best_matches = number, key, matches
    if best is None:
        return (), None
    html = _snippet(pages[best - 1], best_matches)
    return ((html,) if html else ()), best


def _snippet(text: str, matches: list[tuple[int, int, str]]) -> str:
    """About SNIPPET_CHARS of text around the window holding the most distinct words,
    cut at spaces, escaped, each matched word in <mark>."""
    best_start, best_count = matches[0][0], 0
    inside: Counter[str] = Counter()  # words in the window starting at match i
    j = 0
    for i, (start, _, _) in enumerate(matches):
        while j < len(matches) and matches[j][1] <= start + SNIPPET_CHARS - LEAD_CHARS:
            inside[matches[j][2]] += 1
            j += 1
        if len(inside) > best_count:
            best_start, best_count = start, len(inside)
        if j > i:
            inside[matches[i][2]] -= 1
            if not inside[matches[i][2]]:
                del inside[matches[i][2]]
    begin = max(0, best_start - LEAD_CHARS)
    if begin:
        space = text.find(" ", begin, best_start)
        begin = space + 1 if space >= 0 else best_start
    end = min(len(text), begin + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", best_start, end)
        end = space if space > best_start else end
    return _marked(text, [(s, e) for s, e, _ in matches if begin <= s and e <= end], begin, end)


def _marked(text: str, spans: list[tuple[int, int]], begin: int, end: int) -> str:
    """``text[begin:end]`` escaped as HTML, each (start, end) character span in <mark>."""
    out, pos = [], begin
    for start, stop in sorted(spans):
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append("<mark>" + escape(text[start:stop]) + "</mark>")
        pos = stop
    out.append(escape(text[pos:end]))
    return "".join(out).strip()
