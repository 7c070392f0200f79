"""ElasticsearchIndex: the scale-out search engine, Elasticsearch 8 over HTTP.

Everything goes through an alias (``ARCHIVE_ELASTICSEARCH_INDEX``) in front of a versioned
index ``<alias>-<UTC timestamp>``. ``rebuild`` loads a new index and then swaps the alias in
one atomic ``update_aliases`` call, so searches keep answering from the old index until the
new one is complete; the old index is deleted afterwards.

While a rebuild runs, its index also carries the alias ``<alias>-building`` and every
``index``/``delete`` call writes there too, so a record a worker indexes meanwhile is not
lost by the swap. The rebuild itself only *creates* documents: where a worker already
wrote a record, the worker's copy stays, and the rebuild names that record (``skipped``).
The worker's copy is usually the newer, but a worker that read the record before a
change can land after the rebuild read the change; the caller leaves such records
pending, and the catch-up writes them again.
(The embedded engine gets these guarantees by making writers wait for its write lock.)
Known gap: a record deleted during a rebuild that had already read it comes back; the
archive deletes no records today. A rebuild that died half way (process killed) leaves
its index behind; the next rebuild finds and deletes it before starting. Two rebuilds at
once: the later one wins.

Every write is refreshed before it returns (read-after-write, as the app expects). Errors
that only say the cluster is away, slow or overloaded (connection, timeout, 429, 5xx)
become ``IndexUnavailable``, which the web layer answers with 503 and the indexing code
leaves pending; so does a read that some shards failed (``_shards.failed``), which
Elasticsearch answers with 200 and the other shards' hits (see ``_whole``).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search import elasticsearch_mapping as m
from search import spelling
from search.interfaces import IndexDocument, IndexUnavailable, SearchHit, SearchQuery, SearchResult

log = logging.getLogger(__name__)

# Elasticsearch's default index.max_result_window, still that of indexes made before
# m.RESULT_WINDOW: from + size beyond it is refused. Also the step of a walk past the window.
MAX_WINDOW = 10_000
WINDOW_REFUSED = "Result window is too large"
# How long a deep cursor stays cheap after its last use. Each open point in time pins the
# index's segments, so they are kept short and closed as soon as no cursor can need them.
PIT_KEEP_ALIVE = "1m"
# How long an index found holding records without the joined facet field is asked for its
# facets one by one before the joined field is tried again (after `archive reindex`).
ONE_BY_ONE_SECONDS = 600.0
SAME_VIEW_TRIES = 3  # a search's hits and count asked again when they saw different refreshes
CHUNK_BYTES = 5_000_000  # characters of text per bulk request while rebuilding
CHUNK_DOCS = 1_000


class _NarrowWindow(Exception):
    """The index refuses from + size past 10,000: it was made before m.RESULT_WINDOW."""


@contextmanager
def _guard() -> Iterator[None]:
    """Turn "the cluster is away or overloaded" into IndexUnavailable; let real bugs through."""
    try:
        yield
    except TransportError as exc:  # connection refused/reset, timeout
        raise IndexUnavailable(f"Elasticsearch unreachable: {exc}") from exc
    except ApiError as exc:
        if exc.meta.status == 429 or exc.meta.status >= 500:
            raise IndexUnavailable(f"Elasticsearch unavailable: {exc}") from exc
        raise
    except helpers.BulkIndexError as exc:
        statuses = {next(iter(item.values())).get("status", 500) for item in exc.errors}
        if any(s == 429 or s >= 500 for s in statuses):
            raise IndexUnavailable(f"Elasticsearch refused writes: {exc}") from exc
        raise


def _same_view(hits: dict, counts: dict, hits_body: dict) -> bool:
    """Whether a page of hits and the count beside it saw the same refresh of the index.

    Elasticsearch runs the two searches of one ``msearch`` side by side, and while pages
    are being indexed it makes the new ones searchable every second: a refresh between the
    two gave an answer of one match with no hit listed (a page just indexed), or a hit
    the count had not seen. Their query is the same, so on one view the page holds exactly
    the matches left after its offset, up to its size."""
    left = counts["hits"]["total"]["value"] - hits_body.get("from", 0)
    return len(hits["hits"]["hits"]) == max(0, min(hits_body["size"], left))


def _whole(response: Any) -> Any:
    """The response, if every shard answered; IndexUnavailable if any failed.

    Elasticsearch answers 200 with the hits and counts of the shards it could reach when
    others fail (a node away, a shard unassigned or relocating): counts and facets that
    are silently too low, and a hold on a search that misses records. A partial answer is
    treated as no answer, so the page says the index is degraded and jobs retry later."""
    shards = response.get("_shards") or {}
    if shards.get("failed", 0) > 0:
        reasons = {
            (f.get("reason") or {}).get("type", "unknown") for f in shards.get("failures") or ()
        }
        raise IndexUnavailable(
            f"Elasticsearch answered from {shards.get('successful', '?')} of"
            f" {shards.get('total', '?')} shards ({', '.join(sorted(reasons))})"
        )
    return response


class ElasticsearchIndex:
    def __init__(
        self,
        url: str,
        alias: str,
        *,
        request_timeout: float = 10.0,
        bulk_threads: int = 2,
        settings=None,
        result_window: int = m.RESULT_WINDOW,
        key_buckets: int = m.KEY_BUCKETS,
    ):
        self.alias = alias
        # from + size up to here is one search; past it, a walk (``_deep``). Lowered to
        # MAX_WINDOW on meeting an index made before RESULT_WINDOW that was not widened.
        self.result_window = result_window
        self.key_buckets = key_buckets  # facet combinations counted in one go (m.FACET_KEY)
        self._one_by_one_until = 0.0  # monotonic time: see _facets_apart
        self.building = f"{alias}-building"
        self.settings = settings
        self.bulk_threads = bulk_threads
        self.client = Elasticsearch(
            url, request_timeout=request_timeout, max_retries=2, retry_on_timeout=True
        )
        self._versioned = re.compile(re.escape(alias) + r"-(initial|\d{20})")
        self._ready = False

    @classmethod
    def from_settings(cls, settings) -> ElasticsearchIndex:
        return cls(settings.elasticsearch_url, settings.elasticsearch_index, settings=settings)

    # -- indices and aliases -----------------------------------------------------------------
    def _ensure_alias(self) -> None:
        """Create the first index behind the alias; a fixed name makes racing writers agree."""
        if self._ready:
            return
        if not self.client.indices.exists_alias(name=self.alias):
            try:
                self._create(f"{self.alias}-initial", self.alias, m.SETTINGS)
            except ApiError as exc:
                if exc.error != "resource_already_exists_exception":
                    raise
        # Another process may have just created it: its primary shard may not be started
        # yet, and a search or write before that fails with "no shard available".
        self.client.cluster.health(index=self.alias, wait_for_status="yellow", timeout="30s")
        self._add_new_fields()
        self._widen_window()
        self._ready = True

    def _widen_window(self) -> None:
        """An index made before RESULT_WINDOW gets it in place (a dynamic setting), so deep
        pages are one search there too; until a writer has done so, searches walk."""
        try:
            self.client.indices.put_settings(
                index=self.alias, settings={"index.max_result_window": m.RESULT_WINDOW}
            )
        except ApiError as exc:
            log.warning("search index %s keeps its result window: %s", self.alias, exc.error)

    def _add_new_fields(self) -> None:
        """Fields a newer version added (the sort keys did) put into an existing index: new
        records are then indexed and sorted at once; older ones get theirs at the next
        ``archive reindex``. Only missing fields are sent: one whose mapping changed (the
        pages, once nested) cannot be changed in place and keeps its old form until then."""
        found = self.client.indices.get_mapping(index=self.alias)
        for name, info in found.items():
            have = info.get("mappings", {}).get("properties", {})
            fields = cast(dict[str, Any], m.MAPPINGS["properties"])
            missing = {key: value for key, value in fields.items() if key not in have}
            if have.get("pages", {}).get("type") == m.OLD_PAGES_MAPPING:
                log.warning("search index %s was built by an older version (pages indexed twice):"
                            " it answers the same, but `archive reindex` makes it smaller and"
                            " its writes cheaper", name)  # fmt: skip
            if not missing:
                continue
            try:
                self.client.indices.put_mapping(index=name, properties=missing)
            except ApiError as exc:
                log.warning("search index %s keeps its fields until `archive reindex`: %s",
                            name, exc.error)  # fmt: skip

    def _create(self, name: str, alias: str, settings: dict) -> None:
        self.client.indices.create(
            index=name, settings=settings, mappings=m.MAPPINGS, aliases={alias: {}}
        )

    def _versions(self) -> dict[str, set[str]]:
        """This alias's versioned indices -> the aliases each carries."""
        found = self.client.indices.get_alias(index=f"{self.alias}-*", ignore_unavailable=True)
        return {
            name: set(info.get("aliases", {}))
            for name, info in found.items()
            if self._versioned.fullmatch(name)
        }

    def _versions_behind(self, alias: str) -> list[str]:
        return [name for name, aliases in self._versions().items() if alias in aliases]

    def _delete_indices(self, names: Iterable[str]) -> None:
        names = sorted(names)
        if names:
            self.client.indices.delete(index=",".join(names), ignore_unavailable=True)

    def drop(self) -> None:
        """Delete every index behind this alias, including half-built ones (tests, uninstall)."""
        with _guard():
            self._delete_indices(self._versions())
        self._ready = False

    # -- writing -----------------------------------------------------------------------------
    def _targets(self) -> list[str]:
        """The alias, plus the index a running rebuild is loading (so it misses nothing)."""
        self._ensure_alias()
        building = self.client.indices.exists_alias(name=self.building)
        return [self.alias, self.building] if building else [self.alias]

    def _bulk(self, actions: Iterable[dict], target: str, ignore: tuple[int, ...] = ()) -> None:
        if target == self.building:
            ignore = (*ignore, 404)  # the rebuild finished (or died) meanwhile: nothing to do
        try:
            helpers.bulk(
                self.client, actions, index=target, require_alias=True, max_retries=3,
                initial_backoff=0.5, ignore_status=ignore, chunk_size=500,
            )  # fmt: skip
        except helpers.BulkIndexError as exc:
            if any(next(iter(e.values())).get("status") == 404 for e in exc.errors):
                self._ready = False  # someone removed the alias: recreate it next time
                raise IndexUnavailable(f"no index behind alias {target}") from exc
            raise

    def index(self, docs: Iterable[IndexDocument]) -> None:
        bodies = [(doc.id, m.source(doc)) for doc in docs]
        if not bodies:
            return
        with _guard():
            for target in self._targets():
                self._bulk(({"_id": i, "_source": body} for i, body in bodies), target)
            self.client.indices.refresh(index=self.alias)

    def delete(self, ids: Iterable[str]) -> None:
        ids = list(ids)
        if not ids:
            return
        with _guard():
            for target in self._targets():
                actions = ({"_op_type": "delete", "_id": i} for i in ids)
                self._bulk(actions, target, ignore=(404,))
            self.client.indices.refresh(index=self.alias)

    def rebuild(
        self,
        batches: Iterable[list[IndexDocument]],
        skipped: Callable[[list[str]], None] | None = None,
    ) -> int:
        """Load a new versioned index in bounded parallel bulk requests, then swap the alias.

        Memory stays flat: at most ``bulk_threads + 1`` requests' worth of documents exist at
        once, whatever the number of records.
        """
        with _guard():
            versions = self._versions()
            live = {name for name, aliases in versions.items() if self.alias in aliases}
            self._delete_indices(set(versions) - live)  # left over by a rebuild that died
            name = f"{self.alias}-{datetime.now(UTC):%Y%m%d%H%M%S%f}"
            self._create(name, self.building, {**m.SETTINGS, **m.LOAD_SETTINGS})
            try:
                total = self._load(batches, skipped)
                self.client.indices.put_settings(index=name, settings=m.SERVE_SETTINGS)
                self.client.indices.refresh(index=name)
                self.client.indices.flush(index=name)
                live = set(self._versions_behind(self.alias))  # a first writer may have made one
                swap = [{"remove": {"index": old, "alias": self.alias}} for old in sorted(live)]
                swap += [
                    {"add": {"index": name, "alias": self.alias}},
                    {"remove": {"index": name, "alias": self.building}},
                ]
                self.client.indices.update_aliases(actions=swap)
            except BaseException:
                self._delete_indices([name])
                raise
            self._delete_indices(live)
            self._ready = True
        return total

    def _load(
        self, batches: Iterable[list[IndexDocument]], skipped: Callable[[list[str]], None] | None
    ) -> int:
        total = 0
        pending: set = set()
        loader = self.client.options(request_timeout=120)

        def send(chunk: list[dict]) -> None:
            _, refused = helpers.bulk(
                loader, chunk, index=self.building, require_alias=True, max_retries=5,
                initial_backoff=1, chunk_size=CHUNK_DOCS, max_chunk_bytes=2 * CHUNK_BYTES,
                ignore_status=(409,),  # a worker wrote that record meanwhile (see rebuild)
            )  # fmt: skip
            if refused and skipped:
                skipped([next(iter(item.values()))["_id"] for item in cast(list, refused)])

        with ThreadPoolExecutor(self.bulk_threads, thread_name_prefix="es-bulk") as pool:
            try:
                for chunk in m.bulk_chunks(batches, CHUNK_BYTES, CHUNK_DOCS):
                    if len(pending) >= self.bulk_threads:
                        done, pending = wait(pending, return_when=FIRST_COMPLETED)
                        for future in done:
                            future.result()
                    pending.add(pool.submit(send, chunk))
                    total += len(chunk)
                for future in pending:
                    future.result()
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
        return total

    # -- reading -----------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> SearchResult:
        """Search, retrying briefly while a shard is still starting or moving: a search that
        reaches it in that instant fails with "no shard available", a passing state."""
        for attempt in range(5):
            try:
                return self._search(query)
            except IndexUnavailable as exc:
                if "no_shard_available" not in str(exc) or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        raise AssertionError("unreachable")

    def _search(self, query: SearchQuery) -> SearchResult:
        """From/size within the result window (m.RESULT_WINDOW hits); past it, search_after
        in a point in time.

        Within the window a cursor is an offset, as in the embedded engine. A page past it
        is reached by walking there inside a point in time: one search to the window's
        edge, then steps of 10,000 hits that fetch only sort values, each about as costly
        as a page at depth 10,000, so such a ``page`` costs time linear in its depth. The
        cursor it gives out carries the point in time and the last hit's sort values, so
        following cursors stays cheap at any depth; once the point in time has expired
        (``PIT_KEEP_ALIVE`` after its last use), the next page walks again from the
        cursor's offset.
        """
        body = {
            "query": m.query_clause(query),
            "sort": m.sort_clause(query),
            "size": query.per_page + 1,  # one more tells whether there is a next page
            "track_total_hits": True,
            "_source": m.shown_source(query),
        }
        cursor = m.decode_cursor(query.cursor) if query.cursor else None
        offset = cursor.offset if cursor else (query.page - 1) * query.per_page
        with _guard():
            try:
                try:
                    response = self._answer(query, body, offset, cursor)
                except _NarrowWindow:  # an index made before RESULT_WINDOW, not widened yet
                    self.result_window = MAX_WINDOW
                    response = self._answer(query, body, offset, cursor)
                response = self._facets_apart(query, response)
                result = self._result(response, query, offset, keep_pit=bool(cursor))
                if response.get("pit_id") and not m.decode_cursor_pit(result.next_cursor):
                    self._close_pit(response["pit_id"])
                return result
            except NotFoundError:  # nothing indexed yet
                return SearchResult(total=0, hits=[], facets=m.facets({}, query))

    def _answer(self, query: SearchQuery, body: dict, offset: int, cursor) -> dict:
        if offset + query.per_page + 1 <= self.result_window:
            return self._with_facets(query, {**body, "from": offset})
        counted = self._counted(query, body, offset) if not cursor else None
        return counted or self._deep(query, offset, body, cursor)

    def _aggregations(self, query: SearchQuery) -> dict:
        if time.monotonic() < self._one_by_one_until:
            return m.separate_aggregations(query)
        return m.aggregations(query, self.key_buckets)

    def _facets_apart(self, query: SearchQuery, response: dict) -> dict:
        """The response with each facet's buckets (m.joined_apart), counted again one by
        one where the joined field's do not hold every match. An index with older records
        (built before the field) is then asked one by one for a while, not twice a search,
        until `archive reindex` has built it anew."""
        total = response["hits"]["total"]
        exact = total["value"] if total.get("relation", "eq") == "eq" else -1
        aggs, why = m.joined_apart(response.get("aggregations") or {}, exact)
        if aggs is None:
            if why == "older records":
                log.warning("search index %s holds records indexed before its joined facet"
                            " field: facets are counted one by one (slower on large"
                            " results) until `archive reindex`", self.alias)  # fmt: skip
                self._one_by_one_until = time.monotonic() + ONE_BY_ONE_SECONDS
            aggs = _whole(self.client.search(
                index=self.alias, query=m.query_clause(query), size=0, track_total_hits=False,
                aggs=m.separate_aggregations(query),
            ).body).get("aggregations", {})  # fmt: skip
        return {**response, "aggregations": aggs}

    def _with_facets(self, query: SearchQuery, body: dict) -> dict:
        """Hits and facets in one round trip, as two searches: counting facets in a search
        that does not score is several times cheaper than alongside the sorted hits.

        The exact total comes from the facet search too: it visits every match anyway, so
        counting there is free, while the scored search, freed from counting, can skip
        whole blocks of postings that cannot reach the top hits (block-max WAND). For a
        word on every page of a million, that is the difference between scoring a million
        pages and a few thousand.
        """
        hits_body = {**body, "track_total_hits": False}
        facets = {
            "query": body["query"], "size": 0, "aggs": self._aggregations(query),
            "track_total_hits": True,
        }  # fmt: skip
        for _ in range(SAME_VIEW_TRIES):
            hits, counts = self._both(hits_body, facets)
            if _same_view(hits, counts, hits_body):
                break
        else:
            log.warning("search index %s: a page of hits and its count saw different refreshes"
                        " %d times running; answered with the last", self.alias,
                        SAME_VIEW_TRIES)  # fmt: skip
        total = counts["hits"]["total"]
        return {
            **hits, "hits": {**hits["hits"], "total": total},
            "aggregations": counts.get("aggregations", {}),
        }  # fmt: skip

    def _both(self, hits_body: dict, facets: dict) -> tuple[dict, dict]:
        """Both searches on the same copies of the shards (one ``preference``): each copy of
        a shard refreshes on its own clock."""
        pin = {"preference": secrets.token_hex(8)}
        found = self.client.msearch(index=self.alias, searches=[pin, hits_body, pin, facets])
        hits, counts = found["responses"]
        for part in (hits, counts):
            if "error" in part:
                status, error = part.get("status", 500), part["error"]
                if status == 404:
                    raise NotFoundError(str(error), found.meta, error)
                if status == 400 and WINDOW_REFUSED in str(error):
                    raise _NarrowWindow(str(error))
                if status == 429 or status >= 500:
                    raise IndexUnavailable(f"Elasticsearch unavailable: {error}")
                raise RuntimeError(f"Elasticsearch refused a search: {error}")
            _whole(part)
        return hits, counts

    def _counted(self, query: SearchQuery, body: dict, offset: int) -> dict | None:
        """A ``page=`` past the last hit answered from the count and facets alone (one
        request), instead of walking every hit to find there is nothing there; None when
        the page does hold hits."""
        counted = _whole(self.client.search(
            index=self.alias, query=body["query"], size=0, track_total_hits=True,
            aggs=self._aggregations(query),
        ).body)  # fmt: skip
        return counted if offset >= counted["hits"]["total"]["value"] else None

    def _deep(self, query: SearchQuery, offset: int, body: dict, cursor) -> dict:
        body = {**body, "aggs": self._aggregations(query)}
        if cursor and cursor.pit:
            pit = {"id": cursor.pit, "keep_alive": PIT_KEEP_ALIVE}
            try:
                resume = list(cursor.after)
                return _whole(self.client.search(pit=pit, search_after=resume, **body).body)
            except ApiError as exc:
                if exc.meta.status == 429 or exc.meta.status >= 500:
                    raise
                # expired (or not ours): walk there again
        opened = self.client.open_point_in_time(index=self.alias, keep_alive=PIT_KEEP_ALIVE)
        pit = {"id": opened["id"], "keep_alive": PIT_KEEP_ALIVE}
        after, skipped = None, 0
        while skipped < offset:
            # the first step goes to the window's edge in one search, then 10,000 at a time
            step = min(MAX_WINDOW if after else self.result_window, offset - skipped)
            # the first step sends back only its last hit; search_after forbids `from`
            where: dict[str, Any] = (
                {"search_after": after, "size": step} if after else {"size": 1, "from_": step - 1}
            )
            try:
                found = _whole(self.client.search(
                    pit=pit, query=body["query"], sort=body["sort"], track_total_hits=False,
                    source=False, filter_path="hits.hits.sort,_shards", **where,
                ).body).get("hits", {}).get("hits", [])  # fmt: skip
            except ApiError as exc:
                if exc.meta.status == 400 and WINDOW_REFUSED in str(exc):
                    self._close_pit(opened["id"])
                    raise _NarrowWindow(str(exc)) from exc
                raise
            if len(found) < (step if after else 1):  # fewer hits than the page starts at
                return _whole(self.client.search(pit=pit, **{**body, "size": 0}).body)
            after, skipped = found[-1]["sort"], skipped + step
        return _whole(self.client.search(pit=pit, search_after=after, **body).body)

    def ids(self, query: SearchQuery, batch: int = MAX_WINDOW) -> Iterator[list[str]]:
        """Every match's id, ``batch`` at a time, walked with search_after in a point in time
        in index order (no scoring, no counting, no source)."""
        with _guard():
            try:
                opened = self.client.open_point_in_time(index=self.alias, keep_alive=PIT_KEEP_ALIVE)
            except NotFoundError:
                return
            pit = {"id": opened["id"], "keep_alive": PIT_KEEP_ALIVE}
            after: list | None = None
            try:
                while True:
                    where: dict[str, Any] = {"search_after": after} if after else {}
                    found = _whole(self.client.search(
                        pit=pit, query={"constant_score": {"filter": m.query_clause(query)}},
                        sort=[{"_shard_doc": "asc"}], size=batch, track_total_hits=False,
                        source=False, filter_path="hits.hits._id,hits.hits.sort,pit_id,_shards",
                        **where,
                    ).body)  # fmt: skip
                    hits = found.get("hits", {}).get("hits", [])
                    if not hits:
                        return
                    pit["id"] = found.get("pit_id", pit["id"])
                    yield [hit["_id"] for hit in hits]
                    if len(hits) < batch:
                        return
                    after = hits[-1]["sort"]
            finally:
                self._close_pit(pit["id"])

    def _close_pit(self, pit_id: str) -> None:
        """Free a point in time no cursor carries; one that has already expired is fine."""
        try:
            self.client.close_point_in_time(id=pit_id)
        except ApiError:
            pass

    def _result(
        self, response: dict, query: SearchQuery, offset: int, keep_pit: bool
    ) -> SearchResult:
        """The page as a SearchResult. Only a page reached by a cursor hands its point in
        time on: a ``page=`` jump is a one-off, and its next page walks again if followed."""
        per_page, raw = query.per_page, response["hits"]["hits"]
        hits = [
            SearchHit(hit["_id"], hit.get("_score") or 0.0, *self._best_page(query, hit))
            for hit in raw[:per_page]
        ]
        cursor = ""
        if len(raw) > per_page:
            last, pit = raw[per_page - 1], response.get("pit_id", "") if keep_pit else ""
            after = tuple(last["sort"]) if pit else ()
            cursor = m.encode_cursor(m.Cursor(offset + per_page, pit, after))
        return SearchResult(
            total=response["hits"]["total"]["value"],
            hits=hits,
            facets=m.facets(response, query),
            next_cursor=cursor,
        )

    @staticmethod
    def _best_page(query: SearchQuery, hit: dict) -> tuple[tuple[str, ...], int | None]:
        """(highlights, page) of a hit shown, from the pages its source brought back."""
        return ((), None) if query.is_empty else m.best_page(query, hit)

    def suggest(self, words: Sequence[str]) -> dict[str, str]:
        asked = [w for w in dict.fromkeys(words) if spelling.wants_correction(w)]
        if not asked:
            return {}
        with _guard():
            try:
                found = self.client.search(index=self.alias, **m.suggest_request(asked)).body
            except NotFoundError:
                return {}
        return m.suggestions(found, asked)

    def count(self) -> int:
        with _guard():
            try:
                return _whole(self.client.count(index=self.alias).body)["count"]
            except NotFoundError:
                return 0

    def health(self) -> dict:
        state = {"backend": "elasticsearch", "index": self.alias}
        try:
            with _guard():
                status = self.client.options(request_timeout=3).cluster.health()["status"]
        except IndexUnavailable as exc:
            return {**state, "ok": False, "status": "unreachable", "error": str(exc)[:300]}
        try:
            documents = self.count()
        except IndexUnavailable as exc:  # the cluster answers, some of the index does not
            return {**state, "ok": False, "status": status, "documents": None,
                    "error": str(exc)[:300]}  # fmt: skip
        return {**state, "ok": status != "red", "status": status, "documents": documents}
