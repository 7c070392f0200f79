"""The steps a record owes once ready (query holds, retention) are done at least once, on
the embedded backends: a worker killed between "ready" and the hold leaves them owed, the
retried task or the sweep does them, and disposition refuses the record until then."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest

from archive_app.domain import disposition as rules
from archive_app.domain.clock import utcnow
from archive_app.operations import sweeping
from archive_app.recordkeeping import disposition, holds
from archive_app.records import processing
from tests.integration.api_helpers import upload
from tests.integration.records_helpers import add, with_officers


@pytest.fixture
def archive(services):
    return with_officers(services)


def killed_after_ready(services, record_id: str) -> None:
    """What a worker SIGKILLed right after committing "ready" leaves behind: the record
    ready, with its pages and files, and nothing run after that commit."""
    owner = services.new_owner()
    record = services.metadata.jobs.claim(record_id, owner, 60)
    workdir = Path(tempfile.mkdtemp(dir=services.settings.tmp_dir))
    try:
        processing._run(services, record, owner, workdir)
    finally:
        shutil.rmtree(workdir)
    assert services.metadata.records.get(record_id).status.value == "ready"


def hold_by_search(services) -> int:
    return holds.place(services, reason="Sengketa", case_ref="PHP 7/2024",
                       query={"q": "kelapamuda"}, actor="pengelola")  # fmt: skip


def test_GIVEN_a_worker_killed_between_ready_and_the_query_hold_THEN_the_retried_task_applies_it(
    archive, client, tokens, form
):
    hold_id = hold_by_search(archive)
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    assert record_id not in archive.metadata.holds.document_ids(hold_id)  # no text yet
    killed_after_ready(archive, record_id)
    assert record_id not in archive.metadata.holds.held([record_id])
    processing.process(archive, record_id)  # the queue hands the task out again
    assert record_id in archive.metadata.holds.document_ids(hold_id)
    assert archive.metadata.records.get(record_id).retention_state == "on_hold"
    assert archive.metadata.jobs.steps_owed([record_id]) == {}


def test_GIVEN_a_worker_killed_between_ready_and_the_query_hold_THEN_the_sweep_applies_it(
    archive, client, tokens, form
):
    hold_id = hold_by_search(archive)
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    killed_after_ready(archive, record_id)
    assert sweeping.sweep(archive)["settled"] == []  # a live worker may still be at it
    later = utcnow() + timedelta(seconds=archive.settings.job_lease_seconds + 1)
    assert sweeping.sweep(archive, now=later)["settled"] == [record_id]
    assert record_id in archive.metadata.holds.document_ids(hold_id)
    assert archive.metadata.records.get(record_id).retention_state == "on_hold"
    assert sweeping.sweep(archive, now=later)["settled"] == []


def test_GIVEN_a_record_owing_its_steps_after_ready_THEN_it_cannot_be_proposed_for_destruction(
    archive,
):
    record_id = add(archive, 1)  # C.KEJADIAN 2014: due for destruction
    killed_after_ready(archive, record_id)
    with pytest.raises(rules.NotProposable) as refused:
        disposition.propose(archive, "destroy", [record_id], "usul musnah", "pengelola")
    assert refused.value.problems == {record_id: rules.OWED}
    later = utcnow() + timedelta(seconds=archive.settings.job_lease_seconds + 1)
    assert sweeping.sweep(archive, now=later)["settled"] == [record_id]
    assert disposition.propose(archive, "destroy", [record_id], "usul musnah", "pengelola")


def test_GIVEN_a_listed_record_killed_after_ready_THEN_execution_skips_it_and_destroys_nothing(
    archive,
):
    """Listed while queued, processed after approval by a worker killed after "ready": its
    text may put it under a hold by search, so the run must not destroy it."""
    owing, other = add(archive, 1), add(archive, 2)
    list_id = disposition.propose(archive, "destroy", [owing, other], "usul", "pengelola")
    disposition.decide(archive, list_id, True, "Sesuai JRA", "pejabat")
    killed_after_ready(archive, owing)
    summary = disposition.execute(archive, list_id, "pengelola")
    assert summary["done"] == 1 and summary["skipped"] == 1
    items = {i: (state, note) for i, state, note in archive.metadata.dispositions.items(list_id)}
    assert items[owing] == ("skipped", f"at execution: {rules.OWED}")
    assert archive.metadata.records.get(owing).final_state == ""
    assert archive.metadata.records.get(other).final_state == "disposed"


def test_GIVEN_a_listed_record_being_processed_THEN_execution_skips_it(archive):
    """A worker writing a record's files and pages back after its destruction would bring
    it back: a record being processed waits for a later list; a queued one is destroyed."""
    busy, queued = add(archive, 1), add(archive, 2)
    list_id = disposition.propose(archive, "destroy", [busy, queued], "usul", "pengelola")
    disposition.decide(archive, list_id, True, "Sesuai JRA", "pejabat")
    jobs = archive.metadata.jobs
    assert jobs.claim(busy, "worker-host:1:a", 600) is not None
    summary = disposition.execute(archive, list_id, "pengelola")
    assert summary["done"] == 1 and summary["skipped"] == 1
    items = {i: (state, note) for i, state, note in archive.metadata.dispositions.items(list_id)}
    assert items[busy] == ("skipped", f"at execution: {rules.BUSY}")
    assert archive.metadata.records.get(busy).final_state == ""
    assert archive.metadata.records.files(busy)  # nothing of it was deleted
    assert archive.metadata.records.get(queued).final_state == "disposed"
    assert rules.SKIP_NOTES[items[busy][1]].startswith("saat pelaksanaan: masih diproses")
