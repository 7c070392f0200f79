"""Anchoring the audit trail: signed checkpoints written outside the database, and the
full check of the trail against the newest one (``archive audit verify``).

The key signs, the anchor keeps: ``ARCHIVE_AUDIT_KEY`` (or, when unset, a key derived from
the secret key, which lives in the environment or the data folder, never in the database).
Someone who can write to the database but holds neither can delete the newest entries or
recompute the whole chain, and the next verify says so. What stays undetected is written
down in docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from archive_app.domain.audit import Checkpoint, compare_to_checkpoint, first_broken
from archive_app.domain.clock import utcnow


@dataclass(frozen=True)
class TrailReport:
    entries: int
    broken: tuple[int, str] | None = None  # first entry whose link or hash fails
    checkpoint: Checkpoint | None = None  # the newest one, if any
    problem: str = ""  # against the checkpoint: truncated, rewritten, forged...

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.problem


def signing_key(settings) -> bytes:
    if settings.audit_key:
        return settings.audit_key.encode()
    return hmac.new(settings.secret_key.encode(), b"audit-checkpoint", hashlib.sha256).digest()


def newest(services) -> Checkpoint | None | str:
    """The newest checkpoint; "" when the anchor holds a line that is not one."""
    line = services.anchor.newest()
    if line is None:
        return None
    return Checkpoint.from_line(line) or ""


def write_checkpoint(services) -> Checkpoint | None:
    """Anchor the trail as it is now; None when nothing was added since the last one."""
    audit = services.metadata.audit
    head = audit.head()
    if head is None:
        return None
    last_id, head_hash = head
    previous = newest(services)
    if previous and previous.last_id == last_id:
        return None
    checkpoint = Checkpoint(
        seq=(previous.seq + 1) if previous else 1,
        last_id=last_id,
        entries=audit.count_upto(last_id),
        head=head_hash,
        at=utcnow().isoformat(timespec="seconds") + "Z",
        prev=previous.sig if previous else "",
    ).signed(signing_key(services.settings))
    services.anchor.append(checkpoint.seq, checkpoint.to_line())
    return checkpoint


def verify(services, progress=None) -> TrailReport:
    """Walk the whole chain, then hold it against the newest checkpoint."""
    found = newest(services)
    if found == "":
        return TrailReport(0, problem="the newest checkpoint cannot be read (damaged)")
    checkpoint = found or None
    if checkpoint is not None and not checkpoint.signature_ok(signing_key(services.settings)):
        return TrailReport(
            0, checkpoint=checkpoint, problem=f"checkpoint {checkpoint.seq} has a bad signature"
        )
    walked = {"count": 0, "last": 0, "upto": 0, "head": None}

    def watched():
        for entry_id, entry, prev_hash, stored in services.metadata.audit.chain():
            walked["count"] += 1
            walked["last"] = entry_id
            if checkpoint is not None and entry_id <= checkpoint.last_id:
                walked["upto"] += 1
                if entry_id == checkpoint.last_id:
                    walked["head"] = stored
            if progress:
                progress(1)
            yield entry_id, entry, prev_hash, stored

    broken = first_broken(watched())
    if broken is not None:
        return TrailReport(walked["count"], broken=broken, checkpoint=checkpoint)
    problem = ""
    if checkpoint is not None:
        problem = (
            compare_to_checkpoint(checkpoint, walked["last"], walked["head"], walked["upto"]) or ""
        )
    return TrailReport(walked["count"], checkpoint=checkpoint, problem=problem)
