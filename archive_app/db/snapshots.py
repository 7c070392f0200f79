"""Consistent copies of the metadata database, and loading one into an empty database.

- SQLite: the online backup API, in one step. In WAL mode the copy reads one snapshot while
  writers go on; a backup taken in several steps would restart whenever someone writes,
  and might never finish on a busy archive.
- PostgreSQL: ``pg_dump --format=custom``, reading a snapshot this process exported from a
  REPEATABLE READ transaction that it holds while the context lasts: the list of files the
  backup copies is read from the very state the dump holds.

Rows are read in the order of their SHA-256 and streamed (a server-side cursor on
PostgreSQL), so a million records cost the memory of one batch.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    Connection,
    String,
    cast,
    create_engine,
    func,
    inspect,
    literal,
    select,
    text,
    union_all,
)
from sqlalchemy.engine import make_url

from archive_app.db.engine import Engines
from archive_app.db.interfaces import SnapshotError
from archive_app.db.models import AuditRow, DispositionListRow, RecordRow, StoredFileRow, UserRow
from archive_app.domain.entities import StoredFile

PG_BIN = Path("/usr/lib/postgresql")
STREAM_BATCH = 2000


class SqlSnapshot:
    """A snapshot being taken: the dump file and a read-only view of the same state."""

    def __init__(self, kind: str, path: Path, conn: Connection):
        self.kind, self.path, self._conn = kind, path, conn

    def audit_head(self) -> tuple[int, str] | None:
        query = select(AuditRow.id, AuditRow.hash).order_by(AuditRow.id.desc()).limit(1)
        row = self._conn.execute(query).first()
        return (row[0], row[1]) if row else None

    def counts(self) -> dict[str, int]:
        return _counts(self._conn)

    def stored_files(self) -> Iterator[tuple[str, StoredFile]]:
        """(record id, file) of every object the snapshot says is stored: the records' files
        that were not destroyed, and the disposition reports; by SHA-256, then key."""
        f, d = StoredFileRow, DispositionListRow
        files = select(f.document_id, f.role, f.key, f.sha256, f.size, f.content_type, f.page)
        reports = select(
            (literal("disposition:") + cast(d.id, String)).label("document_id"),
            literal("report").label("role"),
            d.report_key,
            d.report_sha256,
            literal(0).label("size"),
            literal("application/pdf").label("content_type"),
            literal(0).label("page"),
        )
        query = union_all(
            files.where(f.destroyed_at.is_(None)), reports.where(d.report_key != "")
        ).order_by(text("sha256"), text("key"))
        streamed = self._conn.execution_options(stream_results=True, yield_per=STREAM_BATCH)
        for row in streamed.execute(query):
            yield row[0], StoredFile(row[1], row[2], row[3], row[4], row[5], row[6])

    def disposed(self) -> Iterator[str]:
        """Ids of the records destroyed by an approved disposition (they left a tombstone)."""
        query = select(RecordRow.id).where(RecordRow.final_state == "disposed")
        query = query.order_by(RecordRow.id)
        streamed = self._conn.execution_options(stream_results=True, yield_per=STREAM_BATCH)
        for row in streamed.execute(query):
            yield row[0]


@contextmanager
def take(engines: Engines, url: str, out: Path) -> Iterator[SqlSnapshot]:
    if engines.dialect == "sqlite":
        with _sqlite(url, out) as snapshot:
            yield snapshot
    elif engines.dialect == "postgresql":
        with _postgres(engines, url, out) as snapshot:
            yield snapshot
    else:
        raise SnapshotError(f"no snapshot for a {engines.dialect} database")


@contextmanager
def _sqlite(url: str, out: Path) -> Iterator[SqlSnapshot]:
    source = sqlite3.connect(_sqlite_path(url), timeout=30)
    try:
        copy = sqlite3.connect(out)
        try:
            source.backup(copy)  # one step: one consistent read, writers never restart it
            copy.execute("PRAGMA journal_mode=DELETE")  # a self-contained file
        finally:
            copy.close()
    finally:
        source.close()
    uri = f"file:{out}?mode=ro&immutable=1"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as conn:
            yield SqlSnapshot("sqlite", out, conn)
    finally:
        engine.dispose()


@contextmanager
def _postgres(engines: Engines, url: str, out: Path) -> Iterator[SqlSnapshot]:
    with engines.write.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            conn.execute(text("SET TRANSACTION READ ONLY"))
            exported = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            _run(
                "pg_dump",
                url,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={exported}",
                f"--file={out}",
            )
            yield SqlSnapshot("postgresql", out, conn)


def contents(engines: Engines) -> dict[str, int]:
    """How many records, users and audit entries the database holds (0 when it is new or
    only migrated)."""
    with engines.read.connect() as conn:
        if not inspect(conn).has_table(RecordRow.__tablename__):
            return {"records": 0, "users": 0, "audit_entries": 0}
        return _counts(conn)


def _counts(conn: Connection) -> dict[str, int]:
    def count(model) -> int:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()

    return {"records": count(RecordRow), "users": count(UserRow), "audit_entries": count(AuditRow)}


def load(engines: Engines, url: str, kind: str, path: Path) -> None:
    """Put a snapshot in place of an empty database (the caller checked it is empty)."""
    if kind != engines.dialect:
        raise SnapshotError(
            f"this backup holds a {kind} database and the archive is set up for "
            f"{engines.dialect}: restore it into an archive on {kind}, then move it with "
            "'archive transfer'"
        )
    engines.dispose()
    if kind == "sqlite":
        target = Path(_sqlite_path(url))
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(f".{target.name}.restoring")
        shutil.copyfile(path, staged)
        with open(staged, "rb+") as fh:
            os.fsync(fh.fileno())
        for leftover in (Path(f"{target}-wal"), Path(f"{target}-shm"), target):
            leftover.unlink(missing_ok=True)
        os.replace(staged, target)
    else:
        _run(
            "pg_restore",
            url,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            str(path),
        )


def _sqlite_path(url: str) -> str:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SnapshotError("an in-memory SQLite database cannot be backed up or restored")
    return database


def pg_tool(name: str) -> str:
    """The newest installed PostgreSQL client of that name (it must be at least as new as
    the server), else the one on PATH."""
    versions = sorted(PG_BIN.glob(f"*/bin/{name}"), key=lambda p: _major(p.parts[-3]))
    found = str(versions[-1]) if versions else shutil.which(name)
    if not found:
        raise SnapshotError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return found


def _major(version: str) -> int:
    return int(version) if version.isdigit() else 0


def _run(tool: str, url: str, *args: str) -> None:
    """Run a PostgreSQL client on the database at ``url``; the password travels in the
    environment, never on the command line (where `ps` would show it)."""
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", password=None)
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    dbname = conninfo.render_as_string(hide_password=False)
    done = subprocess.run(
        [pg_tool(tool), f"--dbname={dbname}", *args], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SnapshotError(f"{tool} failed: {done.stderr.strip()[-800:]}")
