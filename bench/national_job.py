"""One job of the national benchmark, in a process of its own (so its peak memory is its own).

    python -m bench.national_job JOB [ARG]      (settings: the ARCHIVE_* environment)

Runs the archive's own code for the job and prints one JSON line of figures. The parent
(bench/national_jobs.py) samples the process's own peak resident memory while it runs
(``JobPeak``: why not the kernel's figure at its end is told there).

    retention-daily     retention.daily: the nightly task (records whose state is due to change)
    retention-rewrite   a schedule change that gives every record with a series a new state
                        (each series renamed, one more inactive year), refreshed, then the
                        schedule put back and refreshed again; beside it, one raw UPDATE of
                        the same columns of every record, there and back
    retention-states    a schedule change that moves most records' state (every active period
                        cut to one year), refreshed, then the schedule put back and refreshed
                        again; the states counted before and after each
    hold-query WORD     holds.place on a search, the index catching up (as the workers' sweep
                        would), then holds.release and the catch-up again
    verify N            fixity.verify on a sample of N files (`archive verify --sample N`), and
                        beside it, reading and hashing as many objects with nothing else
    transfer N DIR      transfer.transfer of N records into a fresh archive in DIR
    reindex             records.indexing.reindex (`archive reindex`)
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

from sqlalchemy import text

from archive_app.services import build_services
from bench.national_objects import SyntheticObjectStore
from config.settings import load_settings


def _services():
    services = build_services(load_settings())
    services.objects = SyntheticObjectStore()
    return services


def retention_daily() -> dict:
    from archive_app.recordkeeping import retention

    services = _services()
    started = time.perf_counter()
    changed = retention.daily(services)
    return {"changed": changed, "seconds": time.perf_counter() - started}


def retention_rewrite() -> dict:
    from archive_app.domain.retention import schedule_rows
    from archive_app.recordkeeping import retention

    services = _services()
    engine = services.metadata.engines.write
    original = schedule_rows(retention.schedule(services))
    renamed = [{**r, "code": f"{r['code'][:30]}-B", "inactive_years": r["inactive_years"] + 1}
               for r in original]  # fmt: skip
    out: dict = {}
    for name, rows in (("there", renamed), ("back", original)):
        # "there" with the index caught up (the usual case), "back" before it caught up:
        # every record is queued already
        queued = _queued(engine)
        services.metadata.schedules.save(rows, f"bench: rewrite {name}", "bench")
        started = time.perf_counter()
        changed = retention.refresh(services)
        out[name] = {"changed": changed, "seconds": time.perf_counter() - started,
                     "queued_before": queued}  # fmt: skip
    if out["there"]["queued_before"] == 0:
        # every state is back as the index holds it: the build is left as it was found
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM index_queue")
    sqlite = engine.dialect.name == "sqlite"
    day = ("date({c}, '{s}1 day')" if sqlite else "{c} {s} 1").format
    cut = "substr(series, 1, length(series) - 1)"
    for name, sql in (
        ("raw there", f"series = series || 'R', changes_at = {day(c='changes_at', s='+')}, "
                      f"due_at = {day(c='due_at', s='+')}"),
        ("raw back", f"series = {cut}, changes_at = {day(c='changes_at', s='-')}, "
                     f"due_at = {day(c='due_at', s='-')}"),
    ):  # fmt: skip
        started = time.perf_counter()
        with engine.begin() as conn:
            rows = conn.exec_driver_sql(f"UPDATE record_retention SET {sql}").rowcount
        out[name] = {"rows": rows, "seconds": time.perf_counter() - started}
    return out


def retention_states() -> dict:
    """What ``retention-states`` times. The records pass to inactive or due and back, so the
    refresh rewrites their rows, their kept counts by place and their index queue entries:
    the heaviest full refresh a schedule change asks for."""
    from archive_app.domain.retention import schedule_rows
    from archive_app.recordkeeping import retention
    from archive_app.records import indexing

    services = _services()
    engine = services.metadata.engines.write
    original = schedule_rows(retention.schedule(services))
    shortened = [{**r, "active_years": 1} for r in original]
    # the index caught up first, as the workers would have it (the nightly refresh before
    # this job queues its changes): then every row the queue holds at the end is this job's
    out: dict = {"indexed_before": indexing.catch_up(services)}
    queued = _queued(engine)
    out.update({"states before": _states(engine), "queued_before": queued})
    try:
        for name, rows in (("there", shortened), ("back", original)):
            services.metadata.schedules.save(rows, f"bench: states {name}", "bench")
            started = time.perf_counter()
            changed = retention.refresh(services)
            out[name] = {"changed": changed, "seconds": time.perf_counter() - started,
                         "states after": _states(engine)}  # fmt: skip
    finally:
        # the build as it was: the bench's schedule versions removed, and its index queue
        # emptied only if it was empty before and every state came back as indexed
        back = _states(engine) == out["states before"]
        with engine.begin() as conn:
            if queued == 0 and back:
                conn.exec_driver_sql("DELETE FROM index_queue")
            conn.execute(
                text("DELETE FROM retention_schedules WHERE comment LIKE :bench"),
                {"bench": "bench: states %"},  # a bound value: psycopg reads a bare % as one
            )
    return out


def _queued(engine) -> int:
    with engine.connect() as conn:
        return conn.exec_driver_sql("SELECT count(*) FROM index_queue").scalar()


def _states(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(
            conn.exec_driver_sql("SELECT state, count(*) FROM record_retention GROUP BY 1").all()
        )


def hold_query(word: str) -> dict:
    from archive_app.recordkeeping import holds
    from archive_app.records import indexing

    services = _services()
    out: dict = {}
    started = time.perf_counter()
    hold_id = holds.place(services, reason="bench", case_ref="BENCH/1", query={"q": word},
                          actor="bench")  # fmt: skip
    out["place_seconds"] = time.perf_counter() - started
    out["records"] = services.metadata.holds.get(hold_id).records
    started = time.perf_counter()
    out["indexed_after_place"] = indexing.catch_up(services)
    out["catch_up_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    holds.release(services, hold_id, "bench done", "bench")
    out["release_seconds"] = time.perf_counter() - started
    started = time.perf_counter()
    out["indexed_after_release"] = indexing.catch_up(services)
    out["catch_up_release_seconds"] = time.perf_counter() - started
    out["hold_id"] = hold_id
    return out


def verify(sample: int) -> dict:
    from archive_app.recordkeeping import fixity

    services = _services()
    started = time.perf_counter()
    report = fixity.verify(services, sample=sample, actor="bench")
    seconds = time.perf_counter() - started
    # raw: as many objects of the same sizes read from the same medium and hashed, nothing else
    sizes = report.bytes / max(report.checked, 1)
    names = ["original.pdf", "searchable.pdf"]
    started = time.perf_counter()
    hashed = 0
    for n in range(report.checked):
        with services.objects.open(f"records/00/x/{names[n % 2]}") as fh:
            hashlib.sha256(fh.read()).hexdigest()
            hashed += 1
    raw = time.perf_counter() - started
    return {"checked": report.checked, "bytes": report.bytes, "seconds": seconds,
            "missing": len(report.missing), "changed": len(report.changed),
            "raw_seconds": raw, "mean_size": sizes}  # fmt: skip


def transfer(limit: int, folder: str) -> dict:
    from archive_app.operations import transfer as moving

    source = _services()
    env = {"ARCHIVE_DATA_DIR": folder}
    for name in ("ARCHIVE_TRANSFER_DATABASE_URL", "ARCHIVE_TRANSFER_ELASTICSEARCH_URL"):
        if os.environ.get(name):
            env[name.replace("TRANSFER_", "")] = os.environ[name]
    if os.environ.get("ARCHIVE_TRANSFER_ELASTICSEARCH_URL"):
        env.update(ARCHIVE_SEARCH_BACKEND="elasticsearch",
                   ARCHIVE_ELASTICSEARCH_INDEX="national-transfer")  # fmt: skip
    target = build_services(load_settings(env=env))
    started = time.perf_counter()
    report = moving.transfer(source, target, limit=limit)
    seconds = time.perf_counter() - started
    return {"records": report.records, "objects": report.objects, "bytes": report.bytes,
            "seconds": seconds}  # fmt: skip


def reindex() -> dict:
    from archive_app.records import indexing

    services = _services()
    started = time.perf_counter()
    records = indexing.reindex(services)
    return {"records": records, "seconds": time.perf_counter() - started}


JOBS = {
    "retention-daily": retention_daily, "retention-rewrite": retention_rewrite,
    "retention-states": retention_states,
    "hold-query": hold_query, "verify": verify, "transfer": transfer, "reindex": reindex,
}  # fmt: skip


def main(argv: list[str]) -> int:
    job, *args = argv
    typed = [int(a) if a.isdigit() else a for a in args]
    result = JOBS[job](*typed)
    print(json.dumps(result, default=str), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
