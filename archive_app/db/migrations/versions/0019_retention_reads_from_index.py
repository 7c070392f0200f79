"""retention reads from an index; a statement's counts grouped before they are keyed

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 17:00:00

PostgreSQL only; SQLite is unchanged.

A full refresh that moves most records' state ran at 16,800-20,200 records/s at 12M pages,
against the 20,000 asked (docs/benchmarks.md, thirteenth session). Both of its sides took
about as long as each other, and both read the wide ``documents`` rows (20 GB at 12M, two
to a page) one by one, each on a page of its own:

- the reader, a batch of 5,000 records' retention inputs in id order: 170-180 ms when
  those pages were not cached, 50-60 when they were;
- the writer's statement trigger, the election, province and regency of every record whose
  state changed.

``ix_documents_retention`` holds, in id order, the columns both read (660 MB at 12M). So the
reader reads a batch as a range of that index, and the trigger looks its rows up there,
without touching the table's pages that the visibility map marks all visible. VACUUM marks
them, and a refresh does not undo that: it writes ``record_retention`` and the index queue,
never ``documents``. (After a bulk ingest, or a job that rewrites ``documents`` rows, both
read the table again until autovacuum has been through it.) Building the index took 14 s
at 12M, while writes to ``documents`` wait (not CONCURRENTLY: a migration runs in one
transaction, so that a failed one leaves nothing behind).

The trigger's place upsert also groups the changed rows by (election, province, regency,
old state, new state) before it turns each group into its six keyed rows, and the
retention row's own keys by (state, due day): one chunk of 5,000 moves took 51-62 ms in
the trigger, now 33-47. The keys, rules and upserts are 0017's, unchanged.
"""

from importlib import import_module

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

INDEX = "ix_documents_retention"
READ = ("status", "form_type", "election", "year", "record_date", "final_state", "province",
        "regency")  # fmt: skip


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX IF NOT EXISTS {INDEX} ON documents (id) INCLUDE ({', '.join(READ)})")
    op.execute(_split()._postgres_function(_grouped()))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    split = _split()
    op.execute(split._postgres_function(split._postgres_split()))
    op.execute(f"DROP INDEX IF EXISTS {INDEX}")


def _split():
    return import_module("archive_app.db.migrations.versions.0017_retention_counts_split")


def _grouped() -> str:
    """0017's two upserts, each over groups rather than rows: the retention row's own keys
    from its (state, due day) groups, each summed -1 for the old rows and +1 for the new;
    the place keys from the (election, province, regency, old state, new state) groups of
    the rows whose state changed, each group -n under its old state and +n under its new
    (``t`` the state and its sign, ``d`` the place, as 0017's keys read them)."""
    split = _split()
    keys = split._retention().PAIR_KEYS
    own = [k for k in keys if not split._reads_document(k)]
    placed = [k for k in keys if split._reads_document(k)]
    rows = (
        "(SELECT state, due_at, sum(x) AS x FROM (SELECT state, due_at, -1 AS x FROM old_rows "
        "UNION ALL SELECT state, due_at, 1 FROM new_rows) r GROUP BY 1, 2 HAVING sum(x) <> 0) t"
    )
    moved = (
        "(SELECT d.election, d.province, d.regency, o.state AS was, n.state AS now, "
        "count(*) AS n FROM old_rows o JOIN new_rows n ON n.document_id = o.document_id "
        "JOIN documents d ON d.id = o.document_id WHERE o.state IS DISTINCT FROM n.state "
        "AND d.status <> 'uploading' GROUP BY 1, 2, 3, 4, 5) g "
        "CROSS JOIN LATERAL (VALUES (g.was, -g.n), (g.now, g.n)) t(state, x) "
        "CROSS JOIN LATERAL (SELECT g.election, g.province, g.regency) d"
    )
    return "\n".join([split._postgres_upsert(own, rows, "1=1"),
                      split._postgres_upsert(placed, moved, "1=1")])  # fmt: skip
