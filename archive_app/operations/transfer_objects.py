"""Objects a transfer copies, each verified: a record's files against the SHA-256 recorded
at ingest, a destroyed record's sidecar against its row, a disposition report against the
SHA-256 its list recorded. A source object that is missing or does not match stops the
transfer with what to do, and nothing of it is written at the target."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from archive_app.domain.entities import Record, StoredFile
from archive_app.domain.records import tombstone_key
from archive_app.recordkeeping import fixity
from archive_app.storage.interfaces import CHUNK, ObjectNotFound

RESTORE = "restore it from a backup (`archive restore`) before transferring"


class TransferError(RuntimeError):
    """The transfer stopped; what was copied so far is complete and will be skipped next time."""


def copy(src_store, dst_store, f: StoredFile, scratch: Path, key: str = "") -> int:
    """``f`` copied through a scratch file, verified, to ``key`` (its own by default) at the
    target; its size."""
    fd, name = tempfile.mkstemp(dir=scratch)
    digest = hashlib.sha256()
    size = 0
    try:
        try:
            with src_store.open(f.key) as src, os.fdopen(fd, "wb") as out:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except ObjectNotFound:
            raise TransferError(
                f"source object {f.key} is missing: if a disposition list is being carried "
                f"out at the source, let it finish and transfer again; otherwise {RESTORE}"
            ) from None
        if digest.hexdigest() != f.sha256:
            raise TransferError(
                f"source object {f.key} does not match its recorded SHA-256: it was changed "
                f"or damaged after it was stored; {RESTORE}"
            )
        dst_store.put_file(key or f.key, Path(name), content_type=f.content_type,
                           sha256=f.sha256)  # fmt: skip
    finally:
        Path(name).unlink(missing_ok=True)
    return size


def copy_tombstone(src_store, dst_store, record: Record) -> int:
    """A destroyed record's sidecar (what it was, its checksums, who approved its
    destruction): the only object it has left, a small JSON document. It must name the
    record and its SHA-256, as the row does."""
    key = tombstone_key(record.id)
    try:
        with src_store.open(key) as src:
            data = src.read()
    except ObjectNotFound:
        raise TransferError(
            f"the destroyed record {record.id} has no tombstone sidecar ({key}) at the "
            f"source: {RESTORE}"
        ) from None
    try:
        sidecar = json.loads(data)
        named = (sidecar.get("id"), sidecar.get("sha256"))
    except (ValueError, AttributeError):
        named = None
    if named != (record.id, record.sha256):
        raise TransferError(f"the tombstone sidecar {key} does not describe its record: {RESTORE}")
    dst_store.put_bytes(key, data, content_type="application/json")
    return len(data)


def copy_unless_there(src_store, dst_store, f: StoredFile, scratch: Path, key: str) -> int:
    """``f`` copied to ``key`` at the target unless the same bytes are there already (a
    rerun); another object under that key is never overwritten. Bytes copied."""
    if dst_store.exists(key):
        if fixity.object_sha256(dst_store, key) != f.sha256:
            raise TransferError(
                f"the target already holds another object under {key}: move it aside, or "
                "transfer into an archive that does not hold it"
            )
        return 0
    return copy(src_store, dst_store, f, scratch, key)
