"""Counts of records that pages show, read from ``record_counts`` instead of counted.

Triggers on ``documents`` and ``record_retention`` (migrations 0008, 0014, 0017) keep the
counts in the same transaction as the row that changes them, whichever code path writes it;
reading one is a primary-key lookup whatever the archive's size (counting 12 million rows
per dashboard view took seconds).
``recount`` fills them again from the rows: after a bulk load that bypassed the triggers, or
to check them (the contract tests compare both after every kind of write).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from archive_app.db.models import RecordCountRow

# As migration 0014 keeps them: (name, value, state, condition) over a visible record ``d``
# and, for the keys that name its retention state, its row ``t`` in record_retention.
KEYS = (
    ("status", "d.status", "''", "1=1"),
    ("retention", "''", "t.state", "1=1"),
    ("election", "d.election", "t.state", "1=1"),
    ("province", "d.province", "t.state", "1=1"),
    ("regency", "d.regency", "t.state", "1=1"),
    ("review", "''", "''", "d.needs_review AND d.status = 'ready'"),
    ("due", "{due}", "''", "t.state IN ('active', 'inactive') AND t.due_at IS NOT NULL"),
)  # fmt: skip
GROUPS = ("election", "province", "regency")
PAIRED = ("retention", *GROUPS, "due")  # the keys read from a record's retention row too


def by_value(s: Session, name: str) -> dict[str, int]:
    """{value: n} of a key without states (``status``, ``due``)."""
    rows = s.execute(
        select(RecordCountRow.value, RecordCountRow.n).where(
            RecordCountRow.name == name, RecordCountRow.n != 0
        )
    )
    return {value: n for value, n in rows}


def by_state(s: Session, name: str) -> dict[tuple[str, str], int]:
    """{(value, state): n} of a key kept per retention state."""
    rows = s.execute(
        select(RecordCountRow.value, RecordCountRow.state, RecordCountRow.n).where(
            RecordCountRow.name == name, RecordCountRow.n != 0
        )
    )
    return {(value, state): n for value, state, n in rows}


def total(s: Session, name: str) -> int:
    query = select(func.coalesce(func.sum(RecordCountRow.n), 0)).where(RecordCountRow.name == name)
    return int(s.scalar(query) or 0)


def due_by(s: Session, day: date) -> int:
    """Active and inactive records whose inactive period ends on or before ``day``."""
    query = select(func.coalesce(func.sum(RecordCountRow.n), 0)).where(
        RecordCountRow.name == "due", RecordCountRow.value <= day.isoformat()
    )
    return int(s.scalar(query) or 0)


# SQLite (migration 0018): while a row is in this table, the per-row trigger that counts a
# retention row's election, province and regency under its state steps aside, for a writer
# that counts a chunk of state changes at once (``places_counted_here``).
BY_WRITER = "retention_counts_by_writer"


@contextmanager
def places_counted_here(conn, moves: list[tuple[str, str]], *, unless_in: str) -> Iterator[None]:
    """SQLite: the place counts of these (record id, new state) moves, one a record, counted
    here at once, and the trigger kept from counting the rows the block then writes. Six
    upserts a record in the trigger took 2.5 of the 4.8 s of writing ~134,000 state changes.
    The same rules as the trigger (0014's place keys): -1 under the old state, +1 under the
    new, for a visible record, none for one whose state is ``unless_in`` (a SQL list: never
    written over). The counts-equal-a-recount contract test holds both to them.

    Only this transaction ever holds the row: it is removed before the block's transaction
    commits, and on an error that transaction is rolled back with it."""
    conn.exec_driver_sql(f"INSERT INTO {BY_WRITER} (writer) VALUES (1)")
    conn.exec_driver_sql(_places(unless_in), (json.dumps(moves),))
    yield
    conn.exec_driver_sql(f"DELETE FROM {BY_WRITER}")


@functools.cache
def _places(unless_in: str) -> str:
    """The moves grouped by place and state change first (counting each row's six keys
    took as long as the trigger), then each group under its old and new state. One
    reference to each step, so that no SQLite computes one twice. (``WHERE true``: SQLite
    reads ``ON CONFLICT`` after a bare join as the join's.)"""
    places = ", ".join(f"d.{name}" for name in GROUPS)
    signs = " UNION ALL ".join(
        f"SELECT '{name}' AS name, {sign} AS sign" for name in GROUPS for sign in (-1, 1)
    )
    value = " ".join(f"WHEN '{name}' THEN p.{name}" for name in GROUPS)
    keys = ", ".join(str(n) for n in range(1, len(GROUPS) + 3))
    return f"""
WITH c AS (
  SELECT json_extract(value, '$[0]') AS id, json_extract(value, '$[1]') AS new
    FROM json_each(?)),
p AS (
  SELECT {places}, r.state AS old, c.new, count(*) AS n
    FROM c JOIN record_retention r ON r.document_id = c.id JOIN documents d ON d.id = c.id
   WHERE r.state IS NOT c.new AND r.state NOT IN {unless_in} AND d.status <> 'uploading'
   GROUP BY {keys})
INSERT INTO record_counts (name, value, state, n)
SELECT k.name, CASE k.name {value} END, CASE WHEN k.sign < 0 THEN p.old ELSE p.new END,
       sum(k.sign * p.n)
  FROM p CROSS JOIN ({signs}) AS k
 WHERE true GROUP BY 1, 2, 3 HAVING sum(k.sign * p.n) <> 0
ON CONFLICT (name, value, state) DO UPDATE SET n = record_counts.n + excluded.n
"""


def triggers_counting(s: Session) -> bool:
    """False while a row in ``BY_WRITER`` keeps the place trigger from counting. Only a
    writer's own transaction should ever hold one (``places_counted_here``); a committed
    row (left by hand, or by a fault) would let every later state change go uncounted by
    place, silently."""
    if s.get_bind().dialect.name != "sqlite":
        return True
    return not s.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {BY_WRITER})"))


def recount(s: Session) -> None:
    """Every count again from the rows (a full scan per key: for repairs and bulk loads),
    with the triggers counting again from here on."""
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        s.execute(text(f"DELETE FROM {BY_WRITER}"))
    due = "to_char(t.due_at, 'YYYY-MM-DD')" if dialect == "postgresql" else "t.due_at"
    s.execute(text("DELETE FROM record_counts"))
    for name, value, state, condition in KEYS:
        v, st = value.format(due=due), state.format(due=due)
        join = " JOIN record_retention t ON t.document_id = d.id" if name in PAIRED else ""
        s.execute(
            text(
                f"INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {v}, {st}, "
                f"count(*) FROM documents d{join} WHERE d.status <> 'uploading' AND {condition} "
                "GROUP BY 2, 3"
            )
        )
