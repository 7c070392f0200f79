"""Where audit checkpoints are written: somewhere the metadata database cannot reach.

Two adapters of one small port, picked with the object store:
- ``FileAnchor`` (embedded default): one append-only file, ``data/audit/checkpoints.log``,
  one signed checkpoint per line, opened with O_APPEND and fsynced. Whoever can write to
  the data folder can still cut it; ``chattr +a`` on it makes the kernel refuse that too
  (docs/security.md).
- ``S3Anchor`` (scale-out): one object per checkpoint under ``audit/checkpoints/``, with S3
  Object Lock in compliance mode, so the server refuses to change or delete it for
  ``RETAIN`` even for the bucket's owner.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Protocol

from archive_app.domain.clock import utcnow

RETAIN = timedelta(days=3650)
PREFIX = "audit/checkpoints/"


class AuditAnchor(Protocol):
    def append(self, seq: int, line: str) -> None:
        """Keep one signed checkpoint (``seq`` orders them) where it cannot be rewritten."""

    def newest(self) -> str | None:
        """The newest checkpoint's line, or None when none was written yet."""

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

    def newest(self) -> str | None:
        """The last complete line (a torn last write is skipped, not taken)."""
        if not self.path.exists():
            return None
        with open(self.path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 65536))
            tail = fh.read().decode("utf-8", "replace")
        lines = [line for line in tail.split("\n")[:-1] if line.strip()]
        return lines[-1] if lines else None


class S3Anchor:
    def __init__(self, store):
        """``store``: the archive's S3ObjectStore (same bucket, its own key prefix)."""
        self.store = store
        self._protected = False

    @property
    def protected(self) -> bool:
        return self._protected

    def append(self, seq: int, line: str) -> None:
        key = f"{PREFIX}{seq:012d}.json"
        self._protected = self.store.put_retained(key, line.encode(), utcnow() + RETAIN)

    def newest(self) -> str | None:
        keys = sorted(k for k in self.store.list(PREFIX) if k.endswith(".json"))
        return self.store.read_bytes(keys[-1]).decode() if keys else None


def build_anchor(settings, objects) -> AuditAnchor:
    if settings.object_store == "s3":
        return S3Anchor(objects)
    return FileAnchor(settings.data_dir / "audit" / "checkpoints.log")
