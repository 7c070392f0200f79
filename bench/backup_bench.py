"""Backup and restore: time, size and memory, from thousands to a million records.

    python -m bench.backup_bench [--backend embedded|scaleout] [--records 2000]
                                 [--scale 100000,1000000]

Two parts, each on a fresh archive (embedded: SQLite and files; scale-out: PostgreSQL and
MinIO, the test servers of tests/services, the backup going to another bucket):

1. ``--records`` records as ingest leaves them, each with an original (a random 64 KiB
   scan) and a metadata.json: a full backup (every object read, hashed, copied, verified),
   a second one with nothing new (the incremental case), and a restore into empty backends
   with the checks `archive restore` runs after it (fixity, audit chain, reindex).
2. ``--scale`` counts of record rows, each naming one stored file, whose contents are 1,000
   distinct objects: what a million records cost the snapshot, the SHA-256-ordered stream,
   the lists and the merge with the previous set, without a million objects to copy (the
   same bytes under many keys are read once). A full and an incremental backup.

Prints seconds, sizes, objects copied, the resident memory each step starts from and its
peak above that (the peak is reset before the step through /proc/self/clear_refs): the
peak must not grow with the number of records. ``--records 0`` skips the first part.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

from archive_app.db.models import RecordRow, StoredFileRow
from archive_app.domain.records import record_prefix
from archive_app.operations.backup import backup
from archive_app.operations.restore import restore
from archive_app.services import build_services
from config.settings import load_settings

KiB = 1024
BATCH = 10_000
NOW = datetime(2024, 3, 1)


def reset_peak() -> None:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")


def peak_mb() -> float:
    return _status_mb("VmHWM:")


def rss_mb() -> float:
    return _status_mb("VmRSS:")


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def row(n: int, size: int) -> dict:
    return {
        "id": f"{n:032x}",
        "sha256": hashlib.sha256(b"record %d" % n).hexdigest(),
        "status": "ready",
        "index_state": "indexed",
        "kind": "pdf",
        "original_name": f"{n}.pdf",
        "size": size,
        "page_count": 1,
        "pages_done": 1,
        "error": "",
        "attempts": 0,
        "created_at": NOW,
        "created_by": "bench",
        "updated_at": NOW,
        "election": "PPWP",
        "form_type": "C.HASIL",
        "year": 2024,
        "province": "Jawa Tengah",
        "regency": "Karanganyar",
        "district": "Jaten",
        "village": "Papahan",
        "tps": 1 + n % 500,
    }


def file_row(n: int, role: str, name: str, sha: str, size: int) -> dict:
    return {
        "document_id": f"{n:032x}",
        "role": role,
        "key": f"{record_prefix(f'{n:032x}')}{name}",
        "sha256": sha,
        "size": size,
        "content_type": "application/octet-stream",
        "created_at": NOW,
    }


def fill_real(services, count: int, scratch: Path) -> int:
    """Records with a random original and a small metadata.json each; bytes stored."""
    total = 0
    for start in range(0, count, 500):
        records, files = [], []
        for n in range(start, min(start + 500, count)):
            for role, name, size in (
                ("original", "original.pdf", 64 * KiB),
                ("metadata", "metadata.json", KiB),
            ):
                data = os.urandom(size)
                sha = hashlib.sha256(data).hexdigest()
                services.objects.put_bytes(f"{record_prefix(f'{n:032x}')}{name}", data)
                files.append(file_row(n, role, name, sha, size))
                total += size
            records.append(row(n, 64 * KiB))
        _insert(services, records, files)
    return total


def fill_rows(services, count: int, distinct: int = 1000) -> None:
    """Record rows naming ``distinct`` contents between them; an object is stored only at
    the first key (in key order) of each content, the only one a backup reads."""
    contents = [os.urandom(4 * KiB) for _ in range(distinct)]
    shas = [hashlib.sha256(c).hexdigest() for c in contents]
    for n in range(distinct):  # record n is the first (lowest id, so lowest key) of content n
        services.objects.put_bytes(f"{record_prefix(f'{n:032x}')}original.pdf", contents[n])
    for start in range(0, count, BATCH):
        span = range(start, min(start + BATCH, count))
        records = [row(n, 4 * KiB) for n in span]
        files = [file_row(n, "original", "original.pdf", shas[n % distinct], 4 * KiB) for n in span]
        _insert(services, records, files)


def _insert(services, records: list[dict], files: list[dict]) -> None:
    with services.metadata.engines.write.begin() as conn:
        conn.execute(insert(RecordRow), records)
        conn.execute(insert(StoredFileRow), files)


def step(title: str, fn):
    """Run one step; print its time, the resident memory it started from (what the process
    kept from before: Python rarely gives freed memory back) and its peak above that."""
    reset_peak()
    before = rss_mb()
    started = time.perf_counter()
    result = fn()
    print(
        f"  {title:<34}{time.perf_counter() - started:9.1f} s  from {before:5.0f} MB, "
        f"peak +{peak_mb() - before:5.0f} MB",
        flush=True,
    )
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="embedded", choices=["embedded", "scaleout"])
    parser.add_argument("--records", type=int, default=2000)
    parser.add_argument("--scale", default="100000,1000000")
    args = parser.parse_args(argv)
    with ExitStack() as stack:
        servers = _servers(args.backend, stack)
        if args.records:
            real(args, servers, stack)
        for count in [int(c) for c in args.scale.split(",") if c]:
            scale(args, servers, stack, count)
    return 0


def _servers(backend: str, stack: ExitStack) -> dict:
    if backend == "embedded":
        return {}
    from tests.services import MinioServer, PostgresServer

    return {
        "pg": stack.enter_context(PostgresServer()),
        "minio": stack.enter_context(MinioServer()),
    }


def _archive(servers: dict, root: Path, tag: str, stack: ExitStack):
    env = {"ARCHIVE_DATA_DIR": str(root / tag), "ARCHIVE_SECRET_KEY": "bench-secret"}
    dest = str(root / f"{tag}-backup")
    if servers:
        import psycopg

        with psycopg.connect(servers["pg"].dsn, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{tag}"')
        env.update(servers["minio"].settings_env())
        env["ARCHIVE_DATABASE_URL"] = servers["pg"].url.rsplit("/", 1)[0] + f"/{tag}"
        env["ARCHIVE_S3_BUCKET"] = tag.replace("_", "-")
        dest = f"s3://{tag.replace('_', '-')}-backup/nightly"
    services = build_services(load_settings(env=env))
    stack.callback(services.close)
    services.metadata.migrate()
    return services, env, dest


def real(args, servers, stack) -> None:
    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backup-bench-")))
    services, env, dest = _archive(servers, root, "real_src", stack)
    stored = fill_real(services, args.records, root)
    print(
        f"{args.records} records, {2 * args.records} objects ({stored / 1e6:.0f} MB) on "
        f"{args.backend}; backup to {dest.split('/')[0] or 'a folder'}"
    )
    full = step("full backup", lambda: backup(services, dest))
    again = step("incremental, nothing new", lambda: backup(services, dest))
    print(
        f"    full copied {full.copied} objects ({full.copied_bytes / 1e6:.0f} MB), database "
        f"{full.metadata_bytes / 1e6:.1f} MB; incremental copied {again.copied}"
    )
    target, _, _ = _archive(servers, root, "real_dst", stack)
    done = step("restore", lambda: restore(target, dest))
    from archive_app.audit import checkpoints
    from archive_app.recordkeeping import fixity
    from archive_app.records import indexing

    fixed = step("  then verify every object", lambda: fixity.verify(target))
    trail = step("  then audit verify", lambda: checkpoints.verify(target))
    step("  then reindex", lambda: indexing.reindex(target))
    assert done.objects == 2 * args.records and fixed.ok and trail.ok, (done, fixed, trail)


def scale(args, servers, stack, count: int) -> None:
    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="backup-bench-")))
    services, _, dest = _archive(servers, root, f"scale_{count}", stack)
    started = time.perf_counter()
    fill_rows(services, count)
    print(
        f"{count:,} record rows (1,000 distinct contents) on {args.backend}, loaded in "
        f"{time.perf_counter() - started:.0f} s"
    )
    full = step("full backup", lambda: backup(services, dest))
    step("incremental, nothing new", lambda: backup(services, dest))
    print(
        f"    {full.files:,} objects listed, {full.copied} copied, database "
        f"{full.metadata_bytes / 1e6:.0f} MB"
    )


if __name__ == "__main__":
    sys.exit(main())
