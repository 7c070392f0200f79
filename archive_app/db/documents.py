"""Records, their pages and stored files, and the job state that drives processing.

Job ownership is a lease in the record's row: a worker claims a record, renews the
lease while it works, and a record whose lease ran out (its worker died) is handed out
again. The queue only carries wake-up calls; the row is the truth.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from archive_app.db.interfaces import DuplicateDocument
from archive_app.db.models import DocumentRow, PageRow, StoredFileRow
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import Document, NewDocument, Page, StoredFile
from archive_app.domain.metadata import ALL_FIELDS, RecordMetadata
from archive_app.domain.records import FileRole, IndexState, Status


def document_entity(row: DocumentRow) -> Document:
    return Document(
        id=row.id,
        sha256=row.sha256,
        status=Status(row.status),
        index_state=IndexState(row.index_state),
        metadata=RecordMetadata(**{f: getattr(row, f) for f in ALL_FIELDS}),
        final_state=row.final_state,
        retention_state=row.retention_state,
        flags=tuple(_flags(row)),
        batch_id=row.batch_id,
        kind=row.kind,
        original_name=row.original_name,
        size=row.size,
        page_count=row.page_count,
        pages_done=row.pages_done,
        ocr_confidence=row.ocr_confidence,
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        processed_at=row.processed_at,
    )


def _flags(row: DocumentRow) -> list[str]:
    """Why auditors should look at the record: the search API's ``flag`` values."""
    flags = []
    if row.tally_consistent is False:
        flags.append("inconsistent")
    if row.tally_low_confidence:
        flags.append("low_confidence")
    if row.needs_review:
        flags.append("review")
    return flags


def _page(row: PageRow) -> Page:
    return Page(
        number=row.number,
        source=row.source,
        text=row.text,
        confidence=row.confidence,
        words=row.words,
        rotation=row.rotation,
        width_px=row.width_px,
        height_px=row.height_px,
    )


def _file(row: StoredFileRow) -> StoredFile:
    return StoredFile(
        role=row.role,
        key=row.key,
        sha256=row.sha256,
        size=row.size,
        content_type=row.content_type,
        page=row.page,
    )


def _file_row(doc_id: str, f: StoredFile, now: datetime) -> StoredFileRow:
    return StoredFileRow(
        document_id=doc_id,
        role=f.role,
        page=f.page,
        key=f.key,
        sha256=f.sha256,
        size=f.size,
        content_type=f.content_type,
        created_at=now,
    )


VISIBLE = (Status.QUEUED, Status.PROCESSING, Status.READY, Status.FAILED)


@dataclass(frozen=True)
class PageReadings:
    """What processing read from the pages, and the metadata it settled on."""

    metadata: RecordMetadata
    extracted: dict  # field -> {"value", "confidence", "source"}
    review_reasons: list
    tally: dict | None  # the Tally as JSON-ready data, None when no tally was read
    tally_consistent: bool | None = None
    tally_low_confidence: bool = False


def _apply_readings(row: DocumentRow, r: PageReadings) -> None:
    for name, value in metadata_columns(r.metadata).items():
        setattr(row, name, value)
    row.extracted = json.dumps(r.extracted, ensure_ascii=False)
    row.needs_review = bool(r.review_reasons)
    row.review_reasons = json.dumps(r.review_reasons, ensure_ascii=False)
    row.tally = json.dumps(r.tally, ensure_ascii=False) if r.tally is not None else ""
    row.tally_consistent = r.tally_consistent
    row.tally_low_confidence = r.tally_low_confidence


def metadata_columns(metadata: RecordMetadata) -> dict:
    """Metadata as column values (the date as a date, not text)."""
    return {f: getattr(metadata, f) for f in ALL_FIELDS}


class SqlDocumentRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    # -- upload -------------------------------------------------------------------------
    def begin_upload(self, new: NewDocument) -> Document:
        now = utcnow()
        row = DocumentRow(
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
            raise DuplicateDocument(existing.id) from None
        return document_entity(row)

    def complete_upload(self, doc_id: str, files: Iterable[StoredFile]) -> None:
        now = utcnow()
        with self._s.write() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, DocumentRow.status == Status.UPLOADING.value)
                .values(status=Status.QUEUED.value, updated_at=now)
            )
            s.add_all(_file_row(doc_id, f, now) for f in files)

    def abandon_upload(self, doc_id: str) -> None:
        with self._s.write() as s:
            s.execute(delete(StoredFileRow).where(StoredFileRow.document_id == doc_id))
            s.execute(
                delete(DocumentRow).where(
                    DocumentRow.id == doc_id, DocumentRow.status == Status.UPLOADING.value
                )
            )

    def stale_uploads(self, before: datetime) -> list[str]:
        with self._s.read() as s:
            return list(
                s.scalars(
                    select(DocumentRow.id).where(
                        DocumentRow.status == Status.UPLOADING.value,
                        DocumentRow.updated_at < before,
                    )
                )
            )

    # -- reading ------------------------------------------------------------------------
    def get(self, doc_id: str) -> Document | None:
        with self._s.read() as s:
            row = s.get(DocumentRow, doc_id)
            return document_entity(row) if row and row.status != Status.UPLOADING.value else None

    def by_sha256(self, sha256: str) -> Document | None:
        with self._s.read() as s:
            row = s.scalar(select(DocumentRow).where(DocumentRow.sha256 == sha256))
            return document_entity(row) if row else None

    def by_ids(self, ids: Iterable[str]) -> dict[str, Document]:
        ids = list(ids)
        if not ids:
            return {}
        with self._s.read() as s:
            rows = s.scalars(
                select(DocumentRow).where(
                    DocumentRow.id.in_(ids), DocumentRow.status != Status.UPLOADING.value
                )
            )
            return {r.id: document_entity(r) for r in rows}

    def list(
        self,
        *,
        status: str | None = None,
        created_by: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Document]:
        query = select(DocumentRow).where(DocumentRow.status.in_([v.value for v in VISIBLE]))
        if status:
            query = query.where(DocumentRow.status == status)
        if created_by:
            query = query.where(DocumentRow.created_by == created_by)
        query = query.order_by(DocumentRow.created_at.desc(), DocumentRow.id)
        with self._s.read() as s:
            return [document_entity(r) for r in s.scalars(query.limit(limit).offset(offset))]

    def count(self, *, status: str | None = None) -> int:
        query = select(func.count()).select_from(DocumentRow)
        if status:
            query = query.where(DocumentRow.status == status)
        else:
            query = query.where(DocumentRow.status.in_([v.value for v in VISIBLE]))
        with self._s.read() as s:
            return s.scalar(query) or 0

    def pages(self, doc_id: str) -> list[Page]:
        with self._s.read() as s:
            rows = s.scalars(
                select(PageRow).where(PageRow.document_id == doc_id).order_by(PageRow.number)
            )
            return [_page(r) for r in rows]

    def files(self, doc_id: str) -> list[StoredFile]:
        with self._s.read() as s:
            rows = s.scalars(
                select(StoredFileRow)
                .where(StoredFileRow.document_id == doc_id)
                .order_by(StoredFileRow.role, StoredFileRow.page)
            )
            return [_file(r) for r in rows]

    # -- jobs ---------------------------------------------------------------------------
    def claim(self, doc_id: str, owner: str, lease_seconds: int) -> Document | None:
        now = utcnow()
        with self._s.write() as s:
            result = s.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.id == doc_id,
                    or_(
                        DocumentRow.status == Status.QUEUED.value,
                        (DocumentRow.status == Status.PROCESSING.value)
                        & (DocumentRow.lease_until < now),
                    ),
                )
                .values(
                    status=Status.PROCESSING.value,
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=DocumentRow.attempts + 1,
                    pages_done=0,
                    updated_at=now,
                )
            )
            if result.rowcount != 1:
                return None
            return document_entity(s.get(DocumentRow, doc_id))

    def heartbeat(self, doc_id: str, owner: str, lease_seconds: int) -> bool:
        now = utcnow()
        with self._s.write() as s:
            result = s.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.id == doc_id,
                    DocumentRow.lease_owner == owner,
                    DocumentRow.status == Status.PROCESSING.value,
                )
                .values(lease_until=now + timedelta(seconds=lease_seconds))
            )
            return result.rowcount == 1

    def progress(self, doc_id: str, pages_done: int, page_count: int) -> None:
        with self._s.write() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id)
                .values(pages_done=pages_done, page_count=page_count)
            )

    def finish(
        self,
        doc_id: str,
        owner: str,
        pages: list[Page],
        files: list[StoredFile],
        confidence: float | None,
        readings: PageReadings | None = None,
    ) -> None:
        """Swap in the pages and derivative files, what was read from the pages, and mark
        ready, all in one transaction."""
        now = utcnow()
        with self._s.write() as s:
            row = s.get(DocumentRow, doc_id)
            if row is None or row.lease_owner != owner or row.status != Status.PROCESSING.value:
                raise LookupError(f"lost the lease on {doc_id}")
            s.execute(delete(PageRow).where(PageRow.document_id == doc_id))
            s.execute(
                delete(StoredFileRow).where(
                    StoredFileRow.document_id == doc_id,
                    StoredFileRow.role != FileRole.ORIGINAL.value,
                )
            )
            s.flush()
            s.add_all(PageRow(document_id=doc_id, **vars(p)) for p in pages)
            s.add_all(_file_row(doc_id, f, now) for f in files)
            row.status = Status.READY.value
            row.index_state = IndexState.PENDING.value
            row.page_count = len(pages)
            row.pages_done = len(pages)
            row.ocr_confidence = confidence
            row.error = ""
            row.lease_owner = ""
            row.lease_until = None
            row.updated_at = now
            row.processed_at = now
            if readings is not None:
                _apply_readings(row, readings)

    def fail(
        self, doc_id: str, owner: str, error: str, *, final: bool, count_attempt: bool = True
    ) -> None:
        status = Status.FAILED if final else Status.QUEUED
        attempts = DocumentRow.attempts if count_attempt else DocumentRow.attempts - 1
        with self._s.write() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, DocumentRow.lease_owner == owner)
                .values(
                    status=status.value,
                    attempts=attempts,
                    error=error[:4000],
                    lease_owner="",
                    lease_until=None,
                    updated_at=utcnow(),
                )
            )

    def requeue(self, doc_id: str) -> bool:
        with self._s.write() as s:
            result = s.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, DocumentRow.status == Status.FAILED.value)
                .values(status=Status.QUEUED.value, error="", attempts=0, updated_at=utcnow())
            )
            return result.rowcount == 1

    def reclaimable(self, now: datetime, queued_before: datetime | None) -> list[str]:
        expired = (DocumentRow.status == Status.PROCESSING.value) & (DocumentRow.lease_until < now)
        condition = expired
        if queued_before is not None:
            waiting = (DocumentRow.status == Status.QUEUED.value) & (
                DocumentRow.updated_at < queued_before
            )
            condition = or_(expired, waiting)
        with self._s.read() as s:
            return list(s.scalars(select(DocumentRow.id).where(condition)))

    def leases(self) -> list[tuple[str, str]]:
        """(record id, lease owner) of every record being processed."""
        with self._s.read() as s:
            rows = s.execute(
                select(DocumentRow.id, DocumentRow.lease_owner).where(
                    DocumentRow.status == Status.PROCESSING.value
                )
            )
            return [(r[0], r[1]) for r in rows]

    def expire_lease(self, doc_id: str, owner: str) -> None:
        with self._s.write() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id, DocumentRow.lease_owner == owner)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )

    def update_metadata(self, doc_id: str, metadata: RecordMetadata) -> None:
        with self._s.write() as s:
            s.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc_id)
                .values(
                    **metadata_columns(metadata),
                    index_state=IndexState.PENDING.value,
                    updated_at=utcnow(),
                )
            )

    def replace_file(self, doc_id: str, key: str, sha256: str, size: int) -> None:
        """A stored file was rewritten (the sidecar after a correction): new checksum."""
        with self._s.write() as s:
            s.execute(
                update(StoredFileRow)
                .where(StoredFileRow.document_id == doc_id, StoredFileRow.key == key)
                .values(sha256=sha256, size=size, last_checked_at=None, last_check_ok=None)
            )

    def flags(self, doc_id: str) -> list[str]:
        with self._s.read() as s:
            row = s.get(DocumentRow, doc_id)
            return _flags(row) if row else []

    # -- search index bookkeeping -------------------------------------------------------
    def mark_indexed(self, doc_ids: Iterable[str], at_or_before: datetime) -> list[str]:
        """Only rows unchanged since the index read them are marked: a later edit stays pending.

        Returns the ids it did not mark (edited since the read, or gone), so the writer can
        index them again: its copy of those may be older than one already in the index.
        """
        ids = list(doc_ids)
        marked: set[str] = set()
        with self._s.write() as s:
            for start in range(0, len(ids), 500):
                marked.update(
                    s.scalars(
                        update(DocumentRow)
                        .where(
                            DocumentRow.id.in_(ids[start : start + 500]),
                            DocumentRow.updated_at <= at_or_before,
                        )
                        .values(index_state=IndexState.INDEXED.value)
                        .returning(DocumentRow.id)
                    )
                )
        return [doc_id for doc_id in ids if doc_id not in marked]

    def mark_all_indexed(self, at_or_before: datetime) -> None:
        with self._s.write() as s:
            s.execute(
                update(DocumentRow)
                .where(
                    DocumentRow.status == Status.READY.value,
                    DocumentRow.updated_at <= at_or_before,
                )
                .values(index_state=IndexState.INDEXED.value)
            )

    def pending_index(self, limit: int) -> list[str]:
        with self._s.read() as s:
            return list(
                s.scalars(
                    select(DocumentRow.id)
                    .where(
                        DocumentRow.status == Status.READY.value,
                        DocumentRow.index_state == IndexState.PENDING.value,
                    )
                    .limit(limit)
                )
            )

    def iter_ready(self, batch_size: int) -> Iterator[list[tuple[Document, list[Page]]]]:
        """Ready records with their pages, in id order, one bounded batch at a time."""
        for batch in self.iter_records(batch_size, statuses=(Status.READY,)):
            yield [(doc, pages) for doc, pages, _ in batch]

    def iter_records(
        self, batch_size: int, statuses=VISIBLE, after: str = "", unindexed: bool = False
    ) -> Iterator[list[tuple[Document, list[Page], list[StoredFile]]]]:
        """Records with their pages and files, in id order, one bounded batch at a time
        (``unindexed``: only those the search index has not confirmed)."""
        last = after
        base = select(DocumentRow).where(DocumentRow.status.in_([st.value for st in statuses]))
        if unindexed:
            base = base.where(
                or_(
                    DocumentRow.index_state == IndexState.PENDING.value,
                    DocumentRow.status != Status.READY.value,
                )
            )
        while True:
            with self._s.read() as s:
                rows = list(
                    s.scalars(
                        base.where(DocumentRow.id > last).order_by(DocumentRow.id).limit(batch_size)
                    )
                )
                if not rows:
                    return
                ids = [r.id for r in rows]
                pages: dict[str, list[Page]] = {i: [] for i in ids}
                files: dict[str, list[StoredFile]] = {i: [] for i in ids}
                for p in s.scalars(
                    select(PageRow)
                    .where(PageRow.document_id.in_(ids))
                    .order_by(PageRow.document_id, PageRow.number)
                ):
                    pages[p.document_id].append(_page(p))
                for f in s.scalars(
                    select(StoredFileRow)
                    .where(StoredFileRow.document_id.in_(ids))
                    .order_by(StoredFileRow.document_id, StoredFileRow.id)
                ):
                    files[f.document_id].append(_file(f))
                batch = [(document_entity(r), pages[r.id], files[r.id]) for r in rows]
            last = ids[-1]
            yield batch

    def import_record(self, doc: Document, pages: list[Page], files: list[StoredFile]) -> bool:
        """Insert a record copied from another archive, as it was; False if already here.

        A record caught mid-processing arrives queued, so this archive's workers finish it.
        """
        status = Status.QUEUED if doc.status is Status.PROCESSING else doc.status
        row = DocumentRow(
            id=doc.id, sha256=doc.sha256, status=status.value,
            index_state=IndexState.PENDING.value, kind=doc.kind,
            original_name=doc.original_name, size=doc.size, page_count=doc.page_count,
            pages_done=doc.pages_done, ocr_confidence=doc.ocr_confidence, error=doc.error,
            attempts=0, lease_owner="", created_at=doc.created_at, created_by=doc.created_by,
            updated_at=doc.updated_at, processed_at=doc.processed_at,
            final_state=doc.final_state, **metadata_columns(doc.metadata),
        )  # fmt: skip
        try:
            with self._s.write() as s:
                if s.get(DocumentRow, doc.id) is not None:
                    return False
                s.add(row)
                s.flush()
                s.add_all(PageRow(document_id=doc.id, **vars(p)) for p in pages)
                s.add_all(_file_row(doc.id, f, doc.updated_at) for f in files)
        except IntegrityError:
            return False
        return True
