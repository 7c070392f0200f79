"""MetadataStore contract, issue 18 item 4: a list's ``offset`` (a page number's jump) is
sought on the list's keys and the page read after them (db/seek.py); every page of every
filter must be the rows the plain ORDER BY ... LIMIT ... OFFSET reading gave before."""

from __future__ import annotations

import json
from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from archive_app.db.models import AuditRow, BatchRow, DifferenceRow, RecordRow, RetentionRow
from archive_app.db.record_rows import LIGHT, record_entity
from tests.contract.test_metadata_scale import BASE, load, row

ROWS = 300
OFFSETS = (1, 2, 49, 100, 150, 251, 298, 299, 300, 301, 5_000)
DAYS = (date(2027, 1, 1), None, date(2029, 2, 14), date(2027, 1, 1), None, date(2031, 6, 30))


def offset_reading(store, query, offset: int, limit: int) -> list:
    with store.engines.read.connect() as conn:
        return list(conn.execute(query.limit(limit).offset(offset)))


def entries(store, where: list, offset: int, limit: int) -> list[dict]:
    query = select(AuditRow).where(*where).order_by(AuditRow.id.desc())
    return [
        {"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "target": r.target,
         "ip": r.ip, "details": json.loads(r.details or "{}")}
        for r in offset_reading(store, query, offset, limit)
    ]  # fmt: skip


def test_audit_trail_pages_equal_the_offset_reading_for_every_filter(metadata_store):
    """GIVEN 300 entries by three actors, four actions and a few targets over 300 minutes
    WHEN every filter is read at offsets into, at and past its end THEN each page is the
    one OFFSET gave, field for field."""
    store = metadata_store
    rows = [dict(at=BASE + timedelta(minutes=n), actor=("ani", "budi", "citra")[n % 3],
                 action=("view", "download", "login", "retention.schedule")[n % 4],
                 target=f"document:{n % 7}", ip="10.0.0.1", details=json.dumps({"n": n}),
                 prev_hash="p", hash=f"{n:064x}") for n in range(ROWS)]  # fmt: skip
    with store.engines.write.begin() as conn:
        conn.execute(insert(AuditRow), rows)
    since, until = BASE + timedelta(minutes=40), BASE + timedelta(minutes=260)
    a = AuditRow
    filters = [
        ({}, []),
        ({"actor": "ani"}, [a.actor == "ani"]),
        ({"action": "view"}, [a.action == "view"]),
        ({"target": "document:3"}, [a.target == "document:3"]),
        ({"actor": "budi", "action": "login"}, [a.actor == "budi", a.action == "login"]),
        ({"since": since, "until": until}, [a.at >= since, a.at < until]),
        ({"actor": "citra", "since": since}, [a.actor == "citra", a.at >= since]),
        ({"before": 200}, [a.id < 200]),
        ({"action": "download", "before": 150}, [a.action == "download", a.id < 150]),
    ]
    for given, where in filters:
        for offset in OFFSETS:
            for limit in (1, 13, 101):
                got = store.audit.list(**given, limit=limit, offset=offset)
                assert got == entries(store, where, offset, limit), (given, offset, limit)


def test_retention_pages_equal_the_offset_reading_for_every_filter(metadata_store):
    """GIVEN 300 records, dated and undated, in two states and provinces, a few uploads in
    progress among them WHEN each selection is read at offsets into its dated part, across
    into the undated one and past its end THEN each page is the one OFFSET gave."""
    store = metadata_store
    load(store, [row(n, retention_due_at=DAYS[n % 6], province=("Aceh", "Bali")[n % 2],
                     retention_state=("active", "inactive")[n % 5 == 0],
                     status="uploading" if n % 37 == 0 else "ready")
                 for n in range(1, ROWS + 1)])  # fmt: skip
    r, t = RecordRow, RetentionRow
    visible = r.status != "uploading"
    selections = [
        ({}, []),
        ({"state": "inactive"}, [t.state == "inactive"]),
        ({"filters": {"province": "aceh"}}, [r.province == "Aceh"]),
        ({"due_by": date(2029, 12, 31)}, [t.due_at <= date(2029, 12, 31)]),
    ]
    due = (t.due_at.is_(None), t.due_at, r.id)
    for given, where in selections:
        query = select(r.id).join(t, t.document_id == r.id).where(visible, *where).order_by(*due)
        for offset in OFFSETS:
            for limit in (1, 13, 101):
                got = store.lifecycle.retention_ids(**given, limit=limit, offset=offset)
                want = [x.id for x in offset_reading(store, query, offset, limit)]
                assert got == want, (given, offset, limit)


def test_review_queue_and_batch_pages_equal_the_offset_reading(metadata_store):
    """GIVEN 300 records, half waiting for review (two held), and 300 batches WHEN the queue
    and the batch list are read at offsets THEN each page is the one OFFSET gave."""
    store = metadata_store
    ids = load(store, [row(n, needs_review=n % 2 == 0) for n in range(1, ROWS + 1)])
    store.holds.place("sengketa", "PHPU-1", None, ids[1:5:2], "ani")
    batches = [dict(label=f"b{n}", source="web", created_by="ani", created_at=BASE)
               for n in range(ROWS)]  # fmt: skip
    with store.engines.write.begin() as conn:
        conn.execute(insert(BatchRow), batches)
    held = set(ids[1:5:2])
    waiting = [i for i in ids[1::2] if i not in held]
    newest_batches = select(BatchRow.id).order_by(BatchRow.id.desc())
    for offset in OFFSETS:
        for limit in (1, 13, 101):
            got = [x.id for x in store.readings.queue(limit=limit, offset=offset)]
            assert got == waiting[offset : offset + limit], (offset, limit)
            got = [b.id for b in store.batches.list(limit=limit, offset=offset)]
            want = [x.id for x in offset_reading(store, newest_batches, offset, limit)]
            assert got == want, (offset, limit)


def test_record_list_pages_equal_the_offset_reading_for_every_tab(metadata_store):
    """GIVEN 300 records in three statuses, some waiting for review WHEN every tab is read
    at offsets THEN each page holds the records OFFSET gave, every field equal."""
    store = metadata_store
    statuses = ("ready", "queued", "uploading", "ready", "failed")
    load(store, [row(n, status=statuses[n % 5], needs_review=n % 3 == 0)
                 for n in range(1, ROWS + 1)])  # fmt: skip
    r = RecordRow
    tabs = {None: [r.status != "uploading"], "ready": [r.status == "ready"],
            "queued": [r.status == "queued"],
            "review": [r.status == "ready", r.needs_review.is_(True)]}  # fmt: skip
    for status, where in tabs.items():
        query = select(r).where(*where).order_by(r.created_at.desc(), r.id.desc())
        for offset in OFFSETS:
            got = store.records.list(status=status, limit=51, offset=offset)
            want = _records(store, query, offset, 51)
            assert got == want, (status, offset)


def _records(store, query, offset: int, limit: int) -> list:
    with Session(store.engines.read) as s:
        rows = s.scalars(query.options(*LIGHT).limit(limit).offset(offset))
        return [record_entity(x) for x in rows]


def test_differences_continue_after_the_last_one_read_in_their_order(metadata_store):
    """GIVEN 300 differences, a region's three kinds tying on swing and size, regions tying
    often, under two provinces WHEN
    they are read 7 at a time after the last one read THEN every one comes once, in the
    order of the plain ORDER BY (swing and size falling, region and kind rising)."""
    store = metadata_store
    d = DifferenceRow
    rows = [dict(election="PPWP", year=2024, region=f"{(11, 33)[n // 3 % 2]}{n // 3:04d}",
                 kind=("sum", "votes", "valid")[n % 3], level=2, deltas="{}",
                 swing=n // 3 % 9, size=n // 6 % 4, missing=0, explained=False)
            for n in range(ROWS)]  # fmt: skip
    with store.engines.write.begin() as conn:
        conn.execute(insert(DifferenceRow), rows)
    for region in ("", "33"):
        order = (d.swing.desc(), d.size.desc(), d.region, d.kind)
        query = select(d.region, d.kind).where(d.region.startswith(region)).order_by(*order)
        want = [tuple(x) for x in offset_reading(store, query, 0, ROWS)]
        seen, after = [], None
        while page := store.recap.differences("PPWP", 2024, region, explained=False,
                                              limit=7, after=after):  # fmt: skip
            seen += [(x.region, x.kind) for x in page]
            after = page[-1]
        assert seen == want, region
