"""Audit entries for reading: who opened which record, who searched for what.

Changes are recorded by the services; reads happen only in the web and API layers, so
they are recorded here, the same way for both.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import timedelta

from flask import current_app

from archive_app import audit
from archive_app.domain.clock import utcnow
from archive_app.http.security import actor, client_ip, services

# The record page polls the API while a scan is processed, and people reload pages: one
# entry per user, record and minute says who looked at what without burying the trail.
VIEW_WINDOW = timedelta(seconds=60)


def note_view(record_id: str, via: str) -> None:
    svc, who, target = services(), actor(), f"document:{record_id}"
    last = svc.metadata.audit.list(target=target, actor=who, action="record.view", limit=1)
    if last and utcnow() - last[0]["at"] < VIEW_WINDOW:
        return
    audit.record(svc, who, "record.view", target, client_ip(), via=via)


def _asked(params) -> dict:
    return {k: v for k, v in params.items() if v not in (None, "")}


class SearchNote:
    """The audit entry of one search (page or API), written beside the rest of the answer;
    the parameters as given (not as parsed), so the entry shows what the person asked.

    The entry needs the hit count, so it can only start once the engine has answered; its
    commit is an fsync (``synchronous=FULL``), the largest single cost of a search after
    the engine (~9 ms of ~20 in one web worker on the loaded 2-core VM, cProfile). Written
    on the app's audit thread, it overlaps the join with the metadata store and the JSON;
    ``noting_search`` waits for it before anything is answered, so a search is still
    answered only once its entry is committed, and a failed entry still fails the search."""

    def __init__(self, params, via: str):
        self._svc, self._who, self._ip = services(), actor(), client_ip()
        self._query = _asked(params)
        self._via = via
        self._written: Future | None = None

    def start(self, total: int) -> None:
        """Called with the engine's total, before the hits are joined."""
        details = {"query": self._query, "hits": total, "via": self._via}
        self._written = _audit_thread().submit(
            audit.record, self._svc, self._who, "search", "", self._ip, **details
        )

    def wait(self) -> None:
        if self._written is not None:
            self._written.result()  # re-raises the write's own error


@contextmanager
def noting_search(params, via: str) -> Iterator[SearchNote]:
    """A search's entry (``SearchNote``): waited for on the way out, so it is committed
    before the response leaves. If the search failed after the engine answered (the join
    with a database gone away), its entry may still be in the trail, and the search's own
    failure is the one raised."""
    note = SearchNote(params, via)
    try:
        yield note
    except BaseException:
        with suppress(Exception):  # the search's own failure is the one to report
            note.wait()
        raise
    note.wait()


_THREAD_LOCK = threading.Lock()


def _audit_thread() -> ThreadPoolExecutor:
    """One writer thread per app and process, made on first use: a thread made before
    gunicorn forks its workers would not exist in them."""
    with _THREAD_LOCK:
        pid, executor = current_app.extensions.get("audit_thread", (None, None))
        if pid != os.getpid() or executor is None:
            executor = ThreadPoolExecutor(1, thread_name_prefix="audit")
            current_app.extensions["audit_thread"] = (os.getpid(), executor)
        return executor
