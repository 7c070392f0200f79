"""Where audit checkpoints are written: somewhere the metadata database cannot reach.

Two adapters of one small port, picked with the object store:
- ``FileAnchor`` (embedded default): one append-only file, ``data/audit/checkpoints.log``,
  one signed checkpoint per line, opened with O_APPEND and fsynced.
- ``S3Anchor`` (scale-out): one object per checkpoint, ``audit/checkpoints/<seq>.json``,
  under S3 Object Lock in compliance mode, so the server refuses to change or delete that
  version for ``RETAIN``, even for the bucket's owner. A later PUT to the same key only adds
  a newer version; every version is read back, so the locked one is still seen.

The adapters only store and hand back lines; which one counts (a valid signature, the
highest sequence number) is decided by archive_app/audit/checkpoints.py. A line copied
again later (a replay) or a forged one changes nothing there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from archive_app.domain.clock import utcnow

RETAIN = timedelta(days=3650)
PREFIX = "audit/checkpoints/"
MAX_DOWN = 100  # S3: how many sequence numbers below the highest key are looked at
LAST = 10**12 - 1  # the highest sequence number a 12-digit key holds


class AuditAnchor(Protocol):
    def append(self, seq: int, line: str) -> None:
        """Keep one signed checkpoint where it cannot be rewritten."""

    def newest_first(self) -> Iterator[tuple[int, str]]:
        """(the sequence number the storage files it under, the line), highest first, every
        copy and version included."""

    def highest_claimed(self) -> int:
        """The highest sequence number anything stored claims (0 for none)."""

    @property
    def protected(self) -> bool:
        """True when the storage itself refuses to change or remove a checkpoint."""


class FileAnchor:
    def __init__(self, path: Path):
        self.path = Path(path)

    @property
    def protected(self) -> bool:
        return False  # only by convention, or by chattr +a set by the operator

    def append(self, seq: int, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line.strip() + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def _lines(self) -> list[tuple[int, str]]:
        """Every complete line that names a sequence number (a torn last write is not)."""
        if not self.path.exists():
            return []
        found = []
        with open(self.path, "rb") as fh:
            for raw in fh:
                if not raw.endswith(b"\n"):
                    continue
                line = raw.decode("utf-8", "replace").strip()
                seq = _claimed_seq(line)
                if seq is not None:
                    found.append((seq, line))
        return found

    def newest_first(self) -> Iterator[tuple[int, str]]:
        yield from sorted(self._lines(), key=lambda pair: -pair[0])

    def highest_claimed(self) -> int:
        return max((seq for seq, _ in self._lines()), default=0)


class S3Anchor:
    def __init__(self, store):
        """``store``: the archive's S3ObjectStore (same bucket, its own key prefix)."""
        self.store = store
        self._protected = False

    @property
    def protected(self) -> bool:
        return self._protected

    @staticmethod
    def key(seq: int) -> str:
        return f"{PREFIX}{seq:012d}.json"

    def append(self, seq: int, line: str) -> None:
        until = utcnow() + RETAIN
        self._protected = self.store.put_retained(self.key(seq), line.encode(), until)

    def highest_claimed(self) -> int:
        """Found by galloping over the zero-padded keys (a few listing calls, whatever
        the number of checkpoints), not by listing them all."""
        if not self.store.key_after(PREFIX, self.key(0)):
            return 0
        low, high = 0, 1
        while high < LAST and self.store.key_after(PREFIX, self.key(high)):
            low, high = high, min(high * 2, LAST)
        while high - low > 1:  # a key exists after `low`, none after `high`
            middle = (low + high) // 2
            low, high = (middle, high) if self.store.key_after(PREFIX, self.key(middle)) else (
                low, middle)  # fmt: skip
        return high

    def newest_first(self) -> Iterator[tuple[int, str]]:
        top = self.highest_claimed()
        for seq in range(top, max(top - MAX_DOWN, 0), -1):
            for data in self.store.read_versions(self.key(seq)):
                yield seq, data.decode("utf-8", "replace")


def _claimed_seq(line: str) -> int | None:
    try:
        seq = json.loads(line).get("seq")
    except (ValueError, AttributeError):
        return None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) and seq > 0 else None


def build_anchor(settings, objects) -> AuditAnchor:
    if settings.object_store == "s3":
        return S3Anchor(objects)
    return FileAnchor(settings.data_dir / "audit" / "checkpoints.log")
