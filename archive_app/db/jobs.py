"""The job state that drives processing, kept in the record's own row.

Job ownership is a lease: a worker claims a record, renews the lease while it works, and a
record whose lease ran out (its worker died) is handed out again. The queue only carries
wake-up calls; the row is the truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, or_, select, update

from archive_app.db import tally_rows
from archive_app.db.models import PageRow, RecordRow, StoredFileRow
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.record_rows import STEP, apply_readings, file_row, owed_steps, record_entity
from archive_app.db.session import Sessions, changed
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import Page, PageReadings, Record, StoredFile
from archive_app.domain.records import FileRole, IndexState, Status


class SqlJobLeases:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep | None = None):
        self._s = sessions
        self._upkeep = upkeep or RecapUpkeep()

    def claim(self, record_id: str, owner: str, lease_seconds: int) -> Record | None:
        now = utcnow()
        with self._s.write() as s:
            result = s.execute(
                update(RecordRow)
                .where(
                    RecordRow.id == record_id,
                    or_(
                        RecordRow.status == Status.QUEUED.value,
                        (RecordRow.status == Status.PROCESSING.value)
                        & (RecordRow.lease_until < now),
                    ),
                )
                .values(
                    status=Status.PROCESSING.value,
                    lease_owner=owner,
                    lease_until=now + timedelta(seconds=lease_seconds),
                    attempts=RecordRow.attempts + 1,
                    pages_done=0,
                    updated_at=now,
                )
            )
            row = s.get(RecordRow, record_id) if changed(result) == 1 else None
            return record_entity(row) if row is not None else None

    def heartbeat(self, record_id: str, owner: str, lease_seconds: int) -> bool:
        now = utcnow()
        with self._s.write() as s:
            result = s.execute(
                update(RecordRow)
                .where(
                    RecordRow.id == record_id,
                    RecordRow.lease_owner == owner,
                    RecordRow.status == Status.PROCESSING.value,
                )
                .values(lease_until=now + timedelta(seconds=lease_seconds))
            )
            return changed(result) == 1

    def progress(self, record_id: str, pages_done: int, page_count: int) -> None:
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(pages_done=pages_done, page_count=page_count)
            )

    def finish(
        self,
        record_id: str,
        owner: str,
        pages: list[Page],
        files: list[StoredFile],
        confidence: float | None,
        readings: PageReadings | None = None,
        after_ready: Sequence[str] = (),
    ) -> None:
        """Swap in the pages and derivative files, what was read from the pages, and mark
        ready, all in one transaction, writing down the steps still owed after it."""
        now = utcnow()
        with self._s.write() as s:
            row = s.get(RecordRow, record_id)
            if row is None or row.lease_owner != owner or row.status != Status.PROCESSING.value:
                raise LookupError(f"lost the lease on {record_id}")
            s.execute(delete(PageRow).where(PageRow.document_id == record_id))
            s.execute(
                delete(StoredFileRow).where(
                    StoredFileRow.document_id == record_id,
                    StoredFileRow.role != FileRole.ORIGINAL.value,
                )
            )
            s.flush()
            s.add_all(PageRow(document_id=record_id, **vars(p)) for p in pages)
            s.add_all(file_row(record_id, f, now) for f in files)
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
            row.after_ready = owed_steps(after_ready)
            if readings is not None:
                apply_readings(row, readings)
            s.flush()
            if readings is not None:
                tally_rows.keep(s, record_id, row.tally)
            self._upkeep.record_changed(s, record_id)  # the sums, in this same transaction

    def steps_owed(self, record_ids: Iterable[str]) -> dict[str, list[str]]:
        ids = list(record_ids)
        if not ids:
            return {}
        with self._s.read() as s:
            rows = s.execute(
                select(RecordRow.id, RecordRow.after_ready).where(
                    RecordRow.id.in_(ids), RecordRow.after_ready != ""
                )
            )
            return {r[0]: STEP.findall(r[1]) for r in rows}

    def step_done(self, record_id: str, step: str) -> None:
        """One UPDATE, so two processes paying different steps never undo each other."""
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(after_ready=func.replace(RecordRow.after_ready, f"[{step}]", ""))
            )

    def owing_steps(self, ready_before: datetime, limit: int) -> list[str]:
        with self._s.read() as s:
            return list(
                s.scalars(
                    select(RecordRow.id)
                    .where(RecordRow.after_ready != "", RecordRow.processed_at < ready_before)
                    .order_by(RecordRow.processed_at, RecordRow.id)
                    .limit(limit)
                )
            )

    def fail(
        self, record_id: str, owner: str, error: str, *, final: bool, count_attempt: bool = True
    ) -> None:
        status = Status.FAILED if final else Status.QUEUED
        attempts = RecordRow.attempts if count_attempt else RecordRow.attempts - 1
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id, RecordRow.lease_owner == owner)
                .values(
                    status=status.value,
                    attempts=attempts,
                    error=error[:4000],
                    lease_owner="",
                    lease_until=None,
                    updated_at=utcnow(),
                )
            )

    def requeue(self, record_id: str) -> bool:
        with self._s.write() as s:
            result = s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id, RecordRow.status == Status.FAILED.value)
                .values(status=Status.QUEUED.value, error="", attempts=0, updated_at=utcnow())
            )
            return changed(result) == 1

    def reclaimable(self, now: datetime, queued_before: datetime | None) -> list[str]:
        expired = (RecordRow.status == Status.PROCESSING.value) & (RecordRow.lease_until < now)
        condition: ColumnElement[bool] = expired
        if queued_before is not None:
            waiting = (RecordRow.status == Status.QUEUED.value) & (
                RecordRow.updated_at < queued_before
            )
            condition = or_(expired, waiting)
        with self._s.read() as s:
            return list(s.scalars(select(RecordRow.id).where(condition)))

    def leases(self) -> list[tuple[str, str]]:
        """(record id, lease owner) of every record being processed."""
        with self._s.read() as s:
            rows = s.execute(
                select(RecordRow.id, RecordRow.lease_owner).where(
                    RecordRow.status == Status.PROCESSING.value
                )
            )
            return [(r[0], r[1]) for r in rows]

    def expire_lease(self, record_id: str, owner: str) -> None:
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id, RecordRow.lease_owner == owner)
                .values(lease_until=utcnow() - timedelta(seconds=1))
            )
