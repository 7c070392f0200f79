"""Which ready records the search index has confirmed: the bookkeeping that lets the index
catch up after an outage and lets a rebuild run while records keep arriving.

A record is pending when its ``documents.index_state`` says so (its row changed) or when
it is in ``index_queue`` (its retention state changed: migration 0014)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Select, TextClause, select, text, tuple_, update

from archive_app.db.interfaces import StampsRead
from archive_app.db.models import IndexQueueRow, RecordRow
from archive_app.db.session import Sessions, changed, sqlite_stamp
from archive_app.domain.records import IndexState, Status

MARK_CHUNK = 500  # records a statement marks: three bound values each
WALK_CHUNK = 20_000  # pending or queued rows read at a time after a rebuild


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
                    _apply(s.connection(), _UNQUEUE, seen)
                # queued again since the read, or queued unseen: indexed again too
                marked.difference_update(
                    s.scalars(
                        select(IndexQueueRow.document_id).where(
                            IndexQueueRow.document_id.in_(chunk)
                        )
                    )
                )
        return [record_id for record_id in ids if record_id not in marked]

    def mark_all_indexed(self, read: StampsRead) -> int:
        """What a rebuild took, judged row by row by the stamps it read, as ``mark_indexed``
        does: a row is marked, and a queue row removed, only if it still carries the stamp
        the rebuild read with its record. Not by comparing stamps with the time the rebuild
        started: an edit or a refresh stamped before then and committed after the rebuild
        read its record carries an earlier stamp, and marking it left the index with the
        copy before it (a refresh stamps minutes before it commits).

        Only the pending rows and the queue rows are walked, found through the pending
        rows' partial index and the queue's key: a rebuild of an index that had caught up
        writes nothing (PostgreSQL writes a new version of a row even to set what it holds:
        ~11 minutes and 22 GB of dead rows at 12M pages, docs/benchmarks.md). The queue
        rows of destroyed records go too: no sweep reads them."""
        rows_taken = self._walk(_pending_rows, lambda _, found: _rows_read(found, read), _MARK)
        return rows_taken + self._walk(
            _queue_rows, lambda conn, found: _queue_rows_read(conn, found, read), _UNQUEUE
        )

    def _walk(self, rows, taken_of, statements: tuple[TextClause, str]) -> int:
        """``rows`` a chunk at a time, in id order; ``statements`` applied to those the
        rebuild took (``taken_of``). Each chunk is read and written in one transaction: on
        SQLite it holds the write lock, so the stamps compared are the ones written; the
        statement compares them again."""
        done, after = 0, ""
        while True:
            with self._s.write() as s:
                conn = s.connection()
                found = conn.execute(rows(after)).all()
                if not found:
                    return done
                after = found[-1][0]
                if taken := taken_of(conn, found):
                    done += _apply(conn, statements, taken)

    def pending_index(self, limit: int) -> list[str]:
        with self._s.read() as s:
            found = list(s.scalars(pending_query(limit)))
            if len(found) < limit:
                found += s.scalars(queued_query(limit - len(found)))
            return list(dict.fromkeys(found))


def _pending_rows(after: str) -> Select:
    """The pending rows a rebuild may have read (not a destroyed record's: it reads none)."""
    query = pending_query(WALK_CHUNK).add_columns(RecordRow.updated_at)
    return query.where(RecordRow.id > after).order_by(RecordRow.id)


def _queue_rows(after: str) -> Select:
    return (
        select(IndexQueueRow.document_id, IndexQueueRow.queued_at)
        .where(IndexQueueRow.document_id > after)
        .order_by(IndexQueueRow.document_id)
        .limit(WALK_CHUNK)
    )


def _rows_read(found, read: StampsRead) -> list[tuple[str, datetime]]:
    return [(i, stamp) for i, stamp in found if read.row_read(i, stamp)]


def _queue_rows_read(conn, found, read: StampsRead) -> list[tuple[str, datetime]]:
    """The queue rows read, and those no sweep reads (``queued_query``): of a destroyed
    record, of one not ready (when it turns ready its row is pending, and the index reads
    its state then) or of none. Only the records of rows not read are looked up, usually
    none."""
    taken, left = [], {}
    for i, stamp in found:
        if read.queue_read(i, stamp):
            taken.append((i, stamp))
        else:
            left[i] = stamp
    if left:
        waiting = set(conn.scalars(queued_query(len(left)).where(RecordRow.id.in_(list(left)))))
        taken += [(i, stamp) for i, stamp in left.items() if i not in waiting]
    return taken


# What is done to the rows a rebuild took, each the row's id and the stamp it must still
# carry. PostgreSQL: one statement for them all, their values as two arrays (executemany,
# one statement a row, took 10.5-11 s for 200,000 rows: docs/benchmarks.md). SQLite: one
# statement a row as the driver takes it (executemany in process), the stamp as SQLAlchemy
# stores it, text with microseconds.
# The chunk's range of ids is stated too: without it PostgreSQL hashed the whole queue for
# every chunk (2M queue rows, a chunk of 20,000: 636 ms a chunk; with it, 37 ms).
_PAIRS = "unnest(CAST(:ids AS varchar[]), CAST(:stamps AS timestamp[])) AS r(id, stamp)"
_PG_MARK = text(
    f"UPDATE documents AS d SET index_state = 'indexed' FROM {_PAIRS} "
    "WHERE d.id = r.id AND d.updated_at = r.stamp AND d.id BETWEEN :first AND :last"
)
_PG_UNQUEUE = text(
    f"DELETE FROM index_queue AS q USING {_PAIRS} WHERE q.document_id = r.id "
    "AND q.queued_at = r.stamp AND q.document_id BETWEEN :first AND :last"
)
_MARK = (_PG_MARK, "UPDATE documents SET index_state = 'indexed' WHERE id = ? AND updated_at = ?")
_UNQUEUE = (_PG_UNQUEUE, "DELETE FROM index_queue WHERE document_id = ? AND queued_at = ?")


def _apply(conn, statements: tuple[TextClause, str], taken: list[tuple[str, datetime]]) -> int:
    """Runs the statement for the dialect on these (id, stamp) pairs; how many rows it hit."""
    if conn.dialect.name == "postgresql":
        ids, stamps = [i for i, _ in taken], [stamp for _, stamp in taken]
        values = {"ids": ids, "stamps": stamps, "first": min(ids), "last": max(ids)}
        return changed(conn.execute(statements[0], values))
    lite = [(i, sqlite_stamp(stamp)) for i, stamp in taken]
    return changed(conn.exec_driver_sql(statements[1], lite))


def _mark_unchanged(s, read: list[tuple[str, datetime]]) -> list[str]:
    """The ids are given alone too: SQLite looks the pairs up by scanning the whole table
    (EXPLAIN QUERY PLAN: SCAN), the ids by the primary key. Not ``_MARK``: a writer needs
    the ids marked back (RETURNING), which SQLite's executemany cannot give, and its
    chunks are a few hundred records, not a rebuild's 20,000."""
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
