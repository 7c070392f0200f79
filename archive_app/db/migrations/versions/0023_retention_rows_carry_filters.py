"""retention rows carry the list's filters: election, form type and province, lowercased;
the first two indexed with the state and the due day

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-08 04:00:00

The retention list is read in due order, and its filters were on ``documents``. Where
the records asked for come late in that order, or there are none, the list walked the
state's records one by one through the join: at 12M pages (5.4M records) an older
election's inactive records took 1.6 s (694,301 records read before the first match), a
form type with no active record 11.8 s, a form type in any state 1.7 s (docs/benchmarks.md,
seventeenth and eighteenth sessions). Starting from the filter's records instead sorts
all of them: 3.0-7.5 s for a large election.

Each retention row now holds its record's ``election``, ``form_type`` and ``province``,
lowercased as the filters compare them:
- An election or a form type decides the schedule, so their records' due days bunch
  together: each has an index that leads with it, then the state and the due day, and a
  list filtered by either is a range read in list order.
- A province does not bunch in due order: the list walks the state's index and tests the
  row itself, without the join (about one row in 38 matches).
- A regency (about 10,000 records) or a district (about 780) is still found through its own
  index on ``documents``: tested on the row, a regency with a province had no short way in
  (its capped count read the whole state).

Every index on this table is written again by each state a refresh changes (PostgreSQL
cannot update a row in place when an indexed column changes): with one index for each of
five filters, a full refresh at 12M fell from 22,104-24,701 to 11,921-12,055 records/s.
So two, and ``ix_record_retention_due`` (due day, id) goes: a list over every state reads
each state's part of ``ix_record_retention_list`` and merges them (lifecycle.retention_ids).

The copies are kept by the database, whichever code writes the rows:
- a new retention row takes them from its record (PostgreSQL: a row trigger before the
  insert; SQLite, which cannot change the row being inserted: an update right after);
- a change of any of them on a record is copied to its retention row, in the same
  statement (a row trigger, only when a value changed). The record's row is written
  before its retention row, the order of every other writer (migration 0014).

The existing rows are filled in the migration's transaction, ``documents`` locked against
writes on PostgreSQL until the triggers are in place, and the counting triggers off there:
the fill changes no state and no due day, and their statement trigger would have summed
5.4M changed rows to zero. The fill leaves a dead version of every retention row behind,
for autovacuum (or ``VACUUM ANALYZE record_retention``). ``archive recount`` copies the
filters again where they differ, after a bulk load that bypassed the triggers.
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

COPIED = ("election", "form_type", "province")
COLUMNS = tuple(f"{name}_lower" for name in COPIED)
INDEXED = ("election_lower", "form_type_lower")
INDEXES = {f"ix_record_retention_{name}": name for name in INDEXED}
DUE = "ix_record_retention_due"
CHANGED = " OR ".join(f"OLD.{name} IS DISTINCT FROM NEW.{name}" for name in COPIED)
LOWERED = ", ".join(f"lower({{row}}.{name})" for name in COPIED)

SQLITE = [
    "CREATE TRIGGER record_retention_filters AFTER INSERT ON record_retention BEGIN "
    f"UPDATE record_retention SET ({', '.join(COLUMNS)}) = (SELECT {LOWERED.format(row='d')} "
    "FROM documents d WHERE d.id = NEW.document_id) WHERE document_id = NEW.document_id; END",
    f"CREATE TRIGGER documents_filters AFTER UPDATE OF {', '.join(COPIED)} ON documents "
    f"WHEN {CHANGED.replace('IS DISTINCT FROM', 'IS NOT')} BEGIN UPDATE record_retention "
    f"SET ({', '.join(COLUMNS)}) = ({LOWERED.format(row='NEW')}) "
    "WHERE document_id = NEW.id; END",
]
POSTGRESQL = [
    "CREATE FUNCTION record_retention_filters() RETURNS trigger AS $$\nBEGIN\n"
    f"SELECT {LOWERED.format(row='d')} INTO {', '.join(f'NEW.{c}' for c in COLUMNS)} "
    "FROM documents d WHERE d.id = NEW.document_id;\nRETURN NEW;\nEND $$ LANGUAGE plpgsql",
    "CREATE TRIGGER record_retention_filters BEFORE INSERT ON record_retention "
    "FOR EACH ROW EXECUTE FUNCTION record_retention_filters()",
    "CREATE FUNCTION documents_filters() RETURNS trigger AS $$\nBEGIN\n"
    f"UPDATE record_retention SET ({', '.join(COLUMNS)}) = ({LOWERED.format(row='NEW')}) "
    "WHERE document_id = NEW.id;\nRETURN NULL;\nEND $$ LANGUAGE plpgsql",
    f"CREATE TRIGGER documents_filters AFTER UPDATE OF {', '.join(COPIED)} ON documents "
    f"FOR EACH ROW WHEN ({CHANGED}) EXECUTE FUNCTION documents_filters()",
]
TRIGGERS = (("record_retention_filters", "record_retention"), ("documents_filters", "documents"))


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for column in COLUMNS:
        op.execute(
            f"ALTER TABLE record_retention ADD COLUMN {column} VARCHAR(100) NOT NULL DEFAULT ''"
        )
    if postgres:  # no record's filters change between the fill and the triggers
        op.execute("LOCK TABLE documents IN SHARE MODE")
        op.execute("ALTER TABLE record_retention DISABLE TRIGGER USER")
        op.execute(
            f"UPDATE record_retention t SET ({', '.join(COLUMNS)}) = "
            f"({LOWERED.format(row='d')}) FROM documents d WHERE d.id = t.document_id"
        )
        op.execute("ALTER TABLE record_retention ENABLE TRIGGER USER")
    else:  # the counting triggers watch the state and the due day only
        op.execute(
            f"UPDATE record_retention SET ({', '.join(COLUMNS)}) = (SELECT "
            f"{LOWERED.format(row='d')} FROM documents d WHERE d.id = record_retention.document_id)"
        )
    for name, column in INDEXES.items():
        op.execute(
            f"CREATE INDEX {name} ON record_retention ({column}, state, due_at, document_id)"
        )
    op.execute(f"DROP INDEX {DUE}")
    for sql in POSTGRESQL if postgres else SQLITE:
        op.execute(sql)
    op.execute("ANALYZE record_retention")  # the planners weigh the new indexes at once


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, table in TRIGGERS:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"CREATE INDEX {DUE} ON record_retention (due_at, document_id)")
    for column in COLUMNS:
        op.execute(f"ALTER TABLE record_retention DROP COLUMN {column}")
