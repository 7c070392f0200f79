"""The disk-full run of bench/soak.py: the data folder on a small filesystem that fills up.

    python -m bench.soak --disk-full [--disk-mb 96] [--workers 1]

An ext4 image of ``--disk-mb`` is loop-mounted (root is needed) and holds the whole data
folder of an embedded archive, served by `archive serve` and `archive worker`. A ballast
file takes all but a few MB; then one client uploads unique scans while another searches,
until the uploads have been refused eight times in a row. It prints what the uploads and
searches were answered while the disk was full, checks that nothing is half-written
(reservations, objects without a record, the SQLite database's integrity), frees the
space (removes the ballast) and measures how long until an upload is accepted again and
every accepted record is processed; then `archive verify` and the audit chain. Exit
status 0 only when every check holds.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from bench import soak_support as s
from bench.soak import drain, half_written, prepare, reservations, temp_files

LEFT_FREE = 6 * 1024 * 1024  # bytes the ballast leaves: a few uploads' worth


def run(args) -> int:
    with tempfile.TemporaryDirectory(prefix="soak-full-") as tmp, ExitStack() as stack:
        root = Path(tmp)
        mnt = mount(root, getattr(args, "disk_mb", 96), stack)
        env = {
            "ARCHIVE_DATA_DIR": str(mnt / "data"),
            "ARCHIVE_PAGE_READERS": args.readers,
            "ARCHIVE_LOG_LEVEL": "WARNING",
        }
        services, tokens = prepare(env)
        stack.callback(services.close)
        web = stack.enter_context(s.web(env, root / "web"))
        stack.enter_context(s.task_workers(env, root / "workers", max(1, args.workers // 2)))
        scans = s.Scans(root)
        log = s.Log()
        base = f"http://127.0.0.1:{web.port}"
        uploader = s.Client(base, tokens["archivist"], log)
        searcher = s.Client(base, tokens["auditor"], log)
        for _ in range(3):  # a few records while there is room
            uploader.upload(scans)
        ballast = mnt / "ballast"
        fill(mnt, ballast)
        print(f"disk: {mnt} ({args.disk_mb} MB), {free(mnt) / 1e6:.1f} MB left free", flush=True)
        stop = threading.Event()
        searching = threading.Thread(
            target=s.loop,
            args=(stop, (0.3, 0.6), lambda: searcher.search(log.accepted)),
            daemon=True,
        )
        searching.start()
        full_from = time.time()
        refused = 0
        while refused < 8 and time.time() < full_from + 300:
            before = len(log.answers)
            uploader.upload(scans)
            last = [a for a in log.answers[before:] if a.kind == "upload"][-1]
            refused = refused + 1 if last.status != 202 else 0
            time.sleep(0.5)
        time.sleep(20)  # the workers meet the full disk too
        full_to = time.time()
        stop.set()
        searching.join(30)
        while_full = [a for a in log.answers if full_from <= a.at <= full_to]
        stuck = half_written(services)
        reserved = reservations(services)
        waiting = sum(
            1
            for r in services.metadata.records.by_ids(log.accepted).values()
            if r.error.startswith("Waiting for storage space")
        )
        integrity = sqlite_check(mnt / "data" / "archive.db")
        print(
            f"disk full: {free(mnt) / 1e6:.2f} MB free; {len(log.accepted)} accepted so far, "
            f"{waiting} of them waiting for storage space (not failed)"
        )
        show("answers while the disk filled and was full", while_full)
        print(
            f"half-written while full: {stuck or 'none'}; reservations left for the sweep "
            f"(no objects): {len(reserved)}; SQLite integrity: {integrity}"
        )

        ballast.unlink()
        freed = time.time()
        first_202 = None
        while time.time() < freed + 300 and first_202 is None:
            status, _ = uploader.call("upload", "POST", "/api/v1/documents", fields=fields(scans))
            first_202 = time.time() if status == 202 else None
            time.sleep(0.5)
        drained = drain(services, log.accepted, 900)
        settled_at = time.time()
        return verdict(
            services, log, while_full, stuck, integrity, freed, first_202, settled_at, drained, mnt
        )


def verdict(
    services, log, while_full, stuck, integrity, freed, first_202, settled_at, drained, mnt
) -> int:
    from archive_app.audit import checkpoints
    from archive_app.domain.clock import utcnow
    from archive_app.operations import sweeping
    from archive_app.recordkeeping import fixity

    found = services.metadata.records.by_ids(log.accepted)
    states = sorted({r.status.value for r in found.values()})
    failed = [r for r in found.values() if r.status.value == "failed"]
    sweeping.sweep(services, now=utcnow() + timedelta(days=1, hours=1))  # a day later
    after = half_written(services) + [f"reservation {i}" for i in reservations(services)]
    fixed = fixity.verify(services, actor="soak")
    checkpoints.write_checkpoint(services)
    trail = checkpoints.verify(services)
    bad = [a for a in while_full if a.status >= 500 and a.status not in (503, 507)]
    clear = all(a.error for a in while_full if a.status in (503, 507))
    print(
        f"space freed: first upload accepted after {(first_202 or settled_at) - freed:.1f} s; "
        f"every accepted record settled {settled_at - freed:.0f} s after ({drained:.0f} s "
        f"draining); states {states}; failed: {[r.error for r in failed][:3]}"
    )
    print(
        f"after a day's sweep: half-written {after or 'none'}, files left in data/tmp "
        f"{temp_files(services)}; objects verified {fixed.checked}, missing "
        f"{len(fixed.missing)}, changed {len(fixed.changed)}; audit chain "
        f"{'verifies' if trail.ok else trail}"
    )
    checks = {
        "while full, uploads answered 507 or 503 with a message, never another 5xx": not bad
        and clear,
        "nothing half-written, database intact": not stuck and not after and integrity == "ok",
        "uploads accepted again once space is freed": first_202 is not None,
        "every accepted record processed (none failed)": states == ["ready"],
        "every object's hash matches": fixed.ok,
        "the audit chain verifies": trail.ok,
    }
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    return 0 if all(checks.values()) else 1


def fields(scans: s.Scans) -> dict:
    tps, data = scans.next()
    return {**s.META, "tps": str(tps), "file": ("scan.png", data, "image/png")}


def show(title: str, answers: list[s.Answer]) -> None:
    print(title)
    seen: dict[tuple[str, int, str], int] = {}
    for a in answers:
        key = (a.kind, a.status, a.error[:90])
        seen[key] = seen.get(key, 0) + 1
    for (kind, status, error), n in sorted(seen.items()):
        print(f"  {kind:<7} {status:>4} x{n:<4} {error}")


def mount(root: Path, megabytes: int, stack: ExitStack) -> Path:
    image, mnt = root / "disk.img", root / "mnt"
    mnt.mkdir()
    with open(image, "wb") as fh:
        fh.truncate(megabytes * 1024 * 1024)
    subprocess.run(["mkfs.ext4", "-q", "-F", "-m", "0", str(image)], check=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(mnt)], check=True)
    stack.callback(subprocess.run, ["umount", "-l", str(mnt)], check=False)
    return mnt


def free(path: Path) -> int:
    return shutil.disk_usage(path).free


def fill(mnt: Path, ballast: Path) -> None:
    size = max(0, free(mnt) - LEFT_FREE)
    with open(ballast, "wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, size)


def sqlite_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()
