"""Fixity: re-read stored objects, recompute SHA-256, compare with what ingest recorded.

Streams every object in bounded chunks (constant memory whatever the size), records the
result per file (shown on the record page), and writes one audit entry per run plus one per
missing or changed object. Runs from `archive verify` and nightly on a slice of the files
least recently checked.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import timedelta

from archive_app import audit
from archive_app.domain.clock import utcnow
from archive_app.storage.interfaces import CHUNK, ObjectNotFound

NIGHTLY_SAMPLE = 2000  # files per night: every file is re-read about every few months


@dataclass
class FixityReport:
    checked: int = 0
    bytes: int = 0
    seconds: float = 0.0
    missing: list[tuple[str, str]] = field(default_factory=list)  # (record id, key)
    changed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.changed

    @property
    def mb_per_second(self) -> float:
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0


def verify(
    services, *, sample: int | None = None, older_than_days: int | None = None,
    actor: str = "system", progress=None,
) -> FixityReport:  # fmt: skip
    started = time.perf_counter()
    report = FixityReport()
    older = utcnow() - timedelta(days=older_than_days) if older_than_days is not None else None
    lifecycle = services.metadata.lifecycle
    for batch in lifecycle.files_to_check(older_than=older, sample=sample):
        results = []
        for record_id, f in batch:
            ok = _check(services, record_id, f, report)
            results.append((f.key, ok))
            if progress:
                progress(1)
        lifecycle.record_checks(results, utcnow())
    report.seconds = time.perf_counter() - started
    for kind, problems in (("missing", report.missing), ("changed", report.changed)):
        for record_id, key in problems:
            audit.record(services, actor, f"fixity.{kind}", f"document:{record_id}", key=key)
    audit.record(
        services, actor, "fixity.run", "", checked=report.checked, bytes=report.bytes,
        missing=len(report.missing), changed=len(report.changed),
        mb_per_second=round(report.mb_per_second, 1), sample=sample,
        older_than_days=older_than_days,
    )  # fmt: skip
    return report


REWRITE_WAIT = 0.2  # seconds, growing: how long a rewrite in flight is given to settle


def object_sha256(objects, key: str) -> str:
    digest = hashlib.sha256()
    with objects.open(key) as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def recorded_sha256(services, record_id: str, key: str) -> str | None:
    return next((f.sha256 for f in services.metadata.records.files(record_id) if f.key == key),
                None)  # fmt: skip


def settled(services, record_id: str, key: str, actual: str, tries: int = 3) -> bool:
    """Are the object's bytes (SHA-256 ``actual``) the ones recorded for it, allowing for a
    rewrite in flight? A rewritten file (the sidecar, the PDF/A copy) is stored first and its
    checksum recorded right after, so for a moment the two differ without anything wrong."""
    for attempt in range(tries):
        if recorded_sha256(services, record_id, key) == actual:
            return True
        time.sleep(REWRITE_WAIT * (attempt + 1))
        actual = object_sha256(services.objects, key)
    return recorded_sha256(services, record_id, key) == actual


def record_rewrite(services, record_id: str, key: str, sha256: str, size: int) -> None:
    """Record a rewritten file's checksum, then make sure the object still holds those bytes:
    two writers of the same file (two copies made at once) each record theirs, and the last
    one to look records what the object really holds, so the row never ends up wrong."""
    records = services.metadata.records
    records.replace_file(record_id, key, sha256, size)
    for _ in range(5):
        actual = object_sha256(services.objects, key)
        if actual == sha256:
            return
        sha256, size = actual, services.objects.stat(key).size
        records.replace_file(record_id, key, sha256, size)


def _check(services, record_id: str, f, report: FixityReport) -> bool:
    digest = hashlib.sha256()
    try:
        with services.objects.open(f.key) as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
                report.bytes += len(chunk)
    except ObjectNotFound:
        report.missing.append((record_id, f.key))
        report.checked += 1
        return False
    report.checked += 1
    if digest.hexdigest() != f.sha256 and not settled(
        services, record_id, f.key, digest.hexdigest()
    ):
        report.changed.append((record_id, f.key))
        return False
    return True


def scheduled(services) -> FixityReport:
    """Nightly: the least recently checked files first, a bounded number per night."""
    return verify(services, sample=NIGHTLY_SAMPLE, older_than_days=30)
