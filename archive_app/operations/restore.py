"""`archive restore SRC`: a backup set back into empty backends.

Only into empty ones: a database without records, users or audit entries (a new one, or
one only migrated), an object store without objects, an anchor without checkpoints.
Restoring over a live archive would mix two histories, and the audit chain of either
would no longer prove anything.

In order: the set's manifest, the database dump and the lists are fetched and checked
against their SHA-256; every object is copied from its blob to its key, and the archive's
store verifies it again; then the checkpoints go to the anchor and the secret to the data
folder; the database goes in last, as one step (a file renamed into place, or pg_restore
in one transaction), so an archive whose database is back has all its objects. A marker
object says a restore is under way: run again with the same set, it takes up where it
stopped. The command then runs the full fixity check, the audit verification and a
reindex, and keeps the tally CSV lines the set did not hold (archive_app/commands/backup.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archive_app import audit
from archive_app.domain.audit import Checkpoint
from archive_app.operations import backup_sets as sets
from archive_app.recordkeeping import holds, preservation
from archive_app.records import sidecar
from archive_app.storage.destinations import open_destination
from archive_app.storage.interfaces import ObjectNotFound

MARKER = "restore-in-progress.json"
COPY_THREADS = 4


@dataclass
class RestoreReport:
    set_id: str = ""
    source: str = ""
    records: int = 0
    objects: int = 0
    bytes: int = 0
    checkpoints: int = 0
    secret_restored: bool = False
    rederived: int = 0
    remade: int = 0
    remake_failed: dict[str, str] = dataclasses.field(default_factory=dict)
    resumed: bool = False
    seconds: float = 0.0


def restore(
    services,
    source: str,
    *,
    set_id: str | None = None,
    actor: str = "system",
    progress: Callable[[int], None] | None = None,
) -> RestoreReport:
    started = time.perf_counter()
    src = open_destination(source, services.settings, existing=True)
    set_id = _choose(src, source, set_id)
    manifest = sets.read_manifest(src, set_id)
    kind = manifest["source"]["database"]
    if kind != services.metadata.engines.dialect:
        raise sets.BackupError(
            f"set {set_id} holds a {kind} database and this archive is set up for "
            f"{services.metadata.engines.dialect}: restore it into an archive on {kind}, "
            "then move it with 'archive transfer'"
        )
    report = RestoreReport(set_id=set_id, source=source, records=manifest["records"])
    report.resumed = _check_empty(services, set_id)
    services.objects.put_bytes(MARKER, json.dumps({"set": set_id, "source": source}).encode())
    scratch = Path(tempfile.mkdtemp(dir=services.settings.tmp_dir, prefix="restore-"))
    try:
        dump = scratch / manifest["metadata"]["name"]
        sets.fetch(src, sets.set_key(set_id, dump.name), dump, manifest["metadata"]["sha256"])
        for part in ("files", "tombstones"):
            listed = sets.fetch_list(src, set_id, manifest, part, scratch)
            _objects(services, src, listed, scratch, report, progress)
        report.checkpoints = _checkpoints(services, src, set_id, manifest, scratch)
        report.secret_restored = _secret(services, src, set_id, manifest, scratch)
        services.metadata.load_snapshot(kind, dump)
        services.metadata.migrate()
        services.objects.delete(MARKER)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for record_id in manifest.get("rederive", []):
        sidecar.rewrite(services, record_id)
        report.rederived += 1
    _remake(services, manifest.get("remake", []), report)
    holds.mirror_active(services)
    report.seconds = time.perf_counter() - started
    audit.record(
        services,
        actor,
        "restore.completed",
        f"backup:{set_id}",
        source=source,
        records=report.records,
        objects=report.objects,
        bytes=report.bytes,
        rederived=report.rederived,
        remade=report.remade,
        remake_failed=report.remake_failed,
        resumed=report.resumed,
        seconds=round(report.seconds, 1),
    )
    return report


def _remake(services, record_ids: list[str], report: RestoreReport) -> None:
    """PDF/A copies made again after the set's snapshot: the set holds neither copy, so the
    copy is made once more from the restored searchable PDF and metadata. One that cannot be
    made is reported (and `archive verify` names it missing); the others go on."""
    if not record_ids:
        return
    made = preservation.preserve_many(services, record_ids, again=True)
    report.remade = len(made.made)
    report.remake_failed = made.failed


def _choose(src, source: str, set_id: str | None) -> str:
    complete = sets.sealed(src)
    if not complete:
        raise sets.BackupError(f"no complete backup set in {source}")
    if set_id is None:
        return complete[-1]
    if set_id not in complete:
        raise sets.BackupError(
            f"no complete backup set {set_id} in {source}; there are: {', '.join(complete)}"
        )
    return set_id


def _check_empty(services, set_id: str) -> bool:
    """Refuse anything but empty backends; True when a restore of this set was cut short
    (its marker is there and the database is still empty): it is taken up again."""
    held = services.metadata.contents()
    problems = []
    if any(held.values()):
        problems.append(
            f"the metadata database is in use (records: {held['records']}, users: "
            f"{held['users']}, audit entries: {held['audit_entries']})"
        )
    marker = _marker(services)
    if marker is not None and not problems:
        if marker.get("set") == set_id:
            return True
        problems.append(
            f"an interrupted restore of set {marker.get('set')} left objects behind "
            f"(run it again with --set {marker.get('set')}, or empty the object store)"
        )
    if marker is None:
        first = next((k for k in services.objects.list() if k != MARKER), None)
        if first is not None:
            problems.append(f"the object store holds objects ({first} ...)")
        if services.anchor.highest_claimed():
            problems.append("the audit anchor holds checkpoints")
    if problems:
        raise sets.BackupError(
            "restore goes only into empty backends, and here "
            + "; ".join(problems)
            + ". Point the archive at a new data folder (on scale-out: an empty database "
            "and bucket), then run the restore again."
        )
    return False


def _marker(services) -> dict[str, Any] | None:
    try:
        with services.objects.open(MARKER) as fh:
            return json.loads(fh.read())
    except (ObjectNotFound, ValueError):
        return None


def _objects(services, src, listed: Path, scratch: Path, report, progress) -> None:
    def copy(entry: dict[str, Any]) -> int:
        if report.resumed and _already(services.objects, entry):
            return 0
        fd, name = tempfile.mkstemp(dir=scratch)
        os.close(fd)
        try:
            size = sets.fetch(src, sets.blob_key(entry["sha256"]), Path(name), entry["sha256"])
            services.objects.put_file(
                entry["key"], Path(name), content_type=entry["content_type"], sha256=entry["sha256"]
            )
            return size
        finally:
            Path(name).unlink(missing_ok=True)

    with ThreadPoolExecutor(COPY_THREADS) as pool:
        window: deque[Future[int]] = deque()
        for entry in sets.read_list(listed):
            window.append(pool.submit(copy, entry))
            if len(window) >= COPY_THREADS * 4:
                _settle(window.popleft(), report, progress)
        while window:
            _settle(window.popleft(), report, progress)
    listed.unlink()


def _settle(job: Future[int], report: RestoreReport, progress) -> None:
    report.bytes += job.result()
    report.objects += 1
    if progress:
        progress(1)


def _already(objects, entry: dict[str, Any]) -> bool:
    """On a resumed restore: is the object there with its checksum (S3 keeps it with the
    object; a local file is simply copied again)?"""
    try:
        return objects.stat(entry["key"]).sha256 == entry["sha256"]
    except ObjectNotFound:
        return False


def _checkpoints(services, src, set_id: str, manifest: dict[str, Any], scratch: Path) -> int:
    info = manifest.get("checkpoints")
    if not info:
        return 0
    path = scratch / sets.CHECKPOINTS
    sets.fetch(src, sets.set_key(set_id, info["name"]), path, info["sha256"])
    count = 0
    for line in path.read_text().splitlines():
        checkpoint = Checkpoint.from_line(line)
        if checkpoint is not None:
            services.anchor.append(checkpoint.seq, line)
            count += 1
    return count


def _secret(services, src, set_id: str, manifest: dict[str, Any], scratch: Path) -> bool:
    """The data folder's generated secret (it also derives the audit key, unless
    ARCHIVE_AUDIT_KEY is set); the caller builds its services again to use it."""
    info = manifest.get("secret_key")
    if not info:
        return False
    staged = scratch / sets.SECRET
    sets.fetch(src, sets.set_key(set_id, info["name"]), staged, info["sha256"])
    os.chmod(staged, 0o600)
    target = Path(services.settings.data_dir) / "secret_key"
    shutil.copyfile(staged, target.with_name(".secret_key.restoring"))
    os.chmod(target.with_name(".secret_key.restoring"), 0o600)
    os.replace(target.with_name(".secret_key.restoring"), target)
    return True
