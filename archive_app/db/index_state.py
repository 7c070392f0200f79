"""Which ready records the search index has confirmed: the bookkeeping that lets the index
catch up after an outage and lets a rebuild run while records keep arriving.

A record is pending when its ``documents.index_state`` says so (its row changed) or when
it is in ``index_queue`` (its retention state changed: migration 0014)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert

from archive_app.db.models import IndexQueueRow, RecordRow
from archive_app.db.session import Sessions
from archive_app.domain.records import IndexState, Status


class SqlIndexState:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def mark_indexed(self, record_ids: Iterable[str], at_or_before: datetime) -> list[str]:
        """Only rows unchanged since the index read them are marked: a later edit stays pending.

        Returns the ids it did not mark (edited since the read, or gone), so the writer can
        index them again: its copy of those may be older than one already in the index.
        """
        ids = list(record_ids)
        marked: set[str] = set()
        with self._s.write() as s:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marked.update(
                    s.scalars(
                        update(RecordRow)
                        .where(
                            RecordRow.id.in_(chunk),
                            RecordRow.updated_at <= at_or_before,
                        )
                        .values(index_state=IndexState.INDEXED.value)
                        .returning(RecordRow.id)
                    )
                )
                s.execute(
                    delete(IndexQueueRow).where(
                        IndexQueueRow.document_id.in_(chunk),
                        IndexQueueRow.queued_at <= at_or_before,
                    )
                )
                # queued again since the read: indexed again too
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
        12M pages, docs/benchmarks.md)."""
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


def pending_query(limit: int) -> Select:
    """Ready records the index has yet to take: read through ix_documents_index_pending
    (migration 0013), which holds only those, so the sweep's usual answer, "none", costs
    nothing at any size."""
    return (
        select(RecordRow.id)
        .where(
            RecordRow.status == Status.READY.value,
            RecordRow.index_state == IndexState.PENDING.value,
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


def queue_for_index(s, record_ids: list[str], at: datetime) -> None:
    """Queue these records for the search index (again, if queued before ``at``), in the
    caller's transaction, without writing their ``documents`` rows: one prepared upsert per
    record. (A refresh on PostgreSQL queues in the statement that writes the new states:
    lifecycle._UNNEST.)"""
    if not record_ids:
        return
    insert_ = pg_insert if s.get_bind().dialect.name == "postgresql" else lite_insert
    statement = insert_(IndexQueueRow)
    s.connection().execute(
        statement.on_conflict_do_update(
            index_elements=["document_id"], set_={"queued_at": statement.excluded.queued_at}
        ),
        [{"document_id": i, "queued_at": at} for i in sorted(record_ids)],
    )
