"""MetadataStore contract: users, records, job leases and the audit chain behave the same on
every database."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert, inspect, select, text, update

from archive_app.db.interfaces import DuplicateRecord, LastAdminError
from archive_app.db.models import IndexQueueRow, RecordRow, UserRow
from archive_app.domain.audit import GENESIS, AuditEntry, entry_hash
from archive_app.domain.clock import utcnow
from archive_app.domain.disposition import Action, ListStatus
from archive_app.domain.entities import (
    DispositionList,
    Hold,
    NewRecord,
    Page,
    PageReadings,
    StoredFile,
)
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.records import IndexState, Status
from archive_app.domain.retention import RetentionUpdate
from archive_app.domain.roles import Role
from archive_app.records.indexing import ReadStamps
from tests.interleave import OnThread, held_at_commit

META = RecordMetadata("PPWP", "C.HASIL", 2024, "Jawa Tengah", "Karanganyar", "Jaten", "Papahan", 5)


def new_doc(sha: str | None = None) -> NewRecord:
    return NewRecord(
        id=uuid.uuid4().hex,
        sha256=sha or uuid.uuid4().hex * 2,
        metadata=META,
        kind="pdf",
        original_name="scan.pdf",
        size=10,
        page_count=2,
        created_by="ani",
    )


def queued(store, sha=None) -> str:
    record = new_doc(sha)
    store.records.begin_upload(record)
    store.records.complete_upload(
        record.id, [StoredFile("original", f"k/{record.id}", "a" * 64, 10)]
    )
    return record.id


PAGE = Page(1, "ocr", "suara sah", 91.5, 2, 0, 2480, 3508)


def test_users_and_tokens(metadata_store):
    users = metadata_store.users
    ani = users.create("Ani", "hash", Role.ARCHIVIST)
    assert users.by_name("ani").id == ani.id and users.count() == 1
    token = users.create_token(ani.id, "scanner", "t" * 64)
    assert users.user_for_token("t" * 64).username == "ani"
    assert users.revoke_token(ani.id, token.id)
    assert users.user_for_token("t" * 64) is None
    assert users.update("ani", role=Role.AUDITOR, active=False).role is Role.AUDITOR


def test_GIVEN_two_admins_WHEN_each_demotes_the_other_at_once_THEN_one_is_refused(
    metadata_store,
):
    """GIVEN two active admins WHEN each is demoted at the same moment THEN one demotion is
    refused and an active admin remains. The rule was checked before the write: both
    demotions passed it and none was left. To make the moment the same every time, both
    writes wait behind a transaction holding the admins' rows (PostgreSQL) or the write
    lock (SQLite) and are let go together."""
    users = metadata_store.users
    users.create("ani", "hash", Role.ADMIN)
    users.create("budi", "hash", Role.ADMIN)
    refused, failed = [], []
    start = threading.Barrier(3)

    def demote(name):
        start.wait()
        try:
            users.update(name, role=Role.AUDITOR)
        except LastAdminError as exc:
            refused.append(exc.username)
        except Exception as exc:  # any other failure is said by the assertion below
            failed.append(exc)

    threads = [threading.Thread(target=demote, args=(n,)) for n in ("budi", "ani")]
    with metadata_store.engines.write.connect() as holder, holder.begin():
        # SQLite's BEGIN IMMEDIATE has taken the write lock already; it has no FOR UPDATE.
        holder.execute(select(UserRow.id).where(UserRow.role == "admin").with_for_update())
        for t in threads:
            t.start()
        start.wait()
        _until_waiting(metadata_store, 2)
    for t in threads:
        t.join()
    admins = [u.username for u in users.list() if u.active and u.role is Role.ADMIN]
    assert failed == [] and len(refused) == 1 and admins == refused


def _until_waiting(store, writers: int) -> None:
    """Until ``writers`` transactions wait for a lock (PostgreSQL); SQLite does not say who
    waits for its lock, so a moment long enough for them to begin."""
    if store.engines.dialect != "postgresql":
        time.sleep(0.5)
        return
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    deadline = time.monotonic() + 10
    while True:
        with store.engines.read.connect() as conn:  # pg_stat_activity is read once a transaction
            if conn.execute(waiting).scalar_one() >= writers:
                return
        assert time.monotonic() < deadline, "the demotions never waited for the lock"
        time.sleep(0.01)


def test_a_users_language_is_kept_without_ending_their_sessions(metadata_store):
    """GIVEN a user WHEN they choose a language, then go back to the browser's THEN it is
    stored (migration 0011) and their sessions stay open."""
    users = metadata_store.users
    ani = users.create("ani", "hash", Role.ARCHIVIST)
    assert ani.language is None
    users.set_language(ani.id, "en")
    chosen = users.get(ani.id)
    assert chosen.language == "en" and chosen.session_epoch == ani.session_epoch
    users.set_language(ani.id, None)
    assert users.by_name("ani").language is None


def test_a_reserved_upload_is_invisible_until_completed(metadata_store):
    records = metadata_store.records
    record = new_doc()
    records.begin_upload(record)
    assert records.get(record.id) is None and records.list() == []
    records.complete_upload(record.id, [StoredFile("original", "k/1", "a" * 64, 10)])
    assert records.get(record.id).status is Status.QUEUED
    assert [f.role for f in records.files(record.id)] == ["original"]


def test_the_same_bytes_twice_is_a_duplicate_naming_the_first(metadata_store):
    first = queued(metadata_store, "b" * 64)
    with pytest.raises(DuplicateRecord) as exc:
        metadata_store.records.begin_upload(new_doc("b" * 64))
    assert exc.value.existing_id == first


def test_abandoned_upload_leaves_no_row(metadata_store):
    record = new_doc()
    metadata_store.records.begin_upload(record)
    metadata_store.records.abandon_upload(record.id)
    assert metadata_store.records.by_sha256(record.sha256) is None


@pytest.mark.parametrize("from_revision", ["0013", "0014"])
def test_GIVEN_an_upload_under_way_across_migration_0014_THEN_it_completes_or_is_abandoned(
    metadata_store, from_revision
):
    """GIVEN reservations made before migration 0014 (or after a 0014 that copied them into
    record_retention, as it first did) WHEN the database is brought to head THEN neither
    has a retention row: one completes, the other is abandoned (a row there refused the
    delete, and the sweep failed on it every time)."""
    from alembic import command

    from archive_app.db import migrate

    finishing, dropped, kept = new_doc(), new_doc(), queued(metadata_store)
    for record in (finishing, dropped):
        metadata_store.records.begin_upload(record)
    engine = metadata_store.engines.write
    command.downgrade(migrate.alembic_config(engine), from_revision)
    if from_revision == "0014":  # as the first 0014 left them
        with engine.begin() as conn:
            conn.execute(
                text("INSERT INTO record_retention (document_id, series, state, action)"
                     " VALUES (:a, '', 'active', ''),"
                     " (:b, '', 'active', '')"), {"a": finishing.id, "b": dropped.id},
            )  # fmt: skip
    metadata_store.migrate()
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT document_id FROM record_retention")).scalars().all()
    assert rows == [kept]
    records = metadata_store.records
    records.complete_upload(finishing.id, [StoredFile("original", "k/f", "a" * 64, 10)])
    records.abandon_upload(dropped.id)
    assert records.get(finishing.id).status is Status.QUEUED
    assert records.by_sha256(dropped.sha256) is None
    assert metadata_store.lifecycle.retention_counts() == {"active": 2}
    # and the index queue checks no key (migration 0016: on PostgreSQL the check wrote into
    # the wide row of every record queued)
    assert inspect(engine).get_foreign_keys("index_queue") == []


def test_only_one_of_many_concurrent_claims_wins(metadata_store):
    record_id = queued(metadata_store)
    winners = []

    def claim(n):
        if metadata_store.jobs.claim(record_id, f"host:1:{n}", 60):
            winners.append(n)

    threads = [threading.Thread(target=claim, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1


def test_an_expired_lease_can_be_reclaimed_and_the_old_owner_cannot_finish(metadata_store):
    records = metadata_store.records
    record_id = queued(metadata_store)
    assert metadata_store.jobs.claim(record_id, "old", 60)
    assert metadata_store.jobs.claim(record_id, "new", 60) is None
    metadata_store.jobs.expire_lease(record_id, "old")
    assert record_id in metadata_store.jobs.reclaimable(utcnow(), None)
    assert metadata_store.jobs.claim(record_id, "new", 60).attempts == 2
    with pytest.raises(LookupError):
        metadata_store.jobs.finish(record_id, "old", [PAGE], [], 90.0)
    metadata_store.jobs.finish(
        record_id, "new", [PAGE], [StoredFile("pdf", "k/p", "c" * 64, 5)], 91.5
    )
    record = records.get(record_id)
    assert record.status is Status.READY and record.index_state is IndexState.PENDING
    assert records.pages(record_id) == [PAGE]


def test_GIVEN_steps_owed_after_ready_THEN_they_are_written_with_ready_and_paid_one_by_one(
    metadata_store,
):
    """A worker killed right after "ready" leaves its steps after ready written down."""
    jobs = metadata_store.jobs
    record_id, other = queued(metadata_store), queued(metadata_store)
    assert jobs.steps_owed([record_id, other]) == {}
    for rid in (record_id, other):
        jobs.claim(rid, "w", 60)
        jobs.finish(rid, "w", [PAGE], [], 90.0, None, ("holds", "retention"))
    assert metadata_store.records.get(record_id).status is Status.READY
    owed = jobs.steps_owed([record_id, other, "nosuchrecord"])
    assert owed == {record_id: ["holds", "retention"], other: ["holds", "retention"]}
    assert jobs.owing_steps(utcnow() - timedelta(minutes=1), 10) == []  # ready just now
    later = utcnow() + timedelta(minutes=1)
    assert set(jobs.owing_steps(later, 10)) == {record_id, other}
    assert len(jobs.owing_steps(later, 1)) == 1
    jobs.step_done(record_id, "holds")
    assert jobs.steps_owed([record_id]) == {record_id: ["retention"]}
    jobs.step_done(record_id, "holds")  # twice is harmless
    jobs.step_done(record_id, "retention")
    assert jobs.steps_owed([record_id, other]) == {other: ["holds", "retention"]}
    assert jobs.owing_steps(later, 10) == [other]
    metadata_store.readings.confirm(record_id, META, ("holds", "retention"))  # a correction
    assert jobs.steps_owed([record_id]) == {record_id: ["holds", "retention"]}


def test_failures_are_final_or_requeued_and_retry_resets(metadata_store):
    records = metadata_store.records
    record_id = queued(metadata_store)
    metadata_store.jobs.claim(record_id, "w", 60)
    metadata_store.jobs.fail(record_id, "w", "backend away", final=False, count_attempt=False)
    record = records.get(record_id)
    assert record.status is Status.QUEUED and record.attempts == 0
    metadata_store.jobs.claim(record_id, "w", 60)
    metadata_store.jobs.fail(record_id, "w", "bad scan", final=True)
    assert (
        records.get(record_id).status is Status.FAILED
        and records.get(record_id).error == "bad scan"
    )
    assert metadata_store.jobs.requeue(record_id) and records.get(record_id).status is Status.QUEUED
    assert not metadata_store.jobs.requeue(record_id)


def stamps(store, ids: list[str]) -> dict[str, datetime]:
    """The rows' stamps as the index reads them with the records."""
    return {s.id: s.updated_at for s in store.records.index_sources(ids)}


def test_index_bookkeeping_keeps_later_edits_pending(metadata_store):
    index = metadata_store.index_state
    record_id = queued(metadata_store)
    metadata_store.jobs.claim(record_id, "w", 60)
    metadata_store.jobs.finish(record_id, "w", [PAGE], [], 90.0)
    assert index.pending_index(10) == [record_id]
    read = stamps(metadata_store, [record_id])
    # read before the last change: not marked, and named so the writer indexes it again
    older = {record_id: read[record_id] - timedelta(hours=1)}
    assert index.mark_indexed([record_id], older, queued={}) == [record_id]
    assert index.mark_indexed([record_id], {}, queued={}) == [record_id]  # not read
    assert index.pending_index(10) == [record_id]
    assert index.mark_indexed([record_id, "no-such-id"], read, queued={}) == ["no-such-id"]
    assert index.pending_index(10) == []


def rebuild_read(store) -> ReadStamps:
    """The stamps a rebuild keeps as it reads the whole archive."""
    read = ReadStamps()
    for batch in store.records.iter_index_sources(2):
        read.add(batch)
    return read


def test_marking_all_indexed_writes_only_the_pending_rows(metadata_store):
    """A rebuild marks the pending records it read; the rows already indexed are left as
    they are (on PostgreSQL a row set to what it holds is still written anew), and a record
    changed since the read stays pending."""
    store, index = metadata_store, metadata_store.index_state
    ids = processed(store, 4)
    assert index.mark_indexed(ids[:2], stamps(store, ids[:2]), queued={}) == []
    read = rebuild_read(store)
    store.records.update_metadata(ids[3], replace(META, province="Bali"))
    assert index.mark_all_indexed(ReadStamps()) == 0  # nothing read, nothing marked
    assert index.mark_all_indexed(read) == 1
    assert index.pending_index(10) == [ids[3]]
    assert index.mark_all_indexed(read) == 0
    assert index.mark_all_indexed(rebuild_read(store)) == 1
    assert index.pending_index(10) == []


def test_index_sources_come_in_bounded_batches_with_their_pages_and_flags(metadata_store):
    """GIVEN 5 ready records and one still queued WHEN a rebuild reads them in batches of 2
    THEN 2, 2, 1 records come, each ready one once, with the same metadata, retention state,
    flags and date as the record itself and its page texts; the queued one does not."""
    records = metadata_store.records
    ids = processed(metadata_store, 5)
    queued(metadata_store)
    batches = list(records.iter_index_sources(2))
    assert [len(b) for b in batches] == [2, 2, 1]
    sources = {s.id: s for b in batches for s in b}
    assert sorted(sources) == sorted(ids)
    assert all(s.pages == (PAGE.text,) for s in sources.values())
    for record in records.by_ids(ids).values():
        source = sources[record.id]
        assert source.metadata == record.metadata.as_dict()
        assert (source.retention_state, source.flags, source.created_at) == (
            record.retention_state, record.flags, record.created_at)  # fmt: skip


def test_GIVEN_a_search_hold_streaming_repeated_ids_THEN_each_record_is_held_once_and_frozen(
    metadata_store,
):
    """What a hold on a search does in the store: the index's matches arrive as a stream
    that may repeat a record (indexed and also pending); each record is named once, the
    count is kept, one statement marks them on hold (the others untouched, a second call
    changes nothing) and queues them for the index; their files' keys come in one call."""
    store = metadata_store
    ids = processed(store, 4)
    assert store.index_state.mark_indexed(ids, stamps(store, ids), queued={}) == []
    stream = (i for i in [ids[0], ids[1], ids[0], ids[2]])
    hold_id = store.holds.place("sengketa", "PHPU-9", {"q": "suara"}, stream, "ani")
    hold = store.holds.get(hold_id)
    assert hold is not None and hold.records == 3
    assert store.holds.document_ids(hold_id) == sorted(ids[:3])
    assert store.lifecycle.hold_state(hold_id) == 3
    assert store.lifecycle.hold_state(hold_id) == 0
    states = {i: r.retention_state for i, r in store.records.by_ids(ids).items()}
    assert states == {ids[0]: "on_hold", ids[1]: "on_hold", ids[2]: "on_hold", ids[3]: "active"}
    assert sorted(store.index_state.pending_index(10)) == sorted(ids[:3])
    assert sorted(store.records.file_keys(ids[:2])) == sorted(f"k/{i}" for i in ids[:2])


def trail_full(_: int) -> AuditEntry:
    """An audit entry that cannot be written: what is copied with it must not stay."""
    raise RuntimeError("the trail is full")


def copied_entry(action: str, kind: str, **details):
    """The audit entry of a thing copied from another archive, made from its id here."""
    return lambda here: AuditEntry(utcnow(), "system", action, f"{kind}:{here}", "", details)


def test_GIVEN_a_hold_from_another_archive_THEN_it_arrives_with_its_audit_entry_or_not_at_all(
    metadata_store,
):
    """GIVEN a hold from another archive WHEN its audit entry cannot be written THEN the hold
    is not here either; WHEN copied THEN hold and entry are committed together, and copying
    it again finds it (no second hold, no second entry)."""
    store = metadata_store
    placed = datetime(2024, 3, 1, 9, 0)
    hold = Hold(id=7, reason="sengketa", case_ref="PHPU-7", query=None, created_at=placed,
                created_by="officer-1")  # fmt: skip

    with pytest.raises(RuntimeError):
        store.holds.import_hold(hold, trail_full)
    assert store.holds.list() == []

    entry = copied_entry("hold.transfer", "hold", source_hold=7)

    here, new, released = store.holds.import_hold(hold, entry)
    assert (new, released) == (True, False)
    assert [h.case_ref for h in store.holds.list()] == ["PHPU-7"]
    assert [e["target"] for e in store.audit.list(action="hold.transfer")] == [f"hold:{here}"]
    assert store.holds.import_hold(hold, entry) == (here, False, False)
    assert len(store.audit.list(action="hold.transfer")) == 1


def test_GIVEN_a_disposition_list_from_another_archive_THEN_it_arrives_whole_and_only_moves_on(
    metadata_store,
):
    """GIVEN a proposed list from another archive WHEN its audit entry cannot be written
    THEN the list is not here either; WHEN copied THEN it arrives with its entry, its items
    read back a page at a time; copied again once carried out there, it is the same list,
    carried out, its items done, no second entry; copied again as it was before, nothing
    goes back; decided the other way there, at any stage, it is refused, and so is a copy
    that would finish a run under way here."""
    store = metadata_store
    ids = sorted(processed(store, 3))
    proposed = DispositionList(id=9, action=Action.DESTROY, status=ListStatus.PROPOSED,
                               comment="usul", proposed_by="pengelola",
                               proposed_at=datetime(2026, 11, 2, 8, 0))  # fmt: skip

    with pytest.raises(RuntimeError):
        store.dispositions.import_list(proposed, trail_full)
    assert store.dispositions.lists() == []

    entry = copied_entry("disposition.transfer", "disposition", source_list=9)

    here, new = store.dispositions.import_list(proposed, entry)
    assert new
    pending = [(i, "pending", "", None) for i in ids]
    store.dispositions.import_items(here, pending)
    assert store.dispositions.item_rows(here, limit=2) == pending[:2]
    assert store.dispositions.item_rows(here, after=ids[1]) == pending[2:]

    done_at = datetime(2026, 11, 9, 10, 0)
    approved = replace(proposed, status=ListStatus.APPROVED, decided_by="pejabat",
                       decided_at=datetime(2026, 11, 3), decision_comment="setuju")  # fmt: skip
    executed = replace(approved, status=ListStatus.EXECUTED, executed_by="pengelola",
                       executed_at=done_at, packages=[{"path": "bag-001"}])  # fmt: skip
    assert store.dispositions.import_list(executed, entry) == (here, False)
    done = [(ids[0], "done", "", done_at), (ids[1], "skipped", "ditahan", done_at)]
    store.dispositions.import_items(here, done)
    assert store.dispositions.item_rows(here) == [*done, pending[2]]
    for older in (proposed, approved):  # nothing goes back
        assert store.dispositions.import_list(older, entry) == (here, False)
    store.dispositions.import_items(here, pending)
    [kept] = store.dispositions.lists()
    assert replace(kept, id=executed.id, items=0) == executed and kept.items == 3
    assert store.dispositions.item_rows(here) == [*done, pending[2]]
    assert len(store.audit.list(action="disposition.transfer")) == 1

    rejected = replace(approved, status=ListStatus.REJECTED)
    with pytest.raises(ValueError, match="executed here and rejected"):  # at any stage
        store.dispositions.import_list(rejected, entry)
    other, _ = store.dispositions.import_list(replace(rejected, comment="lain"), entry)
    with pytest.raises(ValueError, match="rejected here and executed"):
        store.dispositions.import_list(replace(executed, comment="lain"), entry)
    assert store.dispositions.get(other).status is ListStatus.REJECTED

    running, _ = store.dispositions.import_list(replace(approved, comment="jalan"), entry)
    assert store.dispositions.transition(running, ListStatus.APPROVED, ListStatus.EXECUTING)
    with pytest.raises(ValueError, match="being carried out here"):
        store.dispositions.import_list(replace(executed, comment="jalan"), entry)


def processed(store, n: int = 1) -> list[str]:
    """``n`` records as processing leaves them (one page read), waiting for the index."""
    ids = [queued(store) for _ in range(n)]
    for record_id in ids:
        store.jobs.claim(record_id, "w", 60)
        store.jobs.finish(record_id, "w", [PAGE], [], 90.0)
    return ids


def ready(store, n: int = 1) -> list[str]:
    """``n`` records as processing leaves them, and the index has taken them."""
    ids = processed(store, n)
    store.index_state.mark_all_indexed(rebuild_read(store))
    return ids


def test_GIVEN_a_hold_THEN_only_its_records_held_here_are_marked_and_only_while_in_force(
    metadata_store,
):
    """GIVEN a hold naming a record, one disposed of and one transferred, and a released
    hold WHEN their records are marked on hold THEN only the first changes: its row is
    stamped (a review read before the hold no longer matches it) and the index has to take
    it again; the others keep their state and their rows."""
    store = metadata_store
    kept, disposed, transferred, released = ready(store, 4)
    store.lifecycle.tombstone(disposed)
    store.lifecycle.mark_transferred(transferred)
    store.index_state.mark_all_indexed(rebuild_read(store))
    before = store.records.by_ids([kept, disposed, transferred, released])
    hold = store.holds.place("sengketa", "PHPU-9", None, [kept, disposed, transferred], "ani")
    ended = store.holds.place("sengketa", "PHPU-10", None, [released], "ani")
    assert store.holds.release(ended, "putusan", "ani")
    assert store.lifecycle.hold_state(ended) == 0
    assert store.lifecycle.hold_state(hold) == 1
    after = store.records.by_ids(before)
    assert {i: r.retention_state for i, r in after.items()} == {
        kept: "on_hold",
        disposed: "disposed",
        transferred: "transferred",
        released: "active",
    }
    assert after[kept].updated_at > before[kept].updated_at
    assert all(after[i].updated_at == before[i].updated_at for i in (disposed, transferred))
    assert store.index_state.pending_index(10) == [kept]
    assert store.lifecycle.hold_state(hold) == 0


def test_GIVEN_a_record_being_edited_WHEN_its_hold_is_marked_THEN_both_finish(metadata_store):
    """GIVEN a transaction that has written a record's row and has yet to change its place
    WHEN a hold on the record is marked on hold meanwhile THEN the hold waits for the edit,
    and both are saved, with the kept counts right.

    A documents update that changes a counted column locks the record's retention row
    (migration 0014). Marking a hold wrote the retention rows first, then waited for the
    edited row: the edit then waited for the retention row, and PostgreSQL ended one of
    the two as a deadlock. (SQLite has one writer at a time.)"""
    store = metadata_store
    if store.engines.dialect != "postgresql":
        return
    edited, other = ready(store, 2)
    hold = store.holds.place("sengketa", "PHPU-9", None, [edited, other], "ani")
    marked, failed = [], []

    def mark() -> None:
        try:
            marked.append(store.lifecycle.hold_state(hold))
        except Exception as exc:  # said by the assertion below
            failed.append(exc)

    marker = threading.Thread(target=mark)
    with store.engines.write.connect() as edit, edit.begin():
        edit.execute(update(RecordRow).where(RecordRow.id == edited).values(notes="dicek"))
        marker.start()
        _until_waiting(store, 1)  # the hold waits for the edited row
        edit.execute(update(RecordRow).where(RecordRow.id == edited).values(province="Bali"))
    marker.join(30)
    assert failed == [] and marked == [2]
    after = store.records.by_ids([edited, other])
    assert after[edited].metadata.province == "Bali"
    assert {r.retention_state for r in after.values()} == {"on_hold"}
    assert store.lifecycle.retention_counts("province") == {
        ("Bali", "on_hold"): 1,
        ("Jawa Tengah", "on_hold"): 1,
    }


def test_GIVEN_a_new_state_committed_after_the_index_read_a_record_THEN_it_stays_queued(
    metadata_store,
):
    """GIVEN a record queued with a new retention state and one not queued WHEN a refresh
    that took its stamp before the index read them commits new states for both after that
    read THEN marking what was read leaves both queued and names them to be indexed again;
    what the next read finds is marked.

    A queue row was removed when its stamp was no later than the read: the refresh's rows
    went, and the index kept the states it had read. The refresh is held at its commit
    (tests/interleave.py) while the records are read."""
    store, index = metadata_store, metadata_store.index_state
    first, second = ready(store, 2)
    store.lifecycle.save_retention([RetentionUpdate(first, "due", "C1", "destroy", None, None)])
    newer = [
        RetentionUpdate(i, "inactive", "C1", "destroy", date(2030, 1, 1), date(2030, 1, 1))
        for i in (first, second)
    ]
    with held_at_commit(store.engines.write, lambda: store.lifecycle.save_retention(newer)) as go:
        read = {s.id: s for s in store.records.index_sources([first, second])}
        go()
    assert read[first].retention_state == "due" and read[first].queued_at is not None
    assert read[second].retention_state == "active" and read[second].queued_at is None
    rows = {i: s.updated_at for i, s in read.items()}
    queue = {i: s.queued_at for i, s in read.items() if s.queued_at is not None}
    assert sorted(index.mark_indexed(read, rows, queued=queue)) == sorted(read)
    assert sorted(index.pending_index(10)) == sorted(read)

    again = store.records.index_sources([first, second])
    assert {s.retention_state for s in again} == {"inactive"}
    rows = {s.id: s.updated_at for s in again}
    queue = {s.id: s.queued_at for s in again if s.queued_at is not None}
    assert index.mark_indexed([s.id for s in again], rows, queued=queue) == []
    assert index.pending_index(10) == []


def test_GIVEN_an_edit_stamped_before_the_index_read_and_committed_after_THEN_it_stays_pending(
    metadata_store,
):
    """GIVEN two records the index has yet to take and an edit of one, held at its commit
    WHEN the index reads both meanwhile and marks what it read once the edit has committed
    THEN the edited record is not marked: it stays pending and is named to be indexed again;
    the other is marked.

    The edit stamps its row before it commits, so the stamp is earlier than the read that
    could not see the edit: a row was marked when its stamp was no later than the read, and
    the index kept the copy before the edit with nothing pending. The edit is held at its
    commit (tests/interleave.py) while the records are read."""
    store, index = metadata_store, metadata_store.index_state
    edited, other = ids = processed(store, 2)
    moved = replace(META, province="Bali")
    with held_at_commit(store.engines.write, lambda: store.records.update_metadata(edited, moved)):
        read_at = utcnow()
        read = {s.id: s for s in store.records.index_sources(ids)}
    assert read[edited].metadata["province"] == "Jawa Tengah"  # the copy before the edit
    stamped = store.records.by_ids([edited])[edited].updated_at
    assert stamped <= read_at and stamped != read[edited].updated_at
    rows = {i: s.updated_at for i, s in read.items()}
    assert index.mark_indexed(ids, rows, queued={}) == [edited]
    assert index.pending_index(10) == [edited]


def test_GIVEN_changes_stamped_before_a_rebuild_read_and_committed_after_THEN_they_stay_pending(
    metadata_store,
):
    """GIVEN a record the index has yet to take with an edit held at its commit, and a
    record queued with a new retention state WHEN a rebuild reads the archive meanwhile,
    then a refresh stamped before that read commits a newer state, and the rebuild marks
    what it read THEN the edited record stays pending and the refreshed one queued; the
    rest is marked, and the queue rows no sweep reads go (a destroyed record's, one not yet
    ready, one of no record).

    A rebuild marked every row and queue row stamped before it started: the edit and the
    refresh, stamped before the read that could not see them, were marked, and the index
    kept the copies before them. Each change is held at its commit (tests/interleave.py)
    while the records are read."""
    store, index = metadata_store, metadata_store.index_state
    edited, refreshed, plain, destroyed = ready(store, 4)
    store.lifecycle.tombstone(destroyed)
    waiting = queued(store)  # not processed yet: when ready, its row is pending
    with store.engines.write.begin() as conn:  # what no sweep reads (queued_query)
        for record_id in (destroyed, waiting, "f" * 32):
            conn.execute(insert(IndexQueueRow).values(document_id=record_id, queued_at=utcnow()))
    store.records.update_metadata(plain, replace(META, district="Ungaran"))
    moved = replace(META, province="Bali")
    with held_at_commit(store.engines.write, lambda: store.records.update_metadata(edited, moved)):
        read = rebuild_read(store)
    assert index.mark_all_indexed(read) == 4  # the plain record's row, three queue rows
    assert index.pending_index(10) == [edited]

    store.lifecycle.save_retention([RetentionUpdate(refreshed, "due", "C1", "destroy", None, None)])
    newer = [RetentionUpdate(refreshed, "inactive", "C1", "destroy", None, None)]
    with held_at_commit(store.engines.write, lambda: store.lifecycle.save_retention(newer)) as go:
        read = rebuild_read(store)
        go()
    assert index.mark_all_indexed(read) == 1  # the edited record's row
    assert index.pending_index(10) == [refreshed]

    assert index.mark_all_indexed(rebuild_read(store)) == 1
    assert index.pending_index(10) == []


class ChangedMidWalk:
    """The stamps a rebuild read, and a change to one record committed by another writer
    while the marking looks them up: after the marking read that record's row, before it
    writes. On PostgreSQL the change commits there. On SQLite the marking holds the write
    lock, so the change waits for it and commits after (``locked``)."""

    def __init__(self, read: ReadStamps, record_id: str, change, *, locked: bool) -> None:
        self.read, self.record_id, self.change, self.locked = read, record_id, change, locked
        self.writer: OnThread | None = None

    def row_read(self, record_id: str, updated_at: datetime) -> bool:
        self._looked_up(record_id)
        return self.read.row_read(record_id, updated_at)

    def queue_read(self, record_id: str, queued_at: datetime) -> bool:
        self._looked_up(record_id)
        return self.read.queue_read(record_id, queued_at)

    def _looked_up(self, record_id: str) -> None:
        if record_id == self.record_id and self.writer is None:
            self.writer = OnThread(self.change, "mid-walk-writer").start()
            if not self.locked:
                self.writer.join()  # committed mid-walk

    def done(self) -> None:
        assert self.writer is not None, "the marking never looked the record up"
        self.writer.join()


def test_GIVEN_a_change_committed_while_the_marking_walks_THEN_its_record_stays_pending(
    metadata_store,
):
    """GIVEN records a rebuild read while they waited for the index WHEN another writer
    commits a change to one of them after the marking read its row and before it writes
    THEN that record stays pending, the other is marked.

    The marking compares each row's stamp again in the statement that writes it: the stamp
    it read a moment before may be gone. With the compare left out, PostgreSQL marks the
    changed record, and the index keeps the copy before the change. (On SQLite the change
    waits for the marking, then makes its record pending again.)"""
    store, index = metadata_store, metadata_store.index_state
    changed, other = sorted(ready(store, 2))
    for record_id in (changed, other):  # corrected: the index has to take them again
        store.records.update_metadata(record_id, replace(META, district="Ungaran"))
    read = rebuild_read(store)
    moved = replace(META, province="Bali")
    locked = store.engines.dialect == "sqlite"
    walk = ChangedMidWalk(
        read, changed, lambda: store.records.update_metadata(changed, moved), locked=locked
    )
    assert index.mark_all_indexed(walk) == (2 if locked else 1)
    walk.done()
    assert index.pending_index(10) == [changed]
    assert store.records.get(changed).metadata.province == "Bali"


def test_GIVEN_a_record_queued_again_while_the_marking_walks_THEN_its_queue_row_stays(
    metadata_store,
):
    """GIVEN records a rebuild read queued with new retention states WHEN a refresh queues
    one of them again, with a newer state, after the marking read its queue row and before
    it removes it THEN that queue row stays, the other goes. With the stamp compare left
    out of the removal, PostgreSQL removes it, and the index keeps the older state."""
    store, index = metadata_store, metadata_store.index_state
    requeued, other = sorted(ready(store, 2))
    store.lifecycle.save_retention(
        [RetentionUpdate(i, "due", "C1", "destroy", None, None) for i in (requeued, other)]
    )
    read = rebuild_read(store)
    newer = [RetentionUpdate(requeued, "inactive", "C1", "destroy", None, None)]
    locked = store.engines.dialect == "sqlite"
    walk = ChangedMidWalk(
        read, requeued, lambda: store.lifecycle.save_retention(newer), locked=locked
    )
    assert index.mark_all_indexed(walk) == (2 if locked else 1)
    walk.done()
    assert index.pending_index(10) == [requeued]


def test_GIVEN_ready_records_THEN_those_without_a_role_are_found_in_a_window_unless_audited(
    metadata_store,
):
    """What the sweep asks for lost PDF/A copy tasks (operations/sweeping.lost_copies)."""
    records = metadata_store.records
    plain, copied, failed = ids = processed(metadata_store, 3)
    assert records.put_file(copied, StoredFile("pdfa", f"k/{copied}/p", "b" * 64, 5))
    metadata_store.audit.append(
        AuditEntry(utcnow(), "system", "preserve.failed", f"document:{failed}")
    )
    now = utcnow()

    def found(**kw):
        return [i for i in records.missing_role("pdfa", limit=100, **kw) if i in ids]

    assert sorted(found()) == sorted([plain, failed])
    assert found(unless_audited="preserve.failed") == [plain]
    assert found(processed=(now - timedelta(hours=1), now), unless_audited="preserve.failed") == [
        plain
    ]
    assert found(processed=(now - timedelta(hours=2), now - timedelta(hours=1))) == []


def test_audit_entries_form_a_hash_chain_even_with_concurrent_writers(metadata_store):
    def write(n):
        for i in range(5):
            metadata_store.audit.append(AuditEntry(utcnow(), f"user{n}", "view", f"doc:{i}"))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    rows = list(reversed(metadata_store.audit.list(limit=100)))
    assert len(rows) == 20
    from sqlalchemy import select

    from archive_app.db.models import AuditRow

    with metadata_store.engines.read.connect() as conn:
        stored = conn.execute(select(AuditRow).order_by(AuditRow.id)).all()
    prev = GENESIS
    for row in stored:
        entry = AuditEntry(row.at, row.actor, row.action, row.target, row.ip, {})
        assert row.prev_hash == prev and row.hash == entry_hash(entry, prev)
        prev = row.hash


def _record_with(store, *shas: str) -> str:
    record = new_doc()
    store.records.begin_upload(record)
    files = [
        StoredFile("view", f"k/{record.id}/{n}", sha, 10, page=n) for n, sha in enumerate(shas)
    ]
    store.records.complete_upload(record.id, files)
    return record.id


@pytest.fixture
def empty_store(metadata_store, tmp_path):
    """A second, new database on the same engine."""
    from archive_app.db.sql_store import SqlMetadataStore

    if metadata_store.engines.dialect == "sqlite":
        store = SqlMetadataStore(f"sqlite:///{tmp_path / 'other.db'}")
        yield store
        store.close()
        return
    import psycopg

    base, name = metadata_store.url.rsplit("/", 1)
    admin = f"{base.replace('+psycopg', '')}/archive"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}_other"')
    store = SqlMetadataStore(f"{base}/{name}_other")
    yield store
    store.close()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}_other" WITH (FORCE)')


def test_a_snapshot_is_the_state_it_was_taken_at_and_loads_only_into_an_empty_database(
    metadata_store, empty_store, tmp_path
):
    from archive_app.db.interfaces import SnapshotError

    kept = [
        _record_with(metadata_store, "f" * 64, "0" * 64),
        _record_with(metadata_store, "7" * 64),
    ]
    metadata_store.audit.append(AuditEntry(utcnow(), "ani", "upload", "document:x", "", {}))
    head = metadata_store.audit.head()
    with metadata_store.snapshot(tmp_path / "snapshot") as taken:
        _record_with(metadata_store, "9" * 64)  # written while the snapshot is read: not in it
        metadata_store.audit.append(AuditEntry(utcnow(), "ani", "view", "document:x", "", {}))
        assert taken.counts() == {"records": 2, "users": 0, "audit_entries": 1}
        assert taken.audit_head() == head
        assert [f.sha256[0] for _, f in taken.stored_files()] == ["0", "7", "f"]
        kind, path = taken.kind, taken.path
    assert kind == metadata_store.engines.dialect and path.stat().st_size > 0

    with pytest.raises(SnapshotError, match="not empty"):
        metadata_store.load_snapshot(kind, path)
    with pytest.raises(SnapshotError, match="archive transfer"):
        empty_store.load_snapshot("oracle", path)
    empty_store.migrate()  # only migrated still counts as empty
    assert empty_store.contents() == {"records": 0, "users": 0, "audit_entries": 0}
    empty_store.load_snapshot(kind, path)
    assert sorted(r.id for r in empty_store.records.list()) == sorted(kept)
    assert empty_store.audit.head() == head and empty_store.is_current()


def test_GIVEN_records_WHEN_joined_by_ids_as_a_search_does_THEN_the_same_entities_as_get(
    metadata_store,
):
    """The search's join reads plain rows; each entity equals the one ``get`` builds from
    the ORM row, processed or not, and a record still uploading is left out."""
    records = metadata_store.records
    ready, waiting = queued(metadata_store), queued(metadata_store)
    metadata_store.jobs.claim(ready, "w", 60)
    metadata_store.jobs.finish(ready, "w", [PAGE], [], 90.0)
    uploading = new_doc()
    records.begin_upload(uploading)
    joined = records.by_ids([ready, waiting, uploading.id, "no-such-record"])
    assert sorted(joined) == sorted([ready, waiting])
    assert all(joined[i] == records.get(i) for i in joined)


def test_a_confirmation_is_written_only_on_the_row_as_the_reviewer_saw_it(metadata_store):
    """One compare-and-set: the same review form sent eight times at once was confirmed
    three times (each audited with the same "before"), and a hold placed between the check
    and the write did not stop it."""
    records, readings = metadata_store.records, metadata_store.readings
    record_id = queued(metadata_store)
    metadata_store.jobs.claim(record_id, "w", 60)
    waits = PageReadings(META, {}, ["tps: read 7 with low confidence"], None)
    metadata_store.jobs.finish(record_id, "w", [PAGE], [], 90.0, waits)
    seen = records.get(record_id)
    assert readings.get(record_id).get("review")
    assert readings.confirm(record_id, META, unchanged_since=seen.updated_at, waiting=True)
    assert not readings.confirm(record_id, META, unchanged_since=seen.updated_at)  # seen before
    now = records.get(record_id)
    assert now.updated_at != seen.updated_at and not readings.get(record_id).get("review")
    assert not readings.confirm(record_id, META, unchanged_since=now.updated_at, waiting=True)
    assert readings.confirm(record_id, META, unchanged_since=now.updated_at)  # an officer's


def test_GIVEN_a_refresh_read_before_a_disposition_WHEN_it_writes_after_THEN_the_final_state_stays(
    metadata_store,
):
    """GIVEN states a refresh computed from records as they were (due) WHEN one of them was
    destroyed and one transferred before the refresh wrote THEN theirs stay disposed and
    transferred, and only the third takes its new state."""
    store = metadata_store
    disposed, transferred, open_ = ready(store, 3)
    store.lifecycle.tombstone(disposed)
    store.lifecycle.mark_transferred(transferred)
    store.lifecycle.save_retention([
        RetentionUpdate(i, "due", "C1", "destroy", None, date(2024, 1, 1))
        for i in (disposed, transferred, open_)
    ])  # fmt: skip
    states = {i: r.retention_state for i, r in store.records.by_ids([disposed, transferred,
                                                                       open_]).items()}  # fmt: skip
    assert states == {disposed: "disposed", transferred: "transferred", open_: "due"}
    # the destroyed one is not queued for the index again either (its entry went with it)
    assert store.records.get(disposed).index_state is IndexState.INDEXED
    assert sorted(store.index_state.pending_index(10)) == sorted([transferred, open_])


def test_GIVEN_a_destroyed_record_left_pending_THEN_the_catch_up_does_not_take_it(metadata_store):
    """GIVEN a destroyed record whose row says pending (as a transfer brought one before)
    WHEN the index asks what to take THEN not it: the index sources leave it out, so it would
    come back at every sweep and, 5,000 of them, stop the catch-up before the others."""
    store = metadata_store
    gone, kept = ready(store, 2)
    store.lifecycle.tombstone(gone)
    with store.engines.write.begin() as conn:
        conn.execute(update(RecordRow).values(index_state="pending"))
    assert store.index_state.pending_index(10) == [kept]
