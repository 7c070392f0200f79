"""retention rows stored by their key; a refresh counts the places of a chunk at once

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 12:40:00

SQLite only; PostgreSQL is unchanged.

A full refresh in which most records change state (a schedule change that shortens the
active years) ran at 13,700-14,300 records/s on 136,231 records, against the 20,000 asked.
Its writes alone (docs/benchmarks.md, twelfth session):

- ``record_retention`` and ``index_queue`` were tables of rowids beside an index on
  ``document_id``, so every row a refresh wrote was found through two trees and written
  into both. They are now stored by ``document_id`` alone (WITHOUT ROWID): the rows are
  short, and every reader and writer finds them by that key.
- The row trigger that counts a record's election, province and regency by state ran six
  upserts for every record whose state changed. A writer of many rows may now count them
  itself, once for its chunk: while a row is in ``retention_counts_by_writer`` the place
  trigger steps aside. Only the writer's own transaction ever holds such a row (it adds it
  and removes it before committing, and SQLite has one writer at a time), so every other
  writer, and any tool, is counted by the trigger as before. The one writer that does this
  is ``lifecycle._write_states``; the counts-equal-a-recount contract test holds it to the
  trigger's rules.
"""

from importlib import import_module

from alembic import op
from sqlalchemy import text

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

BY_WRITER = "EXISTS (SELECT 1 FROM retention_counts_by_writer)"
TABLES = {
    "record_retention": (
        "CREATE TABLE {name} (document_id VARCHAR(32) NOT NULL, series VARCHAR(32) NOT NULL, "
        "state VARCHAR(16) NOT NULL, action VARCHAR(16) NOT NULL, changes_at DATE, due_at DATE, "
        "PRIMARY KEY (document_id), FOREIGN KEY(document_id) REFERENCES documents (id)){rowid}"
    ),
    "index_queue": (
        "CREATE TABLE {name} (document_id VARCHAR(32) NOT NULL, queued_at DATETIME NOT NULL, "
        "PRIMARY KEY (document_id)){rowid}"
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _remake(table, " WITHOUT ROWID")
    op.execute("CREATE TABLE retention_counts_by_writer (writer INTEGER NOT NULL)")
    _place_trigger(BY_WRITER)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    _place_trigger("")
    op.execute("DROP TABLE retention_counts_by_writer")
    for table in TABLES:
        _remake(table, "")


def _remake(table: str, rowid: str) -> None:
    """The table made again with its rows, indexes and triggers (SQLite cannot change how
    a table is stored). The rows are copied before the triggers are made again, so the
    counts do not move; the rename leaves other tables' triggers naming it as they are."""
    saved = (
        op.get_bind()
        .execute(
            text(
                "SELECT sql FROM sqlite_master WHERE tbl_name = :table AND type IN "
                "('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
            ),
            {"table": table},
        )
        .scalars()
        .all()
    )
    op.execute(TABLES[table].format(name=f"{table}_new", rowid=rowid))
    op.execute(f"INSERT INTO {table}_new SELECT * FROM {table}")
    op.execute(f"DROP TABLE {table}")
    op.execute("PRAGMA legacy_alter_table = ON")
    op.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    op.execute("PRAGMA legacy_alter_table = OFF")
    for sql in saved:
        op.execute(sql)
    op.execute(f"ANALYZE {table}")  # its statistics went with the old table


def _place_trigger(unless: str) -> None:
    split = import_module("archive_app.db.migrations.versions.0017_retention_counts_split")
    placed = [k for k in split._retention().PAIR_KEYS if split._reads_document(k)]
    op.execute("DROP TRIGGER IF EXISTS record_retention_counts_place")
    op.execute(split._trigger("record_retention_counts_place", ("state",), placed, True, unless))
