"""Audit entries and the hash chain that makes an edited or deleted entry detectable.

Each entry's hash covers its own fields and the previous entry's hash, so changing or
removing any entry breaks every hash after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str  # username, or "system" for the workers
    action: str  # e.g. "login", "upload", "download", "user.create"
    target: str = ""  # e.g. "document:<id>", "user:<name>"
    ip: str = ""
    details: dict[str, Any] = field(default_factory=dict)


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


def first_broken(
    entries: Iterable[tuple[int, AuditEntry, str, str]], start: str = GENESIS
) -> tuple[int, str] | None:
    """Walk stored entries (id, entry, prev_hash, hash) in id order; return the first id whose
    link or hash does not hold, with the reason, or None when the whole chain is intact.

    ``start``: the hash the first entry must link to (the genesis, or the head of a
    checkpoint when walking on from it)."""
    prev = start
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


# -- checkpoints: anchoring the chain outside the database ---------------------------------
# The chain shows an edited or removed entry in the middle, but not the newest entries cut
# off the end, nor a whole chain recomputed by someone who can write to the database. A
# checkpoint (how many entries, the last one's id and hash) signed with a key the database
# does not hold, and written where it cannot be rewritten, catches both (docs/security.md).


@dataclass(frozen=True)
class Checkpoint:
    seq: int  # 1, 2, 3 ... in the order written
    last_id: int  # the newest entry it covers
    entries: int  # how many entries have an id up to last_id
    head: str  # that entry's hash
    at: str  # when it was taken (UTC, ISO)
    prev: str = ""  # the previous checkpoint's signature: the checkpoints form a chain too
    sig: str = ""

    def body(self) -> bytes:
        fields = {k: v for k, v in vars(self).items() if k != "sig"}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def signed(self, key: bytes) -> Checkpoint:
        return replace(self, sig=hmac.new(key, self.body(), hashlib.sha256).hexdigest())

    def signature_ok(self, key: bytes) -> bool:
        return hmac.compare_digest(self.signed(key).sig, self.sig)

    def to_line(self) -> str:
        return json.dumps(vars(self), sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_line(cls, line: str) -> Checkpoint | None:
        """A checkpoint, or None for a line that is not one (torn write, foreign text)."""
        try:
            raw = json.loads(line)
            return cls(**{f: raw[f] for f in cls.__dataclass_fields__})
        except (ValueError, TypeError, KeyError):
            return None


def compare_to_checkpoint(
    checkpoint: Checkpoint, last_id: int, head_at: str | None, entries_upto: int
) -> str | None:
    """What is wrong with the stored trail against a valid checkpoint, or None.

    ``last_id``: the newest entry's id now; ``head_at``: the stored hash of the entry with
    the checkpoint's ``last_id`` (None if there is none); ``entries_upto``: how many entries
    now have an id up to it.
    """
    if last_id < checkpoint.last_id or head_at is None:
        return (
            f"truncated: checkpoint {checkpoint.seq} of {checkpoint.at} covers entries up to "
            f"{checkpoint.last_id} ({checkpoint.entries} entries), but the trail now ends at "
            f"entry {last_id}"
        )
    if head_at != checkpoint.head:
        return (
            f"rewritten: entry {checkpoint.last_id} no longer has the hash checkpoint "
            f"{checkpoint.seq} of {checkpoint.at} recorded (the chain was recomputed)"
        )
    if entries_upto != checkpoint.entries:
        return (
            f"entries removed: checkpoint {checkpoint.seq} counted {checkpoint.entries} entries "
            f"up to entry {checkpoint.last_id}, there are now {entries_upto}"
        )
    return None
