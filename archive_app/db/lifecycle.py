"""A record's life after ingest: cached retention state, tombstones, fixity bookkeeping."""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from sqlalchemy import bindparam, delete, func, or_, select, text, tuple_, union_all, update

from archive_app.db import counts
from archive_app.db.audit import append_in
from archive_app.db.models import (
    HoldRecordRow,
    HoldRow,
    IndexQueueRow,
    PageRow,
    RecordRow,
    RetentionRow,
    StoredFileRow,
)
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.seek import seek
from archive_app.db.session import Sessions, changed, sqlite_stamp
from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import StoredFile
from archive_app.domain.records import IndexState, Status
from archive_app.domain.retention import RetentionInput, RetentionUpdate, State
from vocabulary.text import squash

GROUPS = {"election": "election", "province": "province", "regency": "regency"}
INPUT_COLUMNS = (
    RecordRow.id, RecordRow.form_type, RecordRow.election, RecordRow.year,
    RecordRow.record_date, RecordRow.final_state, RetentionRow.state, RetentionRow.series,
    RetentionRow.action, RetentionRow.changes_at, RetentionRow.due_at,
)  # fmt: skip
RETAINED = RetentionRow.document_id == RecordRow.id  # a record joined with its retention row
# The list's filters its retention row carries, lowercased (migration 0023)
CARRIED = {
    "election": RetentionRow.election_lower, "form_type": RetentionRow.form_type_lower,
    "province": RetentionRow.province_lower,
}  # fmt: skip
FEW = ("regency", "district", "village")  # filters on documents whose records are few
CARRY_BATCH = 50_000  # retention rows a statement of ``carry_filters`` reads
SAVE_CHUNK = 5000  # records a statement writes (their values bound as arrays, or executemany)


class SqlLifecycleRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep | None = None):
        self._s = sessions
        self._upkeep = upkeep or RecapUpkeep()

    # -- retention cache ----------------------------------------------------------------
    def retention_inputs(
        self, batch_size: int, *, ids: Iterable[str] | None = None, changes_by: date | None = None
    ) -> Iterator[list[RetentionInput]]:
        """Records to (re)compute, in id order: all, these ids, or those whose state is due
        to change by ``changes_by``.

        Only the columns retention needs are read. The records due to change are found
        through the index on the change date, so a night with a few changes reads a few
        rows, whatever the size of the archive; given ids are read in chunks of 500.
        """
        if changes_by is not None:
            with self._s.read() as s:
                due = s.scalars(
                    select(RetentionRow.document_id).where(RetentionRow.changes_at <= changes_by)
                )
                ids = sorted(set(due) & set(ids) if ids is not None else due)
        if ids is not None:
            chosen = sorted(set(ids))
            for start in range(0, len(chosen), batch_size):
                chunk = chosen[start : start + batch_size]
                found = self._inputs(RecordRow.id.in_(chunk), len(chunk))
                if found:
                    yield found
            return
        last = ""
        # on both tables: PostgreSQL does not carry a range across the join, and its merge
        # join read every retention row before ``last`` again for each batch
        while found := self._inputs(
            (RecordRow.id > last) & (RetentionRow.document_id > last), batch_size
        ):
            last = found[-1].id
            yield found

    def _inputs(self, where, limit: int) -> list[RetentionInput]:
        held = (
            select(HoldRecordRow.document_id)
            .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
            .where(HoldRecordRow.document_id == RecordRow.id, HoldRow.released_at.is_(None))
            .exists()
        )
        query = (
            select(*INPUT_COLUMNS, held)
            .join(RetentionRow, RETAINED)
            .where(RecordRow.status != Status.UPLOADING.value, where)
            .order_by(RecordRow.id)
            .limit(limit)
        )
        with self._s.read() as s:
            rows = s.execute(query).all()
        return [
            RetentionInput(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[11]), tuple(r[6:11]))
            for r in rows
        ]

    def retention_groups(self) -> list[tuple[RetentionInput, int]]:
        """Every distinct combination retention is computed from, with its cached result and
        how many records share both (the ``id`` of each input is empty): what a schedule
        change would do to the whole archive, and whether a full refresh has anything to
        write, in one grouped query rather than a walk over every record."""
        held = (
            select(HoldRecordRow.document_id)
            .join(HoldRow, HoldRow.id == HoldRecordRow.hold_id)
            .where(HoldRow.released_at.is_(None))
        )
        is_held = RecordRow.id.in_(held)
        columns = (
            RecordRow.form_type, RecordRow.election, RecordRow.year, RecordRow.record_date,
            RecordRow.final_state, is_held, *INPUT_COLUMNS[6:],
        )  # fmt: skip
        query = (
            select(*columns, func.count())
            .join(RetentionRow, RETAINED)
            .where(RecordRow.status != Status.UPLOADING.value)
            .group_by(*columns)
        )
        with self._s.read() as s:
            return [
                (RetentionInput("", f, e, y, d, final, bool(h), tuple(cached)), n)
                for f, e, y, d, final, h, *cached, n in s.execute(query).all()
            ]

    def save_retention(self, updates: list[RetentionUpdate]) -> None:
        """Store new states, ``SAVE_CHUNK`` records a statement (``_write_states``), in id
        order; the records are queued for the search index.

        Few statements, because on PostgreSQL each one fires the statement trigger that
        keeps ``record_counts``: one UPDATE per distinct new state (a state includes its
        dates, so a batch holds hundreds) made a full refresh 533 statements and 533
        queue inserts for 136,231 records, most of its time. Only the narrow
        ``record_retention`` row and the index queue are written, never ``documents``
        (migration 0014)."""
        if not updates:
            return
        now = utcnow()
        # one update a record, what writing them one after the other leaves: the last, or
        # the first final state (never written over); one statement would pick any
        # (PostgreSQL's UPDATE ... FROM writes a row once)
        ends: dict[str, RetentionUpdate] = {}
        for update_ in updates:
            if (end := ends.get(update_.id)) is None or end.state not in FINAL_STATES:
                ends[update_.id] = update_
        ordered = sorted(ends.values(), key=lambda u: u.id)  # one lock order for every writer
        with self._s.write() as s:
            for start in range(0, len(ordered), SAVE_CHUNK):
                chunk = ordered[start : start + SAVE_CHUNK]
                _write_states(s, chunk, now)

    def hold_state(self, hold_id: int) -> int:
        """Mark this hold's records on hold, set-based; how many changed.

        What ``domain.retention.compute`` gives a held record (state on hold, no action, no
        change date, dates and series kept), set on every record the hold names that is
        not disposed of or transferred and not on hold already. Computing each record's
        state and writing it back one row at a time, as ``save_retention`` does, took 45 s
        for 100,000 records; a hold changes nothing else that the computation depends on.
        Changed records are queued for the search index through their row.

        The records' rows are written before their retention rows, the order of every
        other writer (a ``documents`` update that changes a counted column locks the
        retention rows in its trigger, migration 0014): the other way round, a hold and an
        edit of one of its records on PostgreSQL each waited for the other, and the
        database ended one of them."""
        # Only while the hold is in force: a release landing first must not leave its
        # records marked on hold with no hold behind them.
        active = select(HoldRow.id).where(HoldRow.id == hold_id, HoldRow.released_at.is_(None))
        named = select(HoldRecordRow.document_id).where(
            HoldRecordRow.hold_id == hold_id, HoldRecordRow.hold_id.in_(active)
        )
        # a probe of each named record's retention row: "IN (the rows not on hold)" read
        # every retention row of the archive into a list first on SQLite
        unheld = (
            select(RetentionRow.document_id)
            .where(RETAINED, RetentionRow.state != State.ON_HOLD.value)
            .exists()
        )
        with self._s.write() as s:
            conn = s.connection()
            # The record's row is stamped too: a review confirmed against the row as it was
            # before the hold must fail (readings.confirm).
            stamped = conn.execute(
                update(RecordRow)
                .where(
                    RecordRow.id.in_(named),
                    RecordRow.status != Status.UPLOADING.value,
                    RecordRow.final_state == "",
                    unheld,
                )
                .values(index_state=IndexState.PENDING.value, updated_at=utcnow())
                .returning(RecordRow.id)
            ).scalars()
            ids = sorted(stamped)
            held = 0
            for start in range(0, len(ids), SAVE_CHUNK):
                held += changed(
                    conn.execute(
                        update(RetentionRow)
                        .where(
                            RetentionRow.document_id.in_(ids[start : start + SAVE_CHUNK]),
                            RetentionRow.state != State.ON_HOLD.value,
                        )
                        .values(state=State.ON_HOLD.value, action="", changes_at=None, due_at=None)
                    )
                )
            return held

    def retention_counts(self, group: str | None = None) -> dict:
        """{state: n} or {(group value, state): n} over every visible record: the counts
        the database keeps (db/counts.py)."""
        with self._s.read() as s:
            if group is None:
                return {state: n for (_, state), n in counts.by_state(s, "retention").items()}
            return counts.by_state(s, GROUPS[group])

    def due_count(self, day: date) -> int:
        """Active and inactive records whose inactive period ends by ``day`` (kept count)."""
        with self._s.read() as s:
            return counts.due_by(s, day)

    def _retention_query(self, state, action, due_by, filters):
        # Only records past their upload have a retention row (records.complete_upload), and
        # it carries the filters a list mostly asks (migration 0023): the records themselves
        # are read only for the others (a regency, a district, a village, a year), whose
        # own indexes on ``documents`` lead to their few records.
        query = select(RetentionRow.document_id)
        asked = {n: v for n, v in (filters or {}).items() if v not in (None, "")}
        if any(n not in CARRIED or not isinstance(v, str) for n, v in asked.items()):
            query = query.join(RecordRow, RETAINED)
        if state:
            query = query.where(RetentionRow.state == state)
        if action:  # the literal term is the partial index's (0022): a planner proves it
            query = query.where(
                RetentionRow.action == action, text("record_retention.action != ''")
            )
        if due_by:
            query = query.where(
                RetentionRow.due_at <= due_by, RetentionRow.state.in_(["active", "inactive"])
            )
        for name, value in asked.items():  # an empty value is not asked (as the kept counts)
            if name in CARRIED and isinstance(value, str):
                query = query.where(CARRIED[name] == squash(value))
                continue
            column = getattr(RecordRow, name)
            query = query.where(func.lower(column) == squash(value)
                                if isinstance(value, str) else column == value)  # fmt: skip
        return query

    def retention_ids(
        self, *, state: str | None = None, action: str | None = None,
        due_by: date | None = None, filters: dict | None = None, limit: int = 1000,
        offset: int = 0, after: str | None = None,
    ) -> list[str]:  # fmt: skip
        """By the day the inactive period ends, then id; records without such a day last.

        ``after`` (the last id shown) continues the list from that record's place: the
        dated records and then the undated ones are each read in the order of an index, so
        any page is a range scan. ``offset`` is turned into such a place first
        (``_retention_seek``).

        With no state asked (nor a due action, whose index serves it, nor a place whose
        records are few), each state's part is read and the parts merged: every index in
        list order holds the state before the due day (migration 0023), an election's or a
        form type's after that value, so each part is a range in list order whichever
        states the records are in, and however late in due order they come."""
        query = self._retention_query(state, action, due_by, filters)
        due_at, ids = RetentionRow.due_at, RetentionRow.document_id
        with self._s.read() as s:
            # A state with none of the election's, province's or regency's records, as the
            # kept counts say, is not read: its walk in due order would read to its end to
            # find none (an older election has no active record: 11 s at 12M pages).
            # Trusted only while the counts' triggers count (counts.py)
            empty = _states_without(s, filters)
            if empty and not counts.triggers_counting(s):
                empty = set()
            if state in empty:
                return []
            parts = [query]
            # a regency, district or village leads to its few records through its index on
            # documents: one query sorts them (a part for each state read them six times)
            few = any((filters or {}).get(name) for name in FEW)
            if not state and not action and not few:
                states = ("active", "inactive") if due_by else [one.value for one in State]
                kept = [one for one in states if one not in empty]
                if not kept:
                    return []
                parts = [query.where(RetentionRow.state == one) for one in kept]
            if offset:
                place = _retention_seek(s, query, offset)
                if place is None:
                    return []
            else:
                place = (s.scalar(select(due_at).where(ids == after)), after) if after else None
            found: list[str] = []
            if place is None or place[0] is not None:
                dated = [part.with_only_columns(due_at, ids) for part in parts]
                dated = [part.where(due_at.is_not(None)) for part in dated]
                if place is not None:
                    dated = [part.where(tuple_(due_at, ids) > tuple_(*place)) for part in dated]
                found = list(s.scalars(_merged(dated, limit)))
            if len(found) < limit and due_by is None:
                undated = [part.where(due_at.is_(None)) for part in parts]
                if place is not None and place[0] is None:
                    undated = [part.where(ids > place[1]) for part in undated]
                found += s.scalars(_merged(undated, limit - len(found)))
        return found

    def retention_count(
        self, *, state: str | None = None, action: str | None = None,
        due_by: date | None = None, filters: dict | None = None, cap: int = 10_000,
    ) -> int:  # fmt: skip
        """How many records match, from the kept counts when they can say (a state, with at
        most one of election, province or regency); otherwise counted, up to ``cap + 1``."""
        with self._s.read() as s:
            kept = _kept_count(s, state, action, due_by, filters)
            if kept is not None:
                return kept
            query = self._retention_query(state, action, due_by, filters).limit(cap + 1)
            return s.scalar(select(func.count()).select_from(query.subquery())) or 0

    # -- final dispositions -------------------------------------------------------------
    def tombstone(
        self, record_id: str, at: datetime | None = None, entry: AuditEntry | None = None
    ) -> None:
        """Keep metadata, checksums and history; drop the content (page text) for good.

        Its search entry was deleted just before (disposition._destroy): it is marked
        indexed, and taken off the index queue, where a refresh may have put it (it turned
        due, say), or the catch-up would index it again. ``at``: when it was destroyed, if
        not now (a destruction at another archive, carried out here by a transfer; the row
        is still updated now, for what reads changes since a moment). ``entry`` is audited
        in the same transaction."""
        now = utcnow()
        with self._s.write() as s:
            s.execute(delete(PageRow).where(PageRow.document_id == record_id))
            s.execute(
                update(StoredFileRow)
                .where(StoredFileRow.document_id == record_id, StoredFileRow.destroyed_at.is_(None))
                .values(destroyed_at=at or now)
            )
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(
                    final_state="disposed",
                    final_at=at or now,
                    index_state=IndexState.INDEXED.value,
                    updated_at=now,
                )  # fmt: skip
            )
            _set_final(s, record_id, "disposed")
            # after the retention row, in the order a refresh writes the two
            s.execute(delete(IndexQueueRow).where(IndexQueueRow.document_id == record_id))
            self._upkeep.record_changed(s, record_id)  # its forms leave the sums
            if entry is not None:
                append_in(s, [entry])

    def mark_transferred(
        self, record_id: str, at: datetime | None = None, entry: AuditEntry | None = None
    ) -> None:
        now = utcnow()
        with self._s.write() as s:
            s.execute(
                update(RecordRow)
                .where(RecordRow.id == record_id)
                .values(
                    final_state="transferred",
                    final_at=at or now,
                    index_state=IndexState.PENDING.value,
                    updated_at=now,
                )  # fmt: skip
            )
            _set_final(s, record_id, "transferred")
            if entry is not None:
                append_in(s, [entry])

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
        """Stored (not destroyed) files: all, those unchecked since ``older_than``, or a
        random sample of them, in id order and bounded batches. A sample is drawn without
        reading every id (tens of millions of files): see ``_sample``."""
        query = select(StoredFileRow).where(StoredFileRow.destroyed_at.is_(None))
        if older_than is not None:
            query = query.where(
                or_(
                    StoredFileRow.last_checked_at.is_(None),
                    StoredFileRow.last_checked_at < older_than,
                )  # fmt: skip
            )
        if sample is not None:
            chosen = self._sample(query, sample)
            for start in range(0, len(chosen), batch_size):
                part = query.where(StoredFileRow.id.in_(chosen[start : start + batch_size]))
                with self._s.read() as s:
                    rows = list(s.scalars(part.order_by(StoredFileRow.id)))
                yield [_checked(r) for r in rows]
            return
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
            yield [_checked(r) for r in rows]

    def _sample(self, query, size: int) -> list[int]:
        """Ids of ``size`` files matching ``query``, uniformly at random.

        File ids are dense (an autoincrement, with few gaps), so random ids in the range are
        drawn and the matching ones kept, round after round: the cost follows the sample,
        not the table. Where few files match (most checked recently), drawing stops paying
        off and the matching ids are walked instead, keeping a reservoir of ``size``.
        """
        rng = random.Random()
        with self._s.read() as s:
            low, high = s.execute(
                select(func.min(StoredFileRow.id), func.max(StoredFileRow.id))
            ).one()
        if low is None or size <= 0:
            return []
        ids = query.with_only_columns(StoredFileRow.id)
        if 2 * size >= high - low + 1:  # a sample of most of the table: walk it
            return sorted(self._reservoir(ids, size, rng))
        chosen: set[int] = set()
        drawn = 0
        while len(chosen) < size and drawn < 8 * size + 10_000:
            wanted = 2 * (size - len(chosen)) + 100
            probe = sorted({rng.randint(low, high) for _ in range(wanted)} - chosen)
            drawn += wanted  # what was drawn, kept or not: the loop always ends
            with self._s.read() as s:
                for start in range(0, len(probe), 500):
                    part = probe[start : start + 500]
                    chosen.update(s.scalars(ids.where(StoredFileRow.id.in_(part))))
        if len(chosen) > size:
            chosen = set(rng.sample(sorted(chosen), size))
        if len(chosen) < size:  # few match: walk them all, keeping a uniform reservoir
            chosen = set(self._reservoir(ids, size, rng))
        return sorted(chosen)

    def _reservoir(self, ids, size: int, rng: random.Random) -> list[int]:
        kept: list[int] = []
        seen, last = 0, 0
        while True:
            with self._s.read() as s:
                batch = list(
                    s.scalars(ids.where(StoredFileRow.id > last).order_by(StoredFileRow.id)
                              .limit(10_000))
                )  # fmt: skip
            if not batch:
                return kept
            last = batch[-1]
            for file_id in batch:
                seen += 1
                if len(kept) < size:
                    kept.append(file_id)
                elif (slot := rng.randrange(seen)) < size:
                    kept[slot] = file_id

    def record_checks(self, results: list[tuple[str, bool]], at: datetime) -> None:
        if not results:
            return
        statement = (
            update(StoredFileRow)
            .where(StoredFileRow.key == bindparam("b_key"))
            .values(last_checked_at=at, last_check_ok=bindparam("b_ok"))
        )
        with self._s.write() as s:
            s.connection().execute(statement, [{"b_key": k, "b_ok": ok} for k, ok in results])

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


FINAL_STATES = ("disposed", "transferred")  # states a refresh never writes over (see below)
FINAL = "(" + ", ".join(f"'{state}'" for state in FINAL_STATES) + ")"
# A chunk's new states, and their records queued for the search index, in one statement
# on PostgreSQL: each statement fires the trigger that keeps record_counts, and arrays bind
# as six parameters (a VALUES list of 2,000 rows took SQLAlchemy 0.35 s to compile).
# SQLite's triggers are per row anyway: there one prepared UPDATE runs per record. Neither
# writes over a final state: a refresh that read a record before it was destroyed or
# transferred, and writes after, would give it back a state to come ("due").
_UNNEST = text(
    "WITH changed AS (UPDATE record_retention AS t SET state = v.state, series = v.series, "
    "action = v.action, changes_at = v.changes_at, due_at = v.due_at FROM "
    "unnest(CAST(:ids AS varchar[]), CAST(:states AS varchar[]), CAST(:series AS varchar[]), "
    "CAST(:actions AS varchar[]), CAST(:changes AS date[]), CAST(:dues AS date[])) AS "
    "v(id, state, series, action, changes_at, due_at) WHERE t.document_id = v.id "
    f"AND t.state NOT IN {FINAL} RETURNING t.document_id) "
    "INSERT INTO index_queue (document_id, queued_at) "
    "SELECT document_id, CAST(:at AS timestamp) FROM changed ON CONFLICT (document_id) "
    "DO UPDATE SET queued_at = excluded.queued_at"
)
# SQLite: the statement as the driver takes it, each record's values a plain tuple (dates
# as SQLAlchemy stores them, ISO text). Through SQLAlchemy's executemany each bound value of
# each record was handled in Python first: 2.6 of 12.5 s of a full refresh of 136,231
# records.
_ONE = (
    "UPDATE record_retention SET state = ?, series = ?, action = ?, changes_at = ?, "
    f"due_at = ? WHERE document_id = ? AND state NOT IN {FINAL}"
)
# ...and queued only if written: the guard above may have kept a final state
_QUEUE = (
    "INSERT INTO index_queue (document_id, queued_at) SELECT document_id, ? FROM "
    f"record_retention WHERE document_id = ? AND state NOT IN {FINAL} "
    "ON CONFLICT (document_id) DO UPDATE SET queued_at = excluded.queued_at"
)


def _write_states(s, chunk: list[RetentionUpdate], at: datetime) -> None:
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(_UNNEST, {
            "ids": [u.id for u in chunk], "states": [u.state for u in chunk],
            "series": [u.series for u in chunk], "actions": [u.action for u in chunk],
            "changes": [u.changes_at for u in chunk], "dues": [u.due_at for u in chunk],
            "at": at,
        })  # fmt: skip
        return
    moves = [(u.id, u.state) for u in chunk]  # one a record (save_retention)
    # a final state is never written over (``_ONE``), so its record is not counted
    with counts.places_counted_here(conn, moves, unless_in=FINAL):
        conn.exec_driver_sql(_ONE, [
            (u.state, u.series, u.action, _day(u.changes_at), _day(u.due_at), u.id)
            for u in chunk
        ])  # fmt: skip
    stamp = sqlite_stamp(at)
    conn.exec_driver_sql(_QUEUE, [(stamp, u.id) for u in chunk])


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _set_final(s, record_id: str, state: str) -> None:
    """The retention state a final disposition leaves: no action, no dates to come."""
    s.execute(
        update(RetentionRow)
        .where(RetentionRow.document_id == record_id)
        .values(state=state, action="", changes_at=None, due_at=None)
    )


def _checked(r: StoredFileRow) -> tuple[str, StoredFile]:
    return r.document_id, StoredFile(r.role, r.key, r.sha256, r.size, r.content_type, r.page)


def _kept_count(s, state, action, due_by, filters) -> int | None:
    """How many records match, from the kept counts (db/counts.py), when they can say: a
    state, with at most one of election, province or regency; or a due day alone. None
    otherwise."""
    filters = {k: v for k, v in (filters or {}).items() if v not in (None, "")}
    if not action and not due_by and len(filters) <= 1 and set(filters) <= set(GROUPS):
        if not filters:
            kept = counts.by_state(s, "retention")
            return sum(n for (_, st), n in kept.items() if not state or st == state)
        ((group, value),) = filters.items()
        held = _held(s, group, value)
        return sum(n for st, n in held.items() if not state or st == state)
    if due_by and not state and not action and not filters:
        return counts.due_by(s, due_by)
    return None


def carry_filters(s) -> int:
    """Copy each record's filters to its retention row where they differ: migration 0023's
    triggers keep them, a bulk load with the triggers off does not. How many rows were
    written.

    ``CARRY_BATCH`` rows a statement, in id order: on PostgreSQL every UPDATE of the table
    runs the counting statement trigger over the rows it wrote (0017), which would hold all
    of them at once after a bulk load (5.4M at 12M pages) to sum them to zero."""
    postgres = s.get_bind().dialect.name == "postgresql"
    differs = " IS DISTINCT FROM " if postgres else " IS NOT "
    stale = " OR ".join(f"t.{name}_lower{differs}lower(d.{name})" for name in CARRIED)
    lowered = ", ".join(f"lower(d.{name})" for name in CARRIED)
    copy = text(
        f"UPDATE record_retention AS t SET ({', '.join(f'{n}_lower' for n in CARRIED)}) = "
        f"({lowered}) FROM documents AS d WHERE d.id = t.document_id "
        f"AND t.document_id > :low AND t.document_id <= :high AND ({stale})"
    )
    bound = text(
        "SELECT max(document_id) FROM (SELECT document_id FROM record_retention "
        "WHERE document_id > :low ORDER BY document_id LIMIT :n) AS batch"
    )
    written, low = 0, ""
    while (high := s.scalar(bound, {"low": low, "n": CARRY_BATCH})) is not None:
        written += changed(s.execute(copy, {"low": low, "high": high}))
        low = high
    return written


def _states_without(s, filters: dict | None) -> set[str]:
    """The states none of whose records has an election, province or regency asked, from
    the kept counts (db/counts.py)."""
    every = {one.value for one in State}
    empty: set[str] = set()
    for group in GROUPS:
        value = (filters or {}).get(group)
        if not isinstance(value, str) or not value:
            continue
        empty |= every - set(_held(s, group, value))
    return empty


def _held(s, group: str, value: str) -> dict[str, int]:
    """{state: n} of the records of an election, province or regency (kept counts), its
    value compared as the lists compare it."""
    wanted = squash(value)
    held: dict[str, int] = {}
    for (v, st), n in counts.by_state(s, GROUPS[group]).items():
        if squash(v) == wanted:
            held[st] = held.get(st, 0) + n
    return held


def _merged(parts: list, limit: int):
    """The first ``limit`` ids of these queries together, in (due day, id) order, or in id
    order when they select the id alone: each part read in that order up to ``limit`` (a
    range of its index), then merged in one statement, so every part sees one snapshot
    and ids compare as the database compares them."""
    columns = parts[0].selected_columns
    if len(parts) == 1:
        return parts[0].with_only_columns(list(columns)[-1]).order_by(*columns).limit(limit)
    arms = [select(*part.order_by(*columns).limit(limit).subquery().c) for part in parts]
    merged = union_all(*arms).subquery()
    return select(list(merged.c)[-1]).order_by(*merged.c).limit(limit)


def _retention_seek(s, query, offset: int) -> tuple | None:
    """(due day, id) of the ``offset``-th record of a retention list, None past its end.

    Sought in the dated records by (day, id), then in the undated ones by id past the
    dated count: with a state, both walk ix_record_retention_list, the undated ones as its
    NULL day. No page of the archive asks an offset (they follow the last record shown);
    over every state it sorts the selection, since ix_record_retention_due (day, id) went
    in migration 0023."""
    due_at, ids = RetentionRow.due_at, RetentionRow.document_id
    keys = query.with_only_columns(due_at, ids)
    dated = keys.where(due_at.is_not(None))
    found = seek(s, dated.order_by(due_at, ids), offset)
    if found is not None:
        return found
    skipped = s.scalar(select(func.count()).select_from(dated.subquery())) or 0
    return seek(s, keys.where(due_at.is_(None)).order_by(ids), offset - skipped)
