"""Bulk loading the synthetic national archive into SQLite or PostgreSQL.

The schema comes from the archive's own migrations; the loader only fills the tables, the
way a database administrator would: secondary indexes dropped while the rows go in and
built again at the end (sorting once is much cheaper than millions of random inserts),
rows sent in batches (executemany on SQLite, COPY on PostgreSQL). The triggers that keep
``record_counts`` are off while the rows go in; the counts and the holds' sizes are then
counted once from the rows (``db/counts.recount``). What it leaves is the schema the
migrations made, with every index and trigger in place.
"""

from __future__ import annotations

from datetime import date, datetime

from archive_app.db.session import sqlite_stamp

TABLES = ("documents", "record_retention", "pages", "stored_files", "audit_events",
          "hold_records", "disposition_items", "holds", "disposition_lists")  # fmt: skip
COUNTED = ("documents", "record_retention")  # the tables whose triggers keep record_counts
SERIALS = ("audit_events", "stored_files", "holds", "disposition_lists")
HOLD_SIZES = (
    "UPDATE holds SET record_count = "
    "(SELECT count(*) FROM hold_records WHERE hold_records.hold_id = holds.id)"
)


def model_defaults() -> dict[str, dict[str, object]]:
    """The models' Python-side column defaults, per table: a column added to the schema
    after the generator was written (``documents.page_hash``) gets what the archive's own
    inserts would give it, not NULL."""
    from archive_app.db.models import Base

    defaults: dict[str, dict[str, object]] = {}
    for table in Base.metadata.tables.values():
        defaults[table.name] = {
            column.name: column.default.arg
            for column in table.columns
            if column.default is not None and column.default.is_scalar
        }
    return defaults


def _row_values(row: dict, columns: list[str], defaults: dict[str, object]) -> list:
    return [row[c] if c in row else defaults.get(c) for c in columns]


def _sqlite_value(value):
    if isinstance(value, datetime):
        return sqlite_stamp(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


class SqliteLoader:
    def __init__(self, path):
        import sqlite3

        self.conn = sqlite3.connect(str(path), isolation_level=None)
        self.columns: dict[str, list[str]] = {}
        self.defaults = model_defaults()
        self.indexes: list[str] = []
        self.triggers: list[str] = []

    def __enter__(self) -> SqliteLoader:
        c = self.conn
        for pragma in ("synchronous=OFF", "foreign_keys=OFF", "cache_size=-1500000"):
            c.execute(f"PRAGMA {pragma}")
        marks = ",".join("?" * len(TABLES))
        self.indexes = [
            sql
            for name, sql in c.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
                f"AND tbl_name IN ({marks})",
                TABLES,
            )
        ]
        for (name,) in c.execute(
            f"SELECT name FROM sqlite_master WHERE type='index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks})",
            TABLES,
        ).fetchall():
            c.execute(f'DROP INDEX "{name}"')
        triggers = c.execute(
            "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name IN (?, ?)",
            COUNTED,
        ).fetchall()
        self.triggers = [sql for _, sql in triggers]
        for name, _ in triggers:
            c.execute(f'DROP TRIGGER "{name}"')
        for table in TABLES:
            self.columns[table] = [r[1] for r in c.execute(f"PRAGMA table_info({table})")]
        c.execute("BEGIN")
        return self

    def write(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        columns = self.columns[table]
        sql = f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})"
        defaults = self.defaults.get(table, {})
        self.conn.executemany(
            sql,
            [tuple(map(_sqlite_value, _row_values(row, columns, defaults))) for row in rows],
        )

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def __exit__(self, *exc) -> None:
        c = self.conn
        c.execute("COMMIT")
        if exc[0] is None:
            for sql in self.indexes:
                c.execute(sql)
            for sql in self.triggers:
                c.execute(sql)
            c.execute(HOLD_SIZES)
            c.execute("ANALYZE")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        c.close()


class PostgresLoader:
    def __init__(self, dsn: str):
        import psycopg

        self.conn = psycopg.connect(dsn, autocommit=True)
        self.columns: dict[str, list[str]] = {}
        self.defaults = model_defaults()
        self.indexes: list[str] = []

    def __enter__(self) -> PostgresLoader:
        c = self.conn
        rows = c.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
            "AND tablename = ANY(%s) AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            (list(TABLES),),
        ).fetchall()
        self.indexes = [definition for _, definition in rows]
        for name, _ in rows:
            c.execute(f'DROP INDEX "{name}"')
        for table in COUNTED:
            c.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        for table in TABLES:
            found = c.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            self.columns[table] = [r[0] for r in found]
        return self

    def write(self, table: str, rows: list[dict]) -> None:
        if not rows:
            return
        columns = self.columns[table]
        sql = f"COPY {table} ({','.join(columns)}) FROM STDIN"
        with self.conn.cursor() as cur, cur.copy(sql) as copy:
            defaults = self.defaults.get(table, {})
            for row in rows:
                copy.write_row(_row_values(row, columns, defaults))

    def commit(self) -> None:
        pass  # autocommit: each COPY is its own transaction

    def __exit__(self, *exc) -> None:
        c = self.conn
        if exc[0] is None:
            c.execute("SET maintenance_work_mem = '1GB'")
            for sql in self.indexes:
                c.execute(sql)
            c.execute(HOLD_SIZES)
            for table in SERIALS:
                c.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT max(id) FROM {table}), 1))"
                )
            c.execute("VACUUM ANALYZE")
        for table in COUNTED:
            c.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        c.close()
