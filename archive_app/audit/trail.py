"""Recording who did what: one call for the web, the API, the CLI and the workers.

Every field is capped before it is stored: some of them come from people who have not
logged in (a failed login's typed name), and the trail must not be a place to park
megabytes. A capped string ends in "…" so a reader sees it was cut.
"""

from __future__ import annotations

import logging

from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow

log = logging.getLogger(__name__)

CAPS = {"actor": 64, "action": 64, "target": 128, "ip": 64}
MAX_DETAIL_TEXT = 2000  # characters of one string inside the details


def record(services, actor: str, action: str, target: str = "", ip: str = "", **details) -> None:
    """Append to the audit trail. A failure here is raised: an unrecorded action is a bug."""
    services.metadata.audit.append(entry(actor, action, target, ip, **details))


def entry(actor: str, action: str, target: str = "", ip: str = "", **details) -> AuditEntry:
    """An entry as ``record`` stores it, for a repository that commits it together with the
    action itself."""
    return AuditEntry(
        at=utcnow(),
        actor=_cut(actor, CAPS["actor"]),
        action=_cut(action, CAPS["action"]),
        target=_cut(target, CAPS["target"]),
        ip=_cut(ip, CAPS["ip"]),
        details=_capped(details),
    )


def _cut(text: str, limit: int) -> str:
    text = str(text or "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _capped(value, depth: int = 0):
    if isinstance(value, str):
        return _cut(value, MAX_DETAIL_TEXT)
    if depth > 5:
        return _cut(repr(value), MAX_DETAIL_TEXT)
    if isinstance(value, dict):
        return {_cut(str(k), 100): _capped(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_capped(v, depth + 1) for v in value]
    return value
