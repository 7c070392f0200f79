"""SearchIndex: full-text and metadata search over the archive's records.

The index is derived data: everything in it can be rebuilt from the metadata store and
the object store (``archive reindex``), so adapters may drop and rebuild it at will.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

FILTER_FIELDS = (
    "election",
    "form_type",
    "year",
    "province",
    "regency",
    "district",
    "village",
    "tps",
    "retention",
    "flag",
)
FACET_FIELDS = FILTER_FIELDS[:-1]  # flags are a filter only
FLAGS = ("inconsistent", "low_confidence", "review")
RETENTION_STATES = ("active", "inactive", "due", "on_hold", "disposed", "transferred")
MAX_PER_PAGE = 100
# A page number reaches the first PAGE_REACH hits (page 4,999 at 20 a page); past them a
# search is narrowed, or walked with its cursor. Elasticsearch answers such a page in one
# search within its result window; past it, it walked there 10,000 hits a step, so the last
# page of a word on every form of a national election (5.3M hits, a link in the pager) took
# minutes of a web thread, and Tantivy collected every hit before it.
PAGE_REACH = 100_000
# How hits may be ordered (stable codes, as in the API's ``sort=``). "relevance" lists the
# newest first when there are no words; "region" runs province, regency, district,
# village, then TPS; "tps" runs by TPS number, then region.
SORTS = ("relevance", "newest", "oldest", "region", "tps")


class IndexUnavailable(IOError):
    """The search engine cannot be reached or is busy; the caller may retry later."""


@dataclass(frozen=True)
class IndexDocument:
    """What the index needs to know about one record."""

    id: str
    metadata: dict[str, Any]  # RecordMetadata.as_dict()
    pages: tuple[str, ...]  # text of each page, in order
    created_at: datetime


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[str, ...] = ()  # normalised words that must all match
    phrases: tuple[tuple[str, ...], ...] = ()  # quoted phrases, as normalised words
    filters: dict[str, Any] = field(default_factory=dict)  # field -> normalised value (str or int)
    page: int = 1
    per_page: int = 20
    cursor: str = ""  # opaque: continue after the previous page (from SearchResult.next_cursor)
    sort: str = "relevance"  # one of SORTS

    @property
    def is_empty(self) -> bool:
        return not self.terms and not self.phrases


@dataclass(frozen=True)
class SearchHit:
    id: str
    score: float
    highlights: tuple[str, ...] = ()  # HTML-escaped text, matches wrapped in <mark>
    page: int | None = None  # the page (from 1) the highlights come from; None: no text matched


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[SearchHit]
    facets: dict[str, dict[str, int]]
    next_cursor: str = ""  # empty on the last page


class SearchIndex(Protocol):
    def index(self, docs: Iterable[IndexDocument]) -> None:
        """Add or replace these records (idempotent) and make them searchable."""

    def delete(self, ids: Iterable[str]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult:
        """Hits in ``query.sort`` order (relevance: newest first when there are no words),
        with facets. Hits with equal sort keys come in index order.

        ``page`` may be any depth; ``cursor`` (when given, instead of ``page``) continues
        after the page that returned it, which stays cheap at any depth on every engine.
        """

    def ids(self, query: SearchQuery) -> Iterator[list[str]]:
        """The id of every record matching, in bounded batches and no particular order:
        no scores' order, snippets or facets (a hold on a search covers every match)."""

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        """Corrections for typed words the index has never seen ("kelapmuda" ->
        "kelapamuda"), following the rules in ``search/spelling.py``; words with none are
        left out."""

    def rebuild(
        self,
        batches: Iterable[list[IndexDocument]],
        skipped: Callable[[list[str]], None] | None = None,
    ) -> int:
        """Replace the whole index with these records; searches keep working meanwhile.

        ``skipped`` is told the ids of records whose copy from ``batches`` the new index
        did not take, because a writer had put one there meanwhile (Elasticsearch: writers
        go on during a rebuild). That copy may be older than the one read, so the caller
        must not count those records as indexed. Called from the loader's threads."""

    def count(self) -> int: ...
    def health(self) -> dict[str, Any]: ...
