"""Search as users see it: index hits joined with the system of record.

The index only supplies ids, scores and snippets; what a hit shows comes from the
metadata store, so a stale index entry can never show outdated metadata, and a hit whose
record no longer exists is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from archive_app.domain.entities import Document
from search.interfaces import SearchHit, SearchQuery


@dataclass(frozen=True)
class Found:
    total: int
    hits: list[tuple[Document, SearchHit]]
    facets: dict[str, dict[str, int]]
    next_cursor: str = ""


def run(services, query: SearchQuery) -> Found:
    result = services.index.search(query)
    docs = services.metadata.documents.by_ids(h.id for h in result.hits)
    hits = [(docs[h.id], h) for h in result.hits if h.id in docs]
    return Found(
        total=result.total, hits=hits, facets=result.facets, next_cursor=result.next_cursor
    )
