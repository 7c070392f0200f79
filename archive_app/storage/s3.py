"""S3ObjectStore: objects in an S3 bucket (MinIO, AWS S3, Ceph RGW, ...) via the ``minio`` client.

Why it is built this way:

- Uploads stream the file part by part (one PUT up to ``part_size``, multipart above), so
  memory is bounded by about ``part_size × (parallel_uploads + 2)`` whatever the file size.
- The SHA-256 travels with the object as user metadata (``x-amz-meta-sha256``), which every S3
  server keeps, so ``stat`` returns it. Single-part uploads also send ``x-amz-checksum-sha256``,
  so the server refuses bytes that do not match; multipart parts are checked by the server
  through SigV4's signed payload hash (HTTP) or Content-MD5 (HTTPS).
- The bytes are hashed again while they are sent. A mismatch is raised when the last part is
  read, before the upload is completed, so the client aborts it and nothing appears at the key.
  After the write, ``stat`` of the version just written must show the size and checksum.
- Failures of the transport (refused, timeouts, 5xx after the client's short retries) become
  ``StoreUnavailable``: the web layer answers 503, workers retry later.
"""

from __future__ import annotations

import base64
import builtins
import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import BinaryIO, cast

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.retention import Retention
from minio.versioningconfig import ENABLED, VersioningConfig

from archive_app.storage.interfaces import (
    ChecksumMismatch,
    ObjectInfo,
    ObjectNotFound,
    StoreUnavailable,
    check_key,
)

log = logging.getLogger(__name__)

MiB = 1024 * 1024
_SHA256_META = "x-amz-meta-sha256"
_MAX_PARTS = 10_000  # S3's limit; part_size grows past the default only for objects > 160 GiB


class S3ObjectStore:
    """Two upload threads overlap hashing, signing and sending (1.1-1.6x the MiB/s of one on
    the busy 2-core test box) for ~64 MiB of parts in memory. minio-py leaves its two idle
    threads behind when the reading thread raises, i.e. on a ChecksumMismatch: a rare path."""

    def __init__(self, client, bucket, *, region=None, part_size=16 * MiB, parallel_uploads=2):
        self._client = client
        self.bucket = bucket
        self._region = region
        self.part_size = part_size
        self.parallel_uploads = parallel_uploads
        self.versioning = False
        self.object_lock = False
        self._ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings) -> S3ObjectStore:
        """Build the client only; no request is made until the store is first used."""
        http = urllib3.PoolManager(
            # A stopped server is refused at once; a hung one is given up on after the read
            # timeout. Three quick retries ride out a restart without stalling a request.
            timeout=urllib3.Timeout(connect=5, read=60),
            retries=urllib3.Retry(
                total=3, backoff_factor=0.25, backoff_max=2, status_forcelist=(500, 502, 503, 504)
            ),
            maxsize=16,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        )
        client = Minio(
            settings.s3_endpoint,
            access_key=settings.s3_access_key or None,
            secret_key=settings.s3_secret_key or None,
            secure=settings.s3_secure,
            region=settings.s3_region or None,
            http_client=http,
        )
        return cls(client, settings.s3_bucket, region=settings.s3_region or None)

    def put_file(self, key, path, *, content_type="application/octet-stream", sha256=None):
        """Stream a local file in. The SHA-256 goes out as metadata before the first byte, so
        without ``sha256`` the file is read once first to hash it (a local read is cheap next to
        the upload). With ``sha256`` (the upload path: spooling hashed it) that read is skipped
        and a wrong hash is caught as the last part is read, before the upload completes."""
        with self._call(key), open(path, "rb") as src:
            size = os.fstat(src.fileno()).st_size
            expected = sha256 or hashlib.file_digest(src, "sha256").hexdigest()
            src.seek(0)
            return self._put(key, _HashingReader(src, size, expected, key), size, content_type)

    def put_bytes(self, key, data, *, content_type="application/octet-stream"):
        with self._call(key):
            stream = _HashingReader(io.BytesIO(data), len(data), _sha256(data), key)
            return self._put(key, stream, len(data), content_type)

    def _put(self, key: str, stream: _HashingReader, size: int, content_type: str) -> ObjectInfo:
        sha256 = stream.expected
        if size == 0 and sha256 != _sha256(b""):  # put_object never reads an empty stream
            raise ChecksumMismatch(f"{key}: the file is empty, expected {sha256}")
        part_size = max(self.part_size, -(-size // _MAX_PARTS // MiB) * MiB)
        metadata = {_SHA256_META: sha256}
        if size <= part_size:  # one PUT: the server itself checks the whole object's SHA-256
            metadata["x-amz-checksum-sha256"] = base64.b64encode(bytes.fromhex(sha256)).decode()
        result = self._client.put_object(
            self.bucket, key, stream, size, content_type=content_type, metadata=metadata,
            part_size=part_size, num_parallel_uploads=self.parallel_uploads,
        )  # fmt: skip
        st = self._client.stat_object(self.bucket, key, version_id=result.version_id)
        if result.version_id is None and st.etag != result.etag:
            return ObjectInfo(key, size, sha256)  # unversioned: a later writer already won
        if st.size != size or st.metadata.get(_SHA256_META) != sha256:
            self._client.remove_object(self.bucket, key, version_id=result.version_id)
            raise ChecksumMismatch(f"{key}: the server holds other bytes than were sent")
        return ObjectInfo(key, size, sha256)

    def open(self, key: str) -> BinaryIO:
        """A stream straight from the HTTP response (nothing is spooled); closing it releases
        the connection. A connection lost mid-read raises StoreUnavailable, never a short EOF."""
        with self._call(key):
            return cast(BinaryIO, _ObjectStream(self._client.get_object(self.bucket, key), self))

    def open_range(self, key: str, start: int, length: int) -> BinaryIO:
        with self._call(key):
            response = self._client.get_object(self.bucket, key, offset=start, length=length)
            return cast(BinaryIO, _ObjectStream(response, self))

    def stat(self, key: str) -> ObjectInfo:
        with self._call(key):
            st = self._client.stat_object(self.bucket, key)
        return ObjectInfo(key, st.size, st.metadata.get(_SHA256_META, ""))

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def list(self, prefix: str = "") -> Iterator[str]:
        with self._call():
            for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                yield obj.object_name

    def presigned_url(self, key: str, expires: timedelta = timedelta(minutes=15)) -> str:
        """A time-limited GET URL, to let the S3 server hand out a large file itself."""
        with self._call(key):
            return self._client.presigned_get_object(self.bucket, key, expires=expires)

    def delete(self, key: str) -> None:
        """Remove the current object. With versioning on, a delete marker hides it and older
        versions stay: destroying every copy is the disposition feature's decision, made
        through ``delete_all_versions``, never a side effect of cleanup."""
        with self._call(key):
            self._client.remove_object(self.bucket, key)

    def delete_all_versions(self, key: str) -> None:
        """Permanently destroy every version and delete marker of ``key``."""
        with self._call(key):
            found = self._client.list_objects(self.bucket, prefix=key, include_version=True)
            doomed = [
                DeleteObject(o.object_name, o.version_id) for o in found if o.object_name == key
            ]
            errors = list(self._client.remove_objects(self.bucket, doomed)) if doomed else []
        if errors:
            raise OSError(f"{key}: could not delete every version: {errors[0].message}")

    def set_legal_hold(self, key: str, on: bool) -> bool:
        """Mirror a legal hold onto the object (S3 Object Lock): while it is on, the server
        itself refuses to delete that version. False where the bucket has no Object Lock."""
        with self._call(key):
            if not self.object_lock:
                return False
            if on:
                self._client.enable_object_legal_hold(self.bucket, key)
            else:
                self._client.disable_object_legal_hold(self.bucket, key)
        return True

    def put_retained(self, key: str, data: bytes, until: datetime) -> bool:
        """Write a small object that nobody may change or delete before ``until``: Object
        Lock in compliance mode, which not even the bucket's owner can lift. False (the
        object is written, unprotected) where the bucket has no Object Lock."""
        with self._call(key):
            retention = Retention(COMPLIANCE, until) if self.object_lock else None
            self._client.put_object(
                self.bucket, key, io.BytesIO(data), len(data),
                content_type="application/json", retention=retention,
            )  # fmt: skip
            return retention is not None

    def key_after(self, prefix: str, start_after: str) -> bool:
        """Is there any key under ``prefix`` that sorts after ``start_after``?"""
        with self._call():
            found = self._client.list_objects(
                self.bucket, prefix=prefix, start_after=start_after, recursive=True
            )
            return next(iter(found), None) is not None

    def read_versions(self, key: str) -> builtins.list[bytes]:
        """Every stored version of a small object, newest first ([] when there is none)."""
        with self._call(key):
            listed = self._client.list_objects(
                self.bucket, prefix=key, include_version=True, recursive=True
            )
            versions = sorted(
                (v for v in listed if v.object_name == key and not v.is_delete_marker),
                key=lambda v: v.last_modified, reverse=True,
            )  # fmt: skip
            found = []
            for version in versions:
                response = self._client.get_object(self.bucket, key, version_id=version.version_id)
                try:
                    found.append(response.read())
                finally:
                    response.close()
                    response.release_conn()
            return found

    def legal_hold(self, key: str) -> bool:
        with self._call(key):
            return self.object_lock and self._client.is_object_legal_hold_enabled(self.bucket, key)

    def health(self) -> dict:
        with self._call():
            if not self._client.bucket_exists(self.bucket):  # asked every time: is it up?
                self._ready = False
                raise StoreUnavailable(f"bucket {self.bucket} has disappeared")
        return {"backend": "s3", "ok": True, "bucket": self.bucket, "versioning": self.versioning}

    def _ensure_bucket(self) -> None:
        """Create the bucket on first use, not at start-up, so the app starts while the server
        is away. Race-safe: another process creating it first is fine. Versioning is switched
        on where the server allows it; where it does not, only the history is lost."""
        with self._lock:
            if self._ready:
                return
            if not self._client.bucket_exists(self.bucket):
                try:  # Object Lock can only be switched on when a bucket is made
                    self._client.make_bucket(self.bucket, location=self._region, object_lock=True)
                except S3Error as exc:
                    if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            try:
                self._client.get_object_lock_config(self.bucket)
                self.object_lock = True
            except (S3Error, InvalidResponseError):
                self.object_lock = False
            try:
                if self._client.get_bucket_versioning(self.bucket).status != ENABLED:
                    self._client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))
                self.versioning = True
            except (S3Error, InvalidResponseError) as exc:  # NotImplemented, AccessDenied...
                log.warning("bucket %s stays unversioned: %s", self.bucket, exc)
            self._ready = True

    @contextmanager
    def _call(self, key: str | None = None, *, ensure: bool = True):
        """Check the key, make sure of the bucket, and map the client's errors onto the port's:
        a missing key, or a server that is away (refused, timed out, 5xx after retries)."""
        if key is not None:
            check_key(key)
        try:
            if ensure and not self._ready:
                self._ensure_bucket()
            yield
        except S3Error as exc:
            if exc.code == "NoSuchKey" and key:
                raise ObjectNotFound(key) from None
            if exc.code == "NoSuchBucket":
                self._ready = False  # deleted behind our back: made again on next use
            if exc.code == "NoSuchBucket" or exc.response.status >= 500:
                raise StoreUnavailable(f"object store: {exc.code}: {exc.message}") from exc
            raise
        except (ServerError, InvalidResponseError) as exc:  # an error without an S3 body
            if int(getattr(exc, "status_code", None) or getattr(exc, "_code", 0) or 0) < 500:
                raise
            raise StoreUnavailable(f"object store: {exc}"[:300]) from exc
        except urllib3.exceptions.HTTPError as exc:  # refused, timed out, reset, retries spent
            reason = getattr(exc, "reason", None) or exc
            raise StoreUnavailable(f"object store unreachable: {reason}"[:300]) from exc


class _HashingReader:
    """Hashes the bytes as put_object reads them. The check runs in the read that reaches the
    end, so it fails before the single PUT is sent or before the multipart upload completes
    (put_object then aborts it): a wrong hash never becomes the object at the key."""

    def __init__(self, src: BinaryIO, size: int, expected: str, key: str):
        self._src, self._left, self.expected, self._key = src, size, expected, key
        self._digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._src.read(min(n, self._left) if n >= 0 else self._left)
        self._digest.update(data)
        self._left -= len(data)
        if self._left == 0 and self._digest.hexdigest() != self.expected:
            raise ChecksumMismatch(f"{self._key}: read {self._digest.hexdigest()}, "
                                   f"expected {self.expected}")  # fmt: skip
        return data


class _ObjectStream(io.RawIOBase):
    """A binary file over a GET response: ``read(n)`` pulls from the socket, ``close()``
    releases the connection without draining what is left of a large object."""

    def __init__(self, response, store: S3ObjectStore):
        self._response, self._store = response, store

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        with self._store._call(ensure=False):
            return self._response.read(None if size is None or size < 0 else size)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
            self._response.release_conn()
        super().close()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
