"""ObjectStore contract: every adapter stores, streams, verifies and deletes the same way."""

from __future__ import annotations

import hashlib
import os
import threading
import tracemalloc

import pytest

from archive_app.storage.interfaces import CHUNK, ChecksumMismatch, ObjectNotFound


def _read(store, key) -> bytes:
    with store.open(key) as fh:
        return fh.read()


def test_put_file_streams_and_reports_the_sha256(object_store, tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)
    src = tmp_path / "scan.bin"
    src.write_bytes(data)
    info = object_store.put_file("records/ab/x1/original.pdf", src)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.size == len(data)
    assert _read(object_store, "records/ab/x1/original.pdf") == data
    assert object_store.stat("records/ab/x1/original.pdf").size == len(data)


def test_a_wrong_expected_checksum_keeps_nothing(object_store, tmp_path):
    src = tmp_path / "scan.bin"
    src.write_bytes(b"scan bytes")
    with pytest.raises(ChecksumMismatch):
        object_store.put_file("records/ab/x2/original.pdf", src, sha256="0" * 64)
    assert not object_store.exists("records/ab/x2/original.pdf")


def test_overwrite_replaces_the_whole_object(object_store):
    object_store.put_bytes("records/ab/x3/text.txt", b"first version, longer")
    object_store.put_bytes("records/ab/x3/text.txt", b"second")
    assert _read(object_store, "records/ab/x3/text.txt") == b"second"


def test_missing_objects_raise_object_not_found(object_store):
    with pytest.raises(ObjectNotFound):
        object_store.open("records/zz/none/original.pdf")
    with pytest.raises(ObjectNotFound):
        object_store.stat("records/zz/none/original.pdf")
    assert not object_store.exists("records/zz/none/original.pdf")
    object_store.delete("records/zz/none/original.pdf")  # deleting nothing is fine


def test_list_by_prefix_and_delete(object_store):
    for key in ("records/ab/r1/a.txt", "records/ab/r1/pages/0001.view.jpg", "records/ab/r2/a.txt"):
        object_store.put_bytes(key, b"x")
    assert sorted(object_store.list("records/ab/r1/")) == [
        "records/ab/r1/a.txt",
        "records/ab/r1/pages/0001.view.jpg",
    ]
    object_store.delete("records/ab/r1/a.txt")
    assert sorted(object_store.list("records/ab/r1/")) == ["records/ab/r1/pages/0001.view.jpg"]


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", "sp ace", ""])
def test_unsafe_keys_are_refused(object_store, key):
    with pytest.raises(ValueError):
        object_store.put_bytes(key, b"x")


def test_concurrent_writers_of_one_key_never_leave_a_mixed_object(object_store):
    blobs = [bytes([i]) * (512 * 1024) for i in range(6)]
    threads = [
        threading.Thread(target=object_store.put_bytes, args=("records/cc/c1/original.pdf", b))
        for b in blobs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _read(object_store, "records/cc/c1/original.pdf") in blobs


def test_health_reports_ok(object_store):
    assert object_store.health()["ok"] is True


def test_an_empty_file_round_trips(object_store, tmp_path):
    src = tmp_path / "empty.txt"
    src.write_bytes(b"")
    info = object_store.put_file("records/ab/e1/text.txt", src, sha256=hashlib.sha256().hexdigest())
    assert (info.size, info.sha256) == (0, hashlib.sha256().hexdigest())
    assert _read(object_store, "records/ab/e1/text.txt") == b""


def test_a_rejected_overwrite_keeps_the_previous_object(object_store, tmp_path):
    """GIVEN a stored original WHEN a replacement arrives with the wrong SHA-256 THEN
    ChecksumMismatch, and readers still get the previous bytes, whole."""
    object_store.put_bytes("records/ab/x4/original.pdf", b"the good scan")
    src = tmp_path / "scan.bin"
    src.write_bytes(b"a damaged copy")
    with pytest.raises(ChecksumMismatch):
        object_store.put_file("records/ab/x4/original.pdf", src, sha256="0" * 64)
    assert _read(object_store, "records/ab/x4/original.pdf") == b"the good scan"


def test_a_large_object_streams_both_ways_in_bounded_memory(object_store, tmp_path):
    """GIVEN a 128 MiB scan WHEN stored and read back in 1 MiB chunks THEN the bytes match and
    neither direction ever held the object in memory (peak Python allocation < 3/4 of it)."""
    size = 128 * 1024 * 1024 + 1
    src = tmp_path / "big.tif"
    digest = hashlib.sha256()
    with open(src, "wb") as out:
        for offset in range(0, size, 16 * 1024 * 1024):
            block = os.urandom(min(16 * 1024 * 1024, size - offset))
            digest.update(block)
            out.write(block)
    tracemalloc.start()
    try:
        info = object_store.put_file("records/bb/big/original.tif", src, sha256=digest.hexdigest())
        back = hashlib.sha256()
        with object_store.open("records/bb/big/original.tif") as fh:
            while chunk := fh.read(CHUNK):
                back.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == size
    assert back.hexdigest() == digest.hexdigest()
    assert peak < size * 3 // 4, f"peak {peak / 2**20:.0f} MiB"


def test_an_open_object_can_be_served_by_flask_send_file(object_store):
    from flask import Flask, send_file

    object_store.put_bytes("records/ab/x5/view.jpg", b"\xff\xd8" + b"j" * 100_000)
    app = Flask(__name__)

    @app.get("/view")
    def view():
        return send_file(object_store.open("records/ab/x5/view.jpg"), mimetype="image/jpeg")

    response = app.test_client().get("/view")
    assert response.status_code == 200
    assert response.data == b"\xff\xd8" + b"j" * 100_000


def test_a_range_reads_only_the_bytes_asked_for(object_store):
    """GIVEN a stored PDF WHEN a viewer asks for its last bytes, its first byte, or a window
    THEN exactly those bytes come back (the store is asked for the range, not the file)."""
    data = bytes(range(256)) * 40
    object_store.put_bytes("records/ab/x6/original.pdf", data)
    for start, length in ((len(data) - 100, 100), (0, 1), (300, 5000)):
        with object_store.open_range("records/ab/x6/original.pdf", start, length) as fh:
            got = b"".join(iter(lambda: fh.read(777), b""))
        assert got == data[start : start + length]
    with pytest.raises(ObjectNotFound):
        object_store.open_range("records/ab/x6/missing.pdf", 0, 1)
