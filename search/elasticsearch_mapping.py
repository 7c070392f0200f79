"""What the Elasticsearch adapter stores and asks: index settings, mapping, document bodies,
search requests and cursors. Pure data in, data out: no client here.

Matching is the embedded engine's, exactly: every normalised word must occur in the OCR
text or in the metadata words, phrases must occur in the text, filters are exact and
case-insensitive. So the text is split on every non-letter, non-digit character and then
lowercased and accent-folded (``archive_folded``), as ``search/query.py`` and Tantivy do,
and queries are ``term``/``match_phrase`` on already-normalised words.

The text is analysed twice. ``text`` holds the pages as one multi-valued field of the
record: matching and ranking run there, as cheaply as on any flat field (with no position
gap between pages, so a phrase may run from one page into the next, as in the embedded
engine, which indexes the pages joined by a form feed). The Indonesian analyzer (stemming,
stop words) indexes it once more (``text.stem``, without positions: only a ``match`` asks
it); it only adds to the score, so "penghitungan" ranks records that say "hitung" higher
without changing what matches.

The pages are sent and stored once, as ``text`` (in page order, so the source gives them
back one by one): the page that matches best and its snippet are found in Python for the
hits shown (``search/best_page.py``). Indices built before issue 18 index the pages a
third time, as nested ``pages`` documents, and keep ``text`` out of their source; so the
app's single writes (``ElasticsearchIndex.index``) still send ``pages`` too, which today's
mapping accepts and leaves out of the source (``pages`` is ignored), and such an index
answers the same until `archive reindex` builds it anew (``OLD_PAGES_MAPPING``). A
rebuild, always into an index of its own made with today's mapping, sends ``text``
alone: half the JSON to write and parse.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from search import spelling
from search.best_page import best_page as page_snippet
from search.interfaces import PAGE_REACH, IndexDocument, SearchQuery
from search.query import (
    ALWAYS_FACETED,
    QueryError,
    facet_fields,
    metadata_words,
    sort_keys,
    squashed,
)

KEYWORD_FIELDS = (
    "election", "form_type", "province", "regency", "district", "village", "retention",
)  # fmt: skip
INT_FIELDS = ("year", "tps")
FACET_SIZE = 50
# The facets every search counts, also kept together in one field, as a JSON object of the
# record's values. Elasticsearch reads a faceted field's doc values once for every match:
# for a word on 4 of the 5.4M records of a 12M-page archive, the five facets took 87-174 ms
# and one took 30-60 (one shard, warm). Counting the one field and adding its buckets up
# per facet gives the same exact counts for about the price of one facet. KEY_BUCKETS bounds
# the combinations counted; past it, or where records lack the field (indexed by a version
# before it, until `archive reindex`), the facets are counted one by one instead
# (joined_apart).
FACET_KEY = "facet_key"
KEY_BUCKETS = 20_000
# How ``pages`` was mapped before issue 18; an index still mapped so is reported (see above).
OLD_PAGES_MAPPING = "nested"

# Pages up to here are one from/size search (page 2,500 at 20 a page: ~70 ms at 1M records,
# where walking there in steps of 10,000 sort values took ~850): every page a page number
# reaches (interfaces.PAGE_REACH). Elasticsearch's default of 10,000 guards clusters of many
# shards against deep pages; one shard collecting 100,000 hits holds a few MB.
RESULT_WINDOW = PAGE_REACH

SETTINGS = {
    "auto_expand_replicas": "0-1",
    "max_result_window": RESULT_WINDOW,
    "analysis": {
        "tokenizer": {
            # letters and digits make words; everything else separates them (as search/query.py)
            "archive_words": {"type": "pattern", "pattern": r"[^\p{L}\p{N}]+"},
        },
        "analyzer": {
            "archive_folded": {
                "type": "custom",
                "tokenizer": "archive_words",
                "filter": ["lowercase", "asciifolding"],
            },
        },
    },
}

# While a rebuild loads: no replicas, no periodic refresh, no fsync per bulk request.
LOAD_SETTINGS = {
    "auto_expand_replicas": False,
    "number_of_replicas": 0,
    "refresh_interval": "-1",
    "translog.durability": "async",
}
SERVE_SETTINGS = {
    "auto_expand_replicas": SETTINGS["auto_expand_replicas"],
    "refresh_interval": None,  # back to the cluster default
    "translog.durability": "request",
}

MAPPINGS = {
    "dynamic": "strict",
    "_source": {"excludes": ["pages"]},  # the pages are in the source once, as "text"
    "properties": {
        "id": {"type": "keyword"},
        "created": {"type": "date", "format": "epoch_millis"},
        "meta": {"type": "text", "analyzer": "archive_folded", "index_options": "freqs"},
        "text": {
            "type": "text",
            "analyzer": "archive_folded",
            "position_increment_gap": 0,
            "fields": {
                "stem": {"type": "text", "analyzer": "indonesian", "index_options": "freqs"}
            },
        },
        "pages": {"type": "object", "enabled": False},  # accepted, ignored: see above
        # display values (facets; not searchable) and normalised values (exact filters)
        **{
            name: {
                "type": "keyword",
                "index": False,
                "eager_global_ordinals": name in ALWAYS_FACETED,
            }
            for name in KEYWORD_FIELDS
        },
        **{f"{name}_lc": {"type": "keyword", "doc_values": False} for name in KEYWORD_FIELDS},
        FACET_KEY: {"type": "keyword", "index": False, "eager_global_ordinals": True},
        **{name: {"type": "integer"} for name in INT_FIELDS},
        "flags": {"type": "keyword", "doc_values": False},
        # sort keys only (search/query.py:sort_keys); a mapping change needs `archive reindex`
        "dated": {"type": "long", "index": False},
        "region_key": {"type": "keyword", "index": False},
        "tps_key": {"type": "keyword", "index": False},
    },
}


def source(doc: IndexDocument, old_pages: bool = True) -> dict:
    """The document; ``old_pages``: with the pages once more as ``pages``, for an index
    that may have been built by an older version (see above)."""
    meta = doc.metadata
    body = {
        "id": doc.id,
        "created": int(doc.created_at.timestamp() * 1000),
        "meta": metadata_words(meta),
        "text": list(doc.pages),
    }
    if old_pages:
        body["pages"] = [{"text": text} for text in doc.pages]
    for name in KEYWORD_FIELDS:
        value = str(meta.get(name, ""))
        body[name] = value
        body[f"{name}_lc"] = squashed(value)
    for name in INT_FIELDS:
        body[name] = int(meta.get(name) or 0)
    body["flags"] = list(meta.get("flags") or ())
    body.update(sort_keys(meta, int(doc.created_at.timestamp())))
    joined = {name: body[name] for name in ALWAYS_FACETED}  # named: see joined_apart
    body[FACET_KEY] = json.dumps(joined, separators=(",", ":"), sort_keys=True)
    return body


def bulk_chunks(
    batches: Iterable[list[IndexDocument]], max_chars: int, max_docs: int
) -> Iterator[list[dict]]:
    """Bulk "create" actions in chunks of bounded size, whatever the caller's batch sizes."""
    chunk, size = [], 0
    for batch in batches:
        for doc in batch:
            chunk.append(
                {"_op_type": "create", "_id": doc.id, "_source": source(doc, old_pages=False)}
            )
            size += sum(len(p) for p in doc.pages) + 500
            if size >= max_chars or len(chunk) >= max_docs:
                yield chunk
                chunk, size = [], 0
    if chunk:
        yield chunk


# -- searching ----------------------------------------------------------------------------


def _phrase(words: tuple[str, ...]) -> dict:
    if len(words) == 1:
        return {"term": {"text": words[0]}}
    return {"match_phrase": {"text": " ".join(words)}}


def _words(query: SearchQuery) -> list[str]:
    return [*query.terms, *(w for p in query.phrases for w in p)]


def _filter_field(name: str) -> str:
    if name in INT_FIELDS:
        return name
    return "flags" if name == "flag" else f"{name}_lc"


def query_clause(query: SearchQuery) -> dict:
    """Every word in the text or the metadata words, phrases in the text, exact filters."""
    must = [
        {"bool": {"should": [{"term": {"text": t}}, {"term": {"meta": t}}]}} for t in query.terms
    ]
    must += [_phrase(p) for p in query.phrases]
    filters = [{"term": {_filter_field(name): value}} for name, value in query.filters.items()]
    if not must and not filters:
        return {"match_all": {}}
    clause = {"bool": {"must": must, "filter": filters}}
    if must:  # optional: only adds to the score
        clause["bool"]["should"] = [{"match": {"text.stem": " ".join(_words(query))}}]
    return clause


def shown_source(query: SearchQuery) -> list[str] | bool:
    """What the hits bring back of their source: the pages (as ``text``, or ``pages`` in an
    index built before issue 18), when there are words to find on them, else nothing."""
    return False if query.is_empty else ["text", "pages"]


def best_page(query: SearchQuery, hit: dict) -> tuple[tuple[str, ...], int | None]:
    """(highlighted snippets, page number from 1) of a hit, from the pages in its source."""
    found = hit.get("_source") or {}
    pages = found.get("text")
    if pages is None:  # an index built before issue 18
        pages = [page.get("text", "") for page in found.get("pages", ())]
    elif isinstance(pages, str):
        pages = [pages]
    return page_snippet(pages, _words(query))


def suggest_request(words: list[str]) -> dict:
    """How many records hold each word, and the term suggester's known words near it, per
    field (the rules are in ``search/spelling.py``; the choice among them is made there)."""
    known = {w: {"bool": {"should": [{"term": {"text": w}}, {"term": {"meta": w}}]}} for w in words}
    suggest = {
        f"{field}-{i}": {
            "text": word,
            "term": {
                "field": field,
                "suggest_mode": "always",
                "max_edits": spelling.MAX_EDITS,
                "prefix_length": spelling.PREFIX[field],
                "min_word_length": spelling.MIN_WORD,
                "size": 10,
            },
        }  # fmt: skip
        for i, word in enumerate(words)
        for field in spelling.FIELDS
    }
    return {
        "size": 0,
        "track_total_hits": False,
        "aggs": {"known": {"filters": {"filters": known}}},
        "suggest": suggest,
    }


def suggestions(response: dict, words: list[str]) -> dict[str, str]:
    counts = response.get("aggregations", {}).get("known", {}).get("buckets", {})
    found = {}
    for i, word in enumerate(words):
        if counts.get(word, {}).get("doc_count", 1):
            continue
        for field in spelling.FIELDS:
            entries = response.get("suggest", {}).get(f"{field}-{i}", [])
            options = [(o["text"], o["freq"]) for e in entries for o in e["options"]]
            choice = spelling.best(word, options)
            if choice:
                found[word] = choice
                break
    return found


def sort_clause(query: SearchQuery) -> list:
    """Newest first without words, else relevance; equal ones in index order.

    No tiebreak field on purpose: equal scores are common (similar forms, quantised length
    norms), and a tiebreak is then read for every match: a number doubles the cost of a
    common word at 200,000 matches, "newest first" or the id (a keyword) triple it. Index
    order is what a point in time's ``_shard_doc`` follows, so pages past the first
    10,000 hits (walked in a point in time) continue the same order.
    """
    if query.sort in ORDERS:
        return [ORDERS[query.sort]]
    return [{"created": "desc"}] if query.is_empty else ["_score"]


ORDERS = {  # sort code -> sort clause (as the embedded engine's ORDERS)
    "newest": {"dated": "desc"},
    "oldest": {"dated": "asc"},
    "region": {"region_key": "asc"},
    "tps": {"tps_key": "asc"},
}


def aggregations(query: SearchQuery, key_buckets: int = KEY_BUCKETS) -> dict:
    """The facets every search counts through their joined field (FACET_KEY), the places
    drilled down to one by one."""
    aggs = {FACET_KEY: {"terms": {"field": FACET_KEY, "size": key_buckets}}}
    aggs.update(separate_aggregations(query, skip=ALWAYS_FACETED))
    return aggs


def separate_aggregations(query: SearchQuery, skip: tuple[str, ...] = ()) -> dict:
    return {
        name: {"terms": {"field": name, "size": FACET_SIZE}}
        for name in facet_fields(query)
        if name not in skip
    }


def joined_apart(aggs: dict, total: int) -> tuple[dict | None, str]:
    """The aggregations with the joined field's buckets turned into each facet's own, as
    if each had been counted on its field (``total``: the exact number of matches); or
    (None, why) when they do not hold every match: "combinations" (more than were asked
    for; this search only) or "older records" (indexed without the field, or joining other
    facets: every search of the index, until `archive reindex`)."""
    joined = aggs.get(FACET_KEY)
    if joined is None:
        return aggs, ""
    if joined.get("sum_other_doc_count"):
        return None, "combinations"
    sums: dict[str, Counter] = {name: Counter() for name in ALWAYS_FACETED}
    counted = 0
    for bucket in joined.get("buckets", ()):
        try:
            values = json.loads(bucket["key"])
        except ValueError:
            values = None
        if not isinstance(values, dict) or values.keys() != sums.keys():
            return None, "older records"
        for name, value in values.items():
            sums[name][value] += bucket["doc_count"]
        counted += bucket["doc_count"]
    if counted != total:
        return None, "older records"
    apart = {name: found for name, found in aggs.items() if name != FACET_KEY}
    for name, counts in sums.items():  # Elasticsearch's order: most records first, then value
        first = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:FACET_SIZE]
        apart[name] = {"buckets": [{"key": value, "doc_count": n} for value, n in first]}
    return apart, ""


def facets(response: dict, query: SearchQuery) -> dict[str, dict[str, int]]:
    aggs = response.get("aggregations") or {}
    found = {}
    for name in facet_fields(query):
        buckets = aggs.get(name, {}).get("buckets", [])
        found[name] = {
            _facet_key(name, b["key"]): b["doc_count"] for b in buckets if b["key"] != ""
        }
    return found


def _facet_key(name: str, key) -> str:
    if name == "tps":
        return f"{int(key):03d}"
    return str(key)


# -- cursors ------------------------------------------------------------------------------
# A cursor is where the next page starts: its offset, and past the first 10,000 hits also
# the point in time it was read in and the sort values of the last hit (search_after).


@dataclass(frozen=True)
class Cursor:
    offset: int
    pit: str = ""
    after: tuple = ()


def encode_cursor(cursor: Cursor) -> str:
    raw = json.dumps(["c", cursor.offset, cursor.pit, list(cursor.after)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(text: str) -> Cursor:
    """A cursor this adapter gave out (a forged point in time only costs a fresh walk)."""
    try:
        kind, offset, pit, after = json.loads(base64.urlsafe_b64decode(text.encode()))
    except (ValueError, TypeError, UnicodeDecodeError):
        kind = None
    if (
        kind == "c"
        and _is_int(offset)
        and 0 <= offset < 10**15
        and isinstance(pit, str)
        and isinstance(after, list)
        and all(_is_int(v) or isinstance(v, float | str) for v in after)
        and (not pit or after)
    ):
        return Cursor(offset, pit, tuple(after))
    raise QueryError("cursor", "cursor is not one this server gave out")


def decode_cursor_pit(text: str) -> str:
    """The point in time a cursor carries ("" for none, or no cursor)."""
    return decode_cursor(text).pit if text else ""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
