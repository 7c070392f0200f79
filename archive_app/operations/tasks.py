"""What the workers run: every background task and every periodic job, by name.

The application owns this list; the queue adapter only carries names and arguments
(archive_app/jobs/interfaces.py). The heavy modules (the OCR stack) are imported inside
the runners, so a web process that only enqueues never loads them.
"""

from __future__ import annotations

from archive_app.domain.tasks import INDEX_PENDING, PRESERVE_RECORD, PROCESS_RECORD
from archive_app.jobs.interfaces import Periodic, Registry, Task

# Ingest goes first: a batch's records become searchable before the preservation copies of
# the records already ready are made (those wait for a gap, and the nightly task makes any
# still missing). Made in turn with the pages, the copies took ~5 % of a batch worker's
# samples (py-spy, 40 pages: the PDF/A save, the sidecar rewritten, the audit entry).
INGEST, BACKGROUND = 10, 0


def _process(services, record_id: str) -> None:
    from archive_app.records import processing

    processing.process(services, record_id)


def _preserve(services, record_id: str, again: bool = False) -> None:
    from archive_app.recordkeeping import preservation

    preservation.preserve_many(services, [record_id], again=again)


def _index_pending(services) -> None:
    from archive_app.records import indexing

    indexing.catch_up(services)


def _sweep(services) -> None:
    from archive_app.operations import sweeping
    from archive_app.records import indexing

    sweeping.sweep(services)
    indexing.catch_up(services)


def _audit_checkpoint(services) -> None:
    """Anchor the audit trail outside the database (docs/security.md)."""
    from archive_app.audit import checkpoints

    checkpoints.periodic(services)


def _nightly(services) -> None:
    """Retention states whose dates came, a slice of fixity checks, missing PDF/A copies."""
    from archive_app.recordkeeping import fixity, preservation, retention

    retention.daily(services)
    fixity.scheduled(services)
    preservation.nightly(services)


def _backup(services) -> None:
    """A backup set to ARCHIVE_BACKUP_DEST, when one is set (docs/operations.md)."""
    from archive_app.operations import backup

    backup.nightly(services)


def _on_start(services) -> None:
    from archive_app.operations import sweeping

    sweeping.recover_on_start(services)


REGISTRY = Registry(
    tasks=(
        Task(PROCESS_RECORD, _process, retry=True, priority=INGEST),
        Task(INDEX_PENDING, _index_pending, priority=INGEST),
        Task(PRESERVE_RECORD, _preserve, retry=True, priority=BACKGROUND),
    ),
    periodic=(
        Periodic("sweep", _sweep, minute="*"),
        Periodic("audit_checkpoint", _audit_checkpoint, minute="*/10"),
        Periodic("daily", _nightly, minute="17", hour="1"),
        Periodic("backup", _backup, minute="43", hour="2"),
    ),
    on_start=_on_start,
)
