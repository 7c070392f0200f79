"""`archive backup DEST`: a verified backup set of the whole archive (layout: backup_sets.py).

In order:
1. an audit entry, then a checkpoint of the trail (so the set's anchor reaches nearly to the
   snapshot);
2. a consistent snapshot of the metadata database (SQLite's online backup, or pg_dump);
3. every object the snapshot names, read in SHA-256 order and merged with the previous set's
   list: an object already held is not read again; any other is streamed out of the store,
   hashed, checked against the checksum recorded at ingest, and written to the
   destination, which verifies it again;
4. the newest signed checkpoints the snapshot reaches, the data folder's secret when it
   is the one in use (it derives the checkpoints' key), the lists, and last the manifest;
5. the older sets beyond ``ARCHIVE_BACKUP_KEEP`` are removed with the objects only they
   named.

Writers go on meanwhile. A record's metadata.json may be rewritten between the snapshot and
its copy (processing finished, a reviewer confirmed): it is derived from the database, so
the set names the record and restore writes it again from the restored database. So is a
PDF/A copy made again meanwhile (a correction, records/review.py): it is derived from the
searchable PDF and the record's metadata, and restore makes it again. Any other object
that does not match its checksum is reported as damaged, not copied: the set is complete
but flagged, and the command exits 1.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archive_app import audit
from archive_app.audit import checkpoints
from archive_app.db.migrate import head_revision
from archive_app.domain.audit import Checkpoint
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import StoredFile
from archive_app.domain.records import FileRole, tombstone_key
from archive_app.operations import backup_sets as sets
from archive_app.storage.destinations import open_destination
from archive_app.storage.interfaces import CHUNK, ObjectNotFound

log = logging.getLogger(__name__)

COPY_THREADS = 4  # objects in flight: per-object latency, not bandwidth, bounds small objects
RENEW_EVERY = 2000  # objects between renewals of the destination's lock


@dataclass
class BackupReport:
    set_id: str = ""
    destination: str = ""
    records: int = 0
    audit_entries: int = 0
    files: int = 0
    bytes: int = 0
    copied: int = 0
    copied_bytes: int = 0
    metadata_bytes: int = 0
    seconds: float = 0.0
    rederive: list[str] = field(default_factory=list)  # records whose metadata.json moved on
    remake: list[str] = field(default_factory=list)  # records whose PDF/A copy was made again
    changed: list[list[str]] = field(default_factory=list)  # [record, key]: changed since
    damaged: list[list[str]] = field(default_factory=list)  # [record, key, what]
    pruned: list[str] = field(default_factory=list)
    manifest_sha256: str = ""

    @property
    def ok(self) -> bool:
        return not self.damaged


def backup(
    services,
    destination: str,
    *,
    keep: int | None = None,
    actor: str = "system",
    progress: Callable[[int], None] | None = None,
) -> BackupReport:
    started = time.perf_counter()
    dest = open_destination(destination, services.settings)
    report = BackupReport(destination=destination)
    scratch = Path(tempfile.mkdtemp(dir=services.settings.tmp_dir, prefix="backup-"))
    try:
        with sets.Lock(dest) as lock:
            report.set_id = sets.new_set_id(dest)
            audit.record(
                services,
                actor,
                "backup.started",
                f"backup:{report.set_id}",
                destination=destination,
            )
            _checkpoint_now(services)
            previous = _previous_list(dest, scratch)
            manifest = _take(services, dest, report, previous, scratch, lock, progress)
            body = json.dumps(manifest, indent=2, sort_keys=True).encode()
            dest.put_bytes(
                sets.set_key(report.set_id, sets.MANIFEST), body, content_type="application/json"
            )
            report.manifest_sha256 = hashlib.sha256(body).hexdigest()
            keep = services.settings.backup_keep if keep is None else keep
            report.pruned = sets.prune(dest, keep, scratch).sets
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    report.seconds = time.perf_counter() - started
    audit.record(
        services,
        actor,
        "backup.completed",
        f"backup:{report.set_id}",
        destination=destination,
        manifest_sha256=report.manifest_sha256,
        records=report.records,
        files=report.files,
        copied=report.copied,
        copied_bytes=report.copied_bytes,
        damaged=report.damaged[:50],
        pruned=report.pruned,
        seconds=round(report.seconds, 1),
    )
    return report


def _checkpoint_now(services) -> None:
    try:
        checkpoints.write_checkpoint(services)
    except checkpoints.TrailTampered as exc:  # the set keeps the trail as it is: evidence
        log.error("backup: no new audit checkpoint: %s", exc)


def _previous_list(dest, scratch: Path) -> Path | None:
    complete = sets.sealed(dest)
    if not complete:
        return None
    manifest = sets.read_manifest(dest, complete[-1])
    return sets.fetch_list(dest, complete[-1], manifest, "files", scratch)


def _take(services, dest, report, previous, scratch, lock, progress) -> dict[str, Any]:
    set_id = report.set_id
    kind = services.metadata.engines.dialect
    dump = scratch / sets.DUMPS[kind]
    files_path, tombstones_path = scratch / sets.FILES, scratch / sets.TOMBSTONES
    listed, disposed = scratch / "snapshot-files.jsonl.gz", scratch / "snapshot-disposed.jsonl.gz"
    with services.metadata.snapshot(dump) as snapshot:
        head = snapshot.audit_head()
        counts = snapshot.counts()
        stored = snapshot.stored_files()
        sets.write_list(listed, ({"record": r, **dataclasses.asdict(f)} for r, f in stored))
        sets.write_list(disposed, ({"record": r} for r in snapshot.disposed()))
    # The snapshot's transaction is over: a first backup may copy for hours, and PostgreSQL
    # must not keep every dead row of those hours for a transaction that is only reading.
    held = sets.SortedMembership(sets.hashes(previous) if previous else ())
    copier = _Copier(services, dest, scratch, report, held, lock, progress)
    files = ((e.pop("record"), StoredFile(**e)) for e in sets.read_list(listed))
    report.files = sets.write_list(files_path, copier.files(files))
    records = (e["record"] for e in sets.read_list(disposed))
    tombstones = sorted(copier.tombstones(records), key=lambda e: e["sha256"])
    sets.write_list(tombstones_path, tombstones)
    report.records, report.audit_entries = counts["records"], counts["audit_entries"]
    report.metadata_bytes = dump.stat().st_size
    parts = {
        "metadata": _put(dest, set_id, dump),
        "files": _put(dest, set_id, files_path),
        "tombstones": _put(dest, set_id, tombstones_path),
    }
    parts["files"]["count"], parts["tombstones"]["count"] = report.files, len(tombstones)
    lines = _checkpoints_upto(services, head[0] if head else 0)
    if lines:
        path = scratch / sets.CHECKPOINTS
        path.write_text("".join(line + "\n" for line in lines))
        parts["checkpoints"] = {**_put(dest, set_id, path), "count": len(lines)}
    secret = _data_folder_secret(services.settings)
    if secret:
        path = scratch / sets.SECRET
        path.write_text(secret)
        parts["secret_key"] = _put(dest, set_id, path)
    return {
        "format": sets.FORMAT,
        "set": set_id,
        "created_at": utcnow().isoformat() + "Z",
        "source": {
            "database": kind,
            "object_store": services.settings.object_store,
            "schema": head_revision(),
        },
        **parts,
        "records": report.records,
        "users": counts["users"],
        "audit": {"entries": report.audit_entries, "head": list(head) if head else None},
        "bytes": report.bytes,
        "copied": {"objects": report.copied, "bytes": report.copied_bytes},
        "rederive": report.rederive,
        "remake": report.remake,
        "changed": report.changed,
        "damaged": report.damaged,
    }


def _put(dest, set_id: str, path: Path) -> dict[str, Any]:
    sha = sets.sha256_of(path)
    dest.put_file(sets.set_key(set_id, path.name), path, sha256=sha)
    return {"name": path.name, "sha256": sha, "size": path.stat().st_size}


def _checkpoints_upto(services, head_id: int) -> list[str]:
    """The newest valid checkpoint the snapshot reaches, and the one it follows on from
    (`archive audit verify` checks that link)."""
    key = checkpoints.signing_key(services.settings)
    chosen: Checkpoint | None = None
    for seq, line in services.anchor.newest_first():
        found = Checkpoint.from_line(line)
        if not (found and found.seq == seq and found.signature_ok(key)):
            continue
        if chosen is None and found.last_id <= head_id:
            chosen = found
            if not chosen.prev:
                return [line]
        elif chosen is not None and found.sig == chosen.prev:
            return [line, chosen.to_line()]
    return [chosen.to_line()] if chosen else []


def _data_folder_secret(settings) -> str:
    path = Path(settings.data_dir) / "secret_key"
    if path.exists() and path.read_text().strip() == settings.secret_key:
        return settings.secret_key
    return ""


class _Copier:
    """Copies what the destination lacks, a few objects at a time, keeping SHA-256 order."""

    def __init__(self, services, dest, scratch, report, held, lock, progress):
        self.services, self.dest, self.scratch = services, dest, scratch
        self.report, self.held, self.lock, self.progress = report, held, lock, progress
        self._counting = threading.Lock()
        self._secured = ""  # the last SHA-256 known to be in the destination

    def files(self, stored: Iterable[tuple[str, StoredFile]]) -> Iterator[dict[str, Any]]:
        with ThreadPoolExecutor(COPY_THREADS) as pool:
            window: deque[tuple[str, StoredFile, Future[tuple[str, str]] | str]] = deque()
            previous = ""
            for n, (record_id, f) in enumerate(stored, start=1):
                # Asked in SHA-256 order, as merged. The same bytes under a second key (an
                # empty text layer, say) come right after the first: settled from it.
                if f.sha256 in self.held:
                    window.append((record_id, f, "held"))
                elif f.sha256 == previous:
                    window.append((record_id, f, "same"))
                else:
                    window.append((record_id, f, pool.submit(self._copy, f.key, f.sha256)))
                previous = f.sha256
                if len(window) >= COPY_THREADS * 4:
                    yield from self._settle(*window.popleft())
                if n % RENEW_EVERY == 0:
                    self.lock.renew()
            while window:
                yield from self._settle(*window.popleft())

    def _settle(self, record_id: str, f: StoredFile, job) -> Iterator[dict[str, Any]]:
        if isinstance(job, Future):
            outcome = job.result()[0]
        elif job == "held" or f.sha256 == self._secured:
            outcome = "held"
        else:  # the first key with these bytes could not give them: try this one
            outcome = self._copy(f.key, f.sha256)[0]
        if outcome in ("held", "copied"):
            self._secured = f.sha256
        if self.progress:
            self.progress(1)
        if outcome in ("held", "copied"):
            self.report.bytes += f.size
            yield {
                "key": f.key,
                "sha256": f.sha256,
                "size": f.size,
                "record": record_id,
                "role": f.role,
                "content_type": f.content_type,
            }
        elif f.role == FileRole.METADATA.value:
            self.report.rederive.append(record_id)
        elif self._changed_since(record_id, f):
            if f.role == FileRole.PDFA.value:
                self.report.remake.append(record_id)
            else:
                self.report.changed.append([record_id, f.key])
        else:
            self.report.damaged.append([record_id, f.key, outcome])

    def _copy(self, key: str, expected: str | None) -> tuple[str, str]:
        """(outcome, SHA-256 read): 'held' (the destination has it), 'copied', 'missing' or
        'changed' (not the ``expected`` bytes). ``expected`` None: keep whatever it reads."""
        if expected is not None and self.dest.exists(sets.blob_key(expected)):
            return "held", expected
        fd, name = tempfile.mkstemp(dir=self.scratch)
        digest, size = hashlib.sha256(), 0
        try:
            try:
                with self.services.objects.open(key) as src, os.fdopen(fd, "wb") as out:
                    while chunk := src.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            except ObjectNotFound:
                return "missing", ""
            sha = digest.hexdigest()
            if expected is not None and sha != expected:
                return "changed", sha
            if expected is None and self.dest.exists(sets.blob_key(sha)):
                return "held", sha
            self.dest.put_file(sets.blob_key(sha), Path(name), sha256=sha)
            with self._counting:
                self.report.copied += 1
                self.report.copied_bytes += size
            return "copied", sha
        finally:
            Path(name).unlink(missing_ok=True)

    def _changed_since(self, record_id: str, f: StoredFile) -> bool:
        """Did the live database move on from the snapshot for this object (a destruction,
        a record processed again)? Otherwise the object itself is damaged."""
        record = self.services.metadata.records.get(record_id)
        if record is None or record.final_state == "disposed":
            return True
        live = {g.key: g.sha256 for g in self.services.metadata.records.files(record_id)}
        return live.get(f.key) != f.sha256

    def tombstones(self, disposed: Iterable[str]) -> Iterator[dict[str, Any]]:
        """What each approved destruction left (recordkeeping/disposition.py writes it);
        no checksum was recorded for it, so it is kept as it reads."""
        for record_id in disposed:
            key = tombstone_key(record_id)
            outcome, sha = self._copy(key, None)
            if outcome == "missing":
                self.report.damaged.append([record_id, key, "missing"])
                continue
            size = self.services.objects.stat(key).size
            yield {
                "key": key,
                "sha256": sha,
                "size": size,
                "record": record_id,
                "role": "tombstone",
                "content_type": "application/json",
            }


def nightly(services) -> BackupReport | None:
    """The workers' task: back up to ARCHIVE_BACKUP_DEST, if set; say loudly what failed."""
    destination = services.settings.backup_dest
    if not destination:
        return None
    try:
        report = backup(services, destination)
    except Exception as exc:
        log.exception("nightly backup to %s failed", destination)
        try:
            audit.record(
                services, "system", "backup.failed", "", destination=destination, error=str(exc)
            )
        except Exception:  # the database may be what failed; the log has it
            log.exception("could not record the failed backup")
        raise
    if not report.ok:
        log.error(
            "backup %s: %d damaged object(s), e.g. %s (run 'archive verify')",
            report.set_id,
            len(report.damaged),
            report.damaged[0],
        )
    return report
