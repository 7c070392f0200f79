"""retention counts split: a record's document is read only when its state changes

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 09:30:00

On SQLite ``record_counts`` is kept by row triggers (0014). An update of a retention row
that changed its state or due day ran ten upserts, each reading the record's wide
``documents`` row again, even when only the due day moved, as when a schedule change
gives every record one more inactive year: a raw UPDATE of every due day of 136,231
records took 5.2 s with the trigger and 3.1 s without.

Now two triggers:
- ``record_retention_counts_update``: the keys read from the retention row alone
  (``retention``, ``due``), when the state or the due day changes, without reading the
  document. A retention row exists only for a visible record (one past its upload: it is
  made when the upload completes or a record is imported, and a record never goes back
  to ``uploading``), so the document's ``status <> 'uploading'`` holds for every row it
  sees.
- ``record_retention_counts_place``: the keys that name the document's place or election,
  only when the state changes, reading the document as before.

The same upserts as 0014's, from the same key definitions. The rule they rely on is kept
by the database too, on both: a retention row for a reservation, or a record sent back to
``uploading``, is refused (``PAST_UPLOAD``).

PostgreSQL's statement trigger on retention updates is split the same way: the keys of
the retention row are summed from the statement's changed rows alone, and only rows whose
state changed are joined with their documents. At 12M pages ``documents`` is 14 GB (two
rows to a page), and the join read a page of it for every record a refresh rewrote.
"""

from importlib import import_module

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD_WHEN = "OLD.state IS NOT NEW.state OR OLD.due_at IS NOT NEW.due_at"


REFUSED = "a retention row is only for a record past its upload"
PAST_UPLOAD = {
    "sqlite": [
        "CREATE TRIGGER record_retention_past_upload BEFORE INSERT ON record_retention WHEN "
        "(SELECT status FROM documents WHERE id = NEW.document_id) = 'uploading' "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
        "CREATE TRIGGER documents_past_upload BEFORE UPDATE OF status ON documents WHEN "
        "NEW.status = 'uploading' AND OLD.status <> 'uploading' "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION record_retention_past_upload() RETURNS trigger AS $$\nBEGIN\n"
        "IF EXISTS (SELECT 1 FROM new_rows n JOIN documents d ON d.id = n.document_id "
        f"WHERE d.status = 'uploading') THEN RAISE EXCEPTION '{REFUSED}'; END IF;\n"
        "RETURN NULL;\nEND $$ LANGUAGE plpgsql",
        "CREATE TRIGGER record_retention_past_upload AFTER INSERT ON record_retention "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION record_retention_past_upload()",
        "CREATE FUNCTION documents_past_upload() RETURNS trigger AS $$\nBEGIN\n"
        f"RAISE EXCEPTION '{REFUSED}';\nEND $$ LANGUAGE plpgsql",
        "CREATE TRIGGER documents_past_upload BEFORE UPDATE OF status ON documents "
        "FOR EACH ROW WHEN (NEW.status = 'uploading' AND OLD.status <> 'uploading') "
        "EXECUTE FUNCTION documents_past_upload()",
    ],
}
GUARDS = (("record_retention_past_upload", "record_retention"),
          ("documents_past_upload", "documents"))  # fmt: skip


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for sql in PAST_UPLOAD[dialect]:
        op.execute(sql)
    if dialect == "postgresql":
        op.execute(_postgres_function(_postgres_split()))
        return
    retention = _retention()
    op.execute("DROP TRIGGER IF EXISTS record_retention_counts_update")
    own = [k for k in retention.PAIR_KEYS if not _reads_document(k)]
    placed = [k for k in retention.PAIR_KEYS if _reads_document(k)]
    # the keys read from the retention row alone change with its state or due day; those
    # that name the document's place or election, with its state only
    op.execute(_trigger("record_retention_counts_update", ("state", "due_at"), own, False))
    op.execute(_trigger("record_retention_counts_place", ("state",), placed, True))


def downgrade() -> None:
    retention = _retention()
    dialect = op.get_bind().dialect.name
    for name, table in GUARDS:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if dialect == "postgresql":
        op.execute(_postgres_function(retention._postgres_delta("record_retention", "UPDATE")))
        return
    op.execute("DROP TRIGGER IF EXISTS record_retention_counts_place")
    op.execute("DROP TRIGGER IF EXISTS record_retention_counts_update")
    body = " ".join(retention._sqlite_upserts("record_retention", "UPDATE"))
    op.execute(
        "CREATE TRIGGER record_retention_counts_update AFTER UPDATE OF state, due_at ON "
        f"record_retention WHEN {OLD_WHEN} BEGIN {body} END"
    )


def _retention():
    return import_module("archive_app.db.migrations.versions.0014_retention_table")


def _reads_document(key) -> bool:
    return any("{d}" in part for part in key[1:])


def _trigger(name: str, columns: tuple[str, ...], keys, document: bool, unless: str = "") -> str:
    when = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    if unless:  # 0018: the writer may count instead
        when = f"({when}) AND NOT ({unless})"
    return (
        f"CREATE TRIGGER {name} AFTER UPDATE OF {', '.join(columns)} ON record_retention "
        f"WHEN {when} BEGIN {' '.join(_sqlite_upserts(keys, document))} END"
    )


def _sqlite_upserts(keys, document: bool) -> list[str]:
    """0014's rule: -1 for the old row's keys, +1 for the new row's, each unless the other
    row counts the same key. With ``document`` the keys are read with the record's document
    (a visible one); otherwise from the retention row alone."""
    retention = _retention()
    out = []
    for name, value, state, condition in keys:
        parts = {
            row: tuple(retention._expr(x, "d", row, "sqlite") for x in (value, state, condition))
            for row in ("OLD", "NEW")
        }
        for row, other, n in (("OLD", "NEW", -1), ("NEW", "OLD", 1)):
            v, st, c = parts[row]
            ov, ost, oc = parts[other]
            unchanged = f"({oc}) AND {retention._same(v, ov)} AND {retention._same(st, ost)}"
            source = (
                f"FROM documents d WHERE d.id = {row}.document_id AND d.status <> 'uploading' AND"
                if document
                else "WHERE"
            )
            out.append(
                f"INSERT INTO record_counts (name, value, state, n) SELECT '{name}', {v}, {st}, "
                f"{n} {source} ({c}) AND NOT ({unchanged}) ON CONFLICT (name, value, state) "
                "DO UPDATE SET n = record_counts.n + excluded.n;"
            )
    return out


# -- PostgreSQL: the statement trigger's function -----------------------------------------
def _postgres_function(body: str) -> str:
    return (
        "CREATE OR REPLACE FUNCTION record_retention_counts_update() RETURNS trigger AS $$\n"
        f"BEGIN\n{body}\nRETURN NULL;\nEND $$ LANGUAGE plpgsql"
    )


def _postgres_split() -> str:
    """Two upserts per statement: the keys of the retention row from its changed rows
    (``old_rows`` -1, ``new_rows`` +1), and the keys that name the document from the rows
    whose state changed, joined with their documents; each summed per key (0014's form)."""
    retention = _retention()
    own = [k for k in retention.PAIR_KEYS if not _reads_document(k)]
    placed = [k for k in retention.PAIR_KEYS if _reads_document(k)]
    rows = "SELECT document_id, state, due_at, -1 AS x FROM old_rows UNION ALL " \
           "SELECT document_id, state, due_at, 1 FROM new_rows"  # fmt: skip
    moved = (
        "SELECT v.document_id, v.state, v.due_at, v.x FROM old_rows o JOIN new_rows n "
        "ON n.document_id = o.document_id CROSS JOIN LATERAL (VALUES (o.document_id, o.state, "
        "o.due_at, -1), (n.document_id, n.state, n.due_at, 1)) v(document_id, state, due_at, x) "
        "WHERE o.state IS DISTINCT FROM n.state"
    )
    return "\n".join([
        _postgres_upsert(own, f"({rows}) t", "1=1"),
        _postgres_upsert(
            placed, f"({moved}) t JOIN documents d ON d.id = t.document_id",
            "d.status <> 'uploading'",
        ),
    ])  # fmt: skip


def _postgres_upsert(keys, source: str, visible: str) -> str:
    retention = _retention()
    values = []
    for name, value, state, condition in keys:
        v, st, c = (retention._expr(x, "d", "t", "postgresql") for x in (value, state, condition))
        values.append(f"(CASE WHEN {c} THEN '{name}' END, ({v})::text, ({st})::text)")
    return (
        "INSERT INTO record_counts (name, value, state, n) SELECT k.name, k.value, k.state, "
        f"sum(x) FROM {source} CROSS JOIN LATERAL (VALUES {', '.join(values)}) "
        f"k(name, value, state) WHERE {visible} AND k.name IS NOT NULL "
        "GROUP BY 1, 2, 3 HAVING sum(x) <> 0 ON CONFLICT (name, value, state) DO UPDATE SET "
        "n = record_counts.n + excluded.n;"
    )
