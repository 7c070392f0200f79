"""What processing read from a record's pages, and the human review of it.

Kept apart from the record rows' life cycle (``documents``): the review queue, the
confirmation that takes a record out of it, and the vote counts for the region export.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, tuple_, update

from archive_app.db import counts, tally_rows
from archive_app.db.models import (
    DispositionItemRow,
    DispositionListRow,
    HoldRecordRow,
    HoldRow,
    RecordRow,
    TallyLinesRow,
)
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.record_rows import (
    LIGHT,
    READING_COLUMNS,
    flags_from,
    metadata_columns,
    owed_steps,
    record_entity,
)
from archive_app.db.seek import seek
from archive_app.db.session import Sessions, changed
from archive_app.domain import tally_lines
from archive_app.domain.clock import utcnow
from archive_app.domain.disposition import OPEN
from archive_app.domain.entities import Record, TallyOf
from archive_app.domain.iteration import batched
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.records import IndexState, Status
from vocabulary.text import squash

TALLY_PLACE = ("election", "form_type", "year", "province", "regency", "district", "village",
               "tps")  # fmt: skip


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


def _waiting():
    return (RecordRow.needs_review.is_(True), RecordRow.status == Status.READY.value)


def reviewable():
    """Waiting, and not frozen: each not-frozen test is one index lookup per row read, and
    the queue stops at its page, so it costs the same whatever the size of the holds."""
    held = (
        select(HoldRecordRow.document_id)
        .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
        .where(HoldRecordRow.document_id == RecordRow.id, HoldRow.released_at.is_(None))
    )
    listed = (
        select(DispositionItemRow.document_id)
        .join(DispositionListRow, DispositionListRow.id == DispositionItemRow.list_id)
        .where(
            DispositionItemRow.document_id == RecordRow.id,
            DispositionListRow.status.in_([status.value for status in OPEN]),
        )
    )
    return (*_waiting(), ~held.exists(), ~listed.exists())


class SqlReadingsRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep | None = None):
        self._s = sessions
        self._upkeep = upkeep or RecapUpkeep()

    def get(self, record_id: str) -> dict:
        """What processing read: {"given", "extracted", "review", "reasons", "tally"}."""
        return self.many([record_id]).get(record_id, {})

    def many(self, record_ids: Iterable[str]) -> dict[str, dict]:
        """``get`` for many records in one query (a page of the review queue)."""
        ids = list(record_ids)
        columns = (RecordRow.id, RecordRow.uploader_metadata, RecordRow.extracted,
                   RecordRow.needs_review, RecordRow.review_reasons, RecordRow.tally)  # fmt: skip
        found = {}
        with self._s.read() as s:
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                for row in s.execute(select(*columns).where(RecordRow.id.in_(chunk))):
                    found[row.id] = {
                        "given": json.loads(row.uploader_metadata or "{}"),
                        "extracted": json.loads(row.extracted or "{}"),
                        "review": row.needs_review,
                        "reasons": json.loads(row.review_reasons or "[]"),
                        "tally": json.loads(row.tally) if row.tally else None,
                    }
        return found

    def as_stored(self, record_ids: Iterable[str]) -> dict[str, dict]:
        """What processing read and review decided, as the columns hold it (READING_COLUMNS),
        for records copied to another archive as they are."""
        columns = [RecordRow.id, *(getattr(RecordRow, name) for name in READING_COLUMNS)]
        found = {}
        with self._s.read() as s:
            for chunk in batched(record_ids, 500):
                for row in s.execute(select(*columns).where(RecordRow.id.in_(chunk))):
                    found[row[0]] = dict(zip(READING_COLUMNS, row[1:], strict=True))
        return found

    def queue(
        self, limit: int = 100, offset: int = 0, after: tuple[datetime, str] | None = None
    ) -> list[Record]:
        """Records waiting for review that can be corrected now: not frozen by a legal hold
        or an open disposition list (they wait until the hold or the list ends). Oldest
        first; ``after`` (created_at, id of the last one shown) continues the queue, and
        ``offset`` is turned into such a position (db/seek.py), skipped on
        ix_documents_review_queue's keys rather than over whole records."""
        key = (RecordRow.created_at, RecordRow.id)
        where = reviewable()
        with self._s.read() as s:
            if after is not None:
                where = (*where, tuple_(*key) > tuple_(*after))
            if offset:
                after = seek(s, select(*key).where(*where).order_by(*key), offset)
                if after is None:
                    return []
                where = (*where, tuple_(*key) > tuple_(*after))
            query = select(RecordRow).where(*where).order_by(*key).limit(limit)
            return [record_entity(r) for r in s.scalars(query.options(*LIGHT))]

    def queue_count(self) -> int:
        """The kept count of records waiting for review, less those frozen now (counted
        from the frozen side: a hold or a list names far fewer records than the archive)."""
        with self._s.read() as s:
            waiting = counts.total(s, "review")
            if not waiting:
                return 0
            frozen = (
                select(func.count())
                .select_from(RecordRow)
                .where(RecordRow.id.in_(frozen_ids()), *_waiting())
            )
            return waiting - (s.scalar(frozen) or 0)

    def confirm(
        self,
        record_id: str,
        metadata: RecordMetadata,
        after_ready: Sequence[str] = (),
        *,
        unchanged_since: datetime | None = None,
        waiting: bool = False,
    ) -> bool:
        """A person confirmed (or corrected) the metadata: it leaves the review queue.

        Only if the row is as the person saw it (``unchanged_since``: its ``updated_at``
        then; ``waiting``: still in the review queue), checked in the write itself: the same
        form sent twice at once was confirmed twice, and a hold placed between the check
        and the write did not stop it (placing one stamps the row). False if not written.
        """
        where = [RecordRow.id == record_id]
        if unchanged_since is not None:
            where.append(RecordRow.updated_at == unchanged_since)
        if waiting:
            where.append(RecordRow.needs_review.is_(True))
        with self._s.write() as s:
            written = s.execute(
                update(RecordRow)
                .where(*where)
                .values(
                    **metadata_columns(metadata),
                    needs_review=False,
                    review_reasons="[]",
                    index_state=IndexState.PENDING.value,
                    updated_at=utcnow(),
                    after_ready=owed_steps(after_ready),
                )  # fmt: skip
            )
            if not changed(written):
                return False
            self._upkeep.record_changed(s, record_id)  # it may now belong to another TPS
        return True

    def iter_tallies(self, filters: dict, batch_size: int = 500) -> Iterator[TallyOf]:
        """Records with vote counts matching exact filters, in id order, a keyset batch at a
        time; only the columns the export writes are read, and the counts only of records
        whose lines are not kept in this layout."""
        fresh = TallyLinesRow.version == tally_lines.VERSION
        columns = (RecordRow.id, *(getattr(RecordRow, name) for name in TALLY_PLACE),
                   RecordRow.tally_consistent, RecordRow.tally_low_confidence,
                   RecordRow.needs_review, case((fresh, TallyLinesRow.lines)),
                   case((fresh, None), else_=RecordRow.tally))  # fmt: skip
        query = (
            select(*columns)
            .outerjoin(TallyLinesRow, TallyLinesRow.document_id == RecordRow.id)
            .where(RecordRow.tally != "")
        )
        for name, value in filters.items():
            column = getattr(RecordRow, name)
            query = query.where(
                func.lower(column) == squash(value) if isinstance(value, str) else column == value
            )
        batch = query.where(RecordRow.id > bindparam("last")).order_by(RecordRow.id)
        batch = batch.limit(batch_size)
        last = ""
        while True:
            with self._s.read() as s:  # plain rows: the ORM's result handling was 2-14 %
                rows = s.connection().execute(batch, {"last": last}).all()
            if not rows:
                return
            last = rows[-1][0]
            places = len(TALLY_PLACE) + 1
            for row in rows:
                consistent, low, review, kept, tally = row[places:]
                flags = tuple(flags_from(consistent, low, review))
                place = tuple(row[1:places])
                if kept is not None:
                    yield TallyOf(row[0], place, flags, {}, kept)
                else:
                    yield TallyOf(row[0], place, flags, json.loads(tally))

    def keep_tally_lines(self, batch_size: int = 500) -> Iterator[tuple[int, int]]:
        """Write the kept lines of records with counts but none in this layout (stored
        before there were any); yields each batch's (records read, lines kept)."""
        return tally_rows.keep_missing(self._s, batch_size)
