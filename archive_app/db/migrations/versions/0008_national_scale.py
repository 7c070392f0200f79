"""national scale: indexes for keyset pages, counts kept by the database, hold sizes

Revision ID: 0008
Revises: 0004
Create Date: 2026-12-06 03:00:00

Every list is read in the order of an index that ends in the row's id, so a page after any
position is a range scan (keyset), never an OFFSET over what came before. The single-column
indexes these replace were their prefixes. Filters on places compare lowercased values
(``lower(regency) = ?``): indexes on the same expressions serve them.

``record_counts`` holds the counts the dashboards and list totals show, kept by triggers on
``documents`` in the transaction that changes a row, so a count is read, never counted, and
is right whichever code path wrote the row. Keys (over visible records, status <> uploading):
``status/<status>``, ``retention//<state>``, ``election|province|regency/<value>/<state>``,
``review`` (waiting for review and ready) and ``due/<YYYY-MM-DD>`` (active or inactive
records by the day their inactive period ends). The trigger bodies are generated below from
that one list: row triggers on SQLite (which updates a counter in place), statement
triggers over transition tables on PostgreSQL (one upsert per statement and key).
"""

from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None

# (name, value, state, condition): expressions over one row ({r} is OLD or NEW)
KEYS = (
    ("status", "{r}.status", "''", "1=1"),
    ("retention", "''", "{r}.retention_state", "1=1"),
    ("election", "{r}.election", "{r}.retention_state", "1=1"),
    ("province", "{r}.province", "{r}.retention_state", "1=1"),
    ("regency", "{r}.regency", "{r}.retention_state", "1=1"),
    ("review", "''", "''", "{r}.needs_review AND {r}.status = 'ready'"),
    (
        "due",
        "{due}",
        "''",
        "{r}.retention_state IN ('active', 'inactive') AND {r}.retention_due_at IS NOT NULL",
    ),
)
WATCHED = (
    "status",
    "retention_state",
    "election",
    "province",
    "regency",
    "needs_review",
    "retention_due_at",
)
UPSERT = (
    "INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {value}, {state}, "
    "{n} WHERE {where} ON CONFLICT (name, value, state) DO UPDATE SET "
    "n = record_counts.n + excluded.n;"
)

REPLACED = {  # old single-column index -> (new name, columns)
    "ix_documents_status": ("ix_documents_status_newest", ["status", "created_at", "id"]),
    "ix_documents_created_at": ("ix_documents_newest", ["created_at", "id"]),
    "ix_documents_needs_review": (
        "ix_documents_review_queue",
        ["needs_review", "status", "created_at", "id"],
    ),
    "ix_documents_retention_state": (
        "ix_documents_retention_list",
        ["retention_state", "retention_due_at", "id"],
    ),
    "ix_documents_retention_changes_at": (
        "ix_documents_retention_changes",
        ["retention_changes_at", "id"],
    ),
    "ix_documents_retention_due_at": ("ix_documents_due", ["retention_due_at", "id"]),
}
AUDIT = {
    "ix_audit_events_actor": "actor",
    "ix_audit_events_action": "action",
    "ix_audit_events_target": "target",
}


def _expr(template: str, row: str, dialect: str) -> str:
    due = (
        f"to_char({row}.retention_due_at, 'YYYY-MM-DD')"
        if dialect == "postgresql"
        else f"{row}.retention_due_at"
    )
    return template.format(r=row, due=due)


def _same(a: str, b: str, dialect: str) -> str:
    return f"({a} IS NOT DISTINCT FROM {b})" if dialect == "postgresql" else f"({a} IS {b})"


def _statements(op_name: str, dialect: str) -> list[str]:
    """The upserts of one trigger: -1 for the old row's keys, +1 for the new row's, skipping
    a key that an update leaves as it was."""
    out = []
    for name, value, state, condition in KEYS:
        parts = {}
        for row in ("OLD", "NEW"):
            parts[row] = (
                _expr(value, row, dialect),
                _expr(state, row, dialect),
                f"{row}.status <> 'uploading' AND {_expr(condition, row, dialect)}",
            )
        for row, other, n in (("OLD", "NEW", -1), ("NEW", "OLD", 1)):
            if (op_name == "INSERT" and row == "OLD") or (op_name == "DELETE" and row == "NEW"):
                continue
            value_sql, state_sql, counted = parts[row]
            where = f"({counted})"
            if op_name == "UPDATE":
                o_value, o_state, o_counted = parts[other]
                unchanged = " AND ".join(
                    [
                        f"({o_counted})",
                        _same(value_sql, o_value, dialect),
                        _same(state_sql, o_state, dialect),
                    ]
                )
                where += f" AND NOT ({unchanged})"
            out.append(UPSERT.format(name=name, value=value_sql, state=state_sql, n=n, where=where))
    return out


def _sqlite_triggers() -> list[str]:
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)
    return [
        "CREATE TRIGGER record_counts_insert AFTER INSERT ON documents BEGIN "
        + " ".join(_statements("INSERT", "sqlite"))
        + " END",
        "CREATE TRIGGER record_counts_delete AFTER DELETE ON documents BEGIN "
        + " ".join(_statements("DELETE", "sqlite"))
        + " END",
        f"CREATE TRIGGER record_counts_update AFTER UPDATE OF {', '.join(WATCHED)} ON documents "
        f"WHEN {changed} BEGIN " + " ".join(_statements("UPDATE", "sqlite")) + " END",
    ]


def _postgres_delta(op_name: str) -> str:
    """One upsert per statement: the rows a statement changed (its transition tables
    ``old_rows``/``new_rows``) summed per key. Row-level upserts would update the same
    counter once per row in one transaction, and PostgreSQL then walks every earlier
    version of that counter on each update: quadratic in the rows of a bulk write."""
    parts = []
    for name, value, state, condition in KEYS:
        for table, row_name, n in (("old_rows", "OLD", -1), ("new_rows", "NEW", 1)):
            if (op_name == "INSERT" and row_name == "OLD") or (
                op_name == "DELETE" and row_name == "NEW"
            ):
                continue
            v, st, c = (_expr(x, "r", "postgresql") for x in (value, state, condition))
            parts.append(
                f"SELECT '{name}'::text, ({v})::text, ({st})::text, {n} "
                f"FROM {table} r WHERE r.status <> 'uploading' AND {c}"
            )
    return (
        "INSERT INTO record_counts (name, value, state, n) SELECT k, v, s, sum(d) FROM ("
        + " UNION ALL ".join(parts)
        + ") t(k, v, s, d) GROUP BY k, v, s "
        "HAVING sum(d) <> 0 ON CONFLICT (name, value, state) DO UPDATE SET "
        "n = record_counts.n + excluded.n;"
    )


def _postgres_triggers() -> list[str]:
    out = []
    tables = {
        "INSERT": "NEW TABLE AS new_rows",
        "DELETE": "OLD TABLE AS old_rows",
        "UPDATE": "OLD TABLE AS old_rows NEW TABLE AS new_rows",
    }
    for op_name, referencing in tables.items():
        out.append(
            f"CREATE FUNCTION record_counts_{op_name.lower()}() RETURNS trigger AS $$\n"
            f"BEGIN\n{_postgres_delta(op_name)}\nRETURN NULL;\nEND $$ LANGUAGE plpgsql"
        )
        out.append(
            f"CREATE TRIGGER record_counts_{op_name.lower()} AFTER {op_name} ON documents "
            f"REFERENCING {referencing} FOR EACH STATEMENT "
            f"EXECUTE FUNCTION record_counts_{op_name.lower()}()"
        )
    return out


def fill(bind) -> None:
    """Count every key from the rows (also how a bulk load or a repair starts afresh)."""
    dialect = bind.dialect.name
    bind.execute(sa.text("DELETE FROM record_counts"))
    for name, value, state, condition in KEYS:
        v, s, c = (_expr(x, "d", dialect) for x in (value, state, condition))
        bind.execute(
            sa.text(
                f"INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {v}, {s}, "
                f"count(*) FROM documents d WHERE d.status <> 'uploading' AND {c} GROUP BY 2, 3"
            )
        )


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "record_counts",
        sa.Column("name", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", "value", "state"),
    )
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_count", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(
        "UPDATE holds SET record_count = "
        "(SELECT count(*) FROM hold_records WHERE hold_records.hold_id = holds.id)"
    )
    for old, new in REPLACED.items():
        op.drop_index(old, table_name="documents")
        op.create_index(new[0], "documents", new[1])
    for name, column in (
        ("ix_documents_regency_lower", "regency"),
        ("ix_documents_province_lower", "province"),
    ):
        op.create_index(name, "documents", [sa.text(f"lower({column})"), "id"])
    for old, column in AUDIT.items():
        op.drop_index(old, table_name="audit_events")
        op.create_index(f"ix_audit_events_{column}_id", "audit_events", [column, "id"])
    triggers = _postgres_triggers() if bind.dialect.name == "postgresql" else _sqlite_triggers()
    for sql in triggers:
        op.execute(sql)
    fill(bind)


def downgrade() -> None:
    bind = op.get_bind()
    for name in ("insert", "delete", "update"):
        op.execute(
            f"DROP TRIGGER IF EXISTS record_counts_{name}"
            + (" ON documents" if bind.dialect.name == "postgresql" else "")
        )
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP FUNCTION IF EXISTS record_counts_{name}()")
    for old, column in AUDIT.items():
        op.drop_index(f"ix_audit_events_{column}_id", table_name="audit_events")
        op.create_index(old, "audit_events", [column])
    for name in ("ix_documents_regency_lower", "ix_documents_province_lower"):
        op.drop_index(name, table_name="documents")
    for old, new in REPLACED.items():
        op.drop_index(new[0], table_name="documents")
        op.create_index(old, "documents", [old.removeprefix("ix_documents_")])
    with op.batch_alter_table("holds", schema=None) as batch_op:
        batch_op.drop_column("record_count")
    op.drop_table("record_counts")
