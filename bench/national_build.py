"""Building the synthetic national archive on a stack, once: rows, then the search index.

Rows stream from bench/national_data.py in batches of 5,000 records into the loader
(bench/national_load.py); then the search index is built by ``archive reindex``'s own code
(``records.indexing.reindex``), timed and with this process's memory sampled: the build's
last step is the reindex figure. ``built.json`` in the stack's folder records what was built;
a later run with the same spec reuses it.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict
from datetime import datetime

from archive_app.services import build_services
from bench.national_data import HOLD_WORD, Generator, Spec, regions
from bench.national_load import PostgresLoader, SqliteLoader
from bench.national_stacks import Stack
from bench.reindex_bench import RssSampler, rss_mb
from config.settings import load_settings

BUILD_VERSION = 2  # bump when the generator changes what it makes


def built(stack: Stack, spec: Spec) -> dict | None:
    """What was built on this stack, if it is this spec and complete."""
    marker = stack.folder / "built.json"
    if not marker.exists():
        return None
    info = json.loads(marker.read_text())
    same = info.get("pages") == spec.pages and info.get("seed") == spec.seed
    return info if same and info.get("version") == BUILD_VERSION else None


def services_for(stack: Stack):
    return build_services(load_settings(env=stack.env))


def build(stack: Stack, spec: Spec, index: bool = True) -> dict:
    from archive_app.recordkeeping import retention

    (stack.folder / "built.json").unlink(missing_ok=True)
    _start_afresh(stack)
    services = services_for(stack)
    services.metadata.migrate()
    retention.ensure_schedule(services, "bench")
    schedule = retention.schedule(services)
    generator = Generator(spec, schedule, services.settings.vocabulary)
    head = services.metadata.audit.head()  # the schedule's entry: the chain goes on from it
    if head:
        generator.audit_id, generator.prev_hash = head
    second = regions(spec.seed)[1]
    services.metadata.engines.dispose()  # the loader wants the database to itself
    started = time.perf_counter()
    loader = (
        PostgresLoader(stack.dsn)
        if stack.dsn
        else SqliteLoader(services.settings.data_dir / "archive.db")
    )
    with loader:
        _fixed_rows(loader, second.name, started_at=datetime(2024, 3, 1))
        for n, batch in enumerate(generator.batches()):
            for table, rows in (
                ("documents", batch.documents), ("record_retention", batch.retention),
                ("pages", batch.pages),
                ("stored_files", batch.files), ("audit_events", batch.audit),
                ("hold_records", batch.hold_records),
                ("disposition_items", batch.disposition_items),
            ):  # fmt: skip
                loader.write(table, rows)
            loader.commit()
            if n % 40 == 0:
                rate = generator.pages_made / (time.perf_counter() - started)
                print(f"  {generator.records_made:,} records, {generator.pages_made:,} pages "
                      f"({rate:,.0f} pages/s)", flush=True)  # fmt: skip
        rows_seconds = time.perf_counter() - started
        print(f"  rows in {rows_seconds:.0f} s; building the database indexes ...", flush=True)
    services.metadata.records.recount()  # the kept counts, from the rows the triggers missed
    loaded = time.perf_counter() - started
    print(f"  database ready in {loaded:.0f} s{'; reindex ...' if index else ''}", flush=True)
    reindexed = reindex(services) if index else None
    services.close()
    info = {
        "version": BUILD_VERSION, **{k: str(v) for k, v in asdict(spec).items()},
        "pages": spec.pages, "seed": spec.seed, "records": generator.records_made,
        "pages_made": generator.pages_made, "audit_entries": generator.audit_id,
        "stored_files": generator.file_id, "rows_seconds": round(rows_seconds),
        "database_seconds": round(loaded), "reindex": reindexed,
        "hold_regency": second.name,
        "regencies": generator.regencies, "built_at": datetime.now().isoformat(timespec="seconds"),
    }  # fmt: skip
    (stack.folder / "built.json").write_text(json.dumps(info, indent=1))
    return info


def _start_afresh(stack: Stack) -> None:
    """A build (or --rebuild) starts from nothing: an earlier, perhaps half-made archive
    on this stack is removed (the search index is rebuilt by the reindex at the end)."""
    if stack.dsn:
        import psycopg

        with psycopg.connect(stack.dsn, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
    else:
        shutil.rmtree(stack.data_dir, ignore_errors=True)


def reindex(services) -> dict:
    """`archive reindex`'s code, timed, with memory at each quarter and its peak."""
    from archive_app.records import indexing

    total = services.metadata.records.count(status="ready")
    marks = {round(total * q / 4): f"{q * 25}%" for q in (1, 2, 3, 4)}
    seen, at = 0, {}

    def progress(n: int) -> None:
        nonlocal seen
        before, seen = seen, seen + n
        for mark, label in marks.items():
            if before < mark <= seen:
                at[label] = round(rss_mb())

    baseline = rss_mb()
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    records = indexing.reindex(services, progress=progress)
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    pages = _pages(services)
    result = {"records": records, "pages": pages, "seconds": round(seconds, 1),
              "pages_per_s": round(pages / seconds), "rss_before_mb": round(baseline),
              "rss_peak_mb": round(peak), "rss_at": at}  # fmt: skip
    print(f"  reindex: {records:,} records, {pages:,} pages in {seconds:.0f} s = "
          f"{pages / seconds:,.0f} pages/s; memory {baseline:.0f} MB before, peak {peak:.0f}, "
          f"at quarters {at}", flush=True)  # fmt: skip
    return result


def _pages(services) -> int:
    from sqlalchemy import func, select

    from archive_app.db.models import PageRow

    with services.metadata.engines.read.connect() as conn:
        return conn.execute(select(func.count()).select_from(PageRow)).scalar_one()


def _fixed_rows(loader, hold_regency: str, started_at: datetime) -> None:
    """The holds (1: a query hold on a regency's DPR forms; 2-3 by ids; 4-5 released) and
    one proposed disposition list, before the records that point at them."""
    query = json.dumps({"election": "DPR", "regency": hold_regency})
    holds = []
    for n in range(1, 6):
        released = n >= 4
        holds.append(dict(
            id=n, reason=f"Sengketa hasil pemilu, perkara {n}", case_ref=f"PHPU-{n:03d}/2024",
            query=query if n == 1 else "", created_at=started_at, created_by="officer-1",
            released_at=datetime(2024, 9, 1) if released else None,
            released_by="officer-1" if released else "",
            release_reason="Putusan berkekuatan hukum tetap" if released else "",
            record_count=0,
        ))  # fmt: skip
    loader.write("holds", holds)
    loader.write("disposition_lists", [dict(
        id=1, action="destroy", status="proposed", comment="C.Kejadian 2019",
        proposed_by="officer-1", proposed_at=datetime(2026, 11, 2), decided_by="",
        decided_at=None, decision_comment="", executed_by="", executed_at=None, report_key="",
        report_sha256="", packages="[]",
    )])  # fmt: skip
    loader.commit()


__all__ = ["HOLD_WORD", "build", "built", "reindex", "services_for"]
