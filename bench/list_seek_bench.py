"""Deep page numbers of the audit trail and the retention list: OFFSET as before, against
the keyset seek now (db/seek.py; issue 18 item 4).

    python -m bench.list_seek_bench [--backend sqlite|postgresql] [--audit 1000000]
                                    [--records 300000] [--differences 0] [--runs 10]
                                    [--explain]

Builds its own metadata database (SQLite: bench/out/list-seek-<audit>-<records>, reused by
later runs; PostgreSQL: a throw-away server of tests/services): ``--audit`` entries by 20
actors, 8 actions and 5,000 targets, one a second, written by one INSERT ... SELECT over a
counter; ``--records`` records, a sixth of them without a retention day, a fifth inactive,
bulk-inserted as an import writes them. Then, at the middle and the last page (100 a page,
101 rows read as the pages ask) of each list and filter, times the repository call (the
code behind /audit, /api/v1/audit and the retention list) and the statement the archive
ran before (SELECT ... ORDER BY ... LIMIT 101 OFFSET k), p50 and p95 of ``--runs`` runs
each, in ms, after checking both give the same rows. ``--explain`` prints the plans of
the seek statements. Target (issue 18): p95 <= 300 ms for every page.

``--differences N`` adds N recap differences (one INSERT ... SELECT) and times reading
the batch of 200 that recap.comparison.top_differences reads at the middle and the end:
at an offset as before, after the last difference read now.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from archive_app.db.models import AuditRow, DifferenceRow, RecordRow, RetentionRow
from archive_app.db.sql_store import SqlMetadataStore
from archive_app.domain.recap_types import StoredDifference
from bench.list_pages_bench import times
from bench.reindex_bench import OUT
from tests.conftest import make_settings

PER_PAGE = 100
BASE = datetime(2024, 2, 14, 7, 0)
DAYS = [date(2027, 1, 1) + timedelta(days=n) for n in range(5)] + [None]
AUDIT_SQL = """
INSERT INTO audit_events (at, actor, action, target, ip, details, prev_hash, hash)
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count)
SELECT {at}, 'user' || (x % 20), 'action.' || (x % 8), 'document:' || (x % 5000),
       '10.0.0.1', '{{"page": 1, "note": "bulk"}}', 'p', 'h' || x FROM n
"""
DIFFERENCES_SQL = """
INSERT INTO recap_differences (election, year, region, kind, level, deltas, swing, size,
                               missing, explained)
WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :count)
SELECT 'PPWP', 2024, '33' || (1000000 + x / 3), 'kind' || (x % 3), 5, '{}', x % 997,
       x % 13, 0, false FROM n
"""
AT = {
    "sqlite": "datetime('2024-01-01', '+' || x || ' seconds')",
    "postgresql": "timestamp '2024-01-01' + x * interval '1 second'",
}


def record(n: int) -> dict:
    at = BASE + timedelta(seconds=n)
    return dict(
        id=uuid.UUID(int=n).hex, sha256=f"{n:064x}", status="ready", index_state="indexed",
        election="PPWP", form_type="C.HASIL", year=2024, province="Jawa Tengah",
        regency="Karanganyar", district="Jaten", village="Papahan", tps=1 + n % 30,
        region_code="", title="", notes="", kind="pdf", original_name="", size=1,
        page_count=1, pages_done=1, error="", attempts=1, lease_owner="", created_at=at,
        created_by="ani", updated_at=at, final_state="", uploader_metadata="{}", extracted="{}",
        needs_review=False, review_reasons="[]", tally="", tally_low_confidence=False,
    )  # fmt: skip


def build(store: SqlMetadataStore, audit: int, records: int) -> None:
    started = time.perf_counter()
    with store.engines.write.begin() as conn:
        dialect = conn.dialect.name
        conn.execute(text(AUDIT_SQL.format(at=AT[dialect])), {"count": audit})
    for start in range(1, records + 1, 5_000):
        batch = [record(n) for n in range(start, min(start + 5_000, records + 1))]
        kept = [retained(n) for n in range(start, min(start + 5_000, records + 1))]
        with store.engines.write.begin() as conn:
            conn.execute(insert(RecordRow), batch)
            conn.execute(insert(RetentionRow), kept)
    with store.engines.write.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(f"built {audit:,} audit entries, {records:,} records in "
          f"{time.perf_counter() - started:,.0f} s", flush=True)  # fmt: skip


def add_differences(store: SqlMetadataStore, count: int) -> None:
    with store.engines.write.begin() as conn:
        conn.execute(text(DIFFERENCES_SQL), {"count": count})
        conn.execute(text("ANALYZE"))


def differences(store, runs: int) -> None:
    """The batch of 200 top_differences reads at an offset (before) and after the last
    difference read (now), at the middle and the end of a nation's differences."""
    d = DifferenceRow
    order = (d.swing.desc(), d.size.desc(), d.region, d.kind)
    where = (d.election == "PPWP", d.year == 2024, d.explained.is_(False), d.region.isnot(None))
    total = count(store, select(d.region).where(*where))
    for offset in (total // 2, total - 200):

        def before(o=offset):
            with store.engines.read.connect() as conn:
                query = select(d).where(*where).order_by(*order)
                return [(r.region, r.kind) for r in conn.execute(query.limit(200).offset(o))]

        with store.engines.read.connect() as conn:
            key = conn.execute(select(d).where(*where).order_by(*order).offset(offset - 1)
                               .limit(1)).one()  # fmt: skip

        def after(prev=_stored(key)):
            batch = store.recap.differences(
                "PPWP", 2024, "", explained=False, limit=200, after=prev
            )
            return [(x.region, x.kind) for x in batch]

        assert after() == before(), offset
        b50, b95 = times(before, runs)
        a50, a95 = times(after, runs)
        print(f"| differences, batch at {offset:,} | {total:,} | {b50:,.1f} / {b95:,.1f}"
              f" | {a50:,.1f} / {a95:,.1f} |", flush=True)  # fmt: skip


def _stored(r) -> StoredDifference:
    return StoredDifference(r.region, r.kind, {}, r.swing, r.size, r.missing, r.explained)


def retained(n: int) -> dict:
    """The record's row in record_retention."""
    return dict(document_id=uuid.UUID(int=n).hex, series="", action="", changes_at=None,
                state="inactive" if n % 5 == 0 else "active", due_at=DAYS[n % 6])  # fmt: skip


def audit_before(store, where: list, offset: int) -> list[int]:
    query = select(AuditRow).where(*where).order_by(AuditRow.id.desc())
    with store.engines.read.connect() as conn:
        return [r.id for r in conn.execute(query.limit(PER_PAGE + 1).offset(offset))]


def retention_before(store, where: list, offset: int) -> list[str]:
    """The statement of the list before keyset pages (its columns now in record_retention)."""
    due = RetentionRow.due_at
    query = (
        select(RecordRow.id).join(RetentionRow, RetentionRow.document_id == RecordRow.id)
        .where(RecordRow.status != "uploading", *where)
        .order_by(due.is_(None), due, RecordRow.id)
    )  # fmt: skip
    with store.engines.read.connect() as conn:
        return list(conn.scalars(query.limit(PER_PAGE + 1).offset(offset)))


def count(store, query) -> int:
    with store.engines.read.connect() as conn:
        return conn.scalar(select(func.count()).select_from(query.subquery())) or 0


def lists(store):
    """(name, rows, before, after) for each list and filter timed: before and after read
    the page at an offset, the old statement and the repository call."""
    a = AuditRow
    day = (datetime(2024, 1, 5), datetime(2024, 1, 6))
    audits = [
        ("audit, all", {}, []),
        ("audit, actor", {"actor": "user7"}, [a.actor == "user7"]),
        ("audit, action", {"action": "action.3"}, [a.action == "action.3"]),
        ("audit, a day", {"since": day[0], "until": day[1]}, [a.at >= day[0], a.at < day[1]]),
    ]
    for name, given, where in audits:
        total = count(store, select(a.id).where(*where))
        yield (name, total, lambda o, w=where: audit_before(store, w, o),
               lambda o, g=given: [e["id"] for e in store.audit.list(
                   **g, limit=PER_PAGE + 1, offset=o)])  # fmt: skip
    retention = [
        ("retention, all", {}, []),
        ("retention, inactive", {"state": "inactive"}, [RetentionRow.state == "inactive"]),
    ]
    for name, given, where in retention:
        total = count(store, select(RetentionRow.document_id).where(*where))
        yield (name, total, lambda o, w=where: retention_before(store, w, o),
               lambda o, g=given: store.lifecycle.retention_ids(
                   **g, limit=PER_PAGE + 1, offset=o))  # fmt: skip


def explain(store) -> None:
    """The plans of the seek statements: each should walk an index, not the table."""
    a = AuditRow
    due, ids = RetentionRow.due_at, RetentionRow.document_id
    seeks = {
        "audit, all": select(a.id).order_by(a.id.desc()),
        "audit, actor": select(a.id).where(a.actor == "user7").order_by(a.id.desc()),
        "retention, dated": select(due, ids).where(due.is_not(None)).order_by(due, ids),
    }
    with store.engines.read.connect() as conn:
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        for name, query in seeks.items():
            compiled = query.offset(500_000).limit(1).compile(
                conn, compile_kwargs={"literal_binds": True}
            )  # fmt: skip
            plan = conn.exec_driver_sql(prefix + str(compiled)).all()
            print(f"{name}: " + " / ".join(str(row[-1]) for row in plan))


def run(store, args) -> None:
    if args.explain:
        explain(store)
    print(f"| list, page ({PER_PAGE} a page) | rows | before: OFFSET p50 / p95"
          " | after: seek p50 / p95 |")  # fmt: skip
    print("|---|---|---|---|")
    for name, total, before, after in lists(store):
        last = max(1, (total - 1) // PER_PAGE + 1)
        for page in sorted({max(1, total // (2 * PER_PAGE)), last}):
            offset = (page - 1) * PER_PAGE
            assert after(offset) == before(offset), (name, page)
            b50, b95 = times(lambda o=offset, f=before: f(o), args.runs)
            a50, a95 = times(lambda o=offset, f=after: f(o), args.runs)
            print(f"| {name}, page {page:,} | {total:,} | {b50:,.1f} / {b95:,.1f}"
                  f" | {a50:,.1f} / {a95:,.1f} |", flush=True)  # fmt: skip
    if args.differences:
        differences(store, args.runs)


def open_store(data: Path, args, extra: dict) -> SqlMetadataStore:
    data.mkdir(parents=True, exist_ok=True)
    store = SqlMetadataStore.from_settings(make_settings(data, **extra))
    store.migrate()
    if not (data / "built").exists():
        build(store, args.audit, args.records)
        (data / "built").touch()
    if args.differences and not (data / f"differences-{args.differences}").exists():
        add_differences(store, args.differences)
        (data / f"differences-{args.differences}").touch()
    return store


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--audit", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=300_000)
    parser.add_argument("--differences", type=int, default=0)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args(argv)
    print(f"backend {args.backend}, {args.audit:,} audit entries, {args.records:,} records")
    if args.backend == "sqlite":
        data = OUT / f"list-seek-{args.audit}-{args.records}"
        store = open_store(data, args, {})
        run(store, args)
        store.close()
        return 0
    from tests.services import PostgresServer

    with tempfile.TemporaryDirectory(prefix="list-seek-", dir="/tmp") as tmp:
        os.chmod(tmp, 0o755)  # the PostgreSQL server runs as its own user under root
        server = PostgresServer(base_dir=Path(tmp) / "pg").start()
        try:
            store = open_store(Path(tmp) / "data", args, {"database_url": server.url})
            run(store, args)
            store.close()
        finally:
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
