"""retention table: the cached retention state in a narrow table, an index queue beside it

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 03:30:00

A schedule change gives every record a new cached retention state. In ``documents`` each
such write made a new version of a ~4 kB row and an entry in each of its indexes: a full
refresh ran at 3,200-3,700 records/s on PostgreSQL, and a raw UPDATE of those columns at
8,500. The five cached columns now live in ``record_retention`` (one short row per record,
three indexes of its own), and a record whose search entry a new state makes stale is
queued in ``index_queue`` instead of being marked in its ``documents`` row.

``record_counts`` is still kept by triggers, now on both tables. Keys over the document
alone (status, review) are kept by ``documents``; keys over its retention state
(retention, election, province, regency, due) count a visible document together with its
retention row, and are kept by whichever of the two a statement changes. A pair is counted
once whichever row is written first; only a retention row is deleted before its document
(no cascade, whose order against the triggers differs between the two databases).

On PostgreSQL the two rows of one record can be written by two transactions at once (an
edit of the place, a refresh of the state), and each trigger reads the other row. An
update of ``documents`` that changes a counted column first locks the retention rows it
will read (``FOR SHARE``): a refresh holding one is waited for and then read as committed,
and a refresh after it reads the edited place; the refresh never waits on ``documents``,
so the two cannot deadlock. SQLite has one writer at a time.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ("series", "state", "action", "changes_at", "due_at")
OLD_INDEXES = {
    "ix_documents_retention_list": ["retention_state", "retention_due_at", "id", "status"],
    "ix_documents_retention_changes": ["retention_changes_at", "id"],
    "ix_documents_due": ["retention_due_at", "id", "status"],
}
NEW_INDEXES = {
    "ix_record_retention_list": ["state", "due_at", "document_id"],
    "ix_record_retention_changes": ["changes_at", "document_id"],
    "ix_record_retention_due": ["due_at", "document_id"],
}
# (name, value, state, condition) over a document {d} and its retention row {t}
DOCUMENT_KEYS = (
    ("status", "{d}.status", "''", "1=1"),
    ("review", "''", "''", "{d}.needs_review AND {d}.status = 'ready'"),
)
PAIR_KEYS = (
    ("retention", "''", "{t}.state", "1=1"),
    ("election", "{d}.election", "{t}.state", "1=1"),
    ("province", "{d}.province", "{t}.state", "1=1"),
    ("regency", "{d}.regency", "{t}.state", "1=1"),
    ("due", "{due}", "''", "{t}.state IN ('active', 'inactive') AND {t}.due_at IS NOT NULL"),
)
WATCHED = {
    "documents": ("status", "election", "province", "regency", "needs_review"),
    "record_retention": ("state", "due_at"),
}
UPSERT = (
    "INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {value}, {state}, "
    "{n} {source} WHERE {where} ON CONFLICT (name, value, state) DO UPDATE SET "
    "n = record_counts.n + excluded.n;"
)
OLD_TRIGGERS = ("insert", "delete", "update")


def _expr(template: str, d: str, t: str, dialect: str) -> str:
    due = f"to_char({t}.due_at, 'YYYY-MM-DD')" if dialect == "postgresql" else f"{t}.due_at"
    return template.format(d=d, t=t, due=due)


def _same(a: str, b: str) -> str:
    return f"({a} IS {b})"


# -- SQLite: row triggers ----------------------------------------------------------------
def _sqlite_upserts(table: str, op_name: str) -> list[str]:
    """The upserts of one row trigger on ``table``: -1 for the old row's keys, +1 for the
    new row's, skipping a key an update leaves as it was. The other table's row is read
    as it is (the same for OLD and NEW: a statement writes one table)."""
    keys = [*DOCUMENT_KEYS, *PAIR_KEYS] if table == "documents" else PAIR_KEYS
    out = []
    for key in keys:
        name, value, state, condition = key
        pair = key in PAIR_KEYS
        parts = {}
        for row in ("OLD", "NEW"):
            d, t = (row, "t") if table == "documents" else ("d", row)
            parts[row] = (
                _expr(value, d, t, "sqlite"),
                _expr(state, d, t, "sqlite"),
                f"{d}.status <> 'uploading' AND {_expr(condition, d, t, 'sqlite')}",
            )
        for row, other, n in (("OLD", "NEW", -1), ("NEW", "OLD", 1)):
            if (op_name == "INSERT" and row == "OLD") or (op_name == "DELETE" and row == "NEW"):
                continue
            value_sql, state_sql, counted = parts[row]
            where = f"({counted})"
            if op_name == "UPDATE":
                o_value, o_state, o_counted = parts[other]
                unchanged = f"({o_counted}) AND {_same(value_sql, o_value)} AND " + _same(
                    state_sql, o_state
                )
                where += f" AND NOT ({unchanged})"
            source = ""
            if pair and table == "documents":
                source = "FROM record_retention t"
                where = f"t.document_id = {row}.id AND {where}"
            elif table == "record_retention":
                source = "FROM documents d"
                where = f"d.id = {row}.document_id AND {where}"
            out.append(
                UPSERT.format(name=name, value=value_sql, state=state_sql, n=n, source=source,
                              where=where)
            )  # fmt: skip
    return out


def _sqlite_triggers() -> list[str]:
    out = []
    for table, watched in WATCHED.items():
        changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in watched)
        for op_name in ("INSERT", "DELETE", "UPDATE"):
            event = f"UPDATE OF {', '.join(watched)}" if op_name == "UPDATE" else op_name
            when = f" WHEN {changed}" if op_name == "UPDATE" else ""
            out.append(
                f"CREATE TRIGGER {table}_counts_{op_name.lower()} AFTER {event} ON {table}"
                f"{when} BEGIN " + " ".join(_sqlite_upserts(table, op_name)) + " END"
            )
    return out


# -- PostgreSQL: statement triggers over transition tables --------------------------------
# The columns a statement trigger reads of each table's changed rows.
READ = {
    "documents": ("id", "status", "election", "province", "regency", "needs_review"),
    "record_retention": ("document_id", "state", "due_at"),
}


def _postgres_delta(table: str, op_name: str) -> str:
    """One upsert per statement: the rows it changed (``old_rows`` counted -1, ``new_rows``
    +1), each joined once with the other table's row as it is, then turned into one row per
    key (a LATERAL VALUES) and summed per key; a key an update left as it was sums to 0.

    Not one SELECT per key and transition table: each of those joined the other table
    again, ten joins of every changed row per statement."""
    columns = ", ".join(READ[table])
    sides = [
        f"SELECT {columns}, {n} AS x FROM {rows}"
        for rows, n in (("old_rows", -1), ("new_rows", 1))
        if not ((op_name == "INSERT" and n == -1) or (op_name == "DELETE" and n == 1))
    ]
    changed = " UNION ALL ".join(sides)
    if table == "documents":
        source = f"({changed}) d LEFT JOIN record_retention t ON t.document_id = d.id"
        keys = [*DOCUMENT_KEYS, *PAIR_KEYS]
    else:
        source = f"({changed}) t JOIN documents d ON d.id = t.document_id"
        keys = list(PAIR_KEYS)
    rows = []
    for key in keys:
        name, value, state, condition = key
        v, st, c = (_expr(x, "d", "t", "postgresql") for x in (value, state, condition))
        if table == "documents" and key in PAIR_KEYS:
            c = f"t.document_id IS NOT NULL AND {c}"
        rows.append(f"(CASE WHEN {c} THEN '{name}' END, ({v})::text, ({st})::text)")
    return (
        "INSERT INTO record_counts (name, value, state, n) SELECT k.name, k.value, k.state, "
        f"sum(x) FROM {source} CROSS JOIN LATERAL (VALUES {', '.join(rows)}) "
        "k(name, value, state) WHERE d.status <> 'uploading' AND k.name IS NOT NULL "
        "GROUP BY 1, 2, 3 HAVING sum(x) <> 0 ON CONFLICT (name, value, state) DO UPDATE SET "
        "n = record_counts.n + excluded.n;"
    )


def _postgres_lock() -> str:
    """Before an update of documents counts: lock the retention rows of the records whose
    counted columns it changed, then read them as committed (see the module's docstring)."""
    changed = " OR ".join(f"o.{c} IS DISTINCT FROM n.{c}" for c in WATCHED["documents"])
    return (
        "PERFORM 1 FROM record_retention t JOIN new_rows n ON n.id = t.document_id "
        f"JOIN old_rows o ON o.id = n.id WHERE {changed} FOR SHARE OF t;"
    )


def _postgres_triggers() -> list[str]:
    out = []
    tables = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }
    for table in WATCHED:
        for op_name, referencing in tables.items():
            name = f"{table}_counts_{op_name.lower()}"
            lock = _postgres_lock() + "\n" if (table, op_name) == ("documents", "UPDATE") else ""
            out.append(
                f"CREATE FUNCTION {name}() RETURNS trigger AS $$\n"
                f"BEGIN\n{lock}{_postgres_delta(table, op_name)}\nRETURN NULL;\nEND $$ "
                "LANGUAGE plpgsql"
            )
            out.append(
                f"CREATE TRIGGER {name} AFTER {op_name} ON {table} REFERENCING {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )
    return out


def fill(bind) -> None:
    """Count every key from the rows."""
    dialect = bind.dialect.name
    bind.execute(sa.text("DELETE FROM record_counts"))
    for key in (*DOCUMENT_KEYS, *PAIR_KEYS):
        name, value, state, condition = key
        v, s, c = (_expr(x, "d", "t", dialect) for x in (value, state, condition))
        join = " JOIN record_retention t ON t.document_id = d.id" if key in PAIR_KEYS else ""
        bind.execute(
            sa.text(
                f"INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {v}, {s}, "
                f"count(*) FROM documents d{join} WHERE d.status <> 'uploading' AND {c} "
                "GROUP BY 2, 3"
            )
        )


def _drop_triggers(names, table: str, dialect: str) -> None:
    for name in names:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.create_table(
        "record_retention",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("series", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("changes_at", sa.Date(), nullable=True),
        sa.Column("due_at", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )
    op.create_table(
        "index_queue",
        sa.Column("document_id", sa.String(length=32), nullable=False),
        sa.Column("queued_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"]),
        sa.PrimaryKeyConstraint("document_id"),
    )
    # In id order, the order a refresh walks: at 12M records, a first refresh over rows laid
    # out as documents' are (arrival order) touched a new page for nearly every record and
    # ran at 12,100 records/s, one over rows in id order at 18,700. Not an upload's
    # reservation: its row is made when the upload completes (0015 says why).
    op.execute(
        "INSERT INTO record_retention (document_id, series, state, action, changes_at, due_at) "
        "SELECT id, retention_series, retention_state, retention_action, retention_changes_at, "
        "retention_due_at FROM documents WHERE status <> 'uploading' ORDER BY id"
    )
    _drop_triggers([f"record_counts_{n}" for n in OLD_TRIGGERS], "documents", dialect)
    for name in OLD_INDEXES:
        op.drop_index(name, table_name="documents")
    for column in COLUMNS:
        op.drop_column("documents", f"retention_{column}")
    for name, columns in NEW_INDEXES.items():
        op.create_index(name, "record_retention", columns)
    for sql in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(sql)
    fill(bind)
    if dialect == "sqlite":
        op.execute("ANALYZE record_retention")


def downgrade() -> None:
    """Back to the columns in ``documents``, with 0008's triggers; the queue is marked
    in ``index_state`` first, so no stale search entry is forgotten."""
    from importlib import import_module

    bind = op.get_bind()
    dialect = bind.dialect.name
    earlier = import_module("archive_app.db.migrations.versions.0008_national_scale")
    op.execute(
        "UPDATE documents SET index_state = 'pending' WHERE id IN "
        "(SELECT document_id FROM index_queue)"
    )
    names = [f"{t}_counts_{n}" for t in WATCHED for n in OLD_TRIGGERS]
    for name in names:
        table = name.rsplit("_counts_", 1)[0]
        _drop_triggers([name], table, dialect)
    op.add_column("documents", sa.Column("retention_series", sa.String(32), server_default=""))
    op.add_column("documents", sa.Column("retention_state", sa.String(16), server_default="active"))
    op.add_column("documents", sa.Column("retention_action", sa.String(16), server_default=""))
    op.add_column("documents", sa.Column("retention_changes_at", sa.Date(), nullable=True))
    op.add_column("documents", sa.Column("retention_due_at", sa.Date(), nullable=True))
    for column in COLUMNS:
        op.execute(
            f"UPDATE documents SET retention_{column} = (SELECT t.{column} FROM "
            "record_retention t WHERE t.document_id = documents.id)"
        )
    for name, columns in OLD_INDEXES.items():
        op.create_index(name, "documents", columns)
    op.drop_table("index_queue")
    op.drop_table("record_retention")
    for sql in (
        earlier._postgres_triggers() if dialect == "postgresql" else earlier._sqlite_triggers()
    ):
        op.execute(sql)
    earlier.fill(bind)
