"""Counts of records that pages show, read from ``record_counts`` instead of counted.

Triggers on ``documents`` and ``record_retention`` (migrations 0008, 0014, 0017) keep the
counts in the same transaction as the row that changes them, whichever code path writes it;
reading one is a primary-key lookup whatever the archive's size (counting 12 million rows
per dashboard view took seconds).
``recount`` fills them again from the rows: after a bulk load that bypassed the triggers, or
to check them (the contract tests compare both after every kind of write).
"""

from __future__ import annotations

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


def triggers_counting(s: Session) -> bool:
    """False while a row in ``retention_counts_by_writer`` (SQLite, migration 0018) keeps
    the per-row place trigger from counting. Only the retention writer's own transaction
    ever holds one; a committed row (left by hand, or by a fault) would let every later
    state change go uncounted by place, silently."""
    if s.get_bind().dialect.name != "sqlite":
        return True
    return not s.scalar(text("SELECT EXISTS (SELECT 1 FROM retention_counts_by_writer)"))


def recount(s: Session) -> None:
    """Every count again from the rows (a full scan per key: for repairs and bulk loads),
    with the triggers counting again from here on."""
    dialect = s.get_bind().dialect.name
    if dialect == "sqlite":
        s.execute(text("DELETE FROM retention_counts_by_writer"))
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
