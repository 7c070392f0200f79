"""Turn what a person typed into a SearchQuery without exposing any engine's query syntax.

User words are never handed to an engine's query parser: they are split into words the
same way the index splits text (letters and digits, lowercased, accents folded), so
``C.Hasil`` or ``(005`` can never cause a syntax error. "Quoted words" become phrases, and
``TPS 005`` becomes a TPS filter because auditors look polling stations up that way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from search.interfaces import (
    FILTER_FIELDS,
    FLAGS,
    MAX_PER_PAGE,
    PAGE_REACH,
    RETENTION_STATES,
    SORTS,
    SearchQuery,
)
from vocabulary.numbers import NumberError, bounded, whole_number
from vocabulary.places import normalize_place, parse_tps
from vocabulary.text import fold, squash

_WORD = re.compile(r"[^\W_]+")
_PHRASE = re.compile(r'"([^"]*)"')
_TPS_IN_TEXT = re.compile(r"\bTPS\s*[:.\-]?\s*0*(\d{1,3})\b", re.IGNORECASE)


# Words typed in one search. A longer q is no search anyone types; a web server refuses an
# address of ~4 KB anyway, so past this it only arrived in a form body (a saved search),
# and the page it redirects back to carried it into an address too long to follow.
MAX_QUERY_CHARS = 2_000


class QueryError(ValueError):
    """A search parameter is malformed; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def corrected(text: str, corrections: Mapping[str, str]) -> str:
    """What the person typed, with each word that has a correction replaced by it."""
    return _WORD.sub(lambda m: corrections.get(fold(m.group()), m.group()), text)


def normalize_filter(name: str, value: str) -> str | int:
    value = str(value).strip()
    if name == "tps":
        tps = parse_tps(value)
        if tps is None:
            raise QueryError("tps", "tps must be a number from 1 to 999")
        return tps
    if name == "year":
        year = whole_number(value)
        if year is None or year > 9999:
            raise QueryError("year", "year must be a number")
        return year
    if name == "flag" and value.lower() not in FLAGS:
        raise QueryError("flag", f"flag must be one of {', '.join(FLAGS)}")
    if name == "retention" and value.lower() not in RETENTION_STATES:
        raise QueryError("retention", f"retention must be one of {', '.join(RETENTION_STATES)}")
    return squash(value)


def parse_search(params: Mapping[str, str]) -> SearchQuery:
    """Build a SearchQuery from request parameters (q, filters, page, per_page)."""
    text = params.get("q") or ""
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            "q", f"q paling panjang {MAX_QUERY_CHARS} karakter (q is at most {MAX_QUERY_CHARS}"
            " characters)",
        )  # fmt: skip
    filters: dict[str, str | int] = {}
    tps_match = _TPS_IN_TEXT.search(text)
    tps_in_text = parse_tps(tps_match.group(1)) if tps_match else None
    if tps_match and tps_in_text:
        filters["tps"] = tps_in_text
        text = text[: tps_match.start()] + " " + text[tps_match.end() :]
    phrases = tuple(tuple(words(p)) for p in _PHRASE.findall(text) if words(p))
    terms = tuple(dict.fromkeys(words(_PHRASE.sub(" ", text))))
    for name in FILTER_FIELDS:
        if params.get(name) not in (None, ""):
            filters[name] = normalize_filter(name, params[name])
    per_page = _positive(params, "per_page", 20, MAX_PER_PAGE)
    cursor = _cursor(params.get("cursor") or "")
    page = _positive(params, "page", 1, 1_000_000)
    if page > last_page_reached(per_page) and not cursor:
        raise QueryError(
            "page",
            f"A page number reaches the first {PAGE_REACH} hits (page"
            f" {last_page_reached(per_page)} at {per_page} a page): narrow the search, or"
            " follow its cursor",
        )
    return SearchQuery(
        terms=terms,
        phrases=phrases,
        filters=filters,
        page=page,
        per_page=per_page,
        cursor=cursor,
        sort=_sort(params.get("sort") or "relevance"),
    )


def last_page_reached(per_page: int) -> int:
    """The last page a page number reaches (interfaces.PAGE_REACH). An engine is asked for
    one hit more than a page, to tell whether another follows: that one stays within it."""
    return (PAGE_REACH - 1) // per_page


def _sort(raw: str) -> str:
    if raw not in SORTS:
        choices = ", ".join(SORTS)
        raise QueryError(
            "sort", f"Urutan harus salah satu dari {choices} (sort must be one of {choices})"
        )
    return raw


@lru_cache(maxsize=1 << 16)
def squashed(value: str) -> str:
    """``squash``, remembered: a rebuild squashes the same few thousand place names and
    codes millions of times (it was a fifth of the Python time of a Tantivy rebuild)."""
    return squash(value)


@lru_cache(maxsize=1 << 16)
def _place(value: str) -> str:
    return normalize_place(value)


def sort_keys(metadata: Mapping, created_seconds: int) -> dict[str, int | str]:
    """The values both engines sort on, one field per order (the embedded engine sorts by
    a single field): ``dated`` (election year, then upload second), ``region_key`` and
    ``tps_key`` (normalised place names and the zero-padded TPS, in the order read)."""
    tps = metadata.get("tps")
    tps_text = f"{tps:03d}" if isinstance(tps, int) else "999"
    places = [squashed(str(metadata.get(name, ""))) for name in PLACE_LEVELS[:-1]]
    region = "\x1f".join([*places, tps_text])
    year = metadata.get("year")
    return {
        "dated": (year if isinstance(year, int) else 0) * 10**10 + created_seconds,
        "region_key": region,
        "tps_key": f"{tps_text}\x1f{region}",
    }


def _cursor(raw: str) -> str:
    if len(raw) > 2000 or not re.fullmatch(r"[A-Za-z0-9_.\-=]*", raw):
        raise QueryError("cursor", "cursor is not one this server gave out")
    return raw


def _positive(params: Mapping[str, str], name: str, default: int, limit: int) -> int:
    try:
        return bounded(params.get(name), name, 1, limit, default)
    except NumberError as exc:
        raise QueryError(name, str(exc)) from None


ALWAYS_FACETED = ("election", "form_type", "year", "province", "retention")
PLACE_LEVELS = ("province", "regency", "district", "village", "tps")


def facet_fields(query: SearchQuery) -> tuple[str, ...]:
    """Facets worth counting: the broad ones, plus one place level below each chosen one.

    Counting villages or polling stations across a whole country is expensive and shows
    nobody anything useful; once a regency is chosen, its districts are (drill-down).
    """
    fields = list(ALWAYS_FACETED)
    for parent, child in zip(PLACE_LEVELS, PLACE_LEVELS[1:], strict=False):
        if parent in query.filters and child not in fields:
            fields.append(child)
    return tuple(fields)


def metadata_words(metadata: Mapping) -> str:
    """Metadata as searchable text, so "Papahan C.Hasil 2024" finds records by any field."""
    tps = metadata.get("tps")
    parts = [
        metadata.get("election", ""),
        metadata.get("form_type", ""),
        str(metadata.get("year", "")),
        *(_place(str(metadata.get(f, ""))) for f in ("province", "regency", "district")),
        metadata.get("village", ""),
        f"TPS {tps:03d} {tps}" if isinstance(tps, int) else "",
        metadata.get("region_code", ""),
        metadata.get("title", ""),
    ]
    return " ".join(p for p in parts if p)


def record_matches(query: SearchQuery, metadata: Mapping, text: str) -> bool:
    """Does one record match the query? The same rules the engines apply, in plain Python,
    for records the index has not seen yet (e.g. a hold on every future matching record)."""
    for name, wanted in query.filters.items():
        if name == "flag":
            if wanted not in (metadata.get("flags") or ()):
                return False
            continue
        value = metadata.get(name)
        if isinstance(wanted, int):
            if value != wanted:
                return False
        elif squash(value) != wanted:
            return False
    text_words = words(text)
    meta_words = set(words(metadata_words(metadata)))
    present = set(text_words) | meta_words
    if any(term not in present for term in query.terms):
        return False
    joined = " " + " ".join(text_words) + " "
    return all(" " + " ".join(p) + " " in joined for p in query.phrases)
