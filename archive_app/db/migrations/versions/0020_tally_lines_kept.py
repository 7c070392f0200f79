"""a form's tally CSV lines kept beside its record

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 20:10:00

The tally CSV of a regency (~20,000 forms, ~200,000 lines) took 0.8 s at 136k records and
1.0-1.4 s at 12M pages, against the 300 ms asked: most of it decoding each form's vote
counts and writing its cells (docs/benchmarks.md, thirteenth session). A form's counts are
exported as read and never corrected, so the lines they give are written once, when they
are stored, into ``tally_lines`` (``domain.tally_lines``), and an export joins them.

The table is derived, so it can never be wrong, only missing:

- ``tally_lines_stale`` removes a record's row whenever an UPDATE changes its ``tally``,
  whoever sends it (the application writes the new row after it, in the same transaction);
  a deleted record's row goes with it (ON DELETE CASCADE; on SQLite only while foreign keys
  are on, as the archive's connections have them). A later migration that remakes
  ``documents`` on SQLite must make this trigger again;
- a row of another layout version is not used;
- an export writes a form with no usable row from its counts, as before.

Records stored before this migration have no rows; ``archive tally-lines`` writes them.
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

TABLE = (
    "CREATE TABLE tally_lines (document_id VARCHAR(32) NOT NULL, version INTEGER NOT NULL, "
    "lines TEXT NOT NULL, PRIMARY KEY (document_id), "
    "FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE){rowid}"
)
DELETE = "DELETE FROM tally_lines WHERE document_id = NEW.id"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.execute(TABLE.format(rowid=" WITHOUT ROWID" if sqlite else ""))
    if sqlite:
        op.execute(
            "CREATE TRIGGER tally_lines_stale AFTER UPDATE OF tally ON documents "
            f"WHEN NEW.tally IS NOT OLD.tally BEGIN {DELETE}; END"
        )
        return
    op.execute(
        "CREATE FUNCTION tally_lines_stale() RETURNS trigger AS $$ BEGIN "
        f"{DELETE}; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER tally_lines_stale AFTER UPDATE OF tally ON documents FOR EACH ROW "
        "WHEN (NEW.tally IS DISTINCT FROM OLD.tally) EXECUTE FUNCTION tally_lines_stale()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tally_lines_stale")
    else:
        op.execute("DROP TRIGGER IF EXISTS tally_lines_stale ON documents")
        op.execute("DROP FUNCTION IF EXISTS tally_lines_stale()")
    op.execute("DROP TABLE tally_lines")
