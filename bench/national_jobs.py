"""The jobs of the national benchmark, each in a process of its own, and sizes on disk.

Every job leaves the archive as it found it (what it changed is put back afterwards), so
the next run measures the same archive.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from bench.national_data import HOLD_WORD
from bench.national_measure import JobPeak, RawSql, rss_mb

REFRESH_TARGET = 20_000  # records/s of a full refresh (issue 18)
STALE = 10_000  # records whose retention state changes on the day of the nightly refresh
SAMPLE = 100_000
MEMORY_TARGET = 500.0


def _run(stack, args: list[str], extra_env: dict | None = None) -> tuple[dict, float, float]:
    """(the job's JSON line, wall seconds, peak RSS MB) of ``python -m ARGS`` on the stack."""
    env = {**os.environ, **stack.env, **(extra_env or {})}
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", *args], env=env, stdout=out, stderr=err)
        memory = JobPeak(proc.pid)  # Popen returns after exec: the address space is the job's
        memory.start()
        proc.wait()
        seconds = time.perf_counter() - started
        peak = memory.stop()
        out.seek(0), err.seek(0)
        text, problem = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {problem[-2000:]}")
    lines = [line for line in text.splitlines() if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {"output": text.strip()[-300:]}
    result["anon_peak_mb"] = memory.anon
    return result, seconds, peak


def _line(name: str, text: str, peak: float, result: dict) -> None:
    """Judged on both: the resident peak, and the job's own (anonymous) memory apart from
    the mapped index pages (national_measure.JobPeak)."""
    anon = result["anon_peak_mb"]
    ok = (
        "met"
        if peak <= MEMORY_TARGET
        else f"MISSED; own memory {anon:,.0f} MB: " + ("met" if anon <= MEMORY_TARGET else "MISSED")
    )
    print(f"{name:<34} {text}; peak {peak:,.0f} MB ({ok})", flush=True)


def run_all(stack, services, info, args) -> dict:
    raw = RawSql(services.settings.data_dir / "archive.db", stack.dsn)
    out: dict = {}
    print("\njobs, each in a process of its own (peak memory target <= 500 MB)")
    out["retention daily"] = retention_daily(stack, raw)
    out["retention full"] = retention_full(stack)
    if args.rewrite:
        out["retention rewrite"] = retention_rewrite(stack, raw)
    if args.states:
        out["retention states"] = retention_states(stack)
    out["hold by query"] = hold(stack, raw)
    out["verify sample"] = verify(stack, args.verify_sample)
    if args.transfer:
        out["transfer"] = transfer(stack, args.transfer)
    if args.reindex:
        result, seconds, peak = _run(stack, ["bench.national_job", "reindex"])
        pages = int(info["pages_made"])
        _line("reindex", f"{pages / seconds:,.0f} pages/s ({seconds:.0f} s)", peak, result)
        out["reindex"] = {**result, "wall": seconds, "peak_mb": peak}
    raw.close()
    return out


def _stale(raw: RawSql, count: int) -> list[str]:
    """``count`` records whose cached state is due to change today (their change date set
    to yesterday): what a day on which they pass from one state to the next looks like."""
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    cursor = raw.conn.cursor()
    cursor.execute("SELECT document_id FROM record_retention WHERE changes_at IS NOT NULL "
                   "ORDER BY document_id LIMIT " + str(count))  # fmt: skip
    ids = [r[0] for r in cursor.fetchall()]
    mark = "%s" if not hasattr(raw.conn, "create_function") else "?"
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        cursor.execute(
            f"UPDATE record_retention SET changes_at = {mark} WHERE document_id IN "
            f"({','.join([mark] * len(part))})",
            [yesterday, *part],
        )
    cursor.close()
    return ids


def retention_daily(stack, raw: RawSql) -> dict:
    _stale(raw, STALE)
    result, seconds, peak = _run(stack, ["bench.national_job", "retention-daily"])
    _line("retention: nightly refresh", f"{result['changed']:,} changed in "
          f"{result['seconds']:.2f} s ({seconds:.1f} s with start-up)", peak, result)  # fmt: skip
    result.update(wall=seconds, peak_mb=peak)
    return result


def retention_full(stack) -> dict:
    from archive_app.commands import recordkeeping

    all_flag = ["--all"] if "--all" in str(recordkeeping.retention_refresh.params) else []
    result, seconds, peak = _run(stack, ["archive_app", "retention", "refresh", *all_flag])
    records = _records(stack)
    _line("archive retention refresh (all)", f"{records / seconds:,.0f} records/s ({seconds:.0f} s"
          f", {result.get('output', '')})", peak, result)  # fmt: skip
    return {"seconds": seconds, "records_per_s": records / seconds, "peak_mb": peak, **result}


def retention_rewrite(stack, raw: RawSql) -> dict:
    """A full refresh in which every record with a series changes (a schedule change), and
    back; raw: one UPDATE of the same columns of every record. "back" comes before the
    index has caught up with "there": every record is queued for it already."""
    result, seconds, peak = _run(stack, ["bench.national_job", "retention-rewrite"])
    parts = []
    for name in ("there", "back"):
        r = result[name]
        parts.append(f"{name} {r['changed']:,} in {r['seconds']:.1f} s "
                     f"({r['changed'] / r['seconds']:,.0f}/s, {r['queued_before']:,} queued"
                     " for the index before)")  # fmt: skip
    for name in ("raw there", "raw back"):
        r = result[name]
        parts.append(f"{name} {r['rows']:,} rows/{r['seconds']:.1f} s "
                     f"({r['rows'] / r['seconds']:,.0f}/s)")  # fmt: skip
    _line("retention refresh, all change", "; ".join(parts), peak, result)
    cursor = raw.conn.cursor()  # the archive as it was: not the bench's two schedule versions
    cursor.execute("DELETE FROM retention_schedules WHERE comment LIKE 'bench: rewrite %'")
    cursor.close()
    result.update(wall=seconds, peak_mb=peak)
    return result


def retention_states(stack) -> dict:
    """A full refresh in which most records change state (a schedule change), and back;
    the target is 20,000 records/s each way."""
    result, seconds, peak = _run(stack, ["bench.national_job", "retention-states"])
    parts = []
    for name in ("there", "back"):
        r = result[name]
        rate = r["changed"] / r["seconds"] if r["seconds"] else 0.0
        parts.append(f"{name} {r['changed']:,} in {r['seconds']:.1f} s ({rate:,.0f}/s, "
                     f"{'met' if rate >= REFRESH_TARGET else 'MISSED'})")  # fmt: skip
    same = result["back"]["states after"] == result["states before"]
    parts.append("states as before" if same else "STATES DIFFER FROM BEFORE")
    _line("retention refresh, states move", "; ".join(parts), peak, result)
    result.update(wall=seconds, peak_mb=peak)
    return result


def _records(stack) -> int:
    info = json.loads((stack.folder / "built.json").read_text())
    return int(info["records"])


def hold(stack, raw: RawSql) -> dict:
    result, seconds, peak = _run(stack, ["bench.national_job", "hold-query", HOLD_WORD])
    _line(f"hold by query (q={HOLD_WORD})",
          f"{result['records']:,} records: place {result['place_seconds']:.1f} s, index "
          f"catch-up {result['catch_up_seconds']:.1f} s, release {result['release_seconds']:.1f}"
          f" s, catch-up {result['catch_up_release_seconds']:.1f} s", peak, result)  # fmt: skip
    cursor = raw.conn.cursor()  # the archive as it was: no trace of the bench's hold
    mark = "%s" if not hasattr(raw.conn, "create_function") else "?"
    cursor.execute(f"DELETE FROM hold_records WHERE hold_id = {mark}", [result["hold_id"]])
    cursor.execute(f"DELETE FROM holds WHERE id = {mark}", [result["hold_id"]])
    cursor.close()
    result.update(wall=seconds, peak_mb=peak)
    return result


def verify(stack, sample: int = SAMPLE) -> dict:
    result, seconds, peak = _run(stack, ["bench.national_job", "verify", str(sample)])
    mb = result["bytes"] / 1e6
    _line(f"archive verify --sample {sample:,}",
          f"{result['checked']:,} files, {mb / result['seconds']:,.0f} MB/s in "
          f"{result['seconds']:.1f} s; raw read+hash {result['raw_seconds']:.1f} s "
          f"({result['raw_seconds'] / result['seconds']:.2f}x)", peak, result)  # fmt: skip
    result.update(wall=seconds, peak_mb=peak)
    return result


def transfer(stack, limit: int) -> dict:
    folder = stack.folder / "transfer-target"
    shutil.rmtree(folder, ignore_errors=True)
    extra = {}
    if stack.dsn:
        import psycopg

        with psycopg.connect(stack.dsn, autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS transfer_target WITH (FORCE)")
            conn.execute("CREATE DATABASE transfer_target")
        extra = {"ARCHIVE_TRANSFER_DATABASE_URL": stack.env["ARCHIVE_DATABASE_URL"].rsplit(
            "/", 1)[0] + "/transfer_target",
            "ARCHIVE_TRANSFER_ELASTICSEARCH_URL": stack.es_url}  # fmt: skip
    result, seconds, peak = _run(
        stack, ["bench.national_job", "transfer", str(limit), str(folder)], extra
    )
    rate = result["records"] / result["seconds"]
    _line(f"transfer of {limit:,} records", f"{rate:,.0f} records/s, "
          f"{result['bytes'] / 1e6 / result['seconds']:,.0f} MB/s", peak, result)  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    result.update(wall=seconds, peak_mb=peak)
    return result


def _du(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def sizes(stack, services) -> dict:
    out: dict = {}
    if stack.dsn:
        import psycopg

        with psycopg.connect(stack.dsn) as conn:
            out["database"] = conn.execute("SELECT pg_database_size(current_database())"
                                           ).fetchone()[0]  # fmt: skip
            for table in ("documents", "pages", "stored_files", "audit_events"):
                out[table] = conn.execute("SELECT pg_total_relation_size(%s)", (table,)
                                          ).fetchone()[0]  # fmt: skip
        import urllib.request

        with urllib.request.urlopen(f"{stack.es_url}/_cat/indices?format=json&bytes=b") as r:
            out["index"] = sum(int(i["store.size"]) for i in json.load(r))
        out["es_jvm_rss_mb"] = rss_mb(stack.pids["elasticsearch"])
    else:
        data = services.settings.data_dir
        out["database"] = sum(f.stat().st_size for f in data.glob("archive.db*"))
        out.update(_sqlite_tables(data / "archive.db"))
        out["index"] = _du(services.settings.index_dir)
    print("\nsizes on disk: " + ", ".join(
        f"{k} {v / 1e9:.2f} GB" if "rss" not in k else f"{k} {v:,.0f} MB" for k, v in out.items()
    ), flush=True)  # fmt: skip
    return out


def _sqlite_tables(path: Path) -> dict:
    import sqlite3

    conn = sqlite3.connect(str(path))
    try:
        rows = conn.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.OperationalError:
        return {}
    finally:
        conn.close()
    tables = {}
    for name, size in rows:
        for table in ("documents", "pages", "stored_files", "audit_events"):
            if name == table or name.startswith((f"ix_{table}", f"sqlite_autoindex_{table}")):
                tables[table] = tables.get(table, 0) + size
    return tables
