"""Processing one record: OCR, derivatives, checksums, then make it searchable.

The worker claims the record with a lease and renews it while it works. Derivatives are
written under fixed keys, so a retry after a crash overwrites what the dead attempt left;
the row only turns "ready" (with pages and file checksums) in a single transaction once
every object is stored. The steps owed after that (query holds, retention) are written
down in that same transaction and done at least once (records/after_ready.py). Indexing
comes after and may fail without failing the record.
"""

from __future__ import annotations

import dataclasses
import errno
import hashlib
import logging
import shutil
import tempfile
import threading
from pathlib import Path

from archive_app import audit
from archive_app.db.interfaces import MetadataUnavailable
from archive_app.domain.entities import Page, StoredFile
from archive_app.domain.records import FileRole, Status, object_key
from archive_app.recordkeeping import preservation
from archive_app.records import after_ready, indexing, reconcile, sidecar
from archive_app.storage.interfaces import CHUNK, ChecksumMismatch, StoreUnavailable
from ingest import page_hash
from ingest.models import FileKind, ProcessedDocument, RejectedFile
from ingest.pipeline import process_file

log = logging.getLogger(__name__)

# Errors that say "a backend is away", not "this file is bad": retried without limit.
TRANSIENT = (StoreUnavailable, MetadataUnavailable, ConnectionError, TimeoutError)
FULL = (errno.ENOSPC, errno.EDQUOT)  # a full disk, too: the file is fine, space will come


def _waits(exc: Exception) -> str:
    """What a failure waits for ("" when it is this file's own)."""
    if isinstance(exc, OSError) and exc.errno in FULL:
        return "storage space"
    return "a backend" if isinstance(exc, TRANSIENT) else ""


class Lease:
    """Renews the record's lease in the background while the work runs."""

    def __init__(self, jobs, record_id: str, owner: str, seconds: int):
        self.jobs, self.record_id, self.owner, self.seconds = jobs, record_id, owner, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"lease-{record_id}")

    def _run(self) -> None:
        while not self._stop.wait(max(self.seconds / 3, 1)):
            try:
                self.jobs.heartbeat(self.record_id, self.owner, self.seconds)
            except Exception:
                log.warning("lease renewal for %s failed", self.record_id, exc_info=True)

    def __enter__(self) -> Lease:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def process(services, record_id: str) -> None:
    settings = services.settings
    jobs = services.metadata.jobs
    owner = services.new_owner()
    record = jobs.claim(record_id, owner, settings.job_lease_seconds)
    if record is None:  # done already, or another worker holds a live lease; a retry after
        after_ready.settle(services, record_id)  # a step after ready failed does it now
        return
    if record.attempts > settings.job_max_attempts:
        message = f"Processing stopped after {settings.job_max_attempts} attempts."
        jobs.fail(record_id, owner, message, final=True)
        audit.record(services, "system", "process.failed", f"document:{record_id}", error=message)
        return
    workdir = Path(tempfile.mkdtemp(dir=settings.tmp_dir, prefix=f"job-{record_id}-"))
    try:
        with Lease(jobs, record_id, owner, settings.job_lease_seconds):
            _run(services, record, owner, workdir)
    except RejectedFile as exc:
        _fail(services, record_id, owner, exc.message, final=True)
        return
    except Exception as exc:
        waits = _waits(exc)
        if waits:
            message = f"Waiting for {waits}: {exc}"
            jobs.fail(record_id, owner, message, final=False, count_attempt=False)
            raise  # the queue retries with a delay; the sweep re-enqueues after that
        final = record.attempts >= settings.job_max_attempts
        _fail(services, record_id, owner, f"{type(exc).__name__}: {exc}", final=final)
        if not final:
            raise
        return
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    audit.record(services, "system", "process.ready", f"document:{record_id}")
    after_ready.settle(services, record_id, after_ready.NAMES)  # now that its text is known
    indexing.index_records(services, [record_id])
    try:
        preservation.enqueue(services, record_id)  # off the ingest path
    except Exception:  # the record is ready; the nightly task makes a copy still missing
        log.warning("could not enqueue the PDF/A copy of %s", record_id, exc_info=True)


def _fail(services, record_id: str, owner: str, message: str, *, final: bool) -> None:
    log.warning("processing %s failed (final=%s): %s", record_id, final, message)
    services.metadata.jobs.fail(record_id, owner, message, final=final)
    if final:
        audit.record(services, "system", "process.failed", f"document:{record_id}", error=message)


def _run(services, record, owner: str, workdir: Path) -> None:
    kind = FileKind(record.kind)
    original = workdir / f"original.{kind.extension}"
    original_key = object_key(record.id, FileRole.ORIGINAL, extension=kind.extension)
    _fetch_verified(services.objects, original_key, original, record.sha256)
    out = workdir / "out"
    out.mkdir()
    result = process_file(
        original,
        kind,
        out,
        services.ocr,
        on_page=lambda done, total: services.metadata.jobs.progress(record.id, done, total),
        readers=reconcile.page_readers(services),
    )
    given = services.metadata.readings.get(record.id)["given"]
    settled = reconcile.reconcile(services, record, given, result)
    coarse, fine = _page_hash(result)
    settled = dataclasses.replace(settled, page_hash=coarse, page_print=fine)
    record = dataclasses.replace(record, metadata=settled.metadata)
    files = _store_derivatives(services.objects, record.id, result)
    files.append(
        StoredFile(FileRole.ORIGINAL.value, original_key, record.sha256, record.size, kind.mime)
    )
    pages = [Page.from_attributes(p) for p in result.pages]
    meta_key = sidecar.sidecar_key(record.id)
    body = sidecar.build(record, files, pages, Status.READY.value, settled)
    meta = services.objects.put_bytes(meta_key, body, content_type="application/json")
    derived = [f for f in files if f.role != FileRole.ORIGINAL.value]
    derived.append(
        StoredFile(FileRole.METADATA.value, meta_key, meta.sha256, meta.size, "application/json")
    )
    services.metadata.jobs.finish(
        record.id, owner, pages, derived, result.confidence, settled, after_ready.NAMES
    )


def _page_hash(result: ProcessedDocument) -> tuple[str, str]:
    """The first page's perceptual hash, by which the recap finds a page filed twice."""
    if not result.pages:
        return "", ""
    try:
        return page_hash.hash_file(result.pages[0].view_path)
    except OSError:
        log.warning("no page hash for %s", result.pages[0].view_path, exc_info=True)
        return "", ""


def _fetch_verified(objects, key: str, target: Path, sha256: str) -> None:
    """Copy the original out of the store, checking it is still the uploaded bytes."""
    digest = hashlib.sha256()
    with objects.open(key) as src, open(target, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != sha256:
        raise ChecksumMismatch(f"stored original {key} does not match its recorded SHA-256")


def _store_derivatives(objects, record_id: str, result: ProcessedDocument) -> list[StoredFile]:
    files = []

    def put(role: FileRole, path: Path, content_type: str, page: int = 0) -> None:
        key = object_key(record_id, role, page=page)
        info = objects.put_file(key, path, content_type=content_type)
        files.append(StoredFile(role.value, key, info.sha256, info.size, content_type, page))

    put(FileRole.PDF, result.pdf_path, "application/pdf")
    put(FileRole.TEXT, result.text_path, "text/plain; charset=utf-8")
    for page in result.pages:
        put(FileRole.VIEW, page.view_path, "image/jpeg", page.number)
        put(FileRole.THUMB, page.thumb_path, "image/jpeg", page.number)
    return files
