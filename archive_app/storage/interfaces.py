"""ObjectStore: where every byte of the archive lives (originals and derivatives).

Writes are all-or-nothing (a reader never sees half an object) and stream in bounded
chunks, so a 2 GB scan costs the same memory as a 2 MB one. Keys look like
``records/ab/<id>/original.pdf``; only ``[A-Za-z0-9._/-]`` is allowed, and no ``..``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

CHUNK = 1024 * 1024
_KEY = re.compile(r"^[A-Za-z0-9._\-]+(/[A-Za-z0-9._\-]+)*$")


class ObjectNotFound(KeyError):
    """No object at that key."""


class ChecksumMismatch(IOError):
    """The bytes written are not the bytes the caller meant to write; nothing was kept."""


class StoreUnavailable(IOError):
    """The storage backend cannot be reached; the caller may retry later."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str = ""


def check_key(key: str) -> str:
    if not _KEY.match(key) or {".", ".."} & set(key.split("/")):
        raise ValueError(f"invalid object key {key!r}")
    return key


class ObjectStore(Protocol):
    def put_file(
        self,
        key: str,
        path: Path,
        *,
        content_type: str = "application/octet-stream",
        sha256: str | None = None,
    ) -> ObjectInfo:
        """Copy a local file in atomically; if ``sha256`` is given the copy must match it."""

    def put_bytes(
        self, key: str, data: bytes, *, content_type: str = "application/octet-stream"
    ) -> ObjectInfo: ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object; the caller closes it. ObjectNotFound if absent."""

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        """A stream of ``length`` bytes from ``start`` (an HTTP Range answer): only those
        bytes are read from the store, so a viewer asking for the end of a 2 GB PDF does
        not pull the whole file first. ObjectNotFound if absent."""

    def stat(self, key: str) -> ObjectInfo: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    def delete_all_versions(self, key: str) -> None:
        """Remove the object and every earlier version of it (destruction after an approved
        disposition); a store that keeps no versions deletes the one there is."""

    def set_legal_hold(self, key: str, on: bool) -> bool:
        """Mirror a legal hold onto the object itself, so the storage refuses to delete it;
        False where the store cannot (the database hold stays authoritative)."""

    def list(self, prefix: str = "") -> Iterator[str]:
        """Keys under ``prefix``, in no particular order."""

    def health(self) -> dict[str, Any]: ...
