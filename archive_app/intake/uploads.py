"""Receiving a scan: validate, store the original, record it, queue it.

A crash at any point leaves either the whole record (original + sidecar in the store,
row queued) or nothing: the row is reserved first in an "uploading" state that no one
sees, the objects are written, and one transaction flips the row to "queued". If
anything fails the objects and the reservation are removed; if the process dies, the
sweep removes reservations older than an hour together with their objects.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import tempfile
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from archive_app import audit
from archive_app.audit.trail import entry as audit_entry
from archive_app.db.interfaces import DuplicateRecord, MetadataUnavailable
from archive_app.domain.audit import AuditEntry
from archive_app.domain.entities import NewRecord, StoredFile
from archive_app.domain.metadata import validate_metadata
from archive_app.domain.records import FileRole, Status, object_key
from archive_app.domain.tasks import PROCESS_RECORD
from archive_app.recordkeeping import holds, retention
from archive_app.records import sidecar
from archive_app.storage.interfaces import CHUNK
from ingest.models import RejectedFile
from ingest.sniff import inspect

log = logging.getLogger(__name__)

# HTTP status for each refusal code, shared by the API and the web form.
REJECTION_STATUS = {
    "empty": 400,
    "unsupported_type": 415,
    "damaged": 422,
    "too_large": 413,
    "too_many_pages": 413,
}


class BeingReceived(MetadataUnavailable):
    """The same bytes hold an unfinished reservation: another upload of them is under way,
    or one was cut short (a full disk kept even its cleanup from being written) and the
    sweep removes it within the hour. Not a duplicate: nothing is archived yet, and a
    client told "already archived" might discard its only copy. Try again later."""


@dataclass(frozen=True)
class Accepted:
    id: str
    sha256: str
    status: str = Status.QUEUED.value


def receive(
    services, stream: BinaryIO, filename: str, raw_metadata: Mapping, actor: str, ip: str = "",
    *, batch_id: int | None = None,
) -> Accepted:  # fmt: skip
    """Archive one uploaded file. Raises MetadataError, RejectedFile or DuplicateDocument.

    Metadata the page itself shows may be left out: it is read from the page during
    processing, and a field neither given nor read sends the record to review.
    """
    metadata = validate_metadata(raw_metadata, services.settings.vocabulary, partial=True)
    given = {k: v for k, v in metadata.as_dict().items() if str(raw_metadata.get(k) or "").strip()}
    spool = _spool(services, stream)
    try:
        sha256, size = spool.sha256, spool.size
        info = inspect(spool.path, services.limits)
        existing = services.metadata.records.by_sha256(sha256)
        if existing is not None and existing.status is Status.UPLOADING:
            raise BeingReceived(f"{sha256} is being received (reservation {existing.id})")
        if existing is not None:
            raise DuplicateRecord(existing.id)
        new = NewRecord(
            id=uuid.uuid4().hex,
            sha256=sha256,
            metadata=metadata,
            kind=info.kind.value,
            # no NUL, which PostgreSQL text refuses (the web and API refuse it before here)
            original_name=os.path.basename(filename or "").replace("\x00", "")[:255],
            size=size,
            page_count=info.page_count,
            created_by=actor,
            batch_id=batch_id,
            given=given,
        )
        entry = audit_entry(
            actor,
            "upload",
            f"document:{new.id}",
            ip,
            sha256=sha256,
            name=new.original_name,
            size=size,
        )
        try:
            _store(services, new, spool.path, info.kind, entry)
        except DuplicateRecord:  # the same bytes, reserved a moment ago by another upload
            current = services.metadata.records.by_sha256(sha256)
            if current is not None and current.status is Status.UPLOADING:
                raise BeingReceived(f"{sha256} is being received by another upload") from None
            raise
    finally:
        spool.path.unlink(missing_ok=True)
    # The record and its audit entry are committed. What follows is redone by processing
    # (holds by query, retention) or by the sweep (the wake-up): a failure here, a full
    # disk say, is logged and must not tell the uploader that the record was not kept.
    _quietly(holds.apply_query_holds, services, new.id)
    _quietly(functools.partial(retention.refresh, services, ids=[new.id]))
    try:
        services.queue.enqueue(PROCESS_RECORD, new.id)
    except Exception:  # the record is safe; the sweep enqueues it again
        log.exception("could not enqueue %s; the sweep will retry", new.id)
    return Accepted(id=new.id, sha256=sha256)


def _store(services, new: NewRecord, path: Path, kind, entry: AuditEntry) -> None:
    records, objects = services.metadata.records, services.objects
    record = records.begin_upload(new)
    keys: list[str] = []
    try:
        key = object_key(new.id, FileRole.ORIGINAL, extension=kind.extension)
        keys.append(key)
        info = objects.put_file(key, path, content_type=kind.mime, sha256=new.sha256)
        original = StoredFile(FileRole.ORIGINAL.value, key, info.sha256, info.size, kind.mime)
        meta_key = sidecar.sidecar_key(new.id)
        keys.append(meta_key)
        body = sidecar.build(record, [original], [], Status.QUEUED.value)
        meta = objects.put_bytes(meta_key, body, content_type="application/json")
        meta_file = StoredFile(
            FileRole.METADATA.value, meta_key, meta.sha256, meta.size, "application/json"
        )
        records.complete_upload(new.id, [original, meta_file], entry)
    except BaseException:
        for key in keys:
            _quietly(objects.delete, key)
        _quietly(records.abandon_upload, new.id)
        raise


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except Exception:
        # by name: a partial's repr holds its arguments, the services and their settings
        named = getattr(fn, "func", fn)
        log.exception("step %s failed", getattr(named, "__qualname__", type(named).__name__))


@dataclass(frozen=True)
class _Spool:
    path: Path
    sha256: str
    size: int


def _spool(services, stream: BinaryIO) -> _Spool:
    """Copy the upload to a private temp file, hashing as it streams, within the size cap."""
    limit = services.settings.max_upload_mb * 1024 * 1024
    digest = hashlib.sha256()
    size = 0
    fd, name = tempfile.mkstemp(dir=services.settings.tmp_dir, prefix="upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise RejectedFile(
                        "too_large",
                        f"The file is larger than {services.settings.max_upload_mb} MB.",
                    )
                digest.update(chunk)
                out.write(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return _Spool(Path(name), digest.hexdigest(), size)


def retry(services, record_id: str, actor: str, ip: str = "") -> bool:
    """Queue a failed record again (after its cause was fixed, e.g. a missing language).

    Not one a legal hold or an open disposition list freezes: processing would write what
    it reads over the metadata the hold or the list was placed on."""
    from archive_app.records.review import NotReviewable, frozen_by

    try:
        frozen_by(services, record_id)
    except NotReviewable:
        return False
    if not services.metadata.jobs.requeue(record_id):
        return False
    audit.record(services, actor, "process.retry", f"document:{record_id}", ip)
    services.queue.enqueue(PROCESS_RECORD, record_id)
    return True
