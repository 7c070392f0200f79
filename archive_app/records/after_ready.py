"""The steps a record owes once it is ready, done at least once whatever crashes.

Turning ready and the steps after it cannot share one transaction: joining a query-scoped
hold and refreshing retention read the record as it is once ready. So the transaction that
marks it ready also writes down the steps it owes (``STEPS``), and each step removes its
name once done. A backend lost or a worker killed in between leaves the names behind: the
retried task does them (``settle``), and the sweep does what no retry came for
(``catch_up``). Every step is idempotent, so one done twice is harmless. Until a record
has settled, disposition refuses it: it may belong under a hold it has not joined yet.

Indexing and the PDF/A copy keep their own bookkeeping (``index_state``, the missing
role) and their own catch-up in the sweep.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from archive_app.recordkeeping import holds, retention

log = logging.getLogger(__name__)

STEPS: dict[str, Callable[[Any, str], object]] = {
    # a hold placed "by search" covers records that arrive later and match
    "holds": holds.apply_query_holds,
    "retention": lambda services, record_id: retention.refresh(services, ids=[record_id]),
}
NAMES = tuple(STEPS)
CATCH_UP_AT_ONCE = 100


def settle(services, record_id: str, owed: Iterable[str] | None = None) -> list[str]:
    """Do the steps the record owes (default: as its row says), in order, each marked done
    once it ran; returns those done. A failing step raises and stays owed, with the ones
    after it."""
    if owed is None:
        owed = services.metadata.jobs.steps_owed([record_id]).get(record_id, [])
    owed = list(owed)
    unknown = [name for name in owed if name not in STEPS]
    if unknown:  # written by another version: left owed, so disposition keeps refusing
        log.warning("record %s owes unknown steps %s", record_id, unknown)
    done = []
    for name in NAMES:
        if name in owed:
            STEPS[name](services, record_id)
            services.metadata.jobs.step_done(record_id, name)
            done.append(name)
    return done


def catch_up(services, ready_before: datetime) -> list[str]:
    """Settle the records ready before ``ready_before`` that still owe steps (the sweep
    passes a lease ago, so a worker still doing them is at most doubled); returns those
    settled. One that fails again stays owed for the next sweep."""
    settled = []
    for record_id in services.metadata.jobs.owing_steps(ready_before, CATCH_UP_AT_ONCE):
        try:
            settle(services, record_id)
        except Exception:
            log.warning("steps after ready of %s failed again", record_id, exc_info=True)
            continue
        settled.append(record_id)
    return settled
