"""Finding work that fell through the cracks: lost jobs, lost PDF/A copy tasks, steps owed
after ready, abandoned uploads."""

from __future__ import annotations

import logging
import os
import shutil
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

from archive_app.domain.clock import utcnow
from archive_app.domain.records import FileRole, record_prefix
from archive_app.domain.tasks import PRESERVE_RECORD, PROCESS_RECORD
from archive_app.intake import resumable
from archive_app.records import after_ready
from vocabulary.numbers import whole_number

log = logging.getLogger(__name__)

ABANDONED_UPLOAD = timedelta(hours=1)
ABANDONED_TEMP = timedelta(days=1)  # untouched this long, a scratch file's process is gone
FORGET_LOGIN_FAILURES = timedelta(days=1)  # longer than any throttle remembers them
LOST_COPIES_SINCE = timedelta(days=1)  # older records' missing copies: the nightly task's
LOST_COPIES_AT_ONCE = 100
# Longer than a copy takes on a loaded machine: within it a copy still being made (its task
# handed out, so the queue looks empty) is not made a second time beside the first.
LOST_COPY_GRACE = timedelta(minutes=10)


def sweep(services, now: datetime | None = None) -> dict:
    """Re-enqueue lost jobs and remove uploads whose process died before committing.

    ``now``: the sweep's idea of the time (a test asks what it does a minute later)."""
    now = now or utcnow()
    records = services.metadata.records
    lease = timedelta(seconds=services.settings.job_lease_seconds)
    # A queued record whose message was lost is only re-sent when the queue is empty:
    # a long backlog is not a loss, and re-sending it all would flood the queue.
    idle = services.queue.pending() == 0
    queued_before = now - lease if idle else None
    requeued = services.metadata.jobs.reclaimable(now, queued_before)
    for record_id in requeued:
        services.queue.enqueue(PROCESS_RECORD, record_id)
    copies = lost_copies(services, now, lease) if idle else []
    for record_id in copies:
        services.queue.enqueue(PRESERVE_RECORD, record_id, False)
    # Not through the queue: a hold a record owes must not wait behind a backlog.
    settled = after_ready.catch_up(services, now - lease)
    removed = records.stale_uploads(now - ABANDONED_UPLOAD)
    for record_id in removed:
        for key in list(services.objects.list(record_prefix(record_id))):
            services.objects.delete(key)
        records.abandon_upload(record_id)
    try:
        chunked = resumable.sweep(services.settings)
        scratch = forget_scratch(services.settings.tmp_dir, now)
    except OSError:
        log.warning("sweep: abandoned temporary files could not be removed", exc_info=True)
        chunked = scratch = 0
    services.metadata.login_attempts.forget_before(now - FORGET_LOGIN_FAILURES)
    if requeued or copies or settled or removed or chunked or scratch:
        log.info(
            "sweep: re-enqueued %d records and %d PDF/A copies, settled the steps after "
            "ready of %d, removed %d abandoned uploads, %d resumable ones and %d scratch "
            "entries",
            len(requeued),
            len(copies),
            len(settled),
            len(removed),
            chunked,
            scratch,
        )
    return {
        "requeued": requeued,
        "copies_requeued": copies,
        "settled": settled,
        "removed": removed,
        "resumable_removed": chunked,
        "scratch_removed": scratch,
    }


def lost_copies(services, now: datetime, lease: timedelta) -> list[str]:
    """Ready records whose PDF/A copy task was lost: enqueueing it failed (the queue was
    away as the record became ready), a step after ready failed so it was never sent, or a
    worker was killed while making it (the queue had already handed the task out). Asked
    only when the queue is empty, for records ready longer than ``LOST_COPY_GRACE`` (or a
    lease, if longer): a copy still being made is not made again beside it. A record whose copy
    could not be made (``preserve.failed``) is left to the nightly task, not retried every
    minute."""
    return services.metadata.records.missing_role(
        FileRole.PDFA.value,
        limit=LOST_COPIES_AT_ONCE,
        processed=(now - LOST_COPIES_SINCE, now - max(lease, LOST_COPY_GRACE)),
        unless_audited="preserve.failed",
    )


def forget_scratch(tmp_dir: Path, now: datetime) -> int:
    """Remove what killed processes left in data/tmp (an upload's spool, a job's or a
    backup's scratch folder): entries in which nothing was touched for a day. Resumable
    uploads keep their own rule (intake/resumable.py)."""
    cutoff = (now - ABANDONED_TEMP).replace(tzinfo=UTC).timestamp()
    removed = 0
    for entry in tmp_dir.iterdir() if tmp_dir.is_dir() else ():
        if entry.name == "uploads" or _newest_mtime(entry) >= cutoff:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed += 1
    return removed


def _newest_mtime(entry: Path) -> float:
    newest = entry.lstat().st_mtime
    if entry.is_dir() and not entry.is_symlink():
        for path in entry.rglob("*"):
            newest = max(newest, path.lstat().st_mtime)
    return newest


def recover_on_start(services) -> dict:
    """Free leases held by dead processes of this host, so their jobs restart at once."""
    host = socket.gethostname()
    jobs = services.metadata.jobs
    for record_id, owner in jobs.leases():
        owner_host, _, rest = owner.partition(":")
        pid = rest.partition(":")[0]
        if owner_host == host and whole_number(pid) is not None and not _alive(int(pid)):
            jobs.expire_lease(record_id, owner)
    return sweep(services)


def _alive(pid: int) -> bool:
    """True while the process runs; a zombie (killed, not yet reaped) counts as dead."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            state = fh.read().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state not in {"Z", "X"}
