"""Audit entries and the hash chain that makes an edited or deleted entry detectable.

Each entry's hash covers its own fields and the previous entry's hash, so changing or
removing any entry breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str  # username, or "system" for the workers
    action: str  # e.g. "login", "upload", "download", "user.create"
    target: str = ""  # e.g. "document:<id>", "user:<name>"
    ip: str = ""
    details: dict = field(default_factory=dict)


def entry_hash(entry: AuditEntry, prev_hash: str) -> str:
    body = json.dumps(
        {
            "at": canonical_time(entry.at),
            "actor": entry.actor,
            "action": entry.action,
            "target": entry.target,
            "ip": entry.ip,
            "details": entry.details,
            "prev": prev_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def canonical_time(at: datetime) -> str:
    """UTC, no offset, microseconds: what every database gives back unchanged."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(timespec="microseconds")


def first_broken(entries) -> tuple[int, str] | None:
    """Walk stored entries (id, entry, prev_hash, hash) in id order; return the first id whose
    link or hash does not hold, with the reason, or None when the whole chain is intact."""
    prev = GENESIS
    for entry_id, entry, prev_hash, stored_hash in entries:
        if prev_hash != prev:
            return (
                entry_id,
                "its link to the previous entry is broken (an entry was removed or inserted)",
            )
        if entry_hash(entry, prev_hash) != stored_hash:
            return entry_id, "its content does not match its hash (the entry was changed)"
        prev = stored_hash
    return None
