"""Which ready records the search index has confirmed: the bookkeeping that lets the index
catch up after an outage and lets a rebuild run while records keep arriving.

A record is pending when its ``documents.index_state`` says so (its row changed) or when
it is in ``index_queue`` (its retention state changed: migration 0014)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Select, delete, select, tuple_, update

from archive_app.db.models import IndexQueueRow, RecordRow
from archive_app.db.session import Sessions
from archive_app.domain.records import IndexState, Status

MARK_CHUNK = 500  # records a statement marks: three bound values each for their rows


class SqlIndexState:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def mark_indexed(
        self,
        record_ids: Iterable[str],
        read: Mapping[str, datetime],
        *,
        queued: Mapping[str, datetime],
    ) -> list[str]:
        """Only rows unchanged since the index read them are marked: a later edit stays pending.

        Returns the ids it did not mark (edited or queued again since the read, or gone, or
        not read), so the writer can index them again: its copy of those may be older than
        one already in the index.

        A row is marked only if it still carries the ``updated_at`` read with it (``read``),
        and a queue row is removed only if it is the one read with the record (``queued``:
        its stamp as ``index_sources`` read it; a record absent was not queued then). Not by
        comparing a stamp with the time of the read: every writer stamps before its
        transaction commits (a refresh minutes before, for a whole archive), so a change the
        read could not see yet may carry an earlier stamp, and marking it indexed left the
        index with the copy before it.
        """
        ids = list(record_ids)
        marked: set[str] = set()
        with self._s.write() as s:
            for start in range(0, len(ids), MARK_CHUNK):
                chunk = ids[start : start + MARK_CHUNK]
                marked.update(_mark_unchanged(s, [(i, read[i]) for i in chunk if i in read]))
                seen = [(i, queued[i]) for i in chunk if i in queued]
                if seen:
                    s.execute(
                        delete(IndexQueueRow).where(
                            IndexQueueRow.document_id.in_([i for i, _ in seen]),
                            tuple_(IndexQueueRow.document_id, IndexQueueRow.queued_at).in_(seen),
                        )
                    )
                # queued again since the read, or queued unseen: indexed again too
                marked.difference_update(
                    s.scalars(
                        select(IndexQueueRow.document_id).where(
                            IndexQueueRow.document_id.in_(chunk)
                        )
                    )
                )
        return [record_id for record_id in ids if record_id not in marked]

    def mark_all_indexed(self, at_or_before: datetime) -> int:
        """Only the pending rows are written, found through their partial index: a rebuild
        of an index that had caught up rewrote every row otherwise (PostgreSQL writes a new
        version of a row even to set what it holds: ~11 minutes and 22 GB of dead rows at
        12M pages, docs/benchmarks.md).

        Queue rows are still judged by their stamp: one stamped before ``at_or_before`` by a
        refresh that committed after the rebuild read its record is removed with the rest,
        and that state reaches the index with the record's next change. Removing only the
        rows the rebuild read, as ``mark_indexed`` does, means keeping every stamp it read:
        after a schedule change, one per record of the archive."""
        with self._s.write() as s:
            done = s.execute(
                update(RecordRow)
                .where(
                    RecordRow.status == Status.READY.value,
                    RecordRow.index_state == IndexState.PENDING.value,
                    RecordRow.updated_at <= at_or_before,
                )
                .values(index_state=IndexState.INDEXED.value)
            )
            queued = s.execute(delete(IndexQueueRow).where(IndexQueueRow.queued_at <= at_or_before))
            return int(done.rowcount) + int(queued.rowcount)  # type: ignore[attr-defined]

    def pending_index(self, limit: int) -> list[str]:
        with self._s.read() as s:
            found = list(s.scalars(pending_query(limit)))
            if len(found) < limit:
                found += s.scalars(queued_query(limit - len(found)))
            return list(dict.fromkeys(found))


def _mark_unchanged(s, read: list[tuple[str, datetime]]) -> list[str]:
    """The ids are given alone too: SQLite looks the pairs up by scanning the whole table
    (EXPLAIN QUERY PLAN: SCAN), the ids by the primary key."""
    if not read:
        return []
    return list(
        s.scalars(
            update(RecordRow)
            .where(
                RecordRow.id.in_([i for i, _ in read]),
                tuple_(RecordRow.id, RecordRow.updated_at).in_(read),
            )
            .values(index_state=IndexState.INDEXED.value)
            .returning(RecordRow.id)
        )
    )


def pending_query(limit: int) -> Select:
    """Ready records the index has yet to take: read through ix_documents_index_pending
    (migration 0013), which holds only those, so the sweep's usual answer, "none", costs
    nothing at any size. Not a destroyed record: the index sources leave it out, so it
    would stay pending and come back at every sweep, and 5,000 of them would stop the
    catch-up before the records behind them."""
    return (
        select(RecordRow.id)
        .where(
            RecordRow.status == Status.READY.value,
            RecordRow.index_state == IndexState.PENDING.value,
            RecordRow.final_state != "disposed",
        )
        .limit(limit)
    )


def queued_query(limit: int) -> Select:
    """Ready records queued for the index by a change outside their row; a queued record
    that is not ready yet waits (it is indexed when it turns ready). A destroyed record's
    entry was deleted with its content: a queue row left for it (a refresh that wrote
    after its tombstone) must not bring it back."""
    return (
        select(IndexQueueRow.document_id)
        .join(RecordRow, RecordRow.id == IndexQueueRow.document_id)
        .where(RecordRow.status == Status.READY.value, RecordRow.final_state != "disposed")
        .limit(limit)
    )
