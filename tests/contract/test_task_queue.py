"""TaskQueue contract: on SQLite and on Redis, jobs are delivered, counted, and a job whose
message was lost is found again by the sweep."""

from __future__ import annotations

import time

from archive_app.domain.records import Status
from archive_app.intake import uploads
from archive_app.operations import sweeping
from tests.descriptors import open_files
from tests.factories import metadata
from tests.formgen import make_form

META = metadata(tps=3)


def receive(services, path):
    with open(path, "rb") as fh:
        return uploads.receive(services, fh, path.name, META, "test").id


def wait_ready(services, record_id, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        record = services.metadata.records.get(record_id)
        if record.status in (Status.READY, Status.FAILED):
            return record
        time.sleep(0.2)
    raise AssertionError("not processed in time")


def test_an_enqueued_job_is_counted_then_processed_by_a_worker(queue_services, tmp_path):
    record_id = receive(queue_services, make_form(tmp_path / "a.png"))
    assert queue_services.queue.pending() == 1
    local = queue_services.queue.start_local(1)
    try:
        assert wait_ready(queue_services, record_id).status is Status.READY
    finally:
        local.stop()
    # The job's message is gone. (The periodic sweep may have been enqueued meanwhile, if
    # the test crossed a minute boundary: it is not this job.)
    left = [task.name for task in queue_services.queue.huey.pending()]
    assert "process_document" not in left and len(left) == queue_services.queue.pending()


def test_a_lost_message_is_found_again_by_the_sweep(queue_services, tmp_path):
    record_id = receive(queue_services, make_form(tmp_path / "b.png"))
    queue_services.queue.huey.flush()  # the message is gone, as after a broker crash
    assert queue_services.queue.pending() == 0
    queue_services.metadata.jobs.claim(record_id, "dead-host:1:x", 0)  # a dead worker's lease
    time.sleep(0.05)
    assert record_id in sweeping.sweep(queue_services)["requeued"]
    local = queue_services.queue.start_local(1)
    try:
        assert wait_ready(queue_services, record_id).status is Status.READY
    finally:
        local.stop()


def test_given_workers_ran_when_the_services_close_then_so_do_the_workers_connections(
    queue_services, tmp_path
):
    """The workers' own Services hold connections of their own. An unclosed one lingered
    until the collector found it, and its ResourceWarning failed a PDF/A check it happened
    to fall into."""
    database = queue_services.settings.sqlite_path.resolve()
    record_id = receive(queue_services, make_form(tmp_path / "c.png"))
    local = queue_services.queue.start_local(1)
    try:
        assert wait_ready(queue_services, record_id).status is Status.READY
    finally:
        local.stop()
    assert open_files(database) > 0
    queue_services.close()
    assert open_files(database) == 0


def test_health_reports_the_backend(queue_services):
    health = queue_services.queue.health()
    assert health["ok"] is True and health["backend"] == queue_services.settings.queue_backend


def test_waiting_tasks_run_by_priority_then_in_order(queue_services):
    """GIVEN copies queued before a record to process, WHEN one worker starts, THEN the
    record goes first and the rest keep their order (ingest before preservation)."""
    from archive_app.jobs.huey_queue import HueyTaskQueue
    from archive_app.jobs.interfaces import Registry, Task

    ran: list[str] = []
    registry = Registry(tasks=(
        Task("test_copy", lambda _services, name: ran.append(name)),
        Task("test_ingest", lambda _services, name: ran.append(name), priority=10),
    ))  # fmt: skip
    queue = HueyTaskQueue(queue_services.settings, lambda _settings: queue_services, registry)
    for name in ("copy 1", "copy 2"):
        queue.enqueue("test_copy", name)
    queue.enqueue("test_ingest", "record")
    queue.enqueue("test_copy", "copy 3")
    local = queue.start_local(1)
    try:
        deadline = time.monotonic() + 30
        while len(ran) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        local.stop()
    assert ran == ["record", "copy 1", "copy 2", "copy 3"]
