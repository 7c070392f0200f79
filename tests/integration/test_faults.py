"""Each scale-out engine stopped in the middle of work: the API answers 503 with a clear
message, nothing is half-written, and the work completes once the server is back."""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import timedelta

import pytest

from archive_app.db.interfaces import MetadataUnavailable
from archive_app.domain.clock import utcnow
from archive_app.operations import sweeping
from archive_app.records import indexing
from tests.conftest import bearer, make_settings
from tests.integration.api_helpers import leftovers, upload, wait_settled

pytestmark = pytest.mark.scaleout


@pytest.fixture
def settings(tmp_path, s3_settings, es_settings, pg_settings, redis_settings):
    return make_settings(
        tmp_path / "data", **s3_settings, **es_settings, **pg_settings, **redis_settings
    )


@contextmanager
def stopped(server):
    """Stop a (session-wide) server for the block; it is always started again."""
    server.stop()
    try:
        yield
    finally:
        server.start()


def until(predicate, timeout=90, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_object_store_down_during_upload_is_503_and_leaves_nothing(
    client, services, tokens, worker, form, minio_server
):
    with stopped(minio_server):
        response = upload(client, tokens["archivist"], form)
        assert response.status_code == 503
        assert response.get_json()["error"] == "unavailable.object_store"
    assert leftovers(services) == {"rows": 0, "uploading": [], "objects": [], "tmp": []}
    again = upload(client, tokens["archivist"], form)
    assert again.status_code == 202
    assert wait_settled(client, tokens["auditor"], again.get_json()["id"])["status"] == "ready"


def test_object_store_down_during_processing_is_retried_when_it_returns(
    client, services, tokens, form, minio_server
):
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    with stopped(minio_server):
        local = services.queue.start_local(1)
        try:
            until(lambda: "Waiting for a backend" in services.metadata.records.get(record_id).error,
                  what="the job to wait for the store")  # fmt: skip
            assert services.metadata.records.get(record_id).status.value == "queued"
            files = services.metadata.records.files(record_id)
            assert {f.role for f in files} == {"original", "metadata"}  # no half derivatives
            waits = retries_waiting(services, record_id, attempts=2)
            assert 20 <= (waits[2] - waits[1]).total_seconds() <= 60  # 20 s after retry 1 ran
        finally:
            local.stop()
    local = services.queue.start_local(1)
    try:
        until(lambda: sweeping.sweep(services) is not None and
              services.metadata.records.get(record_id).status.value == "ready",
              timeout=120, what="the record to complete")  # fmt: skip
    finally:
        local.stop()


def retries_waiting(services, record_id: str, attempts: int) -> dict:
    """{attempt: when it is due} of the record's retries, as each one shows up in the
    queue's schedule (the earlier one has run and failed by the time the next appears)."""
    due = {}

    def look():
        for task in services.queue.huey.scheduled():
            if task.args[0] == record_id:
                due.setdefault(task.kwargs["attempt"], task.eta)
        return len(due) >= attempts

    until(look, timeout=60, what=f"{attempts} retries to be scheduled")
    return due


def test_search_engine_down_is_503_and_ingest_still_completes(
    client, services, tokens, worker, form, es_server
):
    with stopped(es_server):
        response = client.get("/api/v1/search", query_string={"q": "kelapamuda"},
                              headers=bearer(tokens["auditor"]))  # fmt: skip
        assert response.status_code == 503
        assert response.get_json()["error"] == "unavailable.index"
        record_id = upload(client, tokens["archivist"], form).get_json()["id"]
        record = wait_settled(client, tokens["auditor"], record_id)
        assert record["status"] == "ready" and record["indexed"] is False
    until(lambda: indexing.catch_up(services) >= 0 and
          services.metadata.records.get(record_id).index_state.value == "indexed",
          what="the index to catch up")  # fmt: skip
    found = client.get("/api/v1/search", query_string={"q": "kelapamuda"},
                       headers=bearer(tokens["auditor"])).get_json()  # fmt: skip
    assert [h["id"] for h in found["hits"]] == [record_id]


def test_database_down_is_503_and_nothing_reaches_the_store(
    client, services, tokens, worker, form, pg_server
):
    with stopped(pg_server):
        response = upload(client, tokens["archivist"], form)
        assert response.status_code in (401, 503)  # the token check itself needs the database
        if response.status_code == 503:
            assert response.get_json()["error"] == "unavailable.metadata"
        assert list(services.objects.list("records/")) == []
    response = upload(client, tokens["archivist"], form)
    assert response.status_code == 202
    assert wait_settled(client, tokens["auditor"], response.get_json()["id"])["status"] == "ready"


def test_queue_down_keeps_the_record_and_the_sweep_sends_it_when_back(
    client, services, tokens, form, redis_server
):
    with stopped(redis_server):
        response = upload(client, tokens["archivist"], form)
        assert response.status_code == 202  # the record is safe; only the wake-up call failed
        record_id = response.get_json()["id"]
        assert services.metadata.records.get(record_id).status.value == "queued"
    later = utcnow() + timedelta(seconds=services.settings.job_lease_seconds + 1)
    assert record_id in sweeping.sweep(services, now=later)["requeued"]  # "queued too long"
    local = services.queue.start_local(1)
    try:
        assert wait_settled(client, tokens["auditor"], record_id)["status"] == "ready"
    finally:
        local.stop()


def test_GIVEN_the_queue_down_as_a_record_becomes_ready_THEN_the_sweep_sends_its_pdfa_copy(
    client, services, tokens, form, redis_server
):
    """Found by bench/soak.py: Redis killed just as a record turned ready lost its PDF/A copy
    task, and nothing but the nightly task would have sent it again."""
    from archive_app.records import processing

    response = upload(client, tokens["archivist"], form)
    record_id = response.get_json()["id"]
    with stopped(redis_server):
        processing.process(services, record_id)  # ready; enqueueing the copy fails
    assert services.metadata.records.get(record_id).status.value == "ready"
    local = services.queue.start_local(1)
    try:
        until(lambda: services.queue.pending() == 0, what="the processing message consumed")
        assert sweeping.sweep(services)["copies_requeued"] == []  # may still be in flight
        lease = timedelta(seconds=services.settings.job_lease_seconds)
        later = utcnow() + max(lease, sweeping.LOST_COPY_GRACE) + timedelta(seconds=1)
        # the sweep sends lost copies only while the queue is idle, and the local consumer's
        # scheduler enqueues its periodic tasks at each minute: asked again until it is
        requeued: list[list[str]] = []

        def swept() -> bool:
            requeued.append(sweeping.sweep(services, now=later)["copies_requeued"])
            return bool(requeued[-1])

        until(swept, timeout=30, what="a sweep with the queue idle")
        assert requeued[-1] == [record_id]
        until(
            lambda: any(f.role == "pdfa" for f in services.metadata.records.files(record_id)),
            timeout=180,
            what="the PDF/A copy",
        )
    finally:
        local.stop()
    assert sweeping.sweep(services, now=later)["copies_requeued"] == []


def test_GIVEN_the_database_lost_as_a_record_turns_ready_THEN_the_sweep_applies_its_query_hold(
    client, services, tokens, form, pg_server
):
    """PostgreSQL stopped right after the "ready" commit: the hold by search the record
    matches cannot be joined then, and the retried task finds the record ready. The step
    stays owed in its row, and the sweep joins it once the database is back."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from archive_app.db.models import RecordRow
    from archive_app.recordkeeping import holds
    from archive_app.records import processing

    hold_id = holds.place(services, reason="Sengketa", case_ref="PHP 7/2024",
                          query={"q": "kelapamuda"}, actor="pengelola")  # fmt: skip
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    lost = []

    def stop_once_ready(session):
        ready = any(isinstance(o, RecordRow) and o.id == record_id and o.status == "ready"
                    for o in session.identity_map.values())  # fmt: skip
        if ready and not lost:
            lost.append(pg_server.stop())

    event.listen(Session, "after_commit", stop_once_ready)
    try:
        with pytest.raises(MetadataUnavailable):
            processing.process(services, record_id)
    finally:
        event.remove(Session, "after_commit", stop_once_ready)
        if lost:
            pg_server.start()
    assert lost, "the database was never stopped"
    assert services.metadata.records.get(record_id).status.value == "ready"
    assert record_id not in services.metadata.holds.document_ids(hold_id)
    later = utcnow() + timedelta(seconds=services.settings.job_lease_seconds + 1)
    assert sweeping.sweep(services, now=later)["settled"] == [record_id]
    assert record_id in services.metadata.holds.document_ids(hold_id)
    assert services.metadata.records.get(record_id).retention_state == "on_hold"
