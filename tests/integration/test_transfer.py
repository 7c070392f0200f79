"""`archive transfer`: an embedded archive moves onto the scale-out backends, resumably, with
every object re-verified by checksum."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import text, update

from archive_app import accounts
from archive_app.db.models import RecordRow
from archive_app.domain.audit import GENESIS, entry_hash
from archive_app.domain.records import Status
from archive_app.intake import uploads
from archive_app.operations.transfer import TransferError, transfer
from archive_app.records import processing, tally_export
from archive_app.services import build_services
from search.query import parse_search
from tests.conftest import make_settings
from tests.factories import without
from tests.formgen import make_form

META = without("tps")


@pytest.fixture
def source(services, tmp_path):
    """An embedded archive with two processed records, one still queued, and a user."""
    accounts.create_user(services, "ani", "a long password", "archivist", "test")
    token = accounts.create_token(services, "ani", "scanner", "test", days=30)
    expired = accounts.create_token(services, "ani", "old scanner", "test", days=1)
    _expire(services, "old scanner")
    ids = []
    for n, word in enumerate(["Sawahrejo", "Kebonagung", "Tegalsari"], start=1):
        path = make_form(tmp_path / f"f{n}.png", tps=n, unique_word=word, seed=n)
        with open(path, "rb") as fh:
            ids.append(uploads.receive(services, fh, path.name, {**META, "tps": str(n)}, "ani").id)
    for record_id in ids[:2]:
        processing.process(services, record_id)
    services.token, services.expired = token, expired
    services.ids = ids
    return services


def _expire(services, name):
    from archive_app.db.models import ApiTokenRow
    from archive_app.domain.clock import utcnow

    with services.metadata.users._s.write() as s:
        for row in s.query(ApiTokenRow).filter_by(name=name):
            row.expires_at = utcnow()


@pytest.fixture
def target(tmp_path, request):
    extra = {}
    for name in ("pg_settings", "redis_settings"):
        extra.update(request.getfixturevalue(name))
    target = build_services(make_settings(tmp_path / "target", **extra))
    yield target
    target.close()


def test_an_interrupted_transfer_resumes_and_ends_with_everything_verified(source, target):
    first = transfer(source, target, limit=1)
    assert not first.complete and first.records == 1
    assert len(target.metadata.records.list()) == 1

    second = transfer(source, target)
    assert second.complete and second.records == 2 and second.already_there == 1
    assert {d.id for d in target.metadata.records.list()} == set(source.ids)
    for record_id in source.ids:
        theirs = source.metadata.records.get(record_id)
        ours = target.metadata.records.get(record_id)
        assert (ours.sha256, ours.metadata, ours.created_at) == (
            theirs.sha256,
            theirs.metadata,
            theirs.created_at,
        )
        assert ours.status is (Status.QUEUED if record_id == source.ids[2] else Status.READY)
        files = target.metadata.records.files(record_id)
        assert files == source.metadata.records.files(record_id)
        for f in files:
            with target.objects.open(f.key) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == f.sha256

    found = target.index.search(parse_search({"q": "kebonagung"}))
    assert [h.id for h in found.hits] == [source.ids[1]]
    assert accounts.user_for_token(target, source.token).username == "ani"
    assert accounts.user_for_token(target, source.expired) is None  # not brought back to life
    [kept] = target.metadata.users.tokens(target.metadata.users.by_name("ani").id)
    assert kept.name == "scanner" and kept.expires_at is not None
    assert accounts.authenticate(target, "ani", "a long password") is not None
    assert target.queue.pending() >= 1  # the queued record waits for the target's workers

    third = transfer(source, target)
    assert third.records == 0 and third.already_there == 3 and third.audit_entries == 0


def test_GIVEN_processed_records_WHEN_transferred_THEN_what_their_pages_were_read_as_comes_too(
    source, target
):
    """GIVEN two processed C.Hasil forms (one sent to review, one whose counts could not be
    read) and one still queued WHEN transferred THEN the target holds what was typed, what
    their pages were read as and what review said: the same review queue and flags, the
    same tally CSV (joined from kept lines), and the recap entries a rebuild there makes;
    the queued one keeps what its uploader typed for the target's workers. (A transfer
    once copied only the metadata: the target had no vote counts, and its recap none of
    these forms.)"""
    processed, queued_id = source.ids[:2], source.ids[2]
    readings = source.metadata.readings
    with source.metadata.users._s.write() as s:
        s.execute(
            update(RecordRow).where(RecordRow.id == processed[1])
            .values(needs_review=True, review_reasons='["tps: read 2 with low confidence"]')
        )  # fmt: skip
    stored = readings.as_stored(source.ids)
    assert all(stored[i]["tally"] and stored[i]["extracted"] != "{}" for i in processed)
    assert stored[queued_id]["uploader_metadata"] not in ("", "{}")
    transfer(source, target)
    got = target.metadata.readings.as_stored(source.ids)
    assert {i: got[i] for i in processed} == {i: stored[i] for i in processed}
    assert got[queued_id]["uploader_metadata"] == stored[queued_id]["uploader_metadata"]
    for record_id in processed:
        ours, theirs = (a.metadata.records.get(record_id) for a in (target, source))
        assert ours.flags == theirs.flags
    assert [r.id for r in target.metadata.readings.queue()] == [processed[1]]
    assert target.metadata.readings.queue_count() == 1
    exports = ["".join(tally_export.csv_lines(a, {})) for a in (source, target)]
    assert exports[0] == exports[1] and exports[0].count(",VALID,") == 2
    assert [f.kept is not None for f in target.metadata.readings.iter_tallies({})] == [True] * 2
    transferred = _recap_entries(target)
    assert [row[0] for row in transferred] == sorted(processed)
    target.metadata.recap.rebuild()
    assert _recap_entries(target) == transferred


def test_GIVEN_a_form_whose_counts_were_not_read_WHEN_transferred_THEN_the_recap_has_it_too(
    source, target
):
    """A result form without counts still takes part in the recap (its counters, which copy
    of a TPS's form counts): as a worker's finish gives it, not only forms with counts."""
    with source.metadata.users._s.write() as s:
        s.execute(update(RecordRow).where(RecordRow.id == source.ids[0]).values(tally=""))
    source.metadata.recap.rebuild()
    transfer(source, target)
    transferred = _recap_entries(target)
    assert transferred == _recap_entries(source) and len(transferred) == 2
    target.metadata.recap.rebuild()
    assert _recap_entries(target) == transferred


def _recap_entries(archive) -> list[tuple]:
    with archive.metadata.engines.read.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT record_id, election, year, form_type, level, place, counted "
            "FROM recap_forms ORDER BY record_id"
        ))]  # fmt: skip


def test_the_target_audit_chain_holds_every_source_entry_and_still_verifies(source, target):
    transfer(source, target)
    source_count = len(source.metadata.audit.list(limit=10_000))
    rows = target.metadata.audit.entries_after(0, 10_000)
    transferred = [e for _, e in rows if "transferred_from" in e.details]
    assert len(transferred) == source_count
    from sqlalchemy import select

    from archive_app.db.models import AuditRow

    with target.metadata.engines.read.connect() as conn:
        stored = conn.execute(select(AuditRow).order_by(AuditRow.id)).all()
    prev = GENESIS
    for (_, entry), row in zip(rows, stored, strict=True):
        assert row.prev_hash == prev and row.hash == entry_hash(entry, prev)
        prev = row.hash


def test_a_damaged_source_object_stops_the_transfer_and_names_it(source, target):
    victim = source.metadata.records.files(source.ids[0])[0]
    path = source.settings.objects_dir / victim.key
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(TransferError, match=victim.key):
        transfer(source, target)
    assert not target.metadata.records.by_ids([source.ids[0]])

    path.unlink()  # gone altogether: said so, with what to do, not a raw lookup error
    with pytest.raises(TransferError, match=f"{victim.key} is missing: .*restore it"):
        transfer(source, target)
    assert not target.metadata.records.by_ids([source.ids[0]])


def test_a_record_arrives_with_the_retention_state_the_target_computes(services, target, tmp_path):
    """GIVEN a record due for destruction in the source (C.KEJADIAN 2014 under the example
    schedule), both archives on that schedule WHEN it is transferred THEN the target holds
    it as due, and its index finds it so, not as an active record that no nightly refresh
    would ever look at again."""
    from archive_app.recordkeeping import retention
    from tests.integration.records_helpers import add

    target.metadata.migrate()
    for archive in (services, target):
        retention.ensure_schedule(archive, "test")
    record_id = add(services, 1)
    processing.process(services, record_id)
    assert services.metadata.records.get(record_id).retention_state == "due"

    transfer(services, target)
    assert target.metadata.records.get(record_id).retention_state == "due"
    assert [h.id for h in target.index.search(parse_search({"retention": "due"})).hits] == [
        record_id
    ]


def test_GIVEN_legal_holds_WHEN_transferred_THEN_their_records_stay_frozen_on_the_target(
    source, target
):
    """GIVEN a hold in force on one record and a released one on two WHEN transferred,
    cut short after the first record THEN that record is already frozen at the target; at
    the end the target holds both holds as they were, a rerun copies neither again, each
    new one is audited with the source's id, a hold placed later goes over at the next run,
    and a release at the source frees the record there too. (Holds once stayed behind: a
    record frozen for a dispute arrived free to be destroyed.)"""
    from archive_app.recordkeeping import holds

    first, second = sorted(source.ids)[:2]  # the order the records go over in
    in_force = holds.place(source, reason="Sengketa hasil", case_ref="PHPU-1/2024",
                           document_ids=[first], actor="ani")  # fmt: skip
    released = holds.place(source, reason="Pemeriksaan", case_ref="X-2",
                           document_ids=[first, second], actor="ani")  # fmt: skip
    holds.release(source, released, "selesai", "ani")
    transfer(source, target, limit=1)
    assert target.metadata.holds.held([first]) == {first}  # frozen from its first moment
    assert transfer(source, target).holds == 0  # both went over with the first run
    assert transfer(source, target).holds == 0

    def kept(archive):
        return sorted(
            (h.case_ref, h.reason, h.created_at, h.created_by, h.released_at, h.release_reason,
             h.records)
            for h in archive.metadata.holds.list()
        )  # fmt: skip

    assert kept(target) == kept(source)
    assert target.metadata.holds.held(source.ids) == {first}
    assert target.metadata.records.get(first).retention_state == "on_hold"
    assert target.metadata.records.get(second).retention_state != "on_hold"
    copied = target.metadata.audit.list(action="hold.transfer")
    assert sorted(e["details"]["source_hold"] for e in copied) == [in_force, released]

    # a hold placed after the records went over freezes them there at the next run
    later = holds.place(source, reason="Banding", case_ref="PHPU-2/2024",
                        document_ids=[second], actor="ani")  # fmt: skip
    assert transfer(source, target).holds == 1 and kept(target) == kept(source)
    assert target.metadata.holds.held(source.ids) == {first, second}
    assert target.metadata.records.get(second).retention_state == "on_hold"
    # and a release at the source frees the record there too, at the next run
    assert holds.release(source, later, "putusan berkekuatan tetap", "ani")
    assert transfer(source, target).holds == 0 and kept(target) == kept(source)
    assert target.metadata.holds.held(source.ids) == {first}
    assert target.metadata.records.get(second).retention_state != "on_hold"


def test_GIVEN_disposition_lists_WHEN_transferred_THEN_the_destroyed_record_and_its_approval_go_too(
    services, target
):
    """GIVEN a record destroyed by an executed, approved list and a second list proposed
    WHEN transferred THEN the transfer completes (an archive that had destroyed a record
    once stopped at its deleted files): the destroyed record arrives as its tombstone (row,
    checksums, sidecar; its files listed as destroyed, so no fixity check misses them, and
    no worker is asked to read it); both lists arrive as they are, with their items and the
    destruction report verified by SHA-256 under a key of the source's own, each audited
    once with the source's id. A rerun copies none again but brings the decision made
    since, which the target then carries out; the next rerun does not take that list
    back. A record destroyed at the source after it went over is destroyed here too."""
    from archive_app.recordkeeping import disposition
    from tests.integration.records_helpers import add, with_officers

    source = with_officers(services, ("pengelola2", "records_officer"))
    gone, kept, later = add(source, 1), add(source, 2), add(source, 3)
    done = _destroyed(source, [gone], "usul musnah")
    proposed = disposition.propose(source, "destroy", [kept], "usul kedua", "pengelola")

    report = transfer(source, target)
    assert report.complete and report.records == 3 and report.dispositions == 2
    _is_tombstone(source, target, gone)
    assert gone not in report.queued and kept in report.queued
    unchecked = {i for batch in target.metadata.lifecycle.files_to_check() for i, _ in batch}
    assert unchecked == {kept, later}
    assert _lists(target) == _lists(source)
    [executed] = [d for d in target.metadata.dispositions.lists() if d.report_key]
    assert executed.report_key.startswith("disposition/transfer-")
    with target.objects.open(executed.report_key) as fh:
        assert hashlib.sha256(fh.read()).hexdigest() == executed.report_sha256
    copied = target.metadata.audit.list(action="disposition.transfer")
    assert sorted(e["details"]["source_list"] for e in copied) == [done, proposed]

    disposition.decide(source, proposed, True, "setuju juga", "pejabat")
    assert transfer(source, target).dispositions == 0
    assert _lists(target) == _lists(source)
    assert len(target.metadata.audit.list(action="disposition.transfer")) == 2
    here = next(d.id for d in target.metadata.dispositions.lists() if d.comment == "usul kedua")
    disposition.execute(target, here, "pengelola")  # the officers came with the transfer
    assert target.metadata.records.get(kept).final_state == "disposed"
    carried_out = target.metadata.dispositions.get(here)

    _destroyed(source, [later], "usul ketiga")  # at the source, after it went over
    keys = [f.key for f in target.metadata.records.files(later)]
    rerun = transfer(source, target)
    assert rerun.complete and rerun.dispositions == 1
    assert target.metadata.dispositions.get(here) == carried_out  # not taken back
    [(item, state, note, done_at)] = target.metadata.dispositions.item_rows(here)
    assert (item, state, note) == (kept, "done", "") and done_at is not None
    _is_tombstone(source, target, later)
    assert not any(target.objects.exists(k) for k in keys)
    assert [e["target"] for e in target.metadata.audit.list(action="transfer.destroyed")] == [
        f"document:{later}"
    ]


def test_GIVEN_a_final_disposition_at_the_source_after_the_copy_THEN_it_is_followed_unless_held(
    services, target
):
    """GIVEN two records already transferred, one then handed to the national archives at
    the source and one destroyed there while a hold placed at the target names it WHEN
    transferred again THEN the first is marked transferred here (audited with it), the held
    one is left whole and named, and the run is not complete; once the hold is released
    here, the next run destroys it. A final record needs no retention work afterwards."""
    from archive_app.recordkeeping import holds, retention
    from tests.integration.records_helpers import add, with_officers

    source = with_officers(services, ("pengelola2", "records_officer"))
    handed, held = add(source, 1), add(source, 2)
    assert transfer(source, target).complete
    source.metadata.lifecycle.mark_transferred(handed)
    hold_id = holds.place(target, reason="Sengketa", case_ref="PHPU-9/2024",
                          document_ids=[held], actor="pengelola")  # fmt: skip
    _destroyed(source, [held], "usul musnah")
    keys = [f.key for f in target.metadata.records.files(held)]

    rerun = transfer(source, target)
    assert not rerun.complete
    assert rerun.waiting == [f"{held}: disposed at the source, under a legal hold here"]
    ours = target.metadata.records.get(handed)
    assert ours.final_state == "transferred"
    assert ours.final_at == source.metadata.records.get(handed).final_at
    assert [e["target"] for e in target.metadata.audit.list(action="transfer.transferred")] == [
        f"document:{handed}"
    ]
    assert target.metadata.records.get(held).final_state == ""
    assert all(target.objects.exists(k) for k in keys)

    holds.release(target, hold_id, "putusan", "pengelola")
    assert transfer(source, target).complete
    _is_tombstone(source, target, held)
    assert retention.refresh(target, changes_by=date.today()) == 0
    # no final record left with a state to come (the refresh above follows the transfer's)
    lifecycle = target.metadata.lifecycle
    assert not list(lifecycle.retention_inputs(500, changes_by=date.today()))


def test_GIVEN_a_disposition_run_cut_short_at_the_source_THEN_the_transfer_waits_for_it(
    services, target
):
    """A list still being carried out at the source (its records half destroyed: objects
    gone, rows not yet tombstones) stops the transfer before anything is copied, saying
    to finish it there."""
    from archive_app.domain.disposition import ListStatus
    from archive_app.recordkeeping import disposition
    from tests.integration.records_helpers import add, with_officers

    source = with_officers(services, ("pengelola2", "records_officer"))
    record_id = add(source, 1)
    list_id = disposition.propose(source, "destroy", [record_id], "usul", "pengelola")
    disposition.decide(source, list_id, True, "setuju", "pejabat")
    assert source.metadata.dispositions.transition(
        list_id, ListStatus.APPROVED, ListStatus.EXECUTING
    )
    with pytest.raises(TransferError, match=f"{list_id} .*finish them there"):
        transfer(source, target)
    assert target.metadata.records.list() == []


def test_GIVEN_a_tombstone_sidecar_of_another_record_THEN_the_transfer_stops_and_names_it(
    services, target
):
    """A destroyed record's sidecar is its only proof of what it was: one that names
    another record (swapped, or damaged) stops the transfer before the record goes over."""
    from archive_app.domain.records import tombstone_key
    from tests.integration.records_helpers import add, with_officers

    source = with_officers(services, ("pengelola2", "records_officer"))
    gone = add(source, 1)
    _destroyed(source, [gone], "usul musnah")
    key = tombstone_key(gone)
    source.objects.put_bytes(key, b'{"id": "another", "sha256": ""}')
    with pytest.raises(TransferError, match=f"{key} does not describe its record"):
        transfer(source, target)
    assert not target.metadata.records.by_ids([gone])


def _destroyed(source, ids: list[str], comment: str) -> int:
    from archive_app.recordkeeping import disposition

    list_id = disposition.propose(source, "destroy", ids, comment, "pengelola")
    disposition.decide(source, list_id, True, "setuju", "pejabat")
    disposition.execute(source, list_id, "pengelola")
    return list_id


def _is_tombstone(source, target, record_id: str) -> None:
    from archive_app.domain.records import record_prefix, tombstone_key

    ours, theirs = target.metadata.records.get(record_id), source.metadata.records.get(record_id)
    assert (ours.final_state, ours.retention_state) == ("disposed", "disposed")
    assert ours.final_at == theirs.final_at and ours.sha256 == theirs.sha256
    sidecar = tombstone_key(record_id)
    with source.objects.open(sidecar) as a, target.objects.open(sidecar) as b:
        assert b.read() == a.read()
    assert list(target.objects.list(record_prefix(record_id))) == [sidecar]


def _lists(archive) -> list[tuple]:
    return [
        (d.action, d.status, d.comment, d.proposed_by, d.proposed_at, d.decided_by,
         d.decision_comment, d.executed_at, d.report_sha256, d.items,
         archive.metadata.dispositions.item_rows(d.id))
        for d in sorted(archive.metadata.dispositions.lists(), key=lambda d: d.proposed_at)
    ]  # fmt: skip
