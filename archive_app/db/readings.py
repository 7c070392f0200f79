"""What processing read from a record's pages, and the human review of it.

Kept apart from the record rows' life cycle (``documents``): the review queue, the
confirmation that takes a record out of it, and the vote counts for the region export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import func, select, update

from archive_app.db.models import (
    DispositionItemRow,
    DispositionListRow,
    HoldRecordRow,
    HoldRow,
    RecordRow,
)
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.record_rows import metadata_columns, record_entity
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.disposition import OPEN
from archive_app.domain.entities import Record
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.records import IndexState, Status
from vocabulary.text import squash


def frozen_ids():
    """Ids of records a legal hold or an open disposition list freezes (a subquery)."""
    held = (
        select(HoldRecordRow.document_id)
        .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
        .where(HoldRow.released_at.is_(None))
    )
    listed = (
        select(DispositionItemRow.document_id)
        .join(DispositionListRow, DispositionListRow.id == DispositionItemRow.list_id)
        .where(DispositionListRow.status.in_([status.value for status in OPEN]))
    )
    return held.union(listed)


_REVIEWABLE = (
    RecordRow.needs_review.is_(True),
    RecordRow.status == Status.READY.value,
    RecordRow.id.not_in(frozen_ids()),
)


class SqlReadingsRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep | None = None):
        self._s = sessions
        self._upkeep = upkeep or RecapUpkeep()

    def get(self, record_id: str) -> dict:
        """What processing read: {"given", "extracted", "review", "reasons", "tally"}."""
        with self._s.read() as s:
            row = s.get(RecordRow, record_id)
            if row is None:
                return {}
            return {
                "given": json.loads(row.uploader_metadata or "{}"),
                "extracted": json.loads(row.extracted or "{}"),
                "review": row.needs_review,
                "reasons": json.loads(row.review_reasons or "[]"),
                "tally": json.loads(row.tally) if row.tally else None,
            }

    def queue(self, limit: int = 100, offset: int = 0) -> list[Record]:
        """Records waiting for review that can be corrected now: not frozen by a legal hold
        or an open disposition list (they wait until the hold or the list ends)."""
        with self._s.read() as s:
            rows = s.scalars(
                select(RecordRow)
                .where(*_REVIEWABLE)
                .order_by(RecordRow.created_at)
                .limit(limit)
                .offset(offset)
            )
            return [record_entity(r) for r in rows]

    def queue_count(self) -> int:
        with self._s.read() as s:
            query = select(func.count()).select_from(RecordRow).where(*_REVIEWABLE)
            return s.scalar(query) or 0

    def confirm(self, record_id: str, metadata: RecordMetadata) -> None:
        """A person confirmed (or corrected) the metadata: it leaves the review queue."""
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(
                    **metadata_columns(metadata),
                    needs_review=False,
                    review_reasons="[]",
                    index_state=IndexState.PENDING.value,
                    updated_at=utcnow(),
                )  # fmt: skip
            )
            self._upkeep.record_changed(s, record_id)  # it may now belong to another TPS

    def iter_tallies(self, filters: dict, batch_size: int = 500) -> Iterator[tuple[Record, dict]]:
        """(Document, tally data) of records with vote counts, matching exact filters."""
        query = select(RecordRow).where(RecordRow.tally != "")
        for name, value in filters.items():
            column = getattr(RecordRow, name)
            query = query.where(
                func.lower(column) == squash(value) if isinstance(value, str) else column == value
            )
        last = ""
        while True:
            with self._s.read() as s:
                rows = list(
                    s.scalars(
                        query.where(RecordRow.id > last).order_by(RecordRow.id).limit(batch_size)
                    )  # fmt: skip
                )
            if not rows:
                return
            last = rows[-1].id
            for row in rows:
                yield record_entity(row), json.loads(row.tally)
