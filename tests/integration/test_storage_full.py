"""Full storage: a clear 507, nothing of the refused upload kept, and the archive works
again once there is room (the whole-disk run is `python -m bench.soak --disk-full`)."""

from __future__ import annotations

import errno
import hashlib
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event

from archive_app import audit
from archive_app.db.interfaces import MetadataUnavailable
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import NewRecord
from archive_app.domain.metadata import validate_metadata
from archive_app.http.errors import storage_full
from archive_app.operations import sweeping
from tests.conftest import bearer
from tests.factories import META
from tests.integration.api_helpers import leftovers, upload
from vocabulary.elections import load_vocabulary


def _cap(dbapi_conn, _record):
    """SQLite may not grow past the pages it has: a write that needs one more page fails
    with SQLITE_FULL, as on a full disk."""
    pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
    dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")


def test_GIVEN_a_full_database_WHEN_uploading_and_searching_THEN_507_and_nothing_is_kept(
    client, services, tokens, form
):
    rows = services.metadata.records.count()
    with _filled(services):
        refused = upload(client, tokens["archivist"], form)
        assert refused.status_code == 507, refused.get_json()
        said = refused.get_json()
        assert said["error"] == "storage_full"
        assert said["message"].startswith("Penyimpanan arsip penuh")
        search = client.get("/api/v1/search?q=suara", headers=bearer(tokens["auditor"]))
        assert search.status_code == 507  # a search that cannot be audited is not answered
    left = leftovers(services)  # at most a reservation its cleanup could not remove: no objects
    assert left["rows"] == rows and not left["objects"] and not left["tmp"]
    sweeping.sweep(services, now=utcnow() + timedelta(hours=2))
    assert leftovers(services)["uploading"] == []
    again = upload(client, tokens["archivist"], form)
    assert again.status_code == 202  # room again: accepted, with its audit entry
    [entry] = services.metadata.audit.list(target=f"document:{again.get_json()['id']}")
    assert entry["action"] == "upload"


class _filled:
    def __init__(self, services):
        self.services = services

    def __enter__(self):
        engines = self.services.metadata.engines
        event.listen(engines.write, "connect", _cap)
        engines.dispose()
        for n in range(20_000):  # fill the pages there are, as a busy archive would
            try:
                audit.record(self.services, "filler", "view", f"document:{n}")
            except MetadataUnavailable as exc:
                assert storage_full(exc)
                return self
        raise AssertionError("the database never filled up")

    def __exit__(self, *exc):
        engines = self.services.metadata.engines
        event.remove(engines.write, "connect", _cap)
        engines.dispose()


def test_a_write_to_a_full_device_is_storage_full_and_other_os_errors_are_not():
    with pytest.raises(OSError) as caught, open("/dev/full", "wb", buffering=0) as device:
        device.write(b"x")
    assert caught.value.errno == errno.ENOSPC and storage_full(caught.value)
    try:
        raise MetadataUnavailable("metadata database unavailable") from caught.value
    except MetadataUnavailable as wrapped:
        assert storage_full(wrapped)
    assert not storage_full(FileNotFoundError(errno.ENOENT, "gone"))
    assert not storage_full(MetadataUnavailable("connection refused"))


def test_GIVEN_an_upload_cut_short_WHEN_the_same_file_comes_again_THEN_503_not_already_archived(
    client, services, tokens, form
):
    """A reservation is not a record: "already archived" (409) could make a client discard
    its only copy. Until the sweep removes the reservation the answer is "try again"."""
    sha = hashlib.sha256(form.read_bytes()).hexdigest()
    metadata = validate_metadata(META, load_vocabulary(None), partial=True)
    services.metadata.records.begin_upload(
        NewRecord(uuid.uuid4().hex, sha, metadata, "png", "scan.png", 10, 1, "archivist")
    )  # as an upload whose cleanup a full disk refused leaves it
    again = upload(client, tokens["archivist"], form)
    assert again.status_code == 503
    assert again.get_json()["error"] == "upload.being_received"
    sweeping.sweep(services, now=utcnow() + timedelta(hours=2))
    assert upload(client, tokens["archivist"], form).status_code == 202
