"""A record's life after ingest: cached retention state, tombstones, fixity bookkeeping."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select, update

from archive_app.db.models import HoldRecordRow, HoldRow, PageRow, RecordRow, StoredFileRow
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import StoredFile
from archive_app.domain.records import IndexState, Status
from archive_app.domain.retention import RetentionInput, RetentionUpdate
from vocabulary.text import squash

GROUPS = {"election": RecordRow.election, "province": RecordRow.province,
          "regency": RecordRow.regency, "form_type": RecordRow.form_type}  # fmt: skip


class SqlLifecycleRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    # -- retention cache ----------------------------------------------------------------
    def retention_inputs(
        self, batch_size: int, *, ids: Iterable[str] | None = None, changes_by: date | None = None
    ) -> Iterator[list[RetentionInput]]:
        """Records to (re)compute, in id order: all, these ids, or those whose state is due
        to change by ``changes_by``."""
        held = (
            select(HoldRecordRow.document_id)
            .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
            .where(HoldRow.released_at.is_(None))
        )
        base = select(RecordRow, RecordRow.id.in_(held)).where(
            RecordRow.status != Status.UPLOADING.value
        )
        if ids is not None:
            base = base.where(RecordRow.id.in_(list(ids)))
        if changes_by is not None:
            base = base.where(RecordRow.retention_changes_at <= changes_by)
        last = ""
        while True:
            with self._s.read() as s:
                rows = s.execute(
                    base.where(RecordRow.id > last).order_by(RecordRow.id).limit(batch_size)
                ).all()
            if not rows:
                return
            last = rows[-1][0].id
            yield [
                RetentionInput(
                    r.id,
                    r.form_type,
                    r.election,
                    r.year,
                    r.record_date,
                    r.final_state,
                    bool(is_held),
                    (
                        r.retention_state,
                        r.retention_series,
                        r.retention_action,
                        r.retention_changes_at,
                        r.retention_due_at,
                    ),
                )  # fmt: skip
                for r, is_held in rows
            ]

    def retention_groups(self) -> list[tuple[RetentionInput, int]]:
        """Every distinct combination retention is computed from, with how many records
        share it (the ``id`` of each input is empty): what a schedule change would do to the
        whole archive, in one grouped query rather than a walk over every record."""
        held = (
            select(HoldRecordRow.document_id)
            .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
            .where(HoldRow.released_at.is_(None))
        )
        is_held = RecordRow.id.in_(held)
        columns = (
            RecordRow.form_type, RecordRow.election, RecordRow.year, RecordRow.record_date,
            RecordRow.final_state, is_held, RecordRow.retention_state,
        )  # fmt: skip
        query = (
            select(*columns, func.count())
            .where(RecordRow.status != Status.UPLOADING.value)
            .group_by(*columns)
        )
        with self._s.read() as s:
            return [
                (RetentionInput("", f, e, y, d, final, bool(h), (state, "", "", None, None)), n)
                for f, e, y, d, final, h, state, n in s.execute(query).all()
            ]

    def save_retention(self, updates: list[RetentionUpdate]) -> None:
        """Store new states; a record whose state changed is queued for the search index."""
        now = utcnow()
        with self._s.write() as s:
            for u in updates:
                s.execute(
                    update(RecordRow)
                    .where(RecordRow.id == u.id)
                    .values(
                        retention_state=u.state,
                        retention_series=u.series,
                        retention_action=u.action,
                        retention_changes_at=u.changes_at,
                        retention_due_at=u.due_at,
                        index_state=IndexState.PENDING.value,
                        updated_at=now,
                    )  # fmt: skip
                )

    def retention_counts(self, group: str | None = None) -> dict:
        """{state: n} or {(group value, state): n} over every visible record."""
        columns = (
            [RecordRow.retention_state]
            if group is None
            else [GROUPS[group], RecordRow.retention_state]
        )
        query = (
            select(*columns, func.count())
            .where(RecordRow.status != Status.UPLOADING.value)
            .group_by(*columns)
        )
        with self._s.read() as s:
            rows = s.execute(query).all()
        if group is None:
            return {r[0]: r[1] for r in rows}
        return {(r[0], r[1]): r[2] for r in rows}

    def retention_ids(
        self, *, state: str | None = None, action: str | None = None,
        due_by: date | None = None, filters: dict | None = None, limit: int = 1000,
        offset: int = 0,
    ) -> list[str]:  # fmt: skip
        query = select(RecordRow.id).where(RecordRow.status != Status.UPLOADING.value)
        if state:
            query = query.where(RecordRow.retention_state == state)
        if action:
            query = query.where(RecordRow.retention_action == action)
        if due_by:
            query = query.where(
                RecordRow.retention_due_at <= due_by,
                RecordRow.retention_state.in_(["active", "inactive"]),
            )
        for name, value in (filters or {}).items():
            column = getattr(RecordRow, name)
            query = query.where(func.lower(column) == squash(value)
                                if isinstance(value, str) else column == value)  # fmt: skip
        query = query.order_by(RecordRow.retention_due_at, RecordRow.id)
        with self._s.read() as s:
            return list(s.scalars(query.limit(limit).offset(offset)))

    # -- final dispositions -------------------------------------------------------------
    def tombstone(self, record_id: str) -> None:
        """Keep metadata, checksums and history; drop the content (page text) for good."""
        now = utcnow()
        with self._s.write() as s:
            s.execute(delete(PageRow).where(PageRow.document_id == record_id))
            s.execute(
                update(StoredFileRow)
                .where(StoredFileRow.document_id == record_id, StoredFileRow.destroyed_at.is_(None))
                .values(destroyed_at=now)
            )
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(
                    final_state="disposed",
                    final_at=now,
                    retention_state="disposed",
                    retention_action="",
                    retention_changes_at=None,
                    retention_due_at=None,
                    index_state=IndexState.INDEXED.value,
                    updated_at=now,
                )  # fmt: skip
            )

    def mark_transferred(self, record_id: str) -> None:
        now = utcnow()
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(
                    final_state="transferred",
                    final_at=now,
                    retention_state="transferred",
                    retention_action="",
                    retention_changes_at=None,
                    retention_due_at=None,
                    index_state=IndexState.PENDING.value,
                    updated_at=now,
                )  # fmt: skip
            )

    def finalized_since(self, since: datetime, final_state: str) -> list[str]:
        with self._s.read() as s:
            return list(
                s.scalars(
                    select(RecordRow.id).where(
                        RecordRow.final_state == final_state, RecordRow.final_at >= since
                    )
                )
            )

    # -- fixity -------------------------------------------------------------------------
    def files_to_check(
        self, *, older_than: datetime | None = None, sample: int | None = None,
        batch_size: int = 500,
    ) -> Iterator[list[tuple[str, StoredFile]]]:  # fmt: skip
        """Stored (not destroyed) files: all, those unchecked since ``older_than``, or a sample."""
        query = select(StoredFileRow).where(StoredFileRow.destroyed_at.is_(None))
        if older_than is not None:
            query = query.where(
                or_(
                    StoredFileRow.last_checked_at.is_(None),
                    StoredFileRow.last_checked_at < older_than,
                )  # fmt: skip
            )
        if sample is not None:
            with self._s.read() as s:
                ids = list(s.scalars(query.with_only_columns(StoredFileRow.id)))
            chosen = sorted(random.sample(ids, min(sample, len(ids))))
            if not chosen:
                return
            query = query.where(StoredFileRow.id.in_(chosen))
        last = 0
        while True:
            with self._s.read() as s:
                rows = list(
                    s.scalars(
                        query.where(StoredFileRow.id > last)
                        .order_by(StoredFileRow.id)
                        .limit(batch_size)
                    )  # fmt: skip
                )
            if not rows:
                return
            last = rows[-1].id
            yield [
                (r.document_id, StoredFile(r.role, r.key, r.sha256, r.size, r.content_type, r.page))
                for r in rows
            ]

    def record_checks(self, results: list[tuple[str, bool]], at: datetime) -> None:
        with self._s.write() as s:
            for key, ok in results:
                s.execute(
                    update(StoredFileRow)
                    .where(StoredFileRow.key == key)
                    .values(last_checked_at=at, last_check_ok=ok)
                )

    def fixity_of(self, record_id: str) -> dict:
        """The record's last fixity check: when (the oldest file's check) and whether all passed."""
        with self._s.read() as s:
            rows = s.execute(
                select(StoredFileRow.last_checked_at, StoredFileRow.last_check_ok).where(
                    StoredFileRow.document_id == record_id, StoredFileRow.destroyed_at.is_(None)
                )
            ).all()
        checked = [at for at, _ in rows if at is not None]
        if not rows or len(checked) < len(rows):
            return {"checked_at": None, "ok": None, "files": len(rows)}
        return {
            "checked_at": min(checked),
            "ok": all(bool(ok) for _, ok in rows),
            "files": len(rows),
        }
