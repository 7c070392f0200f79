"""Recording who did what: one call for the web, the API, the CLI and the workers."""

from __future__ import annotations

import logging

from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow

log = logging.getLogger(__name__)


def record(services, actor: str, action: str, target: str = "", ip: str = "", **details) -> None:
    """Append to the audit trail. A failure here is raised: an unrecorded action is a bug."""
    entry = AuditEntry(
        at=utcnow(), actor=actor, action=action, target=target, ip=ip, details=details
    )
    services.metadata.audit.append(entry)
