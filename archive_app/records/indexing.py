"""Keeping the search index in step with the system of record.

The index is derived: a record is safe once its row says "ready", whether or not the
index took it. Records the index has not confirmed stay "pending" and are caught up by
the periodic sweep or rebuilt wholesale by `archive reindex`.
"""

from __future__ import annotations

import bisect
import heapq
import logging
from array import array
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime

from archive_app.domain.clock import utcnow
from archive_app.domain.entities import IndexSource
from archive_app.domain.records import searchable_fields
from search.interfaces import IndexDocument

log = logging.getLogger(__name__)

STALE_ROUNDS = 3  # re-index rounds for records edited while they were being indexed


def to_index_document(source: IndexSource) -> IndexDocument:
    return IndexDocument(
        id=source.id,
        metadata=searchable_fields(source.metadata, source.retention_state, source.flags),
        pages=source.pages,
        created_at=source.created_at,
    )  # fmt: skip


def index_records(services, record_ids: list[str]) -> bool:
    """Index these records now; False (and they stay pending) if the index is unavailable.

    Two writers can race: a worker reads a record, a reviewer corrects and indexes it, then
    the worker's older copy lands in the index last. Neither engine orders writes by the
    data's age, so each writer checks afterwards whether a record changed since it read it
    and, if so, indexes it again: whichever write lands last, its writer sees it was stale.
    A change is judged by the stamps read with the record (its row's ``updated_at``, its
    queue row's ``queued_at``), not by the time of the read: every writer stamps before its
    transaction commits, so an edit committed after the read may carry an earlier stamp
    (``mark_indexed``).
    """
    records = services.metadata.records
    ids = list(record_ids)
    for _ in range(STALE_ROUNDS):
        sources = records.index_sources(ids)
        read = {s.id: s.updated_at for s in sources}
        queued = {s.id: s.queued_at for s in sources if s.queued_at is not None}
        batch = [to_index_document(source) for source in sources]
        try:
            services.index.index(batch)
        except Exception:
            log.warning("indexing %d record(s) failed; left pending", len(batch), exc_info=True)
            return False
        # the ones edited or queued again since the read come back, to be indexed again
        ids = services.metadata.index_state.mark_indexed([d.id for d in batch], read, queued=queued)
        if not ids:
            return True
    return True  # edited in every round: each of those edits' writers checks the same way


def catch_up(services, batch_size: int = 5000) -> int:
    """Index every pending record; returns how many were indexed.

    Each batch is one engine commit: after a hold on a search 100,000 records are pending,
    and with 1,000 a batch half of Tantivy's time went to committing and merging (20,000
    records: 18.2 s at 1,000 a batch, 9.6 s at 5,000). A batch of 5,000 records' text is
    a few tens of MB."""
    done = 0
    seen: set[str] = set()
    while True:
        ids = [i for i in services.metadata.index_state.pending_index(batch_size) if i not in seen]
        if not ids or not index_records(services, ids):
            return done
        seen.update(ids)
        done += len(ids)


class ReadStamps:
    """The stamps a rebuild read with the records that were pending or queued then, kept so
    that afterwards exactly those are marked (``mark_all_indexed``).

    Kept as 64-bit hashes of (id, stamp), sorted once the reading is done (``sort``): 8
    bytes a stamp where a set of tuples takes ~150, so the 5.4M records a schedule change
    queues at 12M pages take ~45 MB, twice that while they are merged. Records the index
    had already taken are not kept: a later change makes their row pending with a new
    stamp, which is then not found here. Two pairs sharing a hash (odds ~n/2**64) would
    mark one wrongly; its next change corrects it."""

    def __init__(self) -> None:
        self._batches: dict[str, list[array]] = {"row": [], "queue": []}
        self._sorted: dict[str, array] = {}
        self._not_taken: set[str] = set()

    def not_taken(self, record_ids: Iterable[str]) -> None:
        """Records read whose copy the new index did not take (``SearchIndex.rebuild``'s
        ``skipped``): none of their stamps counts as read, so they stay pending. Few:
        only records a worker indexed while the rebuild ran."""
        self._not_taken.update(record_ids)

    def add(self, batch: Iterable[IndexSource]) -> None:
        rows = sorted(hash((s.id, s.updated_at)) for s in batch if s.pending)
        queue = sorted(hash((s.id, s.queued_at)) for s in batch if s.queued_at is not None)
        self._batches["row"].append(array("q", rows))
        self._batches["queue"].append(array("q", queue))

    def sort(self) -> None:
        """Done before the marking opens a transaction: at 5.4M stamps it takes ~8 s, which
        on SQLite would hold the write lock. Each batch is sorted already, so they are
        merged without a list of all of them."""
        for kind in [k for k in self._batches if k not in self._sorted]:
            self._sorted[kind] = array("q", heapq.merge(*self._batches.pop(kind)))

    def row_read(self, record_id: str, updated_at: datetime) -> bool:
        return self._holds("row", hash((record_id, updated_at)), record_id)

    def queue_read(self, record_id: str, queued_at: datetime) -> bool:
        return self._holds("queue", hash((record_id, queued_at)), record_id)

    def _holds(self, kind: str, key: int, record_id: str) -> bool:
        if record_id in self._not_taken:
            return False
        self.sort()
        keys = self._sorted[kind]
        at = bisect.bisect_left(keys, key)
        return at < len(keys) and keys[at] == key


def reindex(services, progress: Callable[[int], None] | None = None, batch_size: int = 2000) -> int:
    """Rebuild the whole index from the metadata store; searches keep working meanwhile.

    Records are read as plain column tuples in keyset batches (``iter_index_sources``):
    memory holds one batch, whatever the size of the archive, and the stamps of the
    records that were waiting for the index (``ReadStamps``)."""
    started = utcnow()
    read = ReadStamps()

    def batches() -> Iterator[list[IndexDocument]]:
        for batch in services.metadata.records.iter_index_sources(batch_size):
            read.add(batch)
            yield [to_index_document(src) for src in batch]
            if progress:
                progress(len(batch))

    total = services.index.rebuild(batches(), skipped=read.not_taken)
    read.sort()
    services.metadata.index_state.mark_all_indexed(read)
    # A record destroyed while the rebuild was reading may have been copied into the new
    # index after its entry was deleted from the old one: delete such entries again.
    destroyed = services.metadata.lifecycle.finalized_since(started, "disposed")
    if destroyed:
        services.index.delete(destroyed)
    catch_up(services)
    return total
