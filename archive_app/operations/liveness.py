"""Which task workers are alive, by their heartbeats: one rule for `archive ingest --wait`
and `archive doctor`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from archive_app.domain.clock import utcnow

# A worker beats every 15 s (jobs/huey_queue.py): three missed beats and it is gone.
STALE_AFTER = timedelta(seconds=45)


def live_workers(services) -> list[dict[str, Any]]:
    """The workers whose last heartbeat is younger than ``STALE_AFTER``."""
    return services.metadata.workers.alive(utcnow() - STALE_AFTER)
