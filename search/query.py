"""Turn what a person typed into a SearchQuery without exposing any engine's query syntax.

User words are never handed to an engine's query parser: they are split into words the
same way the index splits text (letters and digits, lowercased, accents folded), so
``C.Hasil`` or ``(005`` can never cause a syntax error. "Quoted words" become phrases, and
``TPS 005`` becomes a TPS filter because auditors look polling stations up that way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from archive_app.domain.metadata import normalize_place, parse_tps
from search.interfaces import FILTER_FIELDS, MAX_PER_PAGE, SearchQuery

_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')
_TPS_IN_TEXT = re.compile(r"\bTPS\s*[:.\-]?\s*0*(\d{1,3})\b", re.IGNORECASE)


class QueryError(ValueError):
    """A search parameter is malformed; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def fold(text: str) -> str:
    """Lowercase and strip accents, as the index's analyzer does."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def normalize_filter(name: str, value: str) -> str | int:
    value = str(value).strip()
    if name == "tps":
        tps = parse_tps(value)
        if tps is None:
            raise QueryError("tps", "tps must be a number from 1 to 999")
        return tps
    if name == "year":
        if not value.isdigit():
            raise QueryError("year", "year must be a number")
        return int(value)
    return " ".join(value.split()).lower()


def parse_search(params: Mapping[str, str]) -> SearchQuery:
    """Build a SearchQuery from request parameters (q, filters, page, per_page)."""
    text = params.get("q") or ""
    filters: dict[str, str | int] = {}
    tps_match = _TPS_IN_TEXT.search(text)
    if tps_match and parse_tps(tps_match.group(1)):
        filters["tps"] = parse_tps(tps_match.group(1))
        text = text[: tps_match.start()] + " " + text[tps_match.end() :]
    phrases = tuple(tuple(words(p)) for p in _PHRASE.findall(text) if words(p))
    terms = tuple(dict.fromkeys(words(_PHRASE.sub(" ", text))))
    for name in FILTER_FIELDS:
        if params.get(name) not in (None, ""):
            filters[name] = normalize_filter(name, params[name])
    return SearchQuery(
        terms=terms,
        phrases=phrases,
        filters=filters,
        page=_positive(params, "page", 1, 10_000),
        per_page=_positive(params, "per_page", 20, MAX_PER_PAGE),
    )


def _positive(params: Mapping[str, str], name: str, default: int, limit: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    if not str(raw).isdigit() or not 1 <= int(raw) <= limit:
        raise QueryError(name, f"{name} must be a whole number from 1 to {limit}")
    return int(raw)


def metadata_words(metadata: Mapping) -> str:
    """Metadata as searchable text, so "Papahan C.Hasil 2024" finds records by any field."""
    tps = metadata.get("tps")
    parts = [
        metadata.get("election", ""),
        metadata.get("form_type", ""),
        str(metadata.get("year", "")),
        *(normalize_place(metadata.get(f, "")) for f in ("province", "regency", "district")),
        metadata.get("village", ""),
        f"TPS {tps:03d} {tps}" if isinstance(tps, int) else "",
        metadata.get("region_code", ""),
        metadata.get("title", ""),
    ]
    return " ".join(p for p in parts if p)
