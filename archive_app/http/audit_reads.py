"""Audit entries for reading: who opened which record, who searched for what.

Changes are recorded by the services; reads happen only in the web and API layers, so
they are recorded here, the same way for both.
"""

from __future__ import annotations

from datetime import timedelta

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


def note_search(params, total: int, via: str) -> None:
    """The parameters as given (not as parsed), so the entry shows what the person asked."""
    query = {k: v for k, v in params.items() if v not in (None, "")}
    audit.record(services(), actor(), "search", "", client_ip(), query=query, hits=total, via=via)
