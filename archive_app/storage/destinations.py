"""Where backups go: a folder, or a bucket (``s3://bucket/prefix``), as an ObjectStore.

The same adapters as the archive's own objects, so a backup gets their guarantees: writes
are all-or-nothing and verified against the SHA-256 they were given. An S3 destination uses
``ARCHIVE_BACKUP_S3_*`` when ``ARCHIVE_BACKUP_S3_ENDPOINT`` is set, else the archive's own
``ARCHIVE_S3_*`` connection (another bucket on the same server).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from archive_app.storage.interfaces import ObjectInfo, ObjectStore

SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class DestinationError(ValueError):
    """The destination is malformed or unsafe; the message says why."""


class PrefixedStore:
    """An ObjectStore whose keys all live under one prefix of another store."""

    def __init__(self, inner: ObjectStore, prefix: str):
        self.inner, self.prefix = inner, prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _k(self, key: str) -> str:
        return self.prefix + key

    def put_file(self, key, path, *, content_type="application/octet-stream", sha256=None):
        info = self.inner.put_file(self._k(key), path, content_type=content_type, sha256=sha256)
        return ObjectInfo(key, info.size, info.sha256)

    def put_bytes(self, key, data, *, content_type="application/octet-stream"):
        info = self.inner.put_bytes(self._k(key), data, content_type=content_type)
        return ObjectInfo(key, info.size, info.sha256)

    def open(self, key: str) -> BinaryIO:
        return self.inner.open(self._k(key))

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        return self.inner.open_range(self._k(key), start, length)

    def stat(self, key: str) -> ObjectInfo:
        info = self.inner.stat(self._k(key))
        return ObjectInfo(key, info.size, info.sha256)

    def exists(self, key: str) -> bool:
        return self.inner.exists(self._k(key))

    def delete(self, key: str) -> None:
        self.inner.delete(self._k(key))

    def delete_all_versions(self, key: str) -> None:
        self.inner.delete_all_versions(self._k(key))

    def set_legal_hold(self, key: str, on: bool) -> bool:
        return self.inner.set_legal_hold(self._k(key), on)

    def list(self, prefix: str = "") -> Iterator[str]:
        for key in self.inner.list(self._k(prefix)):
            yield key[len(self.prefix) :]

    def health(self) -> dict[str, Any]:
        return self.inner.health()


def open_destination(spec: str, settings, *, existing: bool = False) -> ObjectStore:
    """``spec``: a folder path, or ``s3://bucket[/prefix]``. ``existing``: the folder must be
    there already (a restore reads it; opening a folder makes it)."""
    spec = spec.strip()
    if not spec:
        raise DestinationError("no backup destination given (a folder or s3://bucket/prefix)")
    if spec.startswith("s3://"):
        return _bucket(spec, settings)
    if SCHEME.match(spec):  # read as a folder, ftp://x was made as ./ftp:/x
        raise DestinationError(
            f"{spec}: not a folder, and s3:// is the only kind of URL a backup can use"
        )
    return _folder(spec, settings, existing)


def _folder(spec: str, settings, existing: bool) -> ObjectStore:
    folder = Path(spec).expanduser().resolve()
    if existing and not folder.is_dir():
        raise DestinationError(f"{folder}: no such folder")
    data_dir = Path(settings.data_dir).resolve()
    if folder == data_dir or folder.is_relative_to(data_dir) or data_dir.is_relative_to(folder):
        raise DestinationError(
            f"{folder} shares the data folder {data_dir}: a backup must survive losing it"
        )
    from archive_app.storage.local import LocalObjectStore

    return LocalObjectStore(folder)


def _bucket(spec: str, settings) -> ObjectStore:
    from archive_app.storage.s3 import S3ObjectStore

    bucket, _, prefix = spec[len("s3://") :].partition("/")
    if not bucket:
        raise DestinationError(f"{spec}: name a bucket, e.g. s3://archive-backup/nightly")
    own = settings.backup_s3_endpoint or settings.s3_endpoint
    if not own:
        raise DestinationError(
            f"{spec}: set ARCHIVE_BACKUP_S3_ENDPOINT (or ARCHIVE_S3_ENDPOINT) and its keys"
        )
    if settings.backup_s3_endpoint:
        connection = dict(
            s3_endpoint=settings.backup_s3_endpoint,
            s3_access_key=settings.backup_s3_access_key,
            s3_secret_key=settings.backup_s3_secret_key,
            s3_secure=settings.backup_s3_secure,
            s3_region=settings.backup_s3_region,
        )
    else:
        connection = {}
    same_server = not settings.backup_s3_endpoint or own == settings.s3_endpoint
    if settings.object_store == "s3" and same_server and bucket == settings.s3_bucket:
        raise DestinationError(
            f"{spec} is the archive's own bucket: a backup must survive losing it"
        )
    store = S3ObjectStore.from_settings(settings.with_overrides(s3_bucket=bucket, **connection))
    return PrefixedStore(store, prefix) if prefix.strip("/") else store
