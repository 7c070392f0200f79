"""MetadataStore contract, what national scale needs: counts the database keeps right through
every kind of write, lists that continue after a position (keyset pages), a fixity sample
drawn without reading every file, retention inputs read by change date or in chunks."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, insert, select, update
from sqlalchemy.exc import DBAPIError

from archive_app.db import lifecycle as lifecycle_module
from archive_app.db.models import (
    DispositionItemRow,
    DispositionListRow,
    IndexQueueRow,
    RecordCountRow,
    RecordRow,
    RetentionRow,
    StoredFileRow,
)
from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import NewRecord, Page, StoredFile
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.records import Status
from archive_app.domain.retention import RetentionUpdate

BASE = datetime(2024, 2, 15, 8, 0)


def row(n: int, **changes) -> dict:
    """A visible record row as processing leaves it, created ``n`` seconds after BASE."""
    at = BASE + timedelta(seconds=n)
    values = dict(
        id=f"{n:032x}", sha256=uuid.uuid4().hex * 2, status="ready", index_state="indexed",
        election="PPWP", form_type="C.HASIL", year=2024, province="Jawa Tengah",
        regency="Karanganyar", district="Jaten", village="Papahan", tps=1 + n % 30,
        region_code="", title="", notes="", kind="pdf", original_name="", size=1,
        page_count=1, pages_done=1, error="", attempts=1, lease_owner="", created_at=at,
        created_by="ani", updated_at=at, final_state="", uploader_metadata="{}", extracted="{}",
        needs_review=False, review_reasons="[]", tally="", tally_low_confidence=False,
    )  # fmt: skip
    values.update(changes)
    return values


RETENTION = {"retention_series": "series", "retention_state": "state",
             "retention_action": "action", "retention_changes_at": "changes_at",
             "retention_due_at": "due_at"}  # fmt: skip


def load(store, rows: list[dict]) -> list[str]:
    """Bulk rows, many to a statement (as an import or a bulk load writes them): with
    RETURNING, SQLAlchemy sends one compiled multi-row INSERT per batch of rows. The
    ``retention_*`` values of a row go to its record_retention row, which a record past
    its upload has."""
    documents = [{k: v for k, v in r.items() if k not in RETENTION} for r in rows]
    retention = [
        {"document_id": r["id"], "series": "", "state": "active", "action": "",
         "changes_at": None, "due_at": None,
         **{RETENTION[k]: v for k, v in r.items() if k in RETENTION}}
        for r in rows if r["status"] != "uploading"
    ]  # fmt: skip
    with store.engines.write.begin() as conn:
        conn.execute(insert(RecordRow).returning(RecordRow.id), documents).all()
        if retention:
            conn.execute(insert(RetentionRow).returning(RetentionRow.document_id), retention).all()
    return [r["id"] for r in rows]


def kept(store) -> dict:
    with store.engines.read.connect() as conn:
        found = conn.execute(select(RecordCountRow))
        return {(r.name, r.value, r.state): r.n for r in found if r.n}


def test_GIVEN_records_of_neighbouring_places_changing_state_together_THEN_counts_stay_exact(
    metadata_store,
):
    """GIVEN records that differ from each other in election, province or regency alone WHEN
    one call gives them new states (on SQLite one chunk, whose places the writer counts at
    once: 0018) THEN the kept counts equal a recount, place by place."""
    store = metadata_store
    places = [("PPWP", "Aceh", "Kudus"), ("DPD", "Aceh", "Kudus"), ("PPWP", "Bali", "Kudus"),
              ("PPWP", "Aceh", "Demak")]  # fmt: skip
    ids = load(store, [
        row(n, election=e, province=p, regency=r, retention_state="active")
        for n, (e, p, r) in enumerate(places * 2, 1)
    ])  # fmt: skip
    store.lifecycle.save_retention(
        [RetentionUpdate(i, "inactive", "C1", "destroy", None, None) for i in ids[:4]]
        + [RetentionUpdate(i, "due", "C1", "destroy", None, None) for i in ids[4:]]
    )
    maintained = kept(store)
    store.records.recount()
    assert maintained == kept(store)
    assert store.lifecycle.retention_counts("regency")[("Demak", "inactive")] == 1


def test_kept_counts_equal_a_recount_after_every_kind_of_write(metadata_store):
    """GIVEN records written every way the archive writes them (bulk rows, an upload that is
    reserved, completed or abandoned, a claim, a finish, a failure, a retry, a correction, a
    confirmed review, new retention states, a tombstone, a transfer, an import) THEN the
    counts the database kept equal a count made from the rows."""
    store = metadata_store
    load(store, [row(n, needs_review=n % 3 == 0, province="Aceh" if n % 2 else "Bali",
                     election="DPD" if n % 3 == 1 else "PPWP",
                     regency="Kudus" if n % 4 == 2 else "Karanganyar",
                     retention_due_at=date(2029, 2, 14) if n % 4 else None)
                 for n in range(1, 13)])  # fmt: skip
    meta = RecordMetadata("DPR", "C.HASIL", 2024, "Riau", "Kampar", "Bangkinang", "Kumantan", 3)
    new = [NewRecord(uuid.uuid4().hex, uuid.uuid4().hex * 2, meta, "pdf", "x.pdf", 10, 1, "ani")
           for _ in range(3)]  # fmt: skip
    for record in new:
        store.records.begin_upload(record)
    store.records.complete_upload(new[0].id, [StoredFile("original", "k/0", "a" * 64, 10)])
    store.records.complete_upload(new[1].id, [StoredFile("original", "k/1", "a" * 64, 10)])
    store.records.abandon_upload(new[2].id)
    store.jobs.claim(new[0].id, "w", 60)
    store.jobs.finish(new[0].id, "w", [Page(1, "ocr", "suara", 90.0, 1, 0, 10, 10)], [], 90.0)
    store.jobs.claim(new[1].id, "w", 60)
    store.jobs.fail(new[1].id, "w", "bad scan", final=True)
    store.jobs.requeue(new[1].id)
    store.records.update_metadata(f"{1:032x}", meta)
    store.readings.confirm(f"{3:032x}", meta)
    store.lifecycle.save_retention([
        RetentionUpdate(f"{n:032x}", "due", "KEJADIAN", "destroy", None, None) for n in (2, 5)
    ])  # fmt: skip
    # a new due day in the same state (a schedule change), and a first one: on SQLite the
    # counts read from the retention row alone are kept without the document (0017)
    store.lifecycle.save_retention([
        RetentionUpdate(f"{n:032x}", "active", "KEJADIAN", "destroy", None, date(2031, 5, 6))
        for n in (9, 12)
    ])  # fmt: skip
    store.lifecycle.tombstone(f"{6:032x}")
    store.lifecycle.mark_transferred(f"{7:032x}")
    # a final state is never written over, and of two updates of one record the last stays
    # (on SQLite the writer counts a chunk's places at once: 0018)
    store.lifecycle.save_retention([
        RetentionUpdate(f"{6:032x}", "active", "KEJADIAN", "destroy", None, None),
        RetentionUpdate(f"{4:032x}", "inactive", "KEJADIAN", "destroy", None, None),
        RetentionUpdate(f"{4:032x}", "due", "KEJADIAN", "destroy", None, None),
        RetentionUpdate(f"{10:032x}", "disposed", "KEJADIAN", "", None, None),
        RetentionUpdate(f"{10:032x}", "inactive", "KEJADIAN", "destroy", None, None),
    ])  # fmt: skip
    record = store.records.get(f"{8:032x}")
    with store.engines.write.begin() as conn:
        conn.execute(RetentionRow.__table__.delete().where(RetentionRow.document_id == record.id))
        conn.execute(RecordRow.__table__.delete().where(RecordRow.id == record.id))
    assert store.records.import_record(record, [], [])
    with pytest.raises(ValueError, match="upload under way"):  # a reservation is no record
        store.records.import_record(replace(record, id=f"{99:032x}", status=Status.UPLOADING),
                                    [], [])  # fmt: skip
    maintained = kept(store)
    store.records.recount()
    assert maintained == kept(store)
    assert store.records.count() == 14 and store.records.count(status="queued") == 1
    assert store.lifecycle.retention_counts()["due"] == 3
    assert store.lifecycle.retention_counts("province")[("Riau", "active")] == 4
    assert store.lifecycle.retention_counts("election")[("DPD", "disposed")] == 1  # 10


def test_a_retention_row_is_refused_for_an_upload_under_way(metadata_store):
    """GIVEN an upload's reservation and a visible record WHEN a retention row is written for
    the reservation, or the record is set back to uploading THEN the database refuses both
    (migration 0017: the counts of the retention row alone rely on it) and the counts are
    unchanged; the reservation still completes with its retention row."""
    store = metadata_store
    visible = load(store, [row(1)])[0]
    meta = RecordMetadata("DPR", "C.HASIL", 2024, "Riau", "Kampar", "Bangkinang", "Kumantan", 3)
    reserved = NewRecord(uuid.uuid4().hex, uuid.uuid4().hex * 2, meta, "pdf", "x.pdf", 10, 1, "ani")
    store.records.begin_upload(reserved)
    before = kept(store)
    refused = pytest.raises(DBAPIError, match="only for a record past its upload")
    with refused, store.engines.write.begin() as conn:
        conn.execute(insert(RetentionRow).values(document_id=reserved.id, series="",
                                                 state="active", action=""))  # fmt: skip
    refused = pytest.raises(DBAPIError, match="only for a record past its upload")
    with refused, store.engines.write.begin() as conn:
        conn.execute(update(RecordRow).where(RecordRow.id == visible).values(status="uploading"))
    assert kept(store) == before
    store.records.complete_upload(reserved.id, [StoredFile("original", "k/r", "a" * 64, 10)])
    assert store.lifecycle.retention_counts() == {"active": 2}


def test_lists_continue_after_the_last_row_shown(metadata_store):
    """GIVEN 30 records, some waiting for review, and an audit trail WHEN each list is read
    page by page from the last row shown THEN every row comes once, in the list's order."""
    store = metadata_store
    load(store, [row(n, needs_review=n % 2 == 0) for n in range(1, 31)])
    newest = [f"{n:032x}" for n in range(30, 0, -1)]
    seen, after = [], None
    while page := store.records.list(limit=7, after=after):
        seen += [r.id for r in page]
        after = (page[-1].created_at, page[-1].id)
    assert seen == newest
    assert [r.id for r in store.records.list(limit=3, status="ready")] == newest[:3]
    queued, after = [], None
    while page := store.readings.queue(limit=4, after=after):
        queued += [r.id for r in page]
        after = (page[-1].created_at, page[-1].id)
    assert queued == [f"{n:032x}" for n in range(2, 31, 2)]
    assert store.readings.queue_count() == 15
    for n in range(25):
        store.audit.append(AuditEntry(utcnow(), "ani" if n % 2 else "budi", "view", f"t:{n}"))
    trail, before = [], None
    while page := store.audit.list(actor="ani", limit=5, before=before):
        trail += [e["target"] for e in page]
        before = page[-1]["id"]
    assert trail == [f"t:{n}" for n in range(23, 0, -2)]


def test_a_frozen_record_leaves_the_queue_and_its_count(metadata_store):
    store = metadata_store
    ids = load(store, [row(n, needs_review=True) for n in range(1, 6)])
    store.holds.place("sengketa", "PHPU-1", None, ids[:2], "ani")
    with store.engines.write.begin() as conn:
        conn.execute(insert(DispositionListRow).values(
            id=1, action="destroy", status="proposed", comment="", proposed_by="ani",
            proposed_at=BASE, decided_by="", decision_comment="", executed_by="", report_key="",
            report_sha256="", packages="[]"))  # fmt: skip
        conn.execute(insert(DispositionItemRow).values(list_id=1, document_id=ids[4]))
    assert [r.id for r in store.readings.queue()] == ids[2:4]
    assert store.readings.queue_count() == 2


def test_retention_lists_continue_through_dated_then_undated_records(metadata_store):
    store = metadata_store
    days = [date(2029, 2, 14), None, date(2027, 1, 1), None, date(2029, 2, 14), date(2027, 1, 1)]
    rows = [row(n, retention_due_at=days[n % 6], retention_state="inactive",
                province="Aceh" if n < 10 else "Bali") for n in range(1, 19)]  # fmt: skip
    ids = load(store, rows)
    expected = sorted(ids, key=lambda i: (days[int(i, 16) % 6] is None,
                                          days[int(i, 16) % 6] or date.max, i))  # fmt: skip
    seen, after = [], None
    while page := store.lifecycle.retention_ids(limit=4, after=after):
        seen += page
        after = page[-1]
    assert seen == expected
    assert store.lifecycle.retention_ids(limit=100, offset=0) == expected
    assert store.lifecycle.retention_count(state="inactive", filters={"province": "aceh"}) == 9
    assert store.lifecycle.retention_count(filters={"district": "jaten"}, cap=5) == 6
    due = store.lifecycle.retention_ids(due_by=date(2028, 1, 1), limit=100)
    assert due == [i for i in expected if days[int(i, 16) % 6] == date(2027, 1, 1)]
    assert store.lifecycle.due_count(date(2028, 1, 1)) == len(due) == 6


def test_a_fixity_sample_is_drawn_from_the_files_that_qualify(metadata_store):
    """GIVEN 300 stored files, 40 of them checked yesterday WHEN 50 are sampled among those
    unchecked for a week, then 500 THEN 50 distinct unchecked ones come, then all 260."""
    store = metadata_store
    ids = load(store, [row(n) for n in range(1, 301)])
    files = [dict(document_id=i, role="original", page=0, key=f"k/{i}", sha256="a" * 64,
                  size=1, content_type="x", created_at=BASE) for i in ids]  # fmt: skip
    with store.engines.write.begin() as conn:
        conn.execute(insert(StoredFileRow), files)
        conn.execute(update(StoredFileRow).where(StoredFileRow.key.in_(
            [f"k/{i}" for i in ids[:40]])).values(last_checked_at=utcnow()))  # fmt: skip
    week = utcnow() - timedelta(days=7)
    picked = [
        f.key for b in store.lifecycle.files_to_check(older_than=week, sample=50) for _, f in b
    ]
    assert len(picked) == len(set(picked)) == 50
    assert not set(picked) & {f"k/{i}" for i in ids[:40]}
    everything = [f.key for b in store.lifecycle.files_to_check(older_than=week, sample=500)
                  for _, f in b]  # fmt: skip
    assert sorted(everything) == sorted(f"k/{i}" for i in ids[40:])


def test_retention_inputs_come_by_change_date_and_for_more_ids_than_a_statement_takes(
    metadata_store,
):
    """SQLite takes at most 32,766 values in one statement: a hold over 40,000 records must
    still be computed. The nightly refresh reads only records whose change date has come."""
    store = metadata_store
    soon = date(2026, 12, 1)
    ids = load(store, [row(n, retention_changes_at=soon if n % 1000 == 0 else date(2029, 2, 14))
                       for n in range(1, 40_001)])  # fmt: skip
    due = [r.id for b in store.lifecycle.retention_inputs(500, changes_by=soon) for r in b]
    assert due == sorted(f"{n:032x}" for n in range(1000, 40_001, 1000))
    every = sum(len(b) for b in store.lifecycle.retention_inputs(2000, ids=ids))
    assert every == 40_000


def test_GIVEN_uploads_in_progress_among_records_THEN_a_page_number_lands_where_offset_did(
    metadata_store,
):
    """A ``?page=N`` jump is found on an index, then read after that position (keyset):
    every page of every tab holds the same records as skipping rows one by one would,
    uploads in progress (never listed) interleaved; a page past the end is empty."""
    store = metadata_store
    rows = [row(n, status="uploading") if n % 5 == 0 else
            row(n, status="queued") if n % 7 == 0 else
            row(n, needs_review=n % 3 == 0) for n in range(1, 41)]  # fmt: skip
    load(store, rows)
    for status in (None, "ready", "review", "confirmed", "queued"):
        everything = [r.id for r in store.records.list(status=status, limit=100)]
        assert everything, status
        for offset in range(0, len(everything) + 2):
            page = [r.id for r in store.records.list(status=status, limit=4, offset=offset)]
            assert page == everything[offset : offset + 4], (status, offset)


def test_GIVEN_stale_states_WHEN_saved_in_bulk_THEN_each_record_gets_its_own_and_counts_hold(
    metadata_store,
):
    """A full refresh asks the grouped cached results first (nothing to write on most days),
    then writes each distinct new state in one statement naming its records, more records
    than one statement names: every record gets its own values, queued for the index, and
    the kept counts stay equal to a recount."""
    store = metadata_store
    due_at = date(2031, 1, 1)
    ids = load(store, [row(n, retention_series="OLD" if n % 3 else "", record_date=None)
                       for n in range(1, 11_001)])  # fmt: skip
    groups = {rec.cached: n for rec, n in store.lifecycle.retention_groups()}
    assert groups == {
        ("active", "OLD", "", None, None): 7_334, ("active", "", "", None, None): 3_666,
    }  # fmt: skip
    updates = [
        RetentionUpdate(i, "inactive", "C1", "", date(2030, 1, 1), due_at)
        if n % 2 else RetentionUpdate(i, "due", "C2", "destroy", None, None)
        for n, i in enumerate(ids)
    ]  # fmt: skip
    store.lifecycle.save_retention(updates)
    with store.engines.read.connect() as conn:
        found = {r.document_id: r for r in conn.execute(select(RetentionRow))}
        queued = set(conn.execute(select(IndexQueueRow.document_id)).scalars())
    for u in updates:
        r = found[u.id]
        saved = (r.state, r.series, r.action, r.changes_at, r.due_at, u.id in queued)
        assert saved == (u.state, u.series, u.action, u.changes_at, u.due_at, True)
    assert sorted(store.index_state.pending_index(20_000)) == sorted(ids)
    # their text is in the index: a hold on a search does not read them one by one
    assert not any(store.records.iter_records(1_000, unindexed=True))
    groups = {rec.cached: n for rec, n in store.lifecycle.retention_groups()}
    assert groups == {
        ("inactive", "C1", "", date(2030, 1, 1), due_at): 5_500,
        ("due", "C2", "destroy", None, None): 5_500,
    }  # fmt: skip
    maintained = kept(store)
    store.records.recount()
    assert maintained == kept(store)
    assert store.lifecycle.retention_counts() == {"inactive": 5_500, "due": 5_500}


def with_12m_statistics(engine, indexes: dict[str, str], table: str = "documents") -> None:
    """SQLite's planner given the statistics of the 12M-page build for ``table``'s indexes
    (``sqlite_stat1`` rows), as a connection opened after this reads them."""
    with engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
        for index, stat in indexes.items():
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)", (table, index, stat))
    engine.dispose()  # statistics are read when a connection opens


def _sent(engine, call) -> list[tuple[str, object]]:
    """The statements (with parameters) ``call`` sends through ``engine``."""
    sent: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    return sent


def _plans(engine, call, seqscan: bool = True) -> list[str]:
    """The plan of every SELECT ``call`` sends; ``seqscan=False``: on PostgreSQL, with
    reading a whole table (or several indexes' bitmaps) made the last resort: whether an
    index can serve at all."""
    asked = [(sql, p) for sql, p in _sent(engine, call) if sql.lstrip().startswith("SELECT")]
    explain = "EXPLAIN QUERY PLAN" if engine.dialect.name == "sqlite" else "EXPLAIN"
    with engine.connect() as conn:
        if not seqscan:
            conn.exec_driver_sql("SET enable_seqscan = off")
            conn.exec_driver_sql("SET enable_bitmapscan = off")
        return [
            " ".join(str(r[-1]) for r in conn.exec_driver_sql(f"{explain} {sql}",
                                                              params).fetchall())
            for sql, params in asked
        ]  # fmt: skip


def test_pending_records_are_found_through_the_partial_index(metadata_store):
    """GIVEN ready records, a few of them not yet in the search index, and records still
    queued WHEN the catch-up asks which to index THEN it gets the ready pending ones only;
    on SQLite from ix_documents_index_pending, even when the statistics make the status
    index look better (at 5.4M records it read every ready row: minutes for "none")."""
    from archive_app.db.index_state import pending_query

    rows = [row(n, index_state="pending" if n % 10 == 0 else "indexed") for n in range(60)]
    rows += [row(100 + n, status="queued", index_state="pending") for n in range(5)]
    load(metadata_store, rows)
    found = metadata_store.index_state.pending_index(100)
    assert sorted(found) == sorted(r["id"] for r in rows[:60] if r["index_state"] == "pending")
    engine = metadata_store.engines.read
    if engine.dialect.name != "sqlite":
        return
    with_12m_statistics(engine, {"ix_documents_status_newest": "5449169 1816390 1 1",
                                 "ix_documents_index_state": "5449169 2724585"})  # fmt: skip
    compiled = pending_query(5000).compile(engine, compile_kwargs={"literal_binds": True})
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").fetchall()
    assert "ix_documents_index_pending" in " ".join(str(r[-1]) for r in plan), plan


def test_the_due_timeline_is_read_from_the_kept_counts_and_equals_a_count(metadata_store):
    """GIVEN records due on several days, some destroyed or not due WHEN the dashboard's
    timeline is read THEN it equals counting the rows (it reads the kept ``due`` counts)."""
    days = [date(2027, 1, 5), date(2027, 1, 5), date(2028, 6, 30), date(2040, 1, 1)]
    rows = [row(n, retention_due_at=day) for n, day in enumerate(days)]
    rows.append(row(10, retention_due_at=date(2027, 1, 5), retention_state="disposed"))
    rows.append(row(11, retention_due_at=date(2027, 2, 1), retention_state="inactive"))
    load(metadata_store, rows)
    with metadata_store.engines.write.begin() as conn:
        conn.execute(
            update(RetentionRow)
            .where(RetentionRow.document_id == rows[2]["id"])
            .values(due_at=date(2029, 3, 1))
        )
    got = metadata_store.statistics.due_by_day(date(2027, 1, 1), date(2036, 12, 31))
    assert got == {date(2027, 1, 5): 2, date(2027, 2, 1): 1, date(2029, 3, 1): 1}


def test_GIVEN_a_place_edit_and_a_new_retention_state_at_once_THEN_the_counts_hold(
    metadata_store,
):
    """A record's place (documents) and its retention state (record_retention) are two rows
    that two transactions may write at once, and each one's trigger counts with the other
    row. Whichever writes first, the kept counts must equal a recount. (SQLite has one
    writer at a time; on PostgreSQL the place edit locks the retention row it reads.)"""
    import threading
    import time

    store = metadata_store
    if store.engines.write.dialect.name != "postgresql":
        return
    (record_id,) = load(store, [row(1, province="Aceh")])

    def meta(province: str) -> RecordMetadata:
        return RecordMetadata("PPWP", "C.HASIL", 2024, province, "Karanganyar", "Jaten",
                              "Papahan", 2)  # fmt: skip

    def at_once(first: str, then) -> None:
        """``first`` (SQL) left open in one transaction while ``then`` runs beside it."""
        with store.engines.write.connect() as conn:
            tx = conn.begin()
            conn.exec_driver_sql(first, (record_id,))
            other = threading.Thread(target=then)
            other.start()
            time.sleep(0.5)  # the other writer reaches its statement and waits, or not
            tx.commit()
        other.join(timeout=30)
        maintained = kept(store)
        store.records.recount()
        assert maintained == kept(store), first

    state = RetentionUpdate(record_id, "due", "C1", "destroy", None, None)
    at_once("UPDATE documents SET province = 'Bali' WHERE id = %s",
            lambda: store.lifecycle.save_retention([state]))  # fmt: skip
    at_once("UPDATE record_retention SET state = 'inactive' WHERE document_id = %s",
            lambda: store.records.update_metadata(record_id, meta("Riau")))  # fmt: skip
    assert store.lifecycle.retention_counts("province") == {("Riau", "inactive"): 1}


def test_the_sweep_and_a_district_export_read_their_own_index(metadata_store):
    """GIVEN ready records, two processed within the sweep's window and one of them with
    its PDF/A copy, in two districts WHEN the sweep asks for lost copies and the tally
    export for a district THEN each gets exactly its records; on SQLite, with the 12M-page
    build's statistics, each reads the index made for it (migration 0021), not every row:
    at 12M on PostgreSQL the first was a scan of the table every minute (1.7 s) and the
    second 19.8 s for a district."""
    from archive_app.db.models import StoredFileRow

    window = (datetime(2026, 12, 7, 0, 0), datetime(2026, 12, 7, 12, 0))
    inside = window[0] + timedelta(hours=1)
    rows = [row(n, processed_at=BASE, district="Jaten", tally="{}") for n in range(40)]
    rows += [row(50 + n, processed_at=inside, district="Kebakkramat", tally="{}")
             for n in range(2)]  # fmt: skip
    load(metadata_store, rows)
    copied = rows[-1]["id"]
    with metadata_store.engines.write.begin() as conn:
        conn.execute(insert(StoredFileRow), [dict(
            document_id=copied, role="pdfa", page=0, key=f"k/{copied}", sha256="0" * 64,
            size=1, content_type="application/pdf", created_at=inside,
        )])  # fmt: skip
    records = metadata_store.records
    assert records.missing_role("pdfa", processed=window) == [rows[-2]["id"]]
    district = [f.id for f in metadata_store.readings.iter_tallies({"district": "kebakkramat"})]
    assert district == [r["id"] for r in rows[-2:]]
    engine = metadata_store.engines.read
    if engine.dialect.name != "sqlite":
        return
    with_12m_statistics(engine, {
        "ix_documents_status_newest": "5449169 1816390 1 1",
        "ix_documents_processed": "5449169 2 1",
        "ix_documents_district_lower": "5449169 1300 1",
        "sqlite_autoindex_documents_1": "5449169 1",
    })  # fmt: skip
    plans = _plans(engine, lambda: (
        records.missing_role("pdfa", processed=window),
        list(metadata_store.readings.iter_tallies({"district": "kebakkramat"})),
    ))  # fmt: skip
    assert "ix_documents_processed" in plans[0], plans[0]
    assert "ix_documents_district_lower" in plans[1], plans[1]


def test_records_the_index_has_not_taken_come_in_id_order_across_batches(metadata_store):
    """Ready records waiting for the index and records still queued, interleaved in id
    order, with indexed ones between: batches of two (each arm of the backlog gives only its
    next two) bring every waiting one once, in id order, and no indexed one."""
    rows = []
    for n in range(12):
        kind = n % 3
        rows.append(row(n, index_state="pending" if kind == 0 else "indexed",
                        status="queued" if kind == 1 else "ready"))  # fmt: skip
    load(metadata_store, rows)
    batches = list(metadata_store.records.iter_records(2, unindexed=True))
    got = [record.id for batch in batches for record, _, _ in batch]
    assert got == [
        r["id"] for r in rows if r["index_state"] == "pending" or r["status"] == "queued"
    ]
    assert all(len(batch) <= 2 for batch in batches)


def test_the_flagged_tallies_chart_and_a_due_action_list_read_their_own_index(metadata_store):
    """GIVEN records with tallies that do not add up or hold doubtful numbers in two
    provinces, and records due to be destroyed WHEN the start page charts the flagged
    tallies and the retention list is filtered by that action THEN each gets exactly its
    records; on SQLite, with the 12M-page build's statistics, each reads the partial index
    made for it (migration 0022), not every row: at 12M on PostgreSQL the chart read every
    record (2.2-2.9 s a view) and "active, to destroy" every active one (11.4 s)."""
    rows = [row(n, tally_consistent=True) for n in range(30)]
    rows += [row(40 + n, province="Bali", tally_consistent=False) for n in range(3)]
    rows += [row(50 + n, tally_low_confidence=True, tally_consistent=True) for n in range(2)]
    rows += [row(60 + n, tally_consistent=None, retention_state="due", retention_action="destroy",
                 retention_due_at=date(2025, 1, 1 + n)) for n in range(4)]  # fmt: skip
    load(metadata_store, rows)
    statistics, lifecycle = metadata_store.statistics, metadata_store.lifecycle
    assert statistics.tally_flags_by("province") == [("Bali", 3, 0), ("Jawa Tengah", 0, 2)]
    due = [r["id"] for r in rows[-4:]]
    assert lifecycle.retention_ids(state="due", action="destroy") == due
    assert lifecycle.retention_ids(action="destroy") == due
    assert lifecycle.retention_count(action="destroy", filters={"form_type": "c.hasil"}) == 4
    engine = metadata_store.engines.read
    if engine.dialect.name != "sqlite":  # the planner may use each index (no statistics)
        plans = _plans(engine, lambda: statistics.tally_flags_by("province"), seqscan=False)
        assert "ix_documents_tally_flagged" in plans[0], plans[0]
        plans = _plans(engine, lambda: lifecycle.retention_ids(action="destroy"), seqscan=False)
        assert "ix_record_retention_action" in plans[0], plans[0]
        return
    with_12m_statistics(engine, {
        "ix_documents_status_newest": "5449169 1816390 1 1",
        "ix_documents_tally_flagged": "369000 8000 300 2 2",
        "ix_documents_tally_consistent": "5449169 1816390",
        "ix_documents_tally_low_confidence": "5449169 2724585",
        "ix_documents_place": "5449169 140000 20000 1500 30 1",
        "sqlite_autoindex_documents_1": "5449169 1",
    })  # fmt: skip
    plans = _plans(engine, lambda: statistics.tally_flags_by("province"))
    assert "ix_documents_tally_flagged" in plans[0], plans[0]
    with_12m_statistics(engine, {  # 5.4M retention rows, a quarter a state; 37,514 due
        "ix_record_retention_list": "5449169 1362292 30 1",
        "ix_record_retention_action": "37514 37514 30 1",
    }, table="record_retention")  # fmt: skip
    plans = _plans(engine, lambda: lifecycle.retention_ids(state="active", action="destroy"))
    assert "ix_record_retention_action" in plans[0], plans[0]


def test_a_list_no_record_can_match_is_answered_from_the_kept_counts(metadata_store):
    """GIVEN an older election whose records are all inactive WHEN the retention list asks
    for its active ones THEN none, and no list query is sent: the kept counts say there are
    none (at 12M pages the walk in due order read every active record to find none, 11 s).
    Its inactive ones are listed as before."""
    rows = [row(n) for n in range(10)]
    rows += [row(20 + n, election="PILGUB", retention_state="inactive",
                 retention_due_at=date(2030, 1, 1 + n)) for n in range(3)]  # fmt: skip
    load(metadata_store, rows)
    lifecycle = metadata_store.lifecycle
    found: list[list[str]] = []
    sent = _sent(metadata_store.engines.read, lambda: found.append(
        lifecycle.retention_ids(state="active", filters={"election": "pilgub"})
    ))  # fmt: skip
    assert found == [[]]
    assert not [s for s, _ in sent if "record_retention.document_id" in s], sent
    inactive = lifecycle.retention_ids(state="inactive", filters={"election": "PILGUB"})
    assert inactive == [r["id"] for r in rows[-3:]]
    # with no state asked, only the states the counts hold the election in are read
    sent = _sent(metadata_store.engines.read, lambda: found.append(
        lifecycle.retention_ids(filters={"election": "pilgub"})
    ))  # fmt: skip
    assert found[-1] == inactive
    asked = [str(p) for s, p in sent if "record_retention.document_id" in s]
    assert asked and not [p for p in asked if "'active'" in p], asked
    assert lifecycle.retention_ids(state="active", filters={"election": "PPWP"}, limit=3) == [
        r["id"] for r in rows[:3]
    ]


FILTERED = ("election", "form_type", "province", "regency", "district")


def _listed(lifecycle, per_page: int, **asked) -> list[str]:
    """The whole list, a page at a time after the last record shown."""
    seen: list[str] = []
    while page := lifecycle.retention_ids(
        limit=per_page, after=seen[-1] if seen else None, **asked
    ):
        assert len(seen) < 1000 and not set(page) & set(seen), (seen, page)
        seen += page
    return seen


def test_GIVEN_records_in_every_state_THEN_each_carried_filter_lists_its_records_in_due_order(
    metadata_store, monkeypatch
):
    """GIVEN records of two elections, form types and places in every state, some dated and
    some not, and some records corrected after their retention row was written (through
    the store and by a bare UPDATE, as any writer may) WHEN the list is asked by each
    filter, with and without a state, a page at a time THEN exactly the matching records
    in list order (due day then id, undated last): the rows carry their record's values,
    kept through every correction (migration 0023), and a list without a state, read one
    state at a time, merges into one order. A row left stale (a bulk load with the
    triggers off) is found and mended by a recount."""
    states = ("active", "inactive", "due", "on_hold", "disposed", "transferred")
    days = (date(2029, 1, 1), None, date(2026, 5, 1), date(2031, 3, 1), None)
    rows = [
        row(
            n,
            election=("PPWP", "Pilgub")[n % 2],
            form_type=("C.HASIL", "D.HASIL")[n % 3 == 0],
            province=("Bali", "Aceh")[n % 5 == 0],
            regency=("Badung", "Gianyar")[n % 4 == 0],
            district=("Kuta", "Ubud")[n % 7 == 0],
            retention_state=states[n % 6],
            retention_due_at=days[n % 5] if states[n % 6] in states[:3] else None,
        )
        for n in range(60)
    ]
    ids = load(metadata_store, rows)
    corrected = replace(
        metadata_store.records.get(ids[1]).metadata,
        province="Papua",
        district="Ubud",
        election="DPD",
    )
    metadata_store.records.update_metadata(ids[1], corrected)
    rows[1].update(province="Papua", district="Ubud", election="DPD")
    with metadata_store.engines.write.begin() as conn:
        conn.execute(
            update(RecordRow)
            .where(RecordRow.id == ids[2])
            .values(regency="Tabanan", form_type="D.HASIL")
        )
    rows[2].update(regency="Tabanan", form_type="D.HASIL")
    order = {
        r["id"]: (r["retention_due_at"] is None, r["retention_due_at"] or date.max, r["id"])
        for r in rows
    }
    lifecycle = metadata_store.lifecycle
    for name in FILTERED:
        for value in {r[name] for r in rows}:
            for state in (None, "inactive", "due"):
                matching = [r for r in rows if r[name] == value]
                if state:
                    matching = [r for r in matching if r["retention_state"] == state]
                expected = sorted((r["id"] for r in matching), key=order.get)
                asked = {"state": state, "filters": {name: value.upper()}}
                assert _listed(lifecycle, 4, **asked) == expected, (name, value, state)
                assert lifecycle.retention_count(**asked) == len(expected), (name, value, state)
    due_by = date(2030, 1, 1)
    dated = [r for r in rows if r["retention_due_at"] and r["retention_due_at"] <= due_by]
    matching = [r for r in dated if r["province"] == "Bali"]
    matching = [r for r in matching if r["retention_state"] in ("active", "inactive")]
    expected = sorted((r["id"] for r in matching), key=order.get)
    asked = {"due_by": due_by, "filters": {"province": "bali"}}
    assert _listed(lifecycle, 3, **asked) == expected
    both = {"election": "pilgub", "district": "ubud", "year": 2024}
    matching = [r for r in rows if (r["election"], r["district"]) == ("Pilgub", "Ubud")]
    expected = sorted((r["id"] for r in matching), key=order.get)
    assert _listed(lifecycle, 2, filters=both) == expected
    assert lifecycle.retention_ids(filters={"province": "Papua"}) == [ids[1]]
    matching = [r for r in rows if (r["province"], r["regency"]) == ("Bali", "Gianyar")]
    asked = {"state": "inactive", "filters": {"province": "bali", "regency": "gianyar"}}
    expected = [r["id"] for r in matching if r["retention_state"] == "inactive"]
    assert _listed(lifecycle, 2, **asked) == sorted(expected, key=order.get)
    assert lifecycle.retention_count(**asked) == len(expected)
    matching = [r for r in rows if (r["regency"], r["form_type"]) == ("Badung", "C.HASIL")]
    asked = {"action": "", "filters": {"regency": "badung", "form_type": "c.hasil"}}
    assert _listed(lifecycle, 5, **asked) == sorted((r["id"] for r in matching), key=order.get)

    # as a bulk load with triggers off leaves them: rows on both sides of a batch's edge
    monkeypatch.setattr(lifecycle_module, "CARRY_BATCH", 7)
    stale = [ids[3], ids[6], ids[7], ids[59]]  # all in Bali; a batch is 7 rows in id order
    with metadata_store.engines.write.begin() as conn:
        conn.execute(update(RetentionRow).where(RetentionRow.document_id.in_(stale))
                     .values(province_lower="aceh", election_lower=""))  # fmt: skip
    assert not set(stale) & set(lifecycle.retention_ids(filters={"province": "Bali"}))
    assert metadata_store.records.recount() == len(stale)
    assert set(stale) <= set(lifecycle.retention_ids(filters={"province": "Bali"}))
    assert metadata_store.records.recount() == 0


def test_a_carried_filter_reads_the_retention_rows_index_and_no_record(metadata_store):
    """GIVEN an older election's inactive records and a form type with no active record
    WHEN the list is asked for them THEN its query reads the retention row's index for that
    filter (migration 0023) and never the records: at 12M pages the walk in due order
    through the join took 1.6 s for the older election and 11.8 s for the form type. A
    province is tested on the retention row too, in the state's due order."""
    rows = [row(n, retention_due_at=date(2030, 1, 1)) for n in range(20)]
    rows += [row(30 + n, election="PILGUB", form_type="C.KEJADIAN", retention_state="inactive",
                 retention_due_at=date(2040, 1, 1 + n)) for n in range(3)]  # fmt: skip
    load(metadata_store, rows)
    lifecycle, engine = metadata_store.lifecycle, metadata_store.engines.read
    asked = {"state": "inactive", "filters": {"election": "pilgub"}}
    assert lifecycle.retention_ids(**asked) == [r["id"] for r in rows[-3:]]
    assert lifecycle.retention_ids(state="active", filters={"form_type": "c.kejadian"}) == []
    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE record_retention")
    else:
        with_12m_statistics(engine, {  # 5.4M retention rows; an election 250,525 of them
            "ix_record_retention_list": "5449169 1362292 30 1",
            "ix_record_retention_election_lower": "5449169 778452 194613 30 1",
            "ix_record_retention_form_type_lower": "5449169 1816390 454097 30 1",
        }, table="record_retention")  # fmt: skip
    for call, index in (
        (lambda: lifecycle.retention_ids(**asked), "ix_record_retention_election_lower"),
        (lambda: lifecycle.retention_ids(filters={"form_type": "c.kejadian"}),
         "ix_record_retention_form_type_lower"),
    ):  # fmt: skip
        plans = _plans(engine, call, seqscan=engine.dialect.name == "sqlite")
        lists = [p for p in plans if "record_retention" in p or "ix_record_retention" in p]
        # PostgreSQL's statistics are a few rows': it may take the state's index for a part
        used = all if engine.dialect.name == "sqlite" else any
        assert lists and used(index in p for p in lists), plans
        assert not [p for p in plans if "documents" in p], plans
    asked = {"state": "active", "filters": {"province": "jawa tengah"}}
    assert lifecycle.retention_ids(**asked) == [r["id"] for r in rows[:20]]
    plans = _plans(engine, lambda: lifecycle.retention_ids(**asked))
    assert plans and not [p for p in plans if "documents" in p], plans
