"""Batches of files ingested together, and what became of each file."""

from __future__ import annotations

import builtins
import json

from sqlalchemy import func, select

from archive_app.db.models import BatchItemRow, BatchRow, RecordRow
from archive_app.db.seek import seek
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import Batch, BatchItem


class SqlBatchRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def create(self, label: str, source: str, metadata: dict, actor: str) -> int:
        with self._s.write() as s:
            row = BatchRow(label=label[:200], source=source, metadata_json=json.dumps(metadata),
                           created_by=actor, created_at=utcnow())  # fmt: skip
            s.add(row)
            s.flush()
            return row.id

    def add_item(self, batch_id: int, name: str, outcome: str, message: str = "",
                 document_id: str | None = None) -> None:  # fmt: skip
        with self._s.write() as s:
            s.add(BatchItemRow(batch_id=batch_id, name=name[:500], outcome=outcome,
                               message=message, document_id=document_id,
                               created_at=utcnow()))  # fmt: skip

    def _counts(self, s, batch_ids: builtins.list[int]) -> dict[int, dict]:
        counts: dict[int, dict] = {i: {} for i in batch_ids}
        outcomes = s.execute(
            select(BatchItemRow.batch_id, BatchItemRow.outcome, func.count())
            .where(BatchItemRow.batch_id.in_(batch_ids))
            .group_by(BatchItemRow.batch_id, BatchItemRow.outcome)
        )
        for batch_id, outcome, n in outcomes:
            counts[batch_id][outcome] = n
        statuses = s.execute(
            select(BatchItemRow.batch_id, RecordRow.status, RecordRow.needs_review, func.count())
            .join(RecordRow, RecordRow.id == BatchItemRow.document_id)
            .where(BatchItemRow.batch_id.in_(batch_ids))
            .group_by(BatchItemRow.batch_id, RecordRow.status, RecordRow.needs_review)
        )
        for batch_id, status, review, n in statuses:
            key = "review" if review and status == "ready" else status
            counts[batch_id][key] = counts[batch_id].get(key, 0) + n
        return counts

    def get(self, batch_id: int) -> Batch | None:
        with self._s.read() as s:
            row = s.get(BatchRow, batch_id)
            if row is None:
                return None
            return _batch(row, self._counts(s, [batch_id])[batch_id])

    def list(self, limit: int = 100, offset: int = 0) -> builtins.list[Batch]:
        """Newest first; ``offset`` is skipped on the primary key alone (db/seek.py)."""
        newest = BatchRow.id.desc()
        with self._s.read() as s:
            query = select(BatchRow).order_by(newest).limit(limit)
            if offset:
                found = seek(s, select(BatchRow.id).order_by(newest), offset)
                if found is None:
                    return []
                query = query.where(BatchRow.id < found[0])
            rows = list(s.scalars(query))
            counts = self._counts(s, [r.id for r in rows]) if rows else {}
            return [_batch(r, counts[r.id]) for r in rows]

    def items(self, batch_id: int) -> builtins.list[BatchItem]:
        with self._s.read() as s:
            rows = s.execute(
                select(BatchItemRow, RecordRow.status, RecordRow.pages_done,
                       RecordRow.page_count, RecordRow.needs_review)
                .outerjoin(RecordRow, RecordRow.id == BatchItemRow.document_id)
                .where(BatchItemRow.batch_id == batch_id)
                .order_by(BatchItemRow.id)
            )  # fmt: skip
            return [
                BatchItem(
                    item.name,
                    item.outcome,
                    item.message,
                    item.document_id,
                    status or "",
                    done or 0,
                    total or 0,
                    bool(review),
                )  # fmt: skip
                for item, status, done, total, review in rows
            ]


def _batch(row: BatchRow, counts: dict) -> Batch:
    return Batch(row.id, row.label, row.source, json.loads(row.metadata_json or "{}"),
                 row.created_by, row.created_at, counts)  # fmt: skip
