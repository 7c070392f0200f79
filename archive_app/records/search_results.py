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

from dataclasses import dataclass, replace

from itsdangerous import BadSignature, URLSafeSerializer

from archive_app.domain.entities import Document
from search.interfaces import SearchHit, SearchQuery
from search.query import QueryError


@dataclass(frozen=True)
class Found:
    total: int
    hits: list[tuple[Document, SearchHit]]
    facets: dict[str, dict[str, int]]
    next_cursor: str = ""


def run(services, query: SearchQuery) -> Found:
    signer = _signer(services)
    if query.cursor:
        query = replace(query, cursor=_unsign(signer, query.cursor))
    result = services.index.search(query)
    docs = services.metadata.documents.by_ids(h.id for h in result.hits)
    hits = [(docs[h.id], h) for h in result.hits if h.id in docs]
    cursor = signer.dumps(result.next_cursor) if result.next_cursor else ""
    return Found(total=result.total, hits=hits, facets=result.facets, next_cursor=cursor)


def _signer(services) -> URLSafeSerializer:
    settings = services.settings
    return URLSafeSerializer(settings.secret_key, salt=f"search-cursor:{settings.search_backend}")


def _unsign(signer: URLSafeSerializer, cursor: str) -> str:
    try:
        engine_cursor = signer.loads(cursor)
    except BadSignature:
        engine_cursor = None
    if not isinstance(engine_cursor, str):
        raise QueryError("cursor", "cursor is not one this server gave out")
    return engine_cursor
