"""Counts of records that pages show, read from ``record_counts`` instead of counted.

Triggers on ``documents`` (migration 0008) keep the counts in the same transaction as the
row that changes them, whichever code path writes it; reading one is a primary-key lookup
whatever the archive's size (counting 12 million rows per dashboard view took seconds).
``recount`` fills them again from the rows: after a bulk load that bypassed the triggers, or
to check them (the contract tests compare both after every kind of write).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from archive_app.db.models import RecordCountRow

# As migration 0008 keeps them: (name, value, state, condition) over a visible record ``d``.
KEYS = (
    ("status", "d.status", "''", "1=1"),
    ("retention", "''", "d.retention_state", "1=1"),
    ("election", "d.election", "d.retention_state", "1=1"),
    ("province", "d.province", "d.retention_state", "1=1"),
    ("regency", "d.regency", "d.retention_state", "1=1"),
    ("review", "''", "''", "d.needs_review AND d.status = 'ready'"),
    ("due", "{due}", "''",
     "d.retention_state IN ('active', 'inactive') AND d.retention_due_at IS NOT NULL"),
)  # fmt: skip
GROUPS = ("election", "province", "regency")


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


def recount(s: Session) -> None:
    """Every count again from the rows (a full scan per key: for repairs and bulk loads)."""
    dialect = s.get_bind().dialect.name
    due = (
        "to_char(d.retention_due_at, 'YYYY-MM-DD')"
        if dialect == "postgresql"
        else ("d.retention_due_at")
    )
    s.execute(text("DELETE FROM record_counts"))
    for name, value, state, condition in KEYS:
        v, st = value.format(due=due), state.format(due=due)
        s.execute(
            text(
                f"INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {v}, {st}, "
                f"count(*) FROM documents d WHERE d.status <> 'uploading' AND {condition} "
                "GROUP BY 2, 3"
            )
        )
