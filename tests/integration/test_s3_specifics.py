"""What only the S3 adapter has to get right, on the real test MinIO: the bucket made on first
use with versioning, the checksum metadata on every object, multipart uploads in flat memory,
deletes that keep history, and a server that goes away mid-work. The behaviour both object
stores share is in tests/contract/test_object_store.py."""

from __future__ import annotations

import base64
import hashlib
import os
import threading
import time
import tracemalloc
import urllib.request
from pathlib import Path

import pytest

from archive_app.storage import s3
from archive_app.storage.interfaces import CHUNK, ChecksumMismatch, StoreUnavailable
from tests.conftest import make_settings

pytestmark = pytest.mark.scaleout
MiB = 1024 * 1024


@pytest.fixture
def store(s3_settings, tmp_path):
    from archive_app.services import build_objects

    return build_objects(make_settings(tmp_path / "data", **s3_settings))


@pytest.fixture
def raw(minio_server):
    return minio_server.client()


def random_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for offset in range(0, size, 16 * MiB):
            block = os.urandom(min(16 * MiB, size - offset))
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def versions(raw, bucket: str, key: str) -> list[tuple[str, bool]]:
    found = raw.list_objects(bucket, prefix=key, include_version=True)
    return [(o.version_id, o.is_delete_marker) for o in found if o.object_name == key]


def test_the_bucket_is_made_on_first_use_with_versioning(store, raw):
    """GIVEN a store on a bucket that does not exist WHEN it is built THEN nothing is asked of
    the server; WHEN it is first used THEN the bucket exists with versioning enabled."""
    assert not raw.bucket_exists(store.bucket)
    assert not store.exists("records/ab/r1/original.pdf")
    assert raw.bucket_exists(store.bucket)
    assert raw.get_bucket_versioning(store.bucket).status == "Enabled"
    assert store.health() == {
        "backend": "s3",
        "ok": True,
        "bucket": store.bucket,
        "versioning": True,
    }


def test_stores_racing_to_make_the_bucket_all_succeed(s3_settings, tmp_path):
    """GIVEN six processes' stores on one new bucket WHEN all start at once THEN none fails."""
    from archive_app.services import build_objects

    stores = [build_objects(make_settings(tmp_path / "data", **s3_settings)) for _ in range(6)]
    errors = []

    def first_use(store):
        try:
            store.put_bytes(f"race/{id(store)}", b"x")
        except Exception as exc:  # any failure is what this test is about
            errors.append(exc)

    threads = [threading.Thread(target=first_use, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(list(stores[0].list("race/"))) == 6


def test_every_object_carries_its_sha256_for_the_server_and_for_stat(store, raw, tmp_path):
    """GIVEN a small object (one PUT) and a 40 MB one (multipart) WHEN stored THEN both carry
    x-amz-meta-sha256, stat returns it, and the single PUT was also checked by the server
    against x-amz-checksum-sha256."""
    small = b"sidecar json"
    store.put_bytes("records/ab/r1/metadata.json", small)
    head = raw.stat_object(
        store.bucket,
        "records/ab/r1/metadata.json",
        extra_headers={"x-amz-checksum-mode": "ENABLED"},
    )
    digest = hashlib.sha256(small)
    assert head.metadata["x-amz-meta-sha256"] == digest.hexdigest()
    assert head.metadata["x-amz-checksum-sha256"] == base64.b64encode(digest.digest()).decode()
    assert store.stat("records/ab/r1/metadata.json").sha256 == digest.hexdigest()

    sha256 = random_file(tmp_path / "scan.tif", 40 * MiB)
    store.put_file("records/ab/r1/original.tif", tmp_path / "scan.tif", sha256=sha256)
    head = raw.stat_object(store.bucket, "records/ab/r1/original.tif")
    assert head.etag.endswith("-3")  # three 16 MiB parts
    assert head.metadata["x-amz-meta-sha256"] == sha256
    assert store.stat("records/ab/r1/original.tif").sha256 == sha256


def test_a_300_mb_file_goes_in_parts_and_comes_back_in_flat_memory(store, raw, tmp_path):
    """GIVEN a 300 MB file WHEN stored (hash not given, so hashed first) and read back in 1 MiB
    chunks THEN it went as a multipart upload, Python's peak allocation stayed within the
    parts in flight (about 64 MiB) on the way in and a few MiB on the way out, and the bytes
    are the same."""
    src = tmp_path / "big.pdf"
    sha256 = random_file(src, 300 * MiB)
    bound = (store.parallel_uploads + 2) * store.part_size + 8 * MiB
    tracemalloc.start()
    try:
        info = store.put_file("records/bb/big/original.pdf", src)
        _, upload_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        digest = hashlib.sha256()
        with store.open("records/bb/big/original.pdf") as fh:
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
        _, download_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.sha256 == sha256 == digest.hexdigest()
    assert raw.stat_object(store.bucket, "records/bb/big/original.pdf").etag.endswith("-19")
    assert upload_peak < bound <= 72 * MiB, f"upload peak {upload_peak / MiB:.0f} MiB"
    assert download_peak < 4 * MiB, f"download peak {download_peak / MiB:.0f} MiB"


def test_a_wrong_hash_on_a_multipart_upload_is_aborted_before_it_completes(store, raw, tmp_path):
    """GIVEN an existing object WHEN a 40 MB replacement arrives with the wrong SHA-256 THEN
    ChecksumMismatch, the old object is still current, and no upload is left open."""
    store.put_bytes("records/ab/r2/original.pdf", b"the good scan")
    random_file(tmp_path / "scan.pdf", 40 * MiB)
    with pytest.raises(ChecksumMismatch):
        store.put_file("records/ab/r2/original.pdf", tmp_path / "scan.pdf", sha256="0" * 64)
    with store.open("records/ab/r2/original.pdf") as fh:
        assert fh.read() == b"the good scan"
    assert len(versions(raw, store.bucket, "records/ab/r2/original.pdf")) == 1
    assert list(raw._list_multipart_uploads(store.bucket).uploads) == []  # no public API


def test_delete_keeps_history_and_delete_all_versions_destroys_it(store, raw):
    """GIVEN an object written twice WHEN deleted THEN it is gone for readers but both versions
    remain behind a delete marker; WHEN all versions are deleted THEN nothing remains."""
    key = "records/ab/r3/text.txt"
    store.put_bytes(key, b"first")
    store.put_bytes(key, b"second")
    store.delete(key)
    assert not store.exists(key)
    assert sorted(marker for _, marker in versions(raw, store.bucket, key)) == [False, False, True]
    store.delete_all_versions(key)
    assert versions(raw, store.bucket, key) == []


def test_a_presigned_url_downloads_the_object(store):
    store.put_bytes("records/ab/r4/view.jpg", b"\xff\xd8 jpeg bytes")
    url = store.presigned_url("records/ab/r4/view.jpg")
    with urllib.request.urlopen(url, timeout=10) as resp:
        assert resp.read() == b"\xff\xd8 jpeg bytes"


def test_a_stopped_server_is_store_unavailable_within_seconds(store, minio_server):
    """GIVEN a stored object WHEN the server is stopped THEN every operation raises
    StoreUnavailable within a few seconds; WHEN it is back THEN the object is intact."""
    store.put_bytes("records/ab/r5/original.pdf", b"kept")
    minio_server.stop()
    try:
        calls = {
            "put_bytes": lambda: store.put_bytes("records/ab/r5/text.txt", b"x"),
            "stat": lambda: store.stat("records/ab/r5/original.pdf"),
            "exists": lambda: store.exists("records/ab/r5/original.pdf"),
            "open": lambda: store.open("records/ab/r5/original.pdf"),
            "list": lambda: list(store.list("records/")),
            "delete": lambda: store.delete("records/ab/r5/original.pdf"),
            "health": store.health,
        }
        for name, call in calls.items():
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="unreachable"):
                call()
            assert time.monotonic() - started < 10, name
    finally:
        minio_server.start()
    with store.open("records/ab/r5/original.pdf") as fh:
        assert fh.read() == b"kept"


def test_a_server_stopped_mid_upload_leaves_nothing_and_the_retry_completes(
    store, minio_server, tmp_path, monkeypatch
):
    """GIVEN a 40 MB upload WHEN the server stops after the first part THEN StoreUnavailable
    and, once it is back, nothing at the key; THEN the same upload again succeeds."""
    sha256 = random_file(tmp_path / "scan.pdf", 40 * MiB)
    store.health()
    reads = []
    real_read = s3._HashingReader.read

    def read_then_stop(self, n=-1):
        reads.append(n)
        if len(reads) == 2:
            minio_server.stop()
        return real_read(self, n)

    monkeypatch.setattr(s3._HashingReader, "read", read_then_stop)
    try:
        with pytest.raises(StoreUnavailable):
            store.put_file("records/ab/r6/original.pdf", tmp_path / "scan.pdf", sha256=sha256)
    finally:
        minio_server.start()
    monkeypatch.undo()
    assert not store.exists("records/ab/r6/original.pdf")
    info = store.put_file("records/ab/r6/original.pdf", tmp_path / "scan.pdf", sha256=sha256)
    assert store.stat("records/ab/r6/original.pdf") == info


def test_a_server_dying_mid_download_raises_store_unavailable(store, minio_server, tmp_path):
    """GIVEN a 64 MB object being read WHEN the server process dies THEN the read raises
    StoreUnavailable instead of returning a short file as if it were whole."""
    random_file(tmp_path / "scan.pdf", 64 * MiB)
    store.put_file("records/ab/r7/original.pdf", tmp_path / "scan.pdf")
    fh = store.open("records/ab/r7/original.pdf")
    try:
        fh.read(CHUNK)
        minio_server.kill()
        with pytest.raises(StoreUnavailable):
            while fh.read(CHUNK):
                pass
    finally:
        fh.close()
        minio_server.start()
    assert store.stat("records/ab/r7/original.pdf").size == 64 * MiB


def test_a_legal_hold_is_mirrored_as_object_lock_and_the_server_refuses_deletion(
    s3_settings, tmp_path
):
    from archive_app.services import build_objects
    from tests.conftest import make_settings

    store = build_objects(make_settings(tmp_path / "data", **s3_settings))
    store.put_bytes("records/ab/held/original.pdf", b"%PDF- held scan")
    assert store.set_legal_hold("records/ab/held/original.pdf", True)
    assert store.legal_hold("records/ab/held/original.pdf")
    with pytest.raises(OSError):
        store.delete_all_versions("records/ab/held/original.pdf")
    assert store.exists("records/ab/held/original.pdf")
    assert store.set_legal_hold("records/ab/held/original.pdf", False)
    store.delete_all_versions("records/ab/held/original.pdf")
    assert not store.exists("records/ab/held/original.pdf")
