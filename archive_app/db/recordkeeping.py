"""Retention schedule versions, legal holds and disposition lists."""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as lite_insert

from archive_app.db.audit import append_in
from archive_app.db.models import (
    DispositionItemRow,
    DispositionListRow,
    HoldRecordRow,
    HoldRow,
    ScheduleRow,
)
from archive_app.db.session import Sessions, changed
from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow
from archive_app.domain.disposition import Action, ItemState, ListStatus
from archive_app.domain.entities import DispositionList, Hold, ScheduleVersion
from archive_app.domain.iteration import batched


class SqlScheduleRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    @staticmethod
    def _entity(row: ScheduleRow) -> ScheduleVersion:
        return ScheduleVersion(
            row.version, json.loads(row.body), row.comment, row.created_at, row.created_by
        )

    def current(self) -> ScheduleVersion | None:
        with self._s.read() as s:
            row = s.scalar(select(ScheduleRow).order_by(ScheduleRow.version.desc()).limit(1))
            return self._entity(row) if row else None

    def history(self, limit: int = 50) -> builtins.list[ScheduleVersion]:
        with self._s.read() as s:
            rows = s.scalars(select(ScheduleRow).order_by(ScheduleRow.version.desc()).limit(limit))
            return [self._entity(r) for r in rows]

    def save(self, rows: builtins.list[dict], comment: str, actor: str) -> ScheduleVersion:
        """A new version on top of the newest; versions are never edited or removed."""
        with self._s.write() as s:
            last = s.scalar(select(func.max(ScheduleRow.version))) or 0
            row = ScheduleRow(
                version=last + 1, body=json.dumps(rows, ensure_ascii=False), comment=comment,
                created_at=utcnow(), created_by=actor,
            )  # fmt: skip
            s.add(row)
            s.flush()
            return self._entity(row)


def _hold(row: HoldRow) -> Hold:
    return Hold(
        id=row.id, reason=row.reason, case_ref=row.case_ref,
        query=json.loads(row.query) if row.query else None, created_at=row.created_at,
        created_by=row.created_by, released_at=row.released_at, released_by=row.released_by,
        release_reason=row.release_reason, records=row.record_count,
    )  # fmt: skip


class SqlHoldRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def place(
        self, reason: str, case_ref: str, query: dict | None, record_ids: Iterable[str], actor: str
    ) -> int:
        """The hold and its records in one transaction: placed whole or not at all.

        ``record_ids`` may be any iterable (a hold on a search streams the index's matches):
        it is read 5,000 at a time and duplicates are ignored by the database, so memory
        holds one chunk whatever the number of records."""
        now = utcnow()
        with self._s.write() as s:
            row = HoldRow(
                reason=reason, case_ref=case_ref, query=json.dumps(query) if query else "",
                created_at=now, created_by=actor, record_count=0,
            )  # fmt: skip
            s.add(row)
            s.flush()
            for chunk in batched(record_ids, 5000):
                _insert_new(s, row.id, chunk, now)
            row.record_count = s.scalar(
                select(func.count()).where(HoldRecordRow.hold_id == row.id)
            ) or 0  # fmt: skip
            return row.id

    def import_hold(
        self, hold: Hold, entry: Callable[[int], AuditEntry] | None = None
    ) -> tuple[int, bool, bool]:
        """A hold copied from another archive as it was (who placed it and when, its query,
        its release), without its records; (its id here, whether it is new, whether it was
        in force here and is released now). A hold copied before (the same placing, case and
        reason) is found again, and takes a release made since at the source. A new hold's
        audit entry (``entry`` of its id here) is committed with it: a hold never arrives
        unrecorded."""
        with self._s.write() as s:
            row = s.scalars(
                select(HoldRow).where(
                    HoldRow.created_at == hold.created_at, HoldRow.created_by == hold.created_by,
                    HoldRow.case_ref == hold.case_ref, HoldRow.reason == hold.reason,
                ).order_by(HoldRow.id)
            ).first()  # fmt: skip
            new, ended = row is None, False
            if row is None:
                row = HoldRow(
                    reason=hold.reason, case_ref=hold.case_ref,
                    query=json.dumps(hold.query) if hold.query else "",
                    created_at=hold.created_at, created_by=hold.created_by, record_count=0,
                )  # fmt: skip
                s.add(row)
            if hold.released_at is not None and row.released_at is None:
                row.released_at, row.released_by = hold.released_at, hold.released_by
                row.release_reason = hold.release_reason
                ended = not new
            s.flush()
            if new and entry is not None:
                append_in(s, [entry(row.id)])
            return row.id, new, ended

    def add_records(self, hold_id: int, record_ids: Iterable[str]) -> int:
        """Add records to a hold (idempotent); returns how many were new."""
        now = utcnow()
        wanted = sorted(set(record_ids))
        with self._s.write() as s:
            have: set[str] = set()
            for start in range(0, len(wanted), 500):
                have.update(
                    s.scalars(
                        select(HoldRecordRow.document_id).where(
                            HoldRecordRow.hold_id == hold_id,
                            HoldRecordRow.document_id.in_(wanted[start : start + 500]),
                        )
                    )
                )
            new = [i for i in wanted if i not in have]
            _insert_records(s, hold_id, new, now)
            if new:
                s.execute(
                    update(HoldRow)
                    .where(HoldRow.id == hold_id)
                    .values(record_count=HoldRow.record_count + len(new))
                )
        return len(new)

    def release(self, hold_id: int, reason: str, actor: str) -> bool:
        with self._s.write() as s:
            result = s.execute(
                update(HoldRow)
                .where(HoldRow.id == hold_id, HoldRow.released_at.is_(None))
                .values(released_at=utcnow(), released_by=actor, release_reason=reason)
            )
            return changed(result) == 1

    def get(self, hold_id: int) -> Hold | None:
        with self._s.read() as s:
            row = s.get(HoldRow, hold_id)
            return _hold(row) if row is not None else None

    def list(self, *, active: bool | None = None) -> builtins.list[Hold]:
        query = select(HoldRow)
        if active is True:
            query = query.where(HoldRow.released_at.is_(None))
        elif active is False:
            query = query.where(HoldRow.released_at.is_not(None))
        with self._s.read() as s:
            return [_hold(r) for r in s.scalars(query.order_by(HoldRow.id.desc()))]

    def for_record(self, record_id: str) -> builtins.list[Hold]:
        """Active holds on a record."""
        with self._s.read() as s:
            rows = s.scalars(
                select(HoldRow)
                .join(HoldRecordRow, HoldRecordRow.hold_id == HoldRow.id)
                .where(HoldRecordRow.document_id == record_id, HoldRow.released_at.is_(None))
                .order_by(HoldRow.id)
            )
            return [_hold(r) for r in rows]

    def held(self, record_ids: Iterable[str]) -> set[str]:
        """Which of these records are under at least one active hold."""
        ids = list(record_ids)
        held: set[str] = set()
        with self._s.read() as s:
            for start in range(0, len(ids), 500):
                held.update(
                    s.scalars(
                        select(HoldRecordRow.document_id)
                        .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
                        .where(
                            HoldRecordRow.document_id.in_(ids[start : start + 500]),
                            HoldRow.released_at.is_(None),
                        )
                    )
                )
        return held

    def document_ids(
        self, hold_id: int, limit: int | None = None, after: str = ""
    ) -> builtins.list[str]:
        """In id order; ``limit`` and ``after`` (the last id seen) give it page by page."""
        query = (
            select(HoldRecordRow.document_id)
            .where(HoldRecordRow.hold_id == hold_id, HoldRecordRow.document_id > after)
            .order_by(HoldRecordRow.document_id)
        )
        with self._s.read() as s:
            return list(s.scalars(query.limit(limit) if limit is not None else query))


def _insert_new(s, hold_id: int, ids: Iterable[str], now) -> None:
    """Rows for the ids not in the hold yet, in one statement."""
    insert_ = pg_insert if s.get_bind().dialect.name == "postgresql" else lite_insert
    rows = [{"hold_id": hold_id, "document_id": d, "added_at": now} for d in dict.fromkeys(ids)]
    s.execute(insert_(HoldRecordRow).on_conflict_do_nothing(), rows)


def _insert_records(s, hold_id: int, ids: builtins.list[str], now) -> None:
    """Rows in one statement per 5,000 (a hold on a search may name 100,000 records)."""
    for start in range(0, len(ids), 5000):
        rows = [
            {"hold_id": hold_id, "document_id": d, "added_at": now}
            for d in ids[start : start + 5000]
        ]
        s.execute(insert(HoldRecordRow), rows)


def _list(row: DispositionListRow, items: int = 0) -> DispositionList:
    return DispositionList(
        id=row.id, action=Action(row.action), status=ListStatus(row.status), comment=row.comment,
        proposed_by=row.proposed_by, proposed_at=row.proposed_at, decided_by=row.decided_by,
        decided_at=row.decided_at, decision_comment=row.decision_comment,
        executed_by=row.executed_by, executed_at=row.executed_at, report_key=row.report_key,
        report_sha256=row.report_sha256, packages=json.loads(row.packages or "[]"), items=items,
    )  # fmt: skip


# How far a list has gone: a copy only ever moves it forward (approved and rejected are the
# same stage, two different decisions).
STAGE = {ListStatus.PROPOSED: 0, ListStatus.APPROVED: 1, ListStatus.REJECTED: 1,
         ListStatus.EXECUTING: 2, ListStatus.EXECUTED: 3}  # fmt: skip


# (here, there) of an item that a copy moves forward
FORWARD = {(ItemState.PENDING, ItemState.DONE), (ItemState.PENDING, ItemState.SKIPPED),
           (ItemState.SKIPPED, ItemState.DONE)}  # fmt: skip


class SqlDispositionRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def propose(self, action: str, record_ids: builtins.list[str], comment: str, actor: str) -> int:
        with self._s.write() as s:
            row = DispositionListRow(
                action=action, status=ListStatus.PROPOSED, comment=comment, proposed_by=actor,
                proposed_at=utcnow(),
            )  # fmt: skip
            s.add(row)
            s.flush()
            s.add_all(DispositionItemRow(list_id=row.id, document_id=d) for d in record_ids)
            return row.id

    def get(self, list_id: int) -> DispositionList | None:
        with self._s.read() as s:
            row = s.get(DispositionListRow, list_id)
            if row is None:
                return None
            n = s.scalar(
                select(func.count())
                .select_from(DispositionItemRow)
                .where(DispositionItemRow.list_id == list_id)
            )
            return _list(row, n or 0)

    def lists(self, status: str | None = None) -> builtins.list[DispositionList]:
        counts = (
            select(DispositionItemRow.list_id, func.count().label("n"))
            .group_by(DispositionItemRow.list_id)
            .subquery()
        )
        query = select(DispositionListRow, counts.c.n).outerjoin(
            counts, counts.c.list_id == DispositionListRow.id
        )
        if status:
            query = query.where(DispositionListRow.status == status)
        with self._s.read() as s:
            rows = s.execute(query.order_by(DispositionListRow.id.desc()))
            return [_list(r, n or 0) for r, n in rows]

    def items(self, list_id: int, state: str | None = None) -> builtins.list[tuple[str, str, str]]:
        """(record id, state, note) of the list's items, in record id order."""
        query = select(DispositionItemRow).where(DispositionItemRow.list_id == list_id)
        if state:
            query = query.where(DispositionItemRow.state == state)
        with self._s.read() as s:
            rows = s.scalars(query.order_by(DispositionItemRow.document_id))
            return [(r.document_id, r.state, r.note) for r in rows]

    def item_rows(
        self, list_id: int, after: str = "", limit: int = 1000
    ) -> builtins.list[tuple[str, str, str, datetime | None]]:
        """(record id, state, note, done when) of the list's items after ``after``, in record
        id order: a list read a page at a time (a list may name 100,000 records)."""
        query = (
            select(DispositionItemRow.document_id, DispositionItemRow.state,
                   DispositionItemRow.note, DispositionItemRow.done_at)
            .where(DispositionItemRow.list_id == list_id, DispositionItemRow.document_id > after)
            .order_by(DispositionItemRow.document_id)
            .limit(limit)
        )  # fmt: skip
        with self._s.read() as s:
            return [(r[0], r[1], r[2], r[3]) for r in s.execute(query)]

    def import_list(
        self, copied: DispositionList, entry: Callable[[int], AuditEntry] | None = None
    ) -> tuple[int, bool]:
        """A list copied from another archive, without its items or report; (its id here,
        whether it is new). A list copied before (the same proposal: who, when, what, why)
        is found again and only ever moves forward: it takes a decision or an execution
        made there since, never goes back to one it has passed here (a list carried out
        here after the copy stays carried out). ``ValueError`` when the two archives
        decided it differently. A new list's audit entry (``entry`` of its id here) is
        committed with it."""
        values = dict(
            status=copied.status, decided_by=copied.decided_by, decided_at=copied.decided_at,
            decision_comment=copied.decision_comment, executed_by=copied.executed_by,
            executed_at=copied.executed_at, packages=json.dumps(copied.packages),
        )  # fmt: skip
        with self._s.write() as s:
            row = s.scalars(
                select(DispositionListRow).where(
                    DispositionListRow.proposed_at == copied.proposed_at,
                    DispositionListRow.proposed_by == copied.proposed_by,
                    DispositionListRow.action == copied.action,
                    DispositionListRow.comment == copied.comment,
                ).order_by(DispositionListRow.id)
            ).first()  # fmt: skip
            new = row is None
            if row is None:
                row = DispositionListRow(
                    action=copied.action, comment=copied.comment,
                    proposed_by=copied.proposed_by, proposed_at=copied.proposed_at, **values,
                )  # fmt: skip
                s.add(row)
            else:
                here = ListStatus(row.status)
                ours, theirs = STAGE[here], STAGE[copied.status]
                rejected = ListStatus.REJECTED in (here, copied.status)
                if ours and theirs and rejected and here != copied.status:
                    raise ValueError(
                        f"disposition list {row.id} was {row.status} here and "
                        f"{copied.status} at the source"
                    )
                if theirs > ours and here is ListStatus.EXECUTING:
                    raise ValueError(
                        f"disposition list {row.id} is being carried out here (or its run was "
                        "cut short): finish it here first"
                    )
                if theirs > ours:
                    for name, value in values.items():
                        setattr(row, name, value)
            s.flush()
            if new and entry is not None:
                append_in(s, [entry(row.id)])
            return row.id, new

    def import_items(
        self, list_id: int, items: builtins.list[tuple[str, str, str, datetime | None]]
    ) -> None:
        """Items copied from another archive's list (state, note, when done): added, or
        moved forward: from pending, or from skipped to done (the record was destroyed or
        handed over there since, and the transfer follows it here); one done here stays as it
        is. Their records must be here."""
        with self._s.write() as s:
            have: dict[str, str] = {}
            for chunk in batched([i[0] for i in items], 500):
                rows = s.execute(
                    select(DispositionItemRow.document_id, DispositionItemRow.state).where(
                        DispositionItemRow.list_id == list_id,
                        DispositionItemRow.document_id.in_(chunk),
                    )
                )
                have.update((r[0], r[1]) for r in rows)
            added = [
                {"list_id": list_id, "document_id": i, "state": st, "note": note, "done_at": at}
                for i, st, note, at in items
                if i not in have
            ]
            moved = [
                {"l": list_id, "d": i, "st": st, "nt": note, "at": at}
                for i, st, note, at in items
                if (have.get(i), st) in FORWARD
            ]
            if added:
                s.execute(insert(DispositionItemRow), added)
            if moved:
                table = cast(Table, DispositionItemRow.__table__)
                s.execute(
                    update(table)
                    .where(table.c.list_id == bindparam("l"), table.c.document_id == bindparam("d"))
                    .values(state=bindparam("st"), note=bindparam("nt"), done_at=bindparam("at")),
                    moved,
                )  # fmt: skip

    def lists_for_record(self, record_id: str) -> builtins.list[tuple[int, str, str]]:
        """(list id, list status, item state) for every list that names the record."""
        with self._s.read() as s:
            rows = s.execute(
                select(DispositionListRow.id, DispositionListRow.status, DispositionItemRow.state)
                .join(DispositionItemRow, DispositionItemRow.list_id == DispositionListRow.id)
                .where(DispositionItemRow.document_id == record_id)
            )
            return [(r[0], r[1], r[2]) for r in rows]

    def transition(
        self, list_id: int, expected: ListStatus, new: ListStatus, **values: object
    ) -> bool:
        """Move the list from ``expected`` to ``new`` status; False if someone moved it first."""
        with self._s.write() as s:
            result = s.execute(
                update(DispositionListRow)
                .where(DispositionListRow.id == list_id, DispositionListRow.status == expected)
                .values(status=new, **values)
            )
            return changed(result) == 1

    def mark_item(self, list_id: int, record_id: str, state: ItemState, note: str = "") -> None:
        with self._s.write() as s:
            s.execute(
                update(DispositionItemRow)
                .where(
                    DispositionItemRow.list_id == list_id,
                    DispositionItemRow.document_id == record_id,
                )
                .values(state=state, note=note, done_at=utcnow())
            )

    def set_outputs(
        self,
        list_id: int,
        *,
        report_key: str = "",
        report_sha256: str = "",
        packages: builtins.list[Any] | None = None,
    ) -> None:
        values: dict[str, Any] = {}
        if report_key:
            values.update(report_key=report_key, report_sha256=report_sha256)
        if packages is not None:
            values["packages"] = json.dumps(packages)
        with self._s.write() as s:
            s.execute(
                update(DispositionListRow).where(DispositionListRow.id == list_id).values(**values)
            )
