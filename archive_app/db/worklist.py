"""What waits for someone, counted cheaply enough to show on every page.

Each count runs over an indexed column and stops at ``cap`` (a page says "999+" rather than
count a million rows on every request): review and status flags, retention dates and
states, the small holds and disposition-list tables, the last fixity run's audit entry.
"""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import func, select

from archive_app.db.models import AuditRow, DispositionListRow, HoldRow, RecordRow, RetentionRow
from archive_app.db.readings import reviewable
from archive_app.db.session import Sessions
from archive_app.domain.records import Status

BUSY = (Status.QUEUED.value, Status.PROCESSING.value)


class SqlWorklist:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def _capped(self, query, cap: int) -> int:
        with self._s.read() as s:
            return s.scalar(select(func.count()).select_from(query.limit(cap).subquery())) or 0

    def to_review(self, cap: int) -> int:
        """Ready records a person must confirm, that no hold or open list freezes: the
        review queue's own test, a lookup per row. (NOT IN the frozen ids had PostgreSQL
        gather every held and listed id on each page, or, past its hash memory, compare
        each row with all of them.)"""
        return self._capped(select(RecordRow.id).where(*reviewable()), cap)

    def failed(self, cap: int) -> int:
        query = select(RecordRow.id).where(
            RecordRow.status == Status.FAILED.value, RecordRow.final_state == ""
        )
        return self._capped(query, cap)

    def batches_running(self, cap: int) -> int:
        """Batches with a record still queued or being processed."""
        query = (
            select(RecordRow.batch_id)
            .where(RecordRow.status.in_(BUSY), RecordRow.batch_id.is_not(None))
            .distinct()
        )
        return self._capped(query, cap)

    def due_now(self, cap: int) -> int:
        query = select(RetentionRow.document_id).where(RetentionRow.state == "due")
        return self._capped(query, cap)

    def coming_due(self, by: date, cap: int) -> int:
        """Active or inactive records whose retention ends by ``by``."""
        query = select(RetentionRow.document_id).where(
            RetentionRow.due_at <= by, RetentionRow.state.in_(["active", "inactive"])
        )
        return self._capped(query, cap)

    def lists(self, status: str, cap: int) -> int:
        query = select(DispositionListRow.id).where(DispositionListRow.status == status)
        return self._capped(query, cap)

    def holds_active(self, cap: int) -> int:
        return self._capped(select(HoldRow.id).where(HoldRow.released_at.is_(None)), cap)

    def last_fixity_run(self) -> dict | None:
        """The last fixity run's summary (when, files checked, missing, changed), or None."""
        with self._s.read() as s:
            row = s.scalars(
                select(AuditRow)
                .where(AuditRow.action == "fixity.run")
                .order_by(AuditRow.id.desc())
                .limit(1)
            ).first()
        if row is None:
            return None
        details = json.loads(row.details or "{}")
        return {"at": row.at, **{k: details.get(k, 0) for k in ("checked", "missing", "changed")}}
