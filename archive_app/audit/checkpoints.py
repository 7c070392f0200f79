"""Anchoring the audit trail: signed checkpoints written outside the database, and the
full check of the trail against them (``archive audit verify``).

The key signs, the anchor keeps: ``ARCHIVE_AUDIT_KEY`` (or, when unset, a key derived from
the secret key). Someone who can write to the database but holds no key can delete the
newest entries or recompute the whole chain, and the next verify says so.

A checkpoint is only written over a trail that still holds against the previous one: the
entry the previous checkpoint ends at has its hash, as many entries lead up to it, and
every entry since links on from it. Otherwise the writer refuses (``TrailTampered``):
the periodic task must never sign over a cut or rewritten trail and so cover it up.

Which checkpoint counts: the highest sequence number with a valid signature, whatever
else the anchor holds (an old line copied again, a forged one, a newer version of an
object). What stays undetected is written down in docs/security.md.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

from archive_app.domain.audit import Checkpoint, compare_to_checkpoint, first_broken
from archive_app.domain.clock import utcnow

log = logging.getLogger(__name__)


class TrailTampered(Exception):
    """The trail no longer holds against the newest checkpoint: nothing is signed over it."""


@dataclass(frozen=True)
class TrailReport:
    entries: int
    broken: tuple[int, str] | None = None  # first entry whose link or hash fails
    checkpoint: Checkpoint | None = None  # the newest valid one, if any
    problem: str = ""  # against the checkpoints: truncated, rewritten, forged...

    @property
    def ok(self) -> bool:
        return self.broken is None and not self.problem


def signing_key(settings) -> bytes:
    if settings.audit_key:
        return settings.audit_key.encode()
    return hmac.new(settings.secret_key.encode(), b"audit-checkpoint", hashlib.sha256).digest()


def newest(services, below: int | None = None) -> Checkpoint | None:
    """The valid checkpoint with the highest sequence number (below ``below``, if given)."""
    key = signing_key(services.settings)
    for seq, line in services.anchor.newest_first():
        if below is not None and seq >= below:
            continue
        checkpoint = Checkpoint.from_line(line)
        if checkpoint and checkpoint.seq == seq and checkpoint.signature_ok(key):
            return checkpoint
    return None


def holds_against(services, checkpoint: Checkpoint) -> str:
    """What is wrong with the trail against ``checkpoint``, walking only the entries since
    it ("" when it holds)."""
    audit = services.metadata.audit
    head = audit.head()
    problem = compare_to_checkpoint(
        checkpoint,
        head[0] if head else 0,
        audit.hash_of(checkpoint.last_id),
        audit.count_upto(checkpoint.last_id),
    )
    if problem:
        return problem
    broken = first_broken(audit.chain(after=checkpoint.last_id), start=checkpoint.head)
    return f"entry {broken[0]}: {broken[1]}" if broken else ""


def write_checkpoint(services, *, new_series: bool = False) -> Checkpoint | None:
    """Anchor the trail as it is now; None when nothing was added since the last one.

    ``new_series``: the anchor holds checkpoints but none is valid under the key in use
    (the key was changed on purpose): start signing again after them.
    """
    head = services.metadata.audit.head()
    if head is None:
        return None
    previous = newest(services)
    claimed = services.anchor.highest_claimed()
    if previous is None and claimed and not new_series:
        raise TrailTampered(
            "the anchor holds checkpoints but none is valid under this key; after a key "
            "change, run 'archive audit checkpoint --new-series'"
        )
    if previous is not None:
        problem = holds_against(services, previous)
        if problem:
            raise TrailTampered(f"not signing over a changed trail: {problem}")
        if previous.last_id == head[0] and not new_series:
            return None
    checkpoint = Checkpoint(
        seq=max(previous.seq if previous else 0, claimed) + 1,
        last_id=head[0],
        entries=services.metadata.audit.count_upto(head[0]),
        head=head[1],
        at=utcnow().isoformat(timespec="seconds") + "Z",
        prev=previous.sig if previous else "",
    ).signed(signing_key(services.settings))
    services.anchor.append(checkpoint.seq, checkpoint.to_line())
    return checkpoint


def periodic(services) -> None:
    """The workers' task: write a checkpoint, or say loudly why not (never cover up)."""
    try:
        write_checkpoint(services)
    except TrailTampered as exc:
        log.error("audit checkpoint refused: %s (run 'archive audit verify')", exc)


def verify(services, progress=None) -> TrailReport:
    """Walk the whole chain, then hold it against the newest valid checkpoint, and that
    checkpoint against the one before it."""
    checkpoint = newest(services)
    if checkpoint is None and services.anchor.highest_claimed():
        return TrailReport(0, problem="the anchor holds checkpoints, none with a valid signature")
    walked: dict[str, Any] = {"count": 0, "last": 0, "upto": 0, "head": None}

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
    if checkpoint is None:
        return TrailReport(walked["count"])
    problem = compare_to_checkpoint(checkpoint, walked["last"], walked["head"], walked["upto"])
    if not problem and checkpoint.prev:
        before = newest(services, below=checkpoint.seq)
        if before is None or before.sig != checkpoint.prev or before.last_id > checkpoint.last_id:
            problem = f"checkpoint {checkpoint.seq} does not follow on from the one before it"
    return TrailReport(walked["count"], checkpoint=checkpoint, problem=problem or "")
