"""The layout of a backup destination, its manifests, and the retention of backup sets.

```
blobs/<aa>/<sha256>            every object once, named by its SHA-256 (shared by the sets)
sets/<set>/metadata.sqlite     the database snapshot (metadata.pgdump on PostgreSQL)
sets/<set>/checkpoints.log     the newest signed audit checkpoints the snapshot reaches
sets/<set>/secret_key          the data folder's generated secret, when that is the one in use
sets/<set>/files.jsonl.gz      every object: key, SHA-256, size ... in SHA-256 order
sets/<set>/tombstones.jsonl.gz what approved destructions left behind, in SHA-256 order
sets/<set>/manifest.json       written last: a set without one is incomplete
lock.json                      one backup or prune at a time
```

Objects are kept by content, not by key: a key rewritten later (a record's metadata.json
after a review) never overwrites what an older set restores, and an object is copied once
whatever the number of sets. The lists are sorted by SHA-256 so that "already held" and
"still needed by a kept set" are answered by merging sorted streams: memory stays flat at a
million records.
"""

from __future__ import annotations

import gzip
import hashlib
import heapq
import io
import json
import os
import socket
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from archive_app.domain.clock import utcnow
from archive_app.storage.interfaces import CHUNK, ObjectNotFound

FORMAT = "election-archive/backup/1"
SETS = "sets/"
MANIFEST = "manifest.json"
FILES = "files.jsonl.gz"
TOMBSTONES = "tombstones.jsonl.gz"
CHECKPOINTS = "checkpoints.log"
SECRET = "secret_key"
DUMPS = {"sqlite": "metadata.sqlite", "postgresql": "metadata.pgdump"}
LOCK = "lock.json"
LOCK_TTL = timedelta(hours=2)  # renewed while a backup runs; a crashed one frees it after this


class BackupError(RuntimeError):
    """The backup or restore stopped; the message says why."""


def blob_key(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256}"


def set_key(set_id: str, name: str) -> str:
    return f"{SETS}{set_id}/{name}"


def new_set_id(dest) -> str:
    """The UTC time, or, when a set of that second (or a later one, the clock having gone
    back) exists, the newest one's time with the next number: ids sort as the sets were
    taken, which is what retention and restore go by."""
    stamp = utcnow().strftime("%Y%m%dT%H%M%SZ")
    existing = set_ids(dest)
    if not existing or stamp > existing[-1].split("-")[0]:
        return stamp
    base, _, number = existing[-1].partition("-")
    return f"{base}-{int(number or 1) + 1:03d}"


def set_ids(dest) -> list[str]:
    return sorted({key[len(SETS) :].split("/", 1)[0] for key in dest.list(SETS)})


def sealed(dest) -> list[str]:
    """Complete sets (those with a manifest), oldest first."""
    return sorted({key.split("/")[1] for key in dest.list(SETS) if key.endswith("/" + MANIFEST)})


def read_manifest(dest, set_id: str) -> dict[str, Any]:
    try:
        with dest.open(set_key(set_id, MANIFEST)) as fh:
            manifest = json.loads(fh.read())
    except ObjectNotFound:
        raise BackupError(f"backup set {set_id} has no manifest: it is incomplete") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"backup set {set_id}: unknown format {manifest.get('format')!r}")
    return manifest


def fetch(dest, key: str, target: Path, sha256: str) -> int:
    """Copy an object out to a local file, checking it is the bytes the manifest names."""
    digest, size = hashlib.sha256(), 0
    try:
        with dest.open(key) as src, open(target, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
    except ObjectNotFound:
        raise BackupError(f"the backup has lost {key}") from None
    if digest.hexdigest() != sha256:
        raise BackupError(f"{key} in the backup does not match its SHA-256: it was damaged")
    return size


def sha256_of(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# -- the sorted lists ------------------------------------------------------------------------


def write_list(path: Path, entries: Iterable[dict[str, Any]]) -> int:
    """Write entries as gzipped JSON lines (``mtime=0``: the same list, the same bytes)."""
    count = 0
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        text = io.TextIOWrapper(gz, encoding="utf-8")
        for entry in entries:
            text.write(json.dumps(entry, sort_keys=True, separators=(",", ":")) + "\n")
            count += 1
        text.flush()
        text.detach()
    return count


def read_list(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)


def fetch_list(dest, set_id: str, manifest: dict[str, Any], part: str, scratch: Path) -> Path:
    """A set's file or tombstone list, copied out and checked against the manifest."""
    info = manifest[part]
    target = Path(tempfile.mkstemp(dir=scratch, suffix=".jsonl.gz")[1])
    fetch(dest, set_key(set_id, info["name"]), target, info["sha256"])
    return target


class SortedMembership:
    """Is a SHA-256 in a sorted stream? Asked in ascending order, answered in one pass."""

    def __init__(self, hashes: Iterable[str]):
        self._it = iter(hashes)
        self._current: str | None = next(self._it, None)

    def __contains__(self, sha256: str) -> bool:
        while self._current is not None and self._current < sha256:
            self._current = next(self._it, None)
        return self._current == sha256


def hashes(path: Path) -> Iterator[str]:
    for entry in read_list(path):
        yield entry["sha256"]


# -- retention -------------------------------------------------------------------------------


@dataclass
class Pruned:
    sets: list[str]
    blobs: int


def prune(dest, keep: int, scratch: Path) -> Pruned:
    """Keep the newest ``keep`` complete sets; remove older sets (complete or not) and every
    blob that no kept set names. Sets newer than the newest complete one are left alone
    (one may be being written). A set loses its manifest first, so a prune cut short
    leaves an incomplete set that the next prune finishes removing."""
    complete = sealed(dest)
    if keep < 1 or len(complete) == 0:
        return Pruned([], 0)
    kept = complete[-keep:]
    doomed = [s for s in set_ids(dest) if s not in kept and s < kept[-1]]
    if not doomed:
        return Pruned([], 0)
    lists: dict[str, list[Path]] = {}
    for set_id in kept + doomed:
        lists[set_id] = _local_lists(dest, set_id, scratch)
    for set_id in doomed:
        dest.delete(set_key(set_id, MANIFEST))
    still_named = SortedMembership(heapq.merge(*(hashes(p) for s in kept for p in lists[s])))
    removed, last = 0, None
    for sha in heapq.merge(*(hashes(p) for s in doomed for p in lists[s])):
        if sha != last and sha not in still_named:
            dest.delete_all_versions(blob_key(sha))
            removed += 1
        last = sha
    for set_id in doomed:
        for key in list(dest.list(f"{SETS}{set_id}/")):
            dest.delete_all_versions(key)
    for paths in lists.values():
        for path in paths:
            path.unlink(missing_ok=True)
    return Pruned(doomed, removed)


def _local_lists(dest, set_id: str, scratch: Path) -> list[Path]:
    """The set's lists, copied out (unchecked: a damaged list only keeps blobs longer)."""
    found = []
    for name in (FILES, TOMBSTONES):
        target = Path(tempfile.mkstemp(dir=scratch, suffix=".jsonl.gz")[1])
        try:
            with dest.open(set_key(set_id, name)) as src, open(target, "wb") as out:
                while chunk := src.read(CHUNK):
                    out.write(chunk)
            found.append(target)
        except ObjectNotFound:
            target.unlink()
    return found


# -- one backup at a time --------------------------------------------------------------------


class Lock:
    """``lock.json`` in the destination: who is writing, until when (renewed while working).

    Not atomic on S3 (two runs starting in the same second could both pass), which is why
    it is read back after writing; the nightly task runs on one worker anyway."""

    def __init__(self, dest):
        self.dest = dest
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{os.urandom(4).hex()}"
        self._since = ""

    def acquire(self) -> None:
        held = self._read()
        if held and held["owner"] != self.owner and held["until"] > utcnow().isoformat():
            raise BackupError(
                f"another backup is writing to this destination ({held['owner']}, since "
                f"{held['since']}); if it crashed, its lock lapses at {held['until']}"
            )
        self.renew(since=utcnow().isoformat())
        if (self._read() or {}).get("owner") != self.owner:
            raise BackupError("another backup took this destination at the same moment")

    def renew(self, since: str | None = None) -> None:
        body = {
            "owner": self.owner,
            "since": since or self._since,
            "until": (utcnow() + LOCK_TTL).isoformat(),
        }
        self._since = body["since"]
        self.dest.put_bytes(LOCK, json.dumps(body).encode(), content_type="application/json")

    def release(self) -> None:
        if (self._read() or {}).get("owner") == self.owner:
            self.dest.delete_all_versions(LOCK)

    def _read(self) -> dict[str, Any] | None:
        try:
            with self.dest.open(LOCK) as fh:
                return json.loads(fh.read())
        except (ObjectNotFound, ValueError):
            return None

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
