"""Preservation copies: every ready record gets a PDF/A-2b copy of its searchable PDF.

Made off the ingest path: processing enqueues ``preserve_record`` once a record is ready, a
reviewer's correction enqueues it again (the copy's XMP carries the metadata), and the nightly
task and ``archive preserve --missing`` catch up records without one. The copy is made from
the stored searchable PDF (re-checked against its SHA-256), stored under a fixed key with its
own SHA-256 like every stored file (so fixity checks it and transfers copy it), and listed in
the record's metadata.json. What the copy holds and how it is validated: ingest/pdfa.py.

A record being processed again has every derived file replaced, its copy included: the row is
only written while the record is ready, and processing enqueues a new copy when it is done.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from archive_app import audit
from archive_app.db.interfaces import MetadataUnavailable
from archive_app.domain.entities import Record, StoredFile
from archive_app.domain.records import FileRole, Status, object_key
from archive_app.domain.tasks import PRESERVE_RECORD
from archive_app.recordkeeping import fixity
from archive_app.storage.interfaces import CHUNK, ChecksumMismatch, StoreUnavailable
from ingest import pdfa

log = logging.getLogger(__name__)

CONTENT_TYPE = "application/pdf"
PUBLISHER = "Komisi Pemilihan Umum (arsip formulir pemilu)"
NIGHTLY_LIMIT = 2000  # records whose missing copy the nightly task enqueues
# A backend away: the task is tried again later. Anything else fails this record's copy alone.
TRANSIENT = (StoreUnavailable, MetadataUnavailable, ConnectionError, TimeoutError)


@dataclass
class PreserveReport:
    made: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not ready, or already preserved
    unknown: list[str] = field(default_factory=list)  # no such record
    failed: dict[str, str] = field(default_factory=dict)  # record id -> why


def preserve(services, record_id: str, *, again: bool = False) -> StoredFile | None:
    """Make and store the record's copy; None when there is nothing to do (not ready, or a
    copy exists and ``again`` is not asked for). Raises pdfa.PdfaError if none can be made."""
    record = services.metadata.records.get(record_id)
    return None if record is None else _preserve(services, record, again=again)


def _preserve(services, record: Record, *, again: bool) -> StoredFile | None:
    record_id, records = record.id, services.metadata.records
    if record.status is not Status.READY or record.final_state:
        return None
    files = records.files(record_id)
    if not again and any(f.role == FileRole.PDFA.value for f in files):
        return None
    searchable = next((f for f in files if f.role == FileRole.PDF.value), None)
    if searchable is None:
        return None
    workdir = Path(tempfile.mkdtemp(dir=services.settings.tmp_dir, prefix=f"pdfa-{record_id}-"))
    try:
        source = workdir / "searchable.pdf"
        _fetch_verified(services.objects, searchable, source)
        result = pdfa.make_pdfa(
            source, workdir / "preservation.pdf", describe(record), services.ocr, workdir
        )
        key = object_key(record_id, FileRole.PDFA)
        info = services.objects.put_file(key, result.path, content_type=CONTENT_TYPE)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    stored = StoredFile(FileRole.PDFA.value, key, info.sha256, info.size, CONTENT_TYPE)
    if not records.put_file(record_id, stored):
        return None  # processed again meanwhile: that run enqueues a new copy
    # A copy made at the same moment by another worker (the task and a transfer, say) may
    # have replaced ours: the row must say what the object holds.
    fixity.record_rewrite(services, record_id, key, info.sha256, info.size)
    _list_in_sidecar(services, record_id, stored)
    audit.record(services, "system", "preserve.made", f"document:{record_id}", key=key,
                 sha256=info.sha256, size=info.size, redone_pages=list(result.redone_pages),
                 seconds=round(result.seconds, 3))  # fmt: skip
    return stored


def enqueue(services, record_id: str, *, again: bool = False) -> None:
    services.queue.enqueue(PRESERVE_RECORD, record_id, again)


def missing(services, *, limit: int | None = None, batch: int = 500):
    """Ids of ready records without a copy, in id order, a bounded batch at a time."""
    after, seen = "", 0
    while limit is None or seen < limit:
        take = batch if limit is None else min(batch, limit - seen)
        ids = services.metadata.records.missing_role(FileRole.PDFA.value, after, take)
        if not ids:
            return
        yield from ids
        seen += len(ids)
        after = ids[-1]


def preserve_many(
    services, record_ids, *, again: bool = False, progress: Callable[[int], None] | None = None
) -> PreserveReport:
    """Make copies here and now, one record after another (``archive preserve``, the task);
    a record whose copy cannot be made is reported and audited, and the others go on. Only a
    backend being away stops it (raised, so the task is tried again later). An id of no
    record is reported as unknown, apart from the records with nothing to do: a mistyped id
    must not read as done."""
    report = PreserveReport()
    for record_id in record_ids:
        record = services.metadata.records.get(record_id)
        if record is None:
            report.unknown.append(record_id)
        else:
            _preserve_one(services, record, again, report)
        if progress:
            progress(1)
    return report


def _preserve_one(services, record: Record, again: bool, report: PreserveReport) -> None:
    try:
        made = _preserve(services, record, again=again)
    except TRANSIENT:
        raise
    except Exception as exc:  # this record's copy: PdfaError, a damaged searchable PDF
        why = str(exc) if isinstance(exc, pdfa.PdfaError) else f"{type(exc).__name__}: {exc}"
        report.failed[record.id] = why
        log.warning("no PDF/A copy of %s: %s", record.id, why)
        audit.record(services, "system", "preserve.failed", f"document:{record.id}",
                     error=why[:500])  # fmt: skip
    else:
        (report.made if made else report.skipped).append(record.id)


def nightly(services) -> int:
    """Enqueue the copies still missing (records older than this feature, failed attempts)."""
    queued = 0
    for record_id in missing(services, limit=NIGHTLY_LIMIT):
        enqueue(services, record_id)
        queued += 1
    if queued:
        log.info("preservation: %d records without a PDF/A copy enqueued", queued)
    return queued


def describe(record: Record) -> pdfa.Description:
    """The record as the copy's XMP says it: Dublin Core, one ``field: value`` per field."""
    m = record.metadata
    values = {k: v for k, v in m.as_dict().items() if v not in ("", 0, None)}
    if m.tps:
        values["tps"] = f"{m.tps:03d}"
    place = " / ".join(str(v) for v in (m.province, m.regency, m.district, m.village) if v)
    coverage = f"{place} / {m.tps_label}" if m.tps else place
    title = m.title or " ".join(
        str(v) for v in (m.form_type, m.election, m.year or "", m.village, _tps(record)) if v
    )
    return pdfa.Description(
        identifier=record.id,
        title=title or record.original_name,
        created=record.created_at,
        subject=tuple(f"{k}: {v}" for k, v in values.items()),
        description=m.notes,
        coverage=coverage,
        types=(m.form_type,) if m.form_type else (),
        source=f"{record.original_name} (SHA-256 {record.sha256})",
        publisher=PUBLISHER,
        date=m.record_date,
    )


def _tps(record: Record) -> str:
    return record.metadata.tps_label if record.metadata.tps else ""


def _fetch_verified(objects, file: StoredFile, target: Path) -> None:
    digest = hashlib.sha256()
    with objects.open(file.key) as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != file.sha256:
        raise ChecksumMismatch(f"stored {file.key} does not match its recorded SHA-256")


def _list_in_sidecar(services, record_id: str, stored: StoredFile) -> None:
    """Add the copy to the record's metadata.json (records/sidecar.py writes the rest of it),
    keeping everything else as it is, and record the sidecar's new checksum."""
    key = object_key(record_id, FileRole.METADATA)
    with services.objects.open(key) as fh:
        body = json.loads(fh.read())
    files = [f for f in body.get("files", []) if f.get("role") != FileRole.PDFA.value]
    body["files"] = [*files, vars(stored)]
    data = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
    info = services.objects.put_bytes(key, data, content_type="application/json")
    fixity.record_rewrite(services, record_id, info.key, info.sha256, info.size)
