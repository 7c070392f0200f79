"""Search as users see it: index hits joined with the system of record.

The index only supplies ids, scores and snippets; what a hit shows comes from the
metadata store, so a stale index entry can never show outdated metadata, and a hit whose
record no longer exists is dropped.

Cursors leave the server signed: an engine's own cursor carries an offset (and on
Elasticsearch a point in time), and a forged offset of 10^14 once made Tantivy try to
allocate petabytes and kill the web worker. A client can only hand back a cursor this
server gave out; the engines still bound every offset themselves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from itsdangerous import BadSignature, URLSafeTimedSerializer

from archive_app.domain.entities import Record
from search import spelling
from search.interfaces import SearchHit, SearchQuery
from search.query import QueryError


@dataclass(frozen=True)
class Found:
    total: int
    hits: list[tuple[Record, SearchHit]]
    facets: dict[str, dict[str, int]]
    next_cursor: str = ""
    suggestions: dict[str, str] = field(default_factory=dict)  # typed word -> correction


CURSOR_MAX_AGE = 24 * 3600  # seconds a cursor stays usable


def run(services, query: SearchQuery, answered: Callable[[int], None] | None = None) -> Found:
    """``answered`` is told the total as soon as the engine has answered, before the hits
    are joined (the API starts the search's audit entry there, beside the join)."""
    signer = _signer(services)
    if query.cursor:
        query = replace(query, cursor=_unsign(signer, query))
    result = services.index.search(query)
    if answered is not None:
        answered(result.total)
    records = services.metadata.records.by_ids(h.id for h in result.hits)
    hits = [(records[h.id], h) for h in result.hits if h.id in records]
    cursor = signer.dumps([result.next_cursor, _fingerprint(query)]) if result.next_cursor else ""
    suggestions = {}
    if query.terms and result.total <= spelling.FEW_HITS:  # "mungkin maksud Anda ..."
        suggestions = services.index.suggest(query.terms)
    return Found(result.total, hits, result.facets, cursor, suggestions)


def _signer(services) -> URLSafeTimedSerializer:
    settings = services.settings
    salt = f"search-cursor:{settings.search_backend}"
    return URLSafeTimedSerializer(settings.secret_key, salt=salt)


def _fingerprint(query: SearchQuery) -> str:
    """The question a cursor belongs to: a cursor handed back with other words, filters,
    order or page size would continue some other list."""
    asked = [query.terms, query.phrases, sorted(query.filters.items()), query.per_page, query.sort]
    return hashlib.sha256(json.dumps(asked, default=str).encode()).hexdigest()[:16]


def _unsign(signer: URLSafeTimedSerializer, query: SearchQuery) -> str:
    try:
        engine_cursor, fingerprint = signer.loads(query.cursor, max_age=CURSOR_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        engine_cursor, fingerprint = None, None
    if not isinstance(engine_cursor, str) or fingerprint != _fingerprint(query):
        raise QueryError("cursor", "cursor is not one this server gave out for this search")
    return engine_cursor
