"""Bulk ingest: many files (or ZIPs of them) with metadata shared by the batch.

A file's problems never stop the batch: each file ends as accepted, duplicate (the same
bytes are already archived; a failed earlier record is retried instead) or rejected, with
its reason, and the batch goes on. What each accepted record then becomes (queued,
processing, ready, failed, needs review) is read live from the records themselves.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from archive_app import audit
from archive_app.db.interfaces import DuplicateRecord
from archive_app.domain.metadata import ALL_FIELDS, MetadataError, validate_metadata
from archive_app.domain.records import Received, Status
from archive_app.intake import uploads, zips
from ingest.models import RejectedFile


@dataclass(frozen=True)
class Outcome:
    name: str
    outcome: Received
    message: str = ""
    document_id: str | None = None


def start(services, label: str, source: str, metadata: dict, actor: str, ip: str = "") -> int:
    """A new batch; MetadataError if the shared metadata is wrong in itself (a year of 1200),
    so a mistake is refused once instead of failing every file of the batch."""
    shared = {k: str(v) for k, v in (metadata or {}).items() if k in ALL_FIELDS and v}
    validate_metadata(shared, services.settings.vocabulary, partial=True)
    batch_id = services.metadata.batches.create(label or "", source, shared, actor)
    audit.record(services, actor, "batch.start", f"batch:{batch_id}", ip, source=source,
                 label=label, metadata=shared)  # fmt: skip
    return batch_id


Overrides = dict | Callable[[str], dict] | None  # per file: fixed, or looked up by name


def add_file(services, batch_id: int, path: Path, name: str, actor: str, ip: str = "",
             overrides: Overrides = None) -> list[Outcome]:  # fmt: skip
    """Ingest one file (or every entry of a ZIP) into the batch; returns one outcome each.

    ``overrides`` add to the batch's shared metadata: a dict for this file, or a function of
    the file's (or ZIP entry's) name, e.g. a manifest lookup."""
    batch = services.metadata.batches.get(batch_id)
    if batch is None:
        raise LookupError(f"no batch {batch_id}")

    def metadata_for(entry_name: str) -> dict:
        extra = overrides(entry_name) if callable(overrides) else overrides
        return {**batch.metadata, **{k: v for k, v in (extra or {}).items() if v}}

    if zips.is_zip(path):
        return _add_zip(services, batch_id, path, name, metadata_for, actor, ip)
    with open(path, "rb") as fh:
        outcome = _receive(services, batch_id, fh, name, metadata_for(name), actor, ip)
    _record(services, batch_id, outcome)
    return [outcome]


def add_stream(services, batch_id: int, stream: IO[bytes], name: str, actor: str, ip: str = "",
               overrides: dict | None = None) -> list[Outcome]:  # fmt: skip
    """Like add_file for a stream (a multipart upload): it may be a ZIP, so it lands on disk."""
    fd, tmp = tempfile.mkstemp(dir=services.settings.tmp_dir, prefix="batch-")
    try:
        with open(fd, "wb") as out:
            shutil.copyfileobj(stream, out, 1024 * 1024)
        return add_file(services, batch_id, Path(tmp), name, actor, ip, overrides)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _receive(services, batch_id, stream: BinaryIO, name, metadata, actor, ip) -> Outcome:
    try:
        accepted = uploads.receive(services, stream, name, metadata, actor, ip, batch_id=batch_id)
        return Outcome(name, Received.ACCEPTED, "", accepted.id)
    except DuplicateRecord as exc:
        existing = services.metadata.records.get(exc.existing_id)
        if existing is not None and existing.status is Status.FAILED:
            uploads.retry(services, existing.id, actor, ip)
            return Outcome(name, Received.DUPLICATE, "already archived; it had failed, so it was "
                           "queued again", existing.id)  # fmt: skip
        return Outcome(name, Received.DUPLICATE, "already archived", exc.existing_id)
    except RejectedFile as exc:
        return Outcome(name, Received.REJECTED, exc.message)
    except MetadataError as exc:
        problems = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
        return Outcome(name, Received.REJECTED, f"metadata: {problems}")


def _add_zip(services, batch_id, path: Path, name: str, metadata_for, actor, ip) -> list[Outcome]:
    settings = services.settings
    try:
        entries, refused = zips.plan(
            path, max_files=settings.max_zip_files,
            max_total_bytes=settings.max_zip_mb * 1024 * 1024,
        )  # fmt: skip
    except zips.ZipRejected as exc:
        outcome = Outcome(name, Received.REJECTED, str(exc))
        _record(services, batch_id, outcome)
        return [outcome]
    outcomes = [Outcome(f"{name}/{r.name}", Received.REJECTED, r.reason) for r in refused]
    for outcome in outcomes:
        _record(services, batch_id, outcome)
    scratch = Path(tempfile.mkdtemp(dir=settings.tmp_dir, prefix="zip-"))
    try:
        with zips.opened(path) as archive:
            outcomes += _add_entries(services, batch_id, archive, entries, name, metadata_for,
                                     scratch, actor, ip)  # fmt: skip
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return outcomes


def _add_entries(services, batch_id, archive, entries, name, metadata_for, scratch, actor, ip):
    outcomes = []
    for info in entries:
        entry_name = f"{name}/{info.filename}"
        with zips.extracted(archive, info, scratch) as extracted:
            if isinstance(extracted, zips.Rejected):
                outcome = Outcome(entry_name, Received.REJECTED, extracted.reason)
            else:
                metadata = metadata_for(info.filename)
                with open(extracted, "rb") as fh:
                    outcome = _receive(services, batch_id, fh, entry_name, metadata, actor, ip)
        _record(services, batch_id, outcome)
        outcomes.append(outcome)
    return outcomes


def _record(services, batch_id: int, outcome: Outcome) -> None:
    services.metadata.batches.add_item(
        batch_id, outcome.name, outcome.outcome, outcome.message, outcome.document_id
    )
    if outcome.outcome is Received.REJECTED:
        audit.record(services, "system", "batch.reject", f"batch:{batch_id}",
                     name=outcome.name, reason=outcome.message)  # fmt: skip
