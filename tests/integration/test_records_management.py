"""Records management on real backends: schedules, holds, four-eyes disposition, the audit
chain and fixity."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import date

import bagit
import pymupdf
import pytest

from archive_app.domain.records import record_prefix, searchable_fields
from archive_app.recordkeeping import disposition, holds, retention
from archive_app.recordkeeping.disposition import DispositionError
from archive_app.recordkeeping.holds import HoldError
from search.interfaces import IndexDocument
from search.query import parse_search
from tests.integration.records_helpers import add, with_officers


@pytest.fixture
def archive(services):
    return with_officers(services, ("pengelola2", "records_officer"))


def test_the_example_schedule_is_version_one_and_states_follow_it(archive):
    old = add(archive, 1)  # C.KEJADIAN 2014: 2 + 3 years after 2014-07-09 -> due (destroy)
    new = add(archive, 2, year=2024)  # 2024-02-14 + 2 years -> inactive until 2029-02-14
    kept = add(archive, 3, form_type="C.HASIL", year=2014)  # permanent series
    records = archive.metadata.records
    assert archive.metadata.schedules.current().version == 1
    today = date(2026, 11, 29)
    assert retention.state_of(archive, records.get(old), today).action == "destroy"
    state = retention.state_of(archive, records.get(new), today)
    assert (state.state.value, state.changes_at) == ("inactive", date(2029, 2, 14))
    assert retention.state_of(archive, records.get(kept), today).action == "transfer"


def test_a_schedule_change_is_versioned_audited_and_recomputes_every_record(archive):
    record_id = add(archive, 1)
    assert archive.metadata.records.get(record_id).retention_state == "due"
    rows = retention.schedule_rows(retention.schedule(archive))
    for row in rows:
        if row["code"] == "KEJADIAN":
            row["inactive_years"] = 50
    version = retention.save_schedule(archive, rows, "perpanjang retensi", "pengelola")
    assert version == 2 and archive.metadata.records.get(record_id).retention_state == "inactive"
    assert archive.metadata.audit.list(action="retention.schedule")[0]["details"]["previous"] == 1


def test_holds_need_a_reason_and_freeze_records_now_and_later(archive):
    first = add(archive, 1, village="Suruh")
    with pytest.raises(HoldError):
        holds.place(archive, reason="", case_ref="PHPU 1/2024", document_ids=[first], actor="p")
    hold = holds.place(
        archive,
        reason="Sengketa hasil",
        case_ref="PHPU 12/PHPU.PRES-XXII/2024",
        query={"village": "Suruh"},
        actor="pengelola",
    )
    later = add(archive, 2, village="Suruh")
    elsewhere = add(archive, 3, village="Papahan")
    records = archive.metadata.records
    assert records.get(first).retention_state == "on_hold"
    assert records.get(later).retention_state == "on_hold"
    assert records.get(elsewhere).retention_state == "due"
    assert [h.case_ref for h in retention.state_of(archive, records.get(later)).holds] == [
        "PHPU 12/PHPU.PRES-XXII/2024"
    ]
    with pytest.raises(HoldError):
        holds.release(archive, hold, "", "pengelola")
    assert holds.release(archive, hold, "Putusan MK sudah berkekuatan hukum tetap", "pengelola")
    assert records.get(later).retention_state == "due"


def test_four_eyes_and_holds_beat_every_disposition_path(archive):
    due = [add(archive, n) for n in range(1, 4)]
    active = add(archive, 9, year=2024)
    with pytest.raises(DispositionError) as refused:
        disposition.propose(archive, "destroy", [*due, active], "usul musnah", "pengelola")
    assert active in refused.value.problems
    list_id = disposition.propose(archive, "destroy", due, "usul musnah 2014", "pengelola")
    with pytest.raises(DispositionError, match="own list"):
        disposition.decide(archive, list_id, True, "ok", "pengelola")
    with pytest.raises(DispositionError, match="approved"):
        disposition.execute(archive, list_id, "pengelola")
    with pytest.raises(DispositionError, match="already on an open"):
        disposition.propose(archive, "destroy", due[:1], "lagi", "pengelola2")
    disposition.decide(archive, list_id, True, "Sesuai JRA, disetujui", "pejabat")
    holds.place(
        archive, reason="Sengketa", case_ref="PHP 3/2024", document_ids=[due[0]], actor="pengelola"
    )
    records = archive.metadata.records
    # in the index as a processed record would be, so that its removal can be seen
    archive.index.index([
        IndexDocument(
            id=i, metadata=searchable_fields(records.get(i).metadata.as_dict(), "due", ()),
            pages=(f"berita acara kejadian {i}",), created_at=records.get(i).created_at,
        )
        for i in due
    ])  # fmt: skip
    assert _found(archive) == set(due)
    summary = disposition.execute(archive, list_id, "pengelola")
    assert summary["done"] == 2 and summary["skipped"] == 1
    assert _found(archive) == {due[0]}  # the held record stays findable

    held = records.get(due[0])
    assert held.final_state == "" and archive.objects.exists(records.files(due[0])[0].key)
    for record_id in due[1:]:
        tomb = records.get(record_id)
        assert tomb.final_state == "disposed" and tomb.metadata.village == "Papahan"
        assert list(archive.objects.list(record_prefix(record_id))) == [
            record_prefix(record_id) + "tombstone.json"
        ]
        assert {f.sha256 for f in records.files(record_id)} >= {tomb.sha256}
    report = archive.metadata.dispositions.get(list_id)
    with archive.objects.open(report.report_key) as fh:
        pdf = pymupdf.open(stream=fh.read(), filetype="pdf")
    text = "".join(page.get_text() for page in pdf)
    assert "BERITA ACARA PEMUSNAHAN" in text and due[1] in text and "pejabat" in text


def _found(archive) -> set[str]:
    return {hit.id for hit in archive.index.search(parse_search({"q": "kejadian"})).hits}


def test_a_rejected_list_can_never_be_executed(archive):
    list_id = disposition.propose(archive, "destroy", [add(archive, 1)], "usul", "pengelola")
    disposition.decide(archive, list_id, False, "Belum dinilai panitia", "pejabat")
    with pytest.raises(DispositionError):
        disposition.execute(archive, list_id, "pengelola")


def test_an_approved_transfer_exports_validated_bagit_packages(archive, worker, tmp_path):
    ids = [add(archive, n, form_type="C.HASIL") for n in (1, 2)]
    deadline = time.monotonic() + 120
    # Ready, and the steps after ready done too: until then disposition refuses the record.
    while any(archive.metadata.records.get(i).status.value != "ready" for i in ids) or (
        archive.metadata.jobs.steps_owed(ids)
    ):
        assert time.monotonic() < deadline
        time.sleep(0.3)
    list_id = disposition.propose(archive, "transfer", ids, "serah ke LKD", "pengelola")
    disposition.decide(archive, list_id, True, "Setuju diserahkan", "pejabat")
    disposition.execute(archive, list_id, "pengelola")
    packages = archive.metadata.dispositions.get(list_id).packages
    assert len(packages) == 1 and packages[0]["records"] == 2
    bag = bagit.Bag(packages[0]["path"])
    bag.validate()
    assert {p.split("/")[1] for p in bag.payload_files()} == set(ids)
    assert all(archive.metadata.records.get(i).final_state == "transferred" for i in ids)


def _execute_in_background(env, list_id):
    return subprocess.Popen(
        [sys.executable, "-m", "archive_app", "disposition", "execute", str(list_id)],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_destroy_run_killed_halfway_and_run_again_removes_exactly_the_approved_records(
    archive, settings
):
    approved = [add(archive, n) for n in range(1, 61)]
    bystanders = [add(archive, n) for n in range(100, 106)]  # also due, not on the list
    list_id = disposition.propose(archive, "destroy", approved, "usul", "pengelola")
    disposition.decide(archive, list_id, True, "setuju", "pejabat")
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    run = _execute_in_background(env, list_id)
    deadline = time.monotonic() + 60
    while not archive.metadata.dispositions.items(list_id, state="done"):
        assert time.monotonic() < deadline and run.poll() is None
        time.sleep(0.02)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    done = len(archive.metadata.dispositions.items(list_id, state="done"))
    assert 0 < done < len(approved), "the run was not interrupted half-way"

    again = subprocess.run(
        [sys.executable, "-m", "archive_app", "disposition", "execute", str(list_id)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode == 0, again.stderr
    records = archive.metadata.records
    assert all(records.get(i).final_state == "disposed" for i in approved)
    for record_id in bystanders:
        assert records.get(record_id).final_state == ""
        for f in records.files(record_id):
            assert archive.objects.exists(f.key)
    assert archive.metadata.dispositions.get(list_id).status == "executed"


def _archive_cli(settings, *args):
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "archive_app", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_tampered_audit_row_is_detected_and_named(archive, settings):
    add(archive, 1)
    assert _archive_cli(settings, "audit", "verify").returncode == 0
    from sqlalchemy import text

    with archive.metadata.engines.write.begin() as conn:
        victim = conn.execute(text("SELECT id FROM audit_events ORDER BY id LIMIT 1 OFFSET 2"))
        victim = victim.scalar()
        conn.execute(
            text("UPDATE audit_events SET actor = 'someone-else' WHERE id = :i"), {"i": victim}
        )
    result = _archive_cli(settings, "audit", "verify")
    assert result.returncode == 1 and f"entry {victim}" in result.stdout


def test_a_flipped_byte_in_a_stored_file_is_detected_with_its_record(archive, settings):
    record_id = add(archive, 1)
    assert _archive_cli(settings, "verify").returncode == 0
    original = next(f for f in archive.metadata.records.files(record_id) if f.role == "original")
    path = settings.objects_dir / original.key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    result = _archive_cli(settings, "verify")
    assert result.returncode == 1
    assert f"CHANGED\t{record_id}\t{original.key}" in result.stdout
    fixity = archive.metadata.lifecycle.fixity_of(record_id)
    assert fixity["ok"] is False and fixity["checked_at"] is not None
    assert (
        archive.metadata.audit.list(action="fixity.changed")[0]["target"] == f"document:{record_id}"
    )
    (settings.objects_dir / original.key).unlink()
    missing = _archive_cli(settings, "verify", "--sample", "100")
    assert missing.returncode == 1 and f"MISSING\t{record_id}" in missing.stdout


def test_the_sidecar_of_a_destroyed_record_keeps_the_approval_trail(archive):
    record_id = add(archive, 1)
    list_id = disposition.propose(archive, "destroy", [record_id], "usul", "pengelola")
    disposition.decide(archive, list_id, True, "setuju", "pejabat")
    disposition.execute(archive, list_id, "pengelola")
    with archive.objects.open(record_prefix(record_id) + "tombstone.json") as fh:
        tomb = json.load(fh)
    assert tomb["approved_by"] == "pejabat" and tomb["proposed_by"] == "pengelola"
    assert tomb["metadata"]["village"] == "Papahan" and "text" not in json.dumps(tomb["files"])
