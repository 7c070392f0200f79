"""LocalObjectStore: objects as files under the data folder.

A write goes to a temporary file in the same filesystem, is fsynced, then renamed into
place (rename is atomic), and the directory is fsynced so the rename survives a crash.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from archive_app.storage.interfaces import (
    CHUNK,
    ChecksumMismatch,
    ObjectInfo,
    ObjectNotFound,
    check_key,
)

STALE_TEMP_SECONDS = 86_400  # a write's temp file untouched for a day: its process died


class LocalObjectStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self._tmp = self.root / ".tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._forget_stale_temp()

    def _forget_stale_temp(self) -> None:
        """A process killed mid-write leaves its temp file (never the object: the rename
        did not happen); the next process to open the store removes the old ones."""
        cutoff = time.time() - STALE_TEMP_SECONDS
        for entry in os.scandir(self._tmp):
            try:
                if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < cutoff:
                    os.unlink(entry.path)
            except OSError:
                pass

    @classmethod
    def from_settings(cls, settings) -> LocalObjectStore:
        return cls(settings.objects_dir)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put_file(self, key, path, *, content_type="application/octet-stream", sha256=None):
        with open(path, "rb") as src:
            return self._write(key, src, sha256)

    def put_bytes(self, key, data, *, content_type="application/octet-stream"):
        import io

        return self._write(key, io.BytesIO(data), None)

    def _write(self, key: str, src: BinaryIO, expected: str | None) -> ObjectInfo:
        target = self._path(key)
        digest = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := src.read(CHUNK):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            if expected and digest.hexdigest() != expected:
                raise ChecksumMismatch(f"{key}: wrote {digest.hexdigest()}, expected {expected}")
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            _fsync_dir(target.parent)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return ObjectInfo(key=key, size=size, sha256=digest.hexdigest())

    def open(self, key: str) -> BinaryIO:
        try:
            return open(self._path(key), "rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        stream = self.open(key)
        stream.seek(start)
        return cast(BinaryIO, _Window(stream, length))

    def stat(self, key: str) -> ObjectInfo:
        try:
            return ObjectInfo(key=key, size=self._path(key).stat().st_size)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_all_versions(self, key: str) -> None:
        self.delete(key)  # files keep no versions

    def set_legal_hold(self, key: str, on: bool) -> bool:
        return False  # a file system has no object lock: the database hold is the hold

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == self.root or not parent.is_relative_to(self.root):
                break
            try:
                parent.rmdir()  # tidy empty record folders; stops at the first non-empty one
            except OSError:
                break

    def list(self, prefix: str = "") -> Iterator[str]:
        start = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        for dirpath, dirnames, filenames in os.walk(start):
            rel_dir = Path(dirpath).relative_to(self.root).as_posix()
            if rel_dir == ".tmp":
                dirnames[:] = []
                continue
            for name in filenames:
                key = name if rel_dir == "." else f"{rel_dir}/{name}"
                if key.startswith(prefix):
                    yield key

    def health(self) -> dict:
        usage = shutil.disk_usage(self.root)
        return {"backend": "local", "ok": True, "free_bytes": usage.free}


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class _Window(io.RawIOBase):
    """At most ``length`` bytes of an open file, from where it stands."""

    def __init__(self, stream: BinaryIO, length: int):
        self._stream, self._left = stream, length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(min(len(buffer), self._left))
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._stream.close()
        super().close()
