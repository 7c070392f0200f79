"""Records, their pages and stored files: receiving them, reading them, correcting them,
and taking them over from another archive. (Processing leases live in jobs.py, the search
index bookkeeping in index_state.py.)"""

from __future__ import annotations

import builtins
import functools
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from archive_app.db import counts, lifecycle, tally_rows
from archive_app.db.audit import append_in
from archive_app.db.interfaces import DuplicateRecord
from archive_app.db.models import (
    AuditRow,
    IndexQueueRow,
    PageRow,
    RecordRow,
    RetentionRow,
    StoredFileRow,
)
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.record_rows import (
    LIGHT,
    LIGHT_SKIPS,
    READING_COLUMNS,
    VISIBLE,
    file_entity,
    file_row,
    flags_from,
    flags_of,
    metadata_columns,
    page_entity,
    record_entity,
)
from archive_app.db.seek import seek
from archive_app.db.session import Sessions, changed
from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import IndexSource, NewRecord, Page, Record, StoredFile
from archive_app.domain.metadata import ALL_FIELDS, RecordMetadata
from archive_app.domain.records import IndexState, Status

# List tabs, not stored statuses: a ready record a person must still confirm ("review"),
# and one nobody needs to look at ("confirmed"). "ready" keeps meaning both, as the API says.
REVIEW, CONFIRMED = "review", "confirmed"


def status_filter(status: str | None) -> tuple:
    """The rows a document list shows for ``status`` (needs_review is indexed)."""
    if status in (REVIEW, CONFIRMED):
        return (RecordRow.status == Status.READY.value,
                RecordRow.needs_review.is_(status == REVIEW))  # fmt: skip
    if status:
        return (RecordRow.status == status,)
    return (RecordRow.status.in_([v.value for v in VISIBLE]),)


class SqlRecordRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep | None = None):
        self._s = sessions
        self._upkeep = upkeep or RecapUpkeep()

    # -- upload -------------------------------------------------------------------------
    def begin_upload(self, new: NewRecord) -> Record:
        now = utcnow()
        row = RecordRow(
            id=new.id,
            sha256=new.sha256,
            status=Status.UPLOADING.value,
            index_state=IndexState.PENDING.value,
            kind=new.kind,
            original_name=new.original_name[:255],
            size=new.size,
            page_count=new.page_count,
            pages_done=0,
            error="",
            attempts=0,
            lease_owner="",
            created_at=now,
            created_by=new.created_by,
            updated_at=now,
            batch_id=new.batch_id,
            uploader_metadata=json.dumps(new.given, ensure_ascii=False),
            **metadata_columns(new.metadata),
        )
        try:
            with self._s.write() as s:
                s.add(row)
        except IntegrityError:
            existing = self.by_sha256(new.sha256)
            if existing is None:
                raise
            raise DuplicateRecord(existing.id) from None
        return record_entity(row, retention_state="active", queued=False)

    def complete_upload(
        self, record_id: str, files: Iterable[StoredFile], entry: AuditEntry | None = None
    ) -> None:
        now = utcnow()
        with self._s.write() as s:
            done = s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id, RecordRow.status == Status.UPLOADING.value)
                .values(status=Status.QUEUED.value, updated_at=now)
            )
            if changed(done):  # a record past its upload has a retention state
                s.add(RetentionRow(document_id=record_id))
            s.add_all(file_row(record_id, f, now) for f in files)
            if entry is not None:
                append_in(s, [entry])

    def abandon_upload(self, record_id: str) -> None:
        with self._s.write() as s:
            s.execute(delete(StoredFileRow).where(StoredFileRow.document_id == record_id))
            s.execute(
                delete(RecordRow).where(
                    RecordRow.id == record_id, RecordRow.status == Status.UPLOADING.value
                )
            )

    def stale_uploads(self, before: datetime) -> builtins.list[str]:
        with self._s.read() as s:
            return list(
                s.scalars(
                    select(RecordRow.id).where(
                        RecordRow.status == Status.UPLOADING.value,
                        RecordRow.updated_at < before,
                    )
                )
            )

    # -- reading ------------------------------------------------------------------------
    def get(self, record_id: str) -> Record | None:
        with self._s.read() as s:
            row = s.get(RecordRow, record_id)
            return record_entity(row) if row and row.status != Status.UPLOADING.value else None

    def by_sha256(self, sha256: str) -> Record | None:
        with self._s.read() as s:
            row = s.scalar(select(RecordRow).where(RecordRow.sha256 == sha256))
            return record_entity(row) if row else None

    def by_ids(self, ids: Iterable[str]) -> dict[str, Record]:
        """Plain rows, not ORM objects: every search joins its hits here, and loading 20
        ``RecordRow``s cost 1.7 ms of CPU against 0.9 for the same entities from rows
        (60,000 records, 200 runs each)."""
        ids = list(ids)
        if not ids:
            return {}
        with self._s.read() as s:
            conn = s.connection()
            found: dict[str, Record] = {}
            for start in range(0, len(ids), 500):
                rows = conn.execute(_light_by_ids(), {"ids": ids[start : start + 500]})
                found.update((r.id, record_entity(r)) for r in rows)
            return found

    def list(
        self,
        *,
        status: str | None = None,
        created_by: str | None = None,
        limit: int = 50,
        offset: int = 0,
        after: tuple[datetime, str] | None = None,
    ) -> builtins.list[Record]:
        """Newest first; ``after`` (the last row's created_at and id) continues a list in its
        index order, as cheap at any depth; ``offset`` skips rows (a page number's jump).

        An offset is turned into a keyset position first (``_seek``): the row it lands on
        is found by walking an index that holds every column the filter and the order
        need, without reading one table row, and the page is then read after it. Reading
        whole rows to skip them (OFFSET) cost 1.6 s at page 2,000 of a 1M-page archive."""
        # all visible: not "IN (visible)", or the planner sorts every row instead of walking
        where = status_filter(status) if status else (RecordRow.status != Status.UPLOADING.value,)
        if created_by:
            where = (*where, RecordRow.created_by == created_by)
        newest = (RecordRow.created_at.desc(), RecordRow.id.desc())
        with self._s.read() as s:
            if offset and after is None and not created_by:
                after = self._seek(s, status, offset)
                if after is None:
                    return []
                offset = 0
            query = select(RecordRow).where(*where)
            if after is not None:
                query = query.where(tuple_(RecordRow.created_at, RecordRow.id) < tuple_(*after))
            rows = s.scalars(query.order_by(*newest).options(*LIGHT).limit(limit).offset(offset))
            return [record_entity(r) for r in rows]

    @staticmethod
    def _seek(s, status: str | None, offset: int) -> tuple[datetime, str] | None:
        """(created_at, id) of the ``offset``-th row of a list, None past its end.

        A tab's rows are found on an index that starts with its filter columns
        (ix_documents_status_newest, ix_documents_review_queue) and covers the order: an
        index-only walk. The list of every visible record walks ix_documents_newest, which
        does not hold the status, so it counts every row and then steps on past the
        uploads in progress it met (reservations: few at any time), until the rows it
        passed hold exactly ``offset`` visible ones."""
        key = (RecordRow.created_at, RecordRow.id)
        newest = (RecordRow.created_at.desc(), RecordRow.id.desc())
        if status:
            return seek(s, select(*key).where(*status_filter(status)).order_by(*newest), offset)
        skip = offset
        while True:
            found = seek(s, select(*key).order_by(*newest), skip)
            if found is None:
                return None
            hidden = s.scalar(
                select(func.count()).select_from(RecordRow).where(
                    RecordRow.status == Status.UPLOADING.value,
                    tuple_(*key) >= tuple_(*found),
                )
            ) or 0  # fmt: skip
            if skip - hidden >= offset:
                return found
            skip = offset + hidden

    def count(self, *, status: str | None = None) -> int:
        """From the counts kept by the database (db/counts.py), not by counting rows."""
        with self._s.read() as s:
            if status == Status.UPLOADING.value:  # not kept: reservations are invisible
                query = select(func.count()).select_from(RecordRow)
                return s.scalar(query.where(RecordRow.status == status)) or 0
            statuses = counts.by_value(s, "status")
            if status in (REVIEW, CONFIRMED):  # ready records apart by needs_review
                review = counts.total(s, "review")
                return review if status == REVIEW else statuses.get("ready", 0) - review
            return statuses.get(status, 0) if status else sum(statuses.values())

    def recount(self) -> int:
        with self._s.write() as s:
            counts.recount(s)
            return lifecycle.carry_filters(s)

    def counts_kept(self) -> bool:
        with self._s.read() as s:
            return counts.triggers_counting(s)

    def pages(self, record_id: str) -> builtins.list[Page]:
        with self._s.read() as s:
            rows = s.scalars(
                select(PageRow).where(PageRow.document_id == record_id).order_by(PageRow.number)
            )
            return [page_entity(r) for r in rows]

    def pages_of(self, record_ids: Iterable[str]) -> dict[str, builtins.list[Page]]:
        """The pages of many records, by record id, in one query per 500."""
        ids = builtins.list(record_ids)
        found: dict[str, builtins.list[Page]] = {i: [] for i in ids}
        with self._s.read() as s:
            for start in range(0, len(ids), 500):
                rows = s.scalars(
                    select(PageRow)
                    .where(PageRow.document_id.in_(ids[start : start + 500]))
                    .order_by(PageRow.document_id, PageRow.number)
                )
                for row in rows:
                    found[row.document_id].append(page_entity(row))
        return found

    def files(self, record_id: str) -> builtins.list[StoredFile]:
        with self._s.read() as s:
            rows = s.scalars(
                select(StoredFileRow)
                .where(StoredFileRow.document_id == record_id)
                .order_by(StoredFileRow.role, StoredFileRow.page)
            )
            return [file_entity(r) for r in rows]

    # -- corrections ---------------------------------------------------------------------
    def file_keys(self, record_ids: Iterable[str]) -> builtins.list[str]:
        """The object keys of every stored file of these records, in one query per 500."""
        ids = builtins.list(record_ids)
        keys: builtins.list[str] = []
        with self._s.read() as s:
            for start in range(0, len(ids), 500):
                keys.extend(s.scalars(
                    select(StoredFileRow.key)
                    .where(StoredFileRow.document_id.in_(ids[start : start + 500]))
                    .order_by(StoredFileRow.document_id, StoredFileRow.id)
                ))  # fmt: skip
        return keys

    def update_metadata(self, record_id: str, metadata: RecordMetadata) -> None:
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(
                    **metadata_columns(metadata),
                    index_state=IndexState.PENDING.value,
                    updated_at=utcnow(),
                )
            )

    def replace_file(self, record_id: str, key: str, sha256: str, size: int) -> None:
        """A stored file was rewritten (the sidecar after a correction): new checksum."""
        with self._s.write() as s:
            s.execute(
                update(StoredFileRow)
                .where(StoredFileRow.document_id == record_id, StoredFileRow.key == key)
                .values(sha256=sha256, size=size, last_checked_at=None, last_check_ok=None)
            )

    def put_file(self, record_id: str, file: StoredFile) -> bool:
        now = utcnow()
        with self._s.write() as s:
            row = s.get(RecordRow, record_id)
            if row is None or row.status != Status.READY.value:
                return False
            existing = s.scalar(select(StoredFileRow).where(StoredFileRow.key == file.key))
            if existing is None:
                s.add(file_row(record_id, file, now))
            else:
                existing.sha256, existing.size = file.sha256, file.size
                existing.content_type, existing.created_at = file.content_type, now
                existing.last_checked_at, existing.last_check_ok = None, None
            return True

    def missing_role(
        self,
        role: str,
        after: str = "",
        limit: int = 500,
        *,
        processed: tuple[datetime, datetime] | None = None,
        unless_audited: str = "",
    ) -> builtins.list[str]:
        has_role = (
            select(StoredFileRow.id)
            .where(StoredFileRow.document_id == RecordRow.id, StoredFileRow.role == role)
            .exists()
        )
        query = select(RecordRow.id).where(
            RecordRow.status == Status.READY.value,
            or_(RecordRow.final_state == "", RecordRow.final_state.is_(None)),
            ~has_role,
        )
        # within a processing window, in its order: the walk is the window's records (at
        # 12M pages an id-ordered one read every row to find none missing)
        order: tuple = (RecordRow.id,)
        if processed is None:
            query = query.where(RecordRow.id > after)
        else:
            query = query.where(RecordRow.processed_at.between(*processed))
            order = (RecordRow.processed_at, RecordRow.id)
        if unless_audited:
            audited = (
                select(AuditRow.id)
                .where(
                    AuditRow.target == literal("document:") + RecordRow.id,
                    AuditRow.action == unless_audited,
                )
                .exists()
            )
            query = query.where(~audited)
        query = query.order_by(*order).limit(limit)
        with self._s.read() as s:
            return list(s.scalars(query))

    def flags(self, record_id: str) -> builtins.list[str]:
        with self._s.read() as s:
            row = s.get(RecordRow, record_id)
            return flags_of(row) if row else []

    # -- whole archive -------------------------------------------------------------------
    def iter_index_sources(self, batch_size: int) -> Iterator[builtins.list[IndexSource]]:
        """Every ready record as the index needs it, one bounded batch at a time.

        What a rebuild reads, so it is read cheaply: keyset batches (each in its own short
        read, so a rebuild never holds a snapshot for minutes), only the columns the index
        uses as plain rows (no ORM objects: building them was 60% of the rebuild's time),
        and the pages of a batch by one range of the pages' primary key, streamed through a
        server-side cursor where the driver has one (PostgreSQL). With each record its
        stamps and whether the index had yet to take it, read by the same statement: what
        the rebuild marks afterwards (``mark_all_indexed``).

        In id order, but on SQLite in the tables' own order (rowid): ids are random, so in
        id order every row and page came from somewhere else in the file. A 1M-page archive
        read cold took 17.6 s in id order and 8.3 s in rowid order, and at 12M the file is
        larger than the machine's memory."""
        stored_order = self._s.engines.dialect == "sqlite"
        key = literal_column("documents.rowid", Integer) if stored_order else RecordRow.id
        last: int | str = 0 if stored_order else ""
        while True:
            with self._s.read() as s:
                conn = s.connection().execution_options(stream_results=True, yield_per=1000)
                rows = conn.execute(
                    _source(None if stored_order else str(last))
                    .add_columns(key)
                    .where(key > last)
                    .order_by(key)
                    .limit(batch_size)
                ).all()
                if not rows:
                    return
                ids = [row[0] for row in rows]
                if stored_order:  # the pages of records stored together are stored together
                    texts = _pages_of(conn, ids)
                else:
                    pages = (PageRow.document_id > last, PageRow.document_id <= ids[-1])
                    texts = _page_texts(conn, ids, pages)
            last = rows[-1][-1]
            yield [_index_source(row, texts[row[0]]) for row in rows]

    def index_sources(self, record_ids: Iterable[str]) -> builtins.list[IndexSource]:
        """These records, those that are ready, as the index needs them (the catch-up after
        a hold re-indexes 100,000 at a time, 1,000 per call): one query per 500.

        Each with its row's and its queue row's stamps, read by the same statement as its
        metadata and retention state (one snapshot on PostgreSQL too, where each statement
        of a read sees its own): the stamps name the changes the index then holds
        (``mark_indexed``)."""
        ids = builtins.list(record_ids)
        found: builtins.list[IndexSource] = []
        with self._s.read() as s:
            conn = s.connection()
            for start in range(0, len(ids), _IDS_PER_QUERY):
                chunk = ids[start : start + _IDS_PER_QUERY]
                rows = conn.execute(_CATCH_UP.where(RecordRow.id.in_(chunk))).all()
                texts = _pages_of(conn, [row[0] for row in rows])
                found.extend(_index_source(row, texts[row[0]]) for row in rows)
        return found

    def iter_records(
        self, batch_size: int, statuses=VISIBLE, after: str = "", unindexed: bool = False
    ) -> Iterator[builtins.list[tuple[Record, builtins.list[Page], builtins.list[StoredFile]]]]:
        """Records with their pages and files, in id order, one bounded batch at a time
        (``unindexed``: only those whose text and metadata the search index has not
        confirmed)."""
        last = after
        base = select(RecordRow).where(RecordRow.status.in_([st.value for st in statuses]))
        if unindexed:  # two index lookups, not an OR that would read every row
            # each its next batch after the batch's start, or every batch gathers the whole
            # union (a backlog of 100,000 records read again for each 200)
            pending = select(RecordRow.id).where(
                RecordRow.status == Status.READY.value,
                RecordRow.index_state == IndexState.PENDING.value,
            )
            # Not the records in index_queue: their text and metadata are in the index,
            # only their retention state is stale (after a schedule change, all of them).
            waiting = [st.value for st in VISIBLE if st is not Status.READY]
            others = select(RecordRow.id).where(RecordRow.status.in_(waiting))
            arms = [
                select(
                    arm.where(RecordRow.id > bindparam("last"))
                    .order_by(RecordRow.id).limit(batch_size).subquery().c.id
                )
                for arm in (pending, others)
            ]  # fmt: skip
            base = base.where(RecordRow.id.in_(union_all(*arms)))
        ordered = base.where(RecordRow.id > bindparam("last")).order_by(RecordRow.id)
        ordered = ordered.limit(batch_size)
        while True:
            with self._s.read() as s:
                rows = list(s.scalars(ordered, {"last": last}))
                if not rows:
                    return
                ids = [r.id for r in rows]
                pages: dict[str, builtins.list[Page]] = {i: [] for i in ids}
                files: dict[str, builtins.list[StoredFile]] = {i: [] for i in ids}
                for p in s.scalars(
                    select(PageRow)
                    .where(PageRow.document_id.in_(ids))
                    .order_by(PageRow.document_id, PageRow.number)
                ):
                    pages[p.document_id].append(page_entity(p))
                for f in s.scalars(
                    select(StoredFileRow)
                    .where(StoredFileRow.document_id.in_(ids))
                    .order_by(StoredFileRow.document_id, StoredFileRow.id)
                ):
                    files[f.document_id].append(file_entity(f))
                batch = [(record_entity(r), pages[r.id], files[r.id]) for r in rows]
            last = ids[-1]
            yield batch

    def import_record(
        self,
        record: Record,
        pages: builtins.list[Page],
        files: builtins.list[StoredFile],
        readings: dict[str, Any] | None = None,
    ) -> bool:
        """Insert a record copied from another archive, as it was; False if already here.

        ``readings``: what the uploader typed, what its pages were read as and what review
        decided, as the source's columns hold them (``readings.as_stored``). The record
        takes its part in the recap (as a worker's finish gives it) and, with vote counts,
        its kept tally lines, in the same transaction.

        A record caught mid-processing arrives queued, so this archive's workers finish it.
        An upload's reservation is not a record and is refused: a retention row is made
        only for a record past its upload (the SQLite counts rely on it, migration 0017).
        """
        if record.status is Status.UPLOADING:
            raise ValueError(f"record {record.id} is an upload under way, not a record to import")
        status = Status.QUEUED if record.status is Status.PROCESSING else record.status
        # a destroyed record has nothing for the index (its entry went with its content)
        indexed = IndexState.INDEXED if record.final_state == "disposed" else IndexState.PENDING
        row = RecordRow(
            id=record.id, sha256=record.sha256, status=status.value,
            index_state=indexed.value, kind=record.kind,
            original_name=record.original_name, size=record.size, page_count=record.page_count,
            pages_done=record.pages_done, ocr_confidence=record.ocr_confidence, error=record.error,
            attempts=0, lease_owner="", created_at=record.created_at, created_by=record.created_by,
            updated_at=record.updated_at, processed_at=record.processed_at,
            final_state=record.final_state, final_at=record.final_at,
            **metadata_columns(record.metadata),
        )  # fmt: skip
        if readings:  # a queued one is read again here, with what was typed
            read = READING_COLUMNS if status is not Status.QUEUED else ("uploader_metadata",)
            for name in read:
                setattr(row, name, readings[name])
        inserted = False
        try:
            with self._s.write() as s:
                if s.get(RecordRow, record.id) is not None:
                    return False
                s.add(row)
                s.flush()
                inserted = True  # a clash past here is not "already here": it is raised
                if row.tally:
                    tally_rows.keep(s, record.id, row.tally)
                # as a worker's finish would: a form without counts still takes part
                self._upkeep.record_changed(s, record.id)
                # its state is this archive's to compute, from its own schedule: due today,
                # so the refresh of the day's changes takes it (the transfer runs one at its
                # end; an interrupted one leaves it to the next, or to the nightly task); a
                # final disposition is no schedule's to undo: that state from the start, with
                # nothing to come, as lifecycle._set_final leaves it
                if record.final_state:
                    retained = RetentionRow(document_id=record.id, state=record.final_state,
                                            action="", changes_at=None, due_at=None)  # fmt: skip
                else:
                    retained = RetentionRow(document_id=record.id, changes_at=date.today())
                s.add(retained)
                s.add_all(PageRow(document_id=record.id, **vars(p)) for p in pages)
                # a destroyed record's files are listed as destroyed, as at the source
                gone = (
                    (record.final_at or record.updated_at)
                    if record.final_state == "disposed"
                    else None
                )
                s.add_all(file_row(record.id, f, record.updated_at, gone) for f in files)
        except IntegrityError:
            if inserted:
                raise
            return False
        return True


# What the index is built from (IndexSource), as plain columns: see iter_index_sources.
_COLUMNS = (
    RecordRow.id, *(getattr(RecordRow, f) for f in ALL_FIELDS),
    func.coalesce(RetentionRow.state, "active"), RecordRow.tally_consistent,
    RecordRow.tally_low_confidence, RecordRow.needs_review, RecordRow.created_at,
    RecordRow.updated_at,
)  # fmt: skip
# a destroyed record left the index with its content (disposition._destroy): a rebuild or
# a catch-up must not bring its entry back
_READY = (RecordRow.status == Status.READY.value, RecordRow.final_state != "disposed")
_META_END = 1 + len(ALL_FIELDS)
_QUEUED = _META_END + 6  # then the queue row's stamp, then whether the row is pending


def _source(after: str | None = None) -> Select:
    """The records' columns with their queue stamps and whether each row is pending.

    ``after`` (a rebuild's batch in the id order of PostgreSQL) bounds the joined tables'
    keys too. PostgreSQL joins a batch to them by merging in key order, and does not carry
    ``id > after`` over to their side, so each batch read them from their first row: with
    every record queued (a schedule change), the queue read for one batch grew with its
    position, and a rebuild with the number of records squared (EXPLAIN ANALYZE: 95,674
    queue rows read for a batch of 2,000 near the end of 100,000)."""
    retention = RetentionRow.document_id == RecordRow.id
    queue = IndexQueueRow.document_id == RecordRow.id
    if after is not None:
        retention = and_(retention, RetentionRow.document_id > after)
        queue = and_(queue, IndexQueueRow.document_id > after)
    return (
        select(*_COLUMNS, IndexQueueRow.queued_at, RecordRow.index_state)
        .outerjoin(RetentionRow, retention)
        .outerjoin(IndexQueueRow, queue)
        .where(*_READY)
    )


_CATCH_UP = _source()  # index_sources: records by their ids
_IDS_PER_QUERY = 500
_PENDING = IndexState.PENDING.value


def _page_texts(conn, ids: builtins.list[str], where: tuple) -> dict[str, builtins.list[str]]:
    """Page texts of these records, in page order; ``where`` selects at least their pages
    (pages of other records it selects are skipped)."""
    texts: dict[str, builtins.list[str]] = {i: [] for i in ids}
    if not ids:
        return texts
    query = select(PageRow.document_id, PageRow.text).where(*where)
    for document_id, text in conn.execute(query.order_by(PageRow.document_id, PageRow.number)):
        found = texts.get(document_id)
        if found is not None:
            found.append(text)
    return texts


def _pages_of(conn, ids: builtins.list[str]) -> dict[str, builtins.list[str]]:
    """Page texts of these records, by their ids, ``_IDS_PER_QUERY`` records a query."""
    texts: dict[str, builtins.list[str]] = {}
    for start in range(0, len(ids), _IDS_PER_QUERY):
        chunk = ids[start : start + _IDS_PER_QUERY]
        texts.update(_page_texts(conn, chunk, (PageRow.document_id.in_(chunk),)))
    return texts


def _index_source(row, pages: builtins.list[str]) -> IndexSource:
    """One row of ``_source`` (columns added after its own are ignored) as an IndexSource."""
    metadata = dict(zip(ALL_FIELDS, row[1:_META_END], strict=True))
    day = metadata["record_date"]
    metadata["record_date"] = day.isoformat() if day else ""
    consistent, low, review, created_at, updated_at = row[_META_END + 1 : _META_END + 6]
    flags = tuple(flags_from(consistent, bool(low), bool(review)))
    return IndexSource(
        row[0], metadata, row[_META_END], flags, created_at, updated_at, tuple(pages),
        row[_QUEUED], row[_QUEUED + 1] == _PENDING,
    )  # fmt: skip


@functools.cache
def _light_by_ids() -> Select:
    """The columns ``LIGHT`` loads, for ids given as ``ids``; built on first use."""
    table = RecordRow.__table__.c
    return (
        select(
            *(c for c in table if c.key not in LIGHT_SKIPS),
            RetentionRow.state.label("retention_state"),
            IndexQueueRow.document_id.is_not(None).label("index_queued"),
        )
        .select_from(
            RecordRow.__table__.outerjoin(
                RetentionRow, RetentionRow.document_id == table.id
            ).outerjoin(IndexQueueRow, IndexQueueRow.document_id == table.id)
        )
        .where(
            table.id.in_(bindparam("ids", expanding=True)), table.status != Status.UPLOADING.value
        )
    )
