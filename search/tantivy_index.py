"""TantivyIndex: the embedded search engine, in-process, no server.

Tantivy allows one writer per index. Every process that writes (several workers, the CLI)
first takes an exclusive file lock next to the index, waiting up to a deadline, so
writers queue instead of failing. Readers in other processes notice commits by the
change of ``meta.json`` and reload before searching.

``rebuild`` writes a fresh index in a new folder and then flips the ``CURRENT`` pointer
file, so searches keep answering from the old index until the new one is complete.
"""

from __future__ import annotations

import base64
import fcntl
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Document, Filter, Index, Occur, Query, TextAnalyzerBuilder, Tokenizer

from search import spelling
from search.interfaces import (
    IndexDocument,
    IndexUnavailable,
    SearchHit,
    SearchQuery,
    SearchResult,
)
from search.query import QueryError, facet_fields, metadata_words, sort_keys, squashed
from search.query import words as query_words
from search.snippets import snippet_html
from vocabulary.numbers import whole_number

TEXT_FIELDS = ("election", "form_type", "province", "regency", "district", "village", "retention")
INT_FIELDS = ("year", "tps")
WRITER_HEAP = 64_000_000
PAGE_BREAK = "\f"
# A writer holds the lock for one commit (~15 ms); a worker waiting for it should not sleep
# much longer than that between tries.
LOCK_POLL = 0.005
IDS_BATCH = 10_000
SUGGEST_DOCS = 20  # records read for the words near a misspelt one
FACET_THREADS = 4  # one per request thread of a web worker (gthread, 4 threads)


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_text_field("text", stored=True, tokenizer_name="folded")
    sb.add_text_field("meta", stored=True, tokenizer_name="folded")  # stored: suggestions
    for name in TEXT_FIELDS:
        sb.add_text_field(name, fast=True, tokenizer_name="raw")  # display value, for facets
        sb.add_text_field(f"{name}_lc", tokenizer_name="raw")  # lowercased, for filters
    for name in INT_FIELDS:
        sb.add_integer_field(name, indexed=True, fast=True)
    sb.add_text_field("flags", tokenizer_name="raw")  # why auditors should look: a filter
    sb.add_integer_field("created", fast=True)
    # sort keys (search/query.py:sort_keys); a schema change needs `archive reindex`
    sb.add_integer_field("dated", fast=True)
    sb.add_text_field("region_key", fast=True, tokenizer_name="raw")
    sb.add_text_field("tps_key", fast=True, tokenizer_name="raw")
    return sb.build()


# sort code -> (fast field, order); "relevance" with words is by score
ORDERS = {
    "newest": ("dated", tantivy.Order.Desc),
    "oldest": ("dated", tantivy.Order.Asc),
    "region": ("region_key", tantivy.Order.Asc),
    "tps": ("tps_key", tantivy.Order.Asc),
}


def _order(query: SearchQuery) -> dict[str, Any]:
    if query.sort in ORDERS:
        field, order = ORDERS[query.sort]
        return {"order_by_field": field, "order": order}
    return {"order_by_field": "created"} if query.is_empty else {}


def _analyzer():
    return (
        TextAnalyzerBuilder(Tokenizer.simple())
        .filter(Filter.remove_long(60))
        .filter(Filter.lowercase())
        .filter(Filter.ascii_fold())
        .build()
    )


class TantivyIndex:
    def __init__(self, root: Path, lock_timeout: float = 30.0):
        self.root = Path(root)
        self.lock_timeout = lock_timeout
        self.schema = _schema()
        self._index: Index | None = None
        self._open_dir: str = ""
        self._meta_stamp: tuple[int, int, int] | None = None
        self._facet_threads: tuple[int, ThreadPoolExecutor] | None = None
        self._facet_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> TantivyIndex:
        return cls(settings.index_dir, settings.index_lock_timeout)

    # -- opening and locking ------------------------------------------------------------
    def _current_dir(self) -> str:
        """Name of the live index folder; the first process to need one creates it."""
        pointer = self.root / "CURRENT"
        try:
            return pointer.read_text().strip()
        except FileNotFoundError:
            pass
        name = f"v-{uuid.uuid4().hex[:12]}"
        self._open(name)
        tmp = self.root / f".CURRENT.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        tmp.write_text(name)
        try:
            os.link(tmp, pointer)  # atomic create: exactly one process wins
        except FileExistsError:
            shutil.rmtree(self.root / name, ignore_errors=True)
        finally:
            tmp.unlink()
        return pointer.read_text().strip()

    def _open(self, name: str) -> Index:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        try:
            index = Index(self.schema, path=str(path), reuse=True)
        except ValueError as exc:
            if "schema does not match" not in str(exc):
                raise
            # written by an older version (e.g. before the sort keys): rebuild to upgrade
            raise IndexUnavailable(
                "the search index predates this version: run `archive reindex`"
            ) from exc
        index.register_tokenizer("folded", _analyzer())
        return index

    def _reader(self) -> Index:
        """The current index, reloaded when another process committed or swapped it."""
        name = self._current_dir()
        if self._index is None or name != self._open_dir:
            self._index, self._open_dir, self._meta_stamp = self._open(name), name, None
        try:
            st = (self.root / name / "meta.json").stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)  # meta.json is replaced per commit
        except FileNotFoundError:
            stamp = None
        if stamp != self._meta_stamp:
            self._index.reload()
            self._meta_stamp = stamp
        return self._index

    def _point_to(self, name: str) -> None:
        tmp = self.root / f".CURRENT.{os.getpid()}"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "write.lock", "a+") as fh:
            deadline = time.monotonic() + self.lock_timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        raise IndexUnavailable("the search index is busy; try again") from None
                    time.sleep(LOCK_POLL)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- writing ------------------------------------------------------------------------
    def _document(self, doc: IndexDocument) -> Document:
        meta = doc.metadata
        # pages joined by a form feed (as the text derivative): _page_of finds the page again
        fields: dict[str, Any] = {
            "id": doc.id, "text": PAGE_BREAK.join(doc.pages), "meta": metadata_words(meta)
        }  # fmt: skip
        for name in TEXT_FIELDS:
            value = str(meta.get(name, ""))
            fields[name] = value
            fields[f"{name}_lc"] = squashed(value)
        for name in INT_FIELDS:
            fields[name] = int(meta.get(name) or 0)
        fields["created"] = int(doc.created_at.timestamp())
        fields.update(sort_keys(meta, fields["created"]))
        document = Document(**fields)
        for flag in meta.get("flags") or ():
            document.add_text("flags", flag)
        return document

    def index(self, docs: Iterable[IndexDocument]) -> None:
        docs = list(docs)
        if not docs:
            return
        with self._locked():
            index = self._reader()
            writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
            for doc in docs:
                writer.delete_documents_by_term("id", doc.id)
                writer.add_document(self._document(doc))
            writer.commit()
            writer.wait_merging_threads()
            index.reload()

    def delete(self, ids: Iterable[str]) -> None:
        with self._locked():
            index = self._reader()
            writer = index.writer(heap_size=WRITER_HEAP, num_threads=1)
            for doc_id in ids:
                writer.delete_documents_by_term("id", doc_id)
            writer.commit()
            writer.wait_merging_threads()
            index.reload()

    def rebuild(
        self,
        batches: Iterable[list[IndexDocument]],
        skipped: Callable[[list[str]], None] | None = None,
    ) -> int:
        """Build a new index folder under the write lock, then flip CURRENT to it.

        Holding the lock throughout means no worker writes into the old index meanwhile
        (they wait, or leave their record pending for the catch-up), so nothing indexed
        during the rebuild is lost by the swap, and no record's copy is ever ``skipped``.
        Searches keep using the old folder.
        """
        with self._locked():
            old = self._current_dir()
            name = f"v-{uuid.uuid4().hex[:12]}"
            writer = self._open(name).writer(heap_size=256_000_000, num_threads=2)
            total = 0
            try:
                for batch in batches:
                    for doc in batch:
                        writer.add_document(self._document(doc))
                    total += len(batch)
                writer.commit()
                writer.wait_merging_threads()
            except BaseException:
                shutil.rmtree(self.root / name, ignore_errors=True)
                raise
            self._point_to(name)
            shutil.rmtree(self.root / old, ignore_errors=True)
        return total

    # -- reading ------------------------------------------------------------------------
    def _query(self, query: SearchQuery) -> tuple[Query, Query | None]:
        """(full query, the text-only part used for snippets)."""
        schema = self.schema
        text_parts = []
        for term in query.terms:
            either = [Query.term_query(schema, f, term) for f in ("text", "meta")]
            text_parts.append(Query.boolean_query([(Occur.Should, q) for q in either]))
        for phrase in query.phrases:
            if len(phrase) == 1:
                text_parts.append(Query.term_query(schema, "text", phrase[0]))
            else:
                text_parts.append(Query.phrase_query(schema, "text", list(phrase)))
        clauses = [(Occur.Must, q) for q in text_parts]
        for name, value in query.filters.items():
            field = name if name in INT_FIELDS else "flags" if name == "flag" else f"{name}_lc"
            clauses.append((Occur.Must, Query.term_query(schema, field, value)))
        if not clauses:
            return Query.all_query(), None
        full = Query.boolean_query(clauses)
        text_only = Query.boolean_query([(Occur.Should, q) for q in text_parts])
        return full, (text_only if text_parts else None)

    def search(self, query: SearchQuery) -> SearchResult:
        searcher = self._reader().searcher()
        full, text_only = self._query(query)
        offset = (query.page - 1) * query.per_page
        if query.cursor:
            offset = _decode_offset(query.cursor)
        # Tantivy reserves room for offset + limit hits before it looks at a single one: an
        # offset of 10^14 asked for petabytes and aborted the process. No page starts past
        # the last document, so such an offset only needs the count.
        past_end = offset >= searcher.num_docs
        order = _order(query)
        scored = "order_by_field" not in order
        facets = self._facet_thread().submit(self._facets, searcher, full, facet_fields(query))
        found: Any  # the binding's result (its stub lacks ``count``), or _NoHits
        if past_end:
            found = searcher.search(full, 1, offset=0, **order)
            offset, found = found.count, _NoHits(found.count)
        else:
            found = searcher.search(full, query.per_page, offset=offset, **order)
        snippets = None
        if text_only is not None:
            snippets = tantivy.SnippetGenerator.create(searcher, text_only, self.schema, "text")
            snippets.set_max_num_chars(240)
        hits: list[SearchHit] = []
        for score, address in found.hits:
            doc = searcher.doc(address)
            highlights: tuple[str, ...] = ()
            page: int | None = None
            if snippets is not None:
                snippet = snippets.snippet_from_doc(doc)
                ranges = [(r.start, r.end) for r in snippet.highlighted()]
                fragment = snippet.fragment()
                html = snippet_html(fragment.replace(PAGE_BREAK, "\n"), ranges)
                highlights = (html,) if html else ()
                page = _page_of(doc["text"][0], fragment, ranges) if html else None
            hit = SearchHit(
                doc["id"][0], float(score) if scored else 0.0, highlights=highlights, page=page
            )
            hits.append(hit)
        more = offset + len(hits) < found.count
        return SearchResult(
            total=found.count,
            hits=hits,
            facets=facets.result(),
            next_cursor=_encode_offset(offset + len(hits)) if more else "",
        )

    def ids(self, query: SearchQuery, batch: int = IDS_BATCH) -> Iterator[list[str]]:
        """Every match's id, ``batch`` at a time. Tantivy collects the top hits of a search,
        so each batch is the next slice of one ranking (the searcher stays the same, so the
        ranking does too): for 100,000 matches, ten searches instead of a thousand pages."""
        searcher = self._reader().searcher()
        full, _ = self._query(query)
        offset = 0
        while offset < searcher.num_docs:
            found = searcher.search(full, batch, count=False, offset=offset)
            if not found.hits:
                return
            yield [searcher.doc(address)["id"][0] for _, address in found.hits]
            offset += len(found.hits)
            if len(found.hits) < batch:
                return

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        """Candidates come from the records a fuzzy term query finds (the term dictionary
        of a national index holds ~10^5 words per prefix: too many to compare one by one),
        each one confirmed as a term of the field by its document count."""
        searcher = self._reader().searcher()
        found: dict[str, str] = {}
        for word in dict.fromkeys(words):
            if not spelling.wants_correction(word):
                continue
            if any(searcher.doc_freq(field, word) for field in spelling.FIELDS):
                continue
            for field in spelling.FIELDS:
                choice = spelling.best(word, self._near(searcher, field, word))
                if choice:
                    found[word] = choice
                    break
        return found

    def _near(self, searcher, field: str, word: str) -> list[tuple[str, int]]:
        fuzzy = Query.fuzzy_term_query(self.schema, field, word, distance=spelling.MAX_EDITS)
        start = word[: spelling.PREFIX[field]]
        near: set[str] = set()
        for _, address in searcher.search(fuzzy, SUGGEST_DOCS, count=False).hits:
            for text in searcher.doc(address)[field]:
                near.update(w for w in query_words(text) if spelling.reachable(word, w, start))
        return [(w, searcher.doc_freq(field, w)) for w in near]

    def _facet_thread(self) -> ThreadPoolExecutor:
        """Facets are counted beside the page of hits, not after it. Both walk every match,
        and the engine lets go of the interpreter lock while it does: for a word on every
        form of a national archive (5.4M records) 47 ms for the hits and 68 ms for the
        facets, 117 ms in turn, 69 ms side by side. Made on first use in each process: a
        thread made before gunicorn forks its workers would not exist in them."""
        with self._facet_lock:
            if self._facet_threads is None or self._facet_threads[0] != os.getpid():
                pool = ThreadPoolExecutor(FACET_THREADS, thread_name_prefix="facets")
                self._facet_threads = (os.getpid(), pool)
            return self._facet_threads[1]

    def _facets(self, searcher, query: Query, fields) -> dict[str, dict[str, int]]:
        aggs = {name: {"terms": {"field": name, "size": 50}} for name in fields}
        result = searcher.aggregate(query, aggs)
        facets = {}
        for name in fields:
            buckets = result.get(name, {}).get("buckets", [])
            facets[name] = {
                _facet_key(name, b["key"]): b["doc_count"] for b in buckets if b["key"] != ""
            }
        return facets

    def count(self) -> int:
        return self._reader().searcher().num_docs

    def health(self) -> dict:
        return {"backend": "tantivy", "ok": True, "documents": self.count()}


def _page_of(text: str, fragment: str, ranges) -> int:
    """The page (from 1) of the first highlighted word; ranges are UTF-8 byte offsets."""
    first = min(ranges)[0] if ranges else 0
    at = text.find(fragment) + len(fragment.encode()[:first].decode("utf-8", "ignore"))
    return text.count(PAGE_BREAK, 0, max(at, 0)) + 1


class _NoHits:
    """A page past the last hit: the count, and nothing to show."""

    def __init__(self, count: int):
        self.count = count
        self.hits: list[Any] = []


def _encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()


def _decode_offset(cursor: str) -> int:
    try:
        kind, _, text = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        value = whole_number(text)
        if kind == "o" and value is not None:
            return value
    except (ValueError, UnicodeDecodeError):
        pass
    raise QueryError("cursor", "cursor is not one this server gave out")


def _facet_key(name: str, key) -> str:
    if name == "tps":
        return f"{int(key):03d}"
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)
