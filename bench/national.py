"""National scale: a synthetic archive of 12,000,000 pages, every page, list and job timed.

    python -m bench.national [--records 12000000] [--stacks embedded,scaleout]
                             [--parts search,pages,jobs,sizes] [--out DIR] [--build-only]
                             [--rebuild] [--queries 200] [--requests 20] [--es-heap 4g]
                             [--reindex] [--transfer 20000] [--verify-sample 100000]

Builds the archive of bench/national_data.py once per stack and keeps it (``--out``,
default bench/out/national-<pages>/<stack>): embedded = SQLite + Tantivy, scaleout =
PostgreSQL + Elasticsearch (the servers of tests/services on folders of their own).
Building streams in batches of 5,000 records, under ``nice``; then ``archive reindex``'s
code, whose pages/s and memory are the reindex figures, and ``archive recap rebuild``'s
(bench/national_recap.py; a build without it gets it on its next run), the recap figures.

Then, per stack, against the real server (``archive serve``, 2 web workers, no task
worker), p50/p95 beside the raw side, timed in turn:
  search   the four kinds and deep pages: raw = the engine (SearchIndex.search) here,
           api = GET /api/v1/search with a bearer token;
  pages    the record list, review queue, retention lists and dashboard, holds, audit trail,
           tally CSV for a regency, the recap of a province (page and API): raw = the
           SQL the page ran, replayed through the driver (bench/national_measure.py);
  jobs     the nightly retention refresh with 10,000 records changing and the full
           `archive retention refresh`, a query-scoped hold over ~100,000 records,
           `archive verify --sample 100000`, transfer (and reindex with --reindex), each in
           a process of its own: time and peak memory;
  sizes    database, index and the servers' memory.
Targets (docs/benchmarks.md): search p95 <= 100 ms and <= raw + 15 ms; pages <= 300 ms p95;
nothing above 500 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from bench import national_build, national_cases, national_recap
from bench.national_data import HOLD_WORD, Spec
from bench.national_measure import Capture, Http, PeakRss, RawSql, percentile, rss_mb
from bench.national_stacks import Stack, open_stack
from bench.search_bench import free_port

OUT = Path(__file__).resolve().parent / "out"
SEARCH_TARGET, GAP_TARGET, PAGE_TARGET, MEMORY_TARGET = 100.0, 15.0, 300.0, 500.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--records", "--pages", dest="pages", type=int, default=12_000_000,
        help="page records to build (the issue's national election: 12,000,000)",
    )  # fmt: skip
    parser.add_argument("--stacks", default="embedded,scaleout")
    parser.add_argument(
        "--parts", default="search,pages,jobs,sizes,recap",
        help="recap: rebuild the recap tables if the build has none (~2,000 forms/s) and "
        "time the province recap",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--no-index", action="store_true",
        help="build the rows and database only, without the search index (its reindex is a "
        "third of a 12M build); the search part then needs a build with one",
    )  # fmt: skip
    parser.add_argument("--queries", type=int, default=200, help="per search kind")
    parser.add_argument("--requests", type=int, default=20, help="per page (at most ~60 s)")
    parser.add_argument("--es-heap", default="4g")
    parser.add_argument("--reindex", action="store_true", help="time `archive reindex` again")
    parser.add_argument(
        "--rewrite", action="store_true", help="time a refresh in which every record changes"
    )
    parser.add_argument(
        "--states", action="store_true",
        help="time a refresh in which most records change state (a schedule change), and back",
    )  # fmt: skip
    parser.add_argument("--transfer", type=int, default=20_000, help="records to transfer")
    parser.add_argument("--verify-sample", type=int, default=100_000, help="files to verify")
    args = parser.parse_args(argv)
    spec = Spec(pages=args.pages)
    results = {}
    for name in args.stacks.split(","):
        folder = args.out / f"national-{args.pages}" / name
        with open_stack(name, folder, args.es_heap) as stack:
            info = national_build.built(stack, spec)
            if info is None or args.rebuild:
                print(f"\nBuilding {args.pages:,} pages on {name} in {folder} ...", flush=True)
                info = _niced(national_build.build, stack, spec, not args.no_index)
            if "recap" in args.parts.split(","):
                info = _niced(national_recap.ensure_recap, stack, info)
            if args.build_only:
                continue
            results[name] = run(stack, info, args)
        out = folder / f"results-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(results.get(name, {}), indent=1, default=str))
    return 0


def _niced(step, *args) -> dict:
    """A build step at low priority (the servers keep their own priority)."""
    before = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, min(before + 10, 19))
    try:
        return step(*args)
    finally:
        try:
            os.setpriority(os.PRIO_PROCESS, 0, before)
        except PermissionError:
            print("  (could not raise the priority again; later figures run niced)")


def run(stack: Stack, info: dict, args) -> dict:
    services = national_build.services_for(stack)
    token = _token(services)
    parts = args.parts.split(",")
    print(f"\n== {stack.name}: {int(info['records']):,} records, {int(info['pages_made']):,} "
          f"pages, {int(info['audit_entries']):,} audit entries, {int(info['stored_files']):,} "
          f"stored files; built {info['built_at']} ==", flush=True)  # fmt: skip
    index = info["reindex"]
    print(f"build: rows {info['rows_seconds']} s, database {info['database_seconds']} s; "
          + (f"reindex {index['pages_per_s']:,} pages/s, peak {index['rss_peak_mb']} MB "
             f"(at quarters {index['rss_at']})" if index else "no search index"),
          flush=True)  # fmt: skip
    if "recap" in info:
        print(f"recap rebuild {info['recap']['seconds']} s, "
              f"peak {info['recap']['rss_peak_mb']} MB")  # fmt: skip
    result: dict = {"info": info}
    port = free_port()
    server = _serve(stack, port)
    memory = PeakRss(server.pid)
    memory.start()
    try:
        if "search" in parts and not index:
            print("search: skipped, this build has no search index (built with --no-index)")
        elif "search" in parts:
            result["search"] = search_part(stack, services, info, port, token, args.queries)
        if "pages" in parts:
            result["pages"] = pages_part(stack, services, info, port, token, args.requests)
    finally:
        peaks = memory.stop()
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    web = sorted(peaks.values(), reverse=True)
    own = sorted(memory.anon.values(), reverse=True)
    result["web_peak_mb"], result["web_anon_peak_mb"] = web[:3], own[:3]
    print(
        f"web server processes, peak RSS MB: {', '.join(f'{m:.0f}' for m in web[:3])} "
        f"({'met' if web and web[0] <= MEMORY_TARGET else 'MISSED'} <= {MEMORY_TARGET:.0f}); "
        f"their own (anonymous) memory: {', '.join(f'{m:.0f}' for m in own[:3])} MB "
        f"({'met' if own and own[0] <= MEMORY_TARGET else 'MISSED'}; the rest is the mapped "
        "search index)"
    )
    if "jobs" in parts:
        result["jobs"] = jobs_part(stack, services, info, args)
    if "sizes" in parts:
        result["sizes"] = sizes_part(stack, services)
    services.close()
    return result


def _token(services) -> str:
    from archive_app import accounts
    from archive_app.domain.roles import Role

    if not services.metadata.users.by_name("bench"):
        accounts.create_user(services, "bench", "bench password 18", Role.ADMIN, "bench")
    return accounts.create_token(services, "bench", "bench", "bench")


def _serve(stack: Stack, port: int) -> subprocess.Popen:
    env = {**os.environ, **stack.env, "ARCHIVE_PORT": str(port), "ARCHIVE_WEB_WORKERS": "2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "archive_app", "serve", "--workers", "0"], env=env,
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            status = Http(port, "").get("/healthz")[0]
            if status in (200, 503):
                return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    raise RuntimeError("the server did not start")


def _row(name: str, raw: list[float], api: list[float], target: float, gap: float | None) -> dict:
    r50, r95, a50, a95 = (percentile(raw, 50), percentile(raw, 95), percentile(api, 50),
                          percentile(api, 95))  # fmt: skip
    ok = a95 <= target and (gap is None or a95 - r95 <= gap)
    print(f"{name:<26} {len(api):>4} {r50:8.1f} {r95:8.1f} {a50:8.1f} {a95:8.1f} {a95 - r95:8.1f}"
          f"  {'met' if ok else 'MISSED'}", flush=True)  # fmt: skip
    return {"n": len(api), "raw_p50": r50, "raw_p95": r95, "api_p50": a50, "api_p95": a95,
            "met": ok}  # fmt: skip


HEADER = f"{'case':<26} {'n':>4} {'raw p50':>8} {'raw p95':>8} {'api p50':>8} {'api p95':>8} " \
         f"{'p95 gap':>8}  target"  # fmt: skip


def search_part(stack, services, info, port, token, queries) -> dict:
    from urllib.parse import urlencode

    from search.query import parse_search

    http = Http(port, token)
    print(f"\nsearch, {queries} queries per kind after 20 warm-up ones; ms; target api p95 <= "
          f"{SEARCH_TARGET:.0f} and <= raw + {GAP_TARGET:.0f}\n{HEADER}")  # fmt: skip
    out = {}
    for name, params_list in national_cases.search_sets(info, queries + 20).items():
        raw, api = [], []
        for n, params in enumerate(params_list):
            started = time.perf_counter()
            services.index.search(parse_search(params))
            r = (time.perf_counter() - started) * 1000
            status, body, seconds, _ = http.get("/api/v1/search?" + urlencode(params))
            if status != 200:
                raise RuntimeError(f"search {params}: {status} {body[:200]!r}")
            if n >= 20:
                raw.append(r)
                api.append(seconds * 1000)
        out[name] = _row(name, raw, api, SEARCH_TARGET, GAP_TARGET)
    http.close()
    return out


def pages_part(stack, services, info, port, token, requests) -> dict:
    from archive_app import create_app

    app = create_app(services.settings, services)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    raw_db = RawSql(services.settings.data_dir / "archive.db", stack.dsn)
    some = services.metadata.records.list(limit=1)[0].id
    cases = national_cases.page_cases(info, {"record": some})
    cases.append(("tally CSV: largest regency", "/api/v1/tally.csv?"
                  + urlencode({"regency": _largest_regency(services)})))  # fmt: skip
    http = Http(port, token)
    print(f"\npages and lists, up to {requests} requests each (at most ~60 s) after 2 warm-up "
          f"ones; ms; raw = the page's own SQL replayed; target api p95 <= "
          f"{PAGE_TARGET:.0f}\n{HEADER}")  # fmt: skip
    out = {}
    recap = national_cases.recap_cases(info) if "recap" in info else []
    kept_lines(services)

    def timed(name: str, path: str) -> None:
        with Capture(services.metadata.engines) as captured:
            response = client.get(path, headers=headers)
            response.get_data()
        if response.status_code != 200:
            print(f"{name:<26} in-process request answered {response.status_code}; skipped")
            return
        statements = captured.statements
        raw, api, ttfb, size = [], [], [], 0
        began = time.monotonic()
        for n in range(requests + 2):
            started = time.perf_counter()
            raw_db.run(statements)
            r = (time.perf_counter() - started) * 1000
            status, body, seconds, first = http.get(path)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {body[:200]!r}")
            if n >= 2:
                raw.append(r)
                api.append(seconds * 1000)
                ttfb.append(first * 1000)
                size = len(body)
            if n >= 6 and time.monotonic() - began > 60:
                break
        out[name] = _row(name, raw, api, PAGE_TARGET, None)
        out[name].update(statements=len(statements), bytes=size,
                         ttfb_p95=percentile(ttfb, 95))  # fmt: skip
        if name.startswith("tally CSV"):
            print(f"{'':<26}      (first byte p95 {percentile(ttfb, 95):.1f} ms; {size:,} bytes)")

    for name, path in cases + recap:
        timed(name, path)
        if name.startswith("tally CSV"):  # the baseline: the same export without kept lines
            with lines_dropped(services, path):
                timed(name.replace("tally CSV:", "from counts:"), path)
    http.close()
    raw_db.close()
    return out


def _largest_regency(services) -> str:
    """The regency with the most forms with counts: the export's worst case (at 12M pages
    41.7 MB, against 30.1 MB for the regency of the other case)."""
    from sqlalchemy import func, select

    from archive_app.db.models import RecordRow

    query = (
        select(RecordRow.regency).where(RecordRow.tally != "").group_by(RecordRow.regency)
        .order_by(func.count().desc()).limit(1)
    )  # fmt: skip
    with services.metadata.engines.read.connect() as conn:
        return conn.execute(query).scalar_one()


def kept_lines(services) -> None:
    """Keep the tally lines of a build made before they were kept (as ``archive
    tally-lines`` does after an upgrade), timed."""
    started, done = time.perf_counter(), 0
    for n, _ in services.metadata.readings.keep_tally_lines(batch_size=2_000):
        done += n
    if done:
        seconds = time.perf_counter() - started
        print(f"kept the tally lines of {done:,} records in {seconds:.1f} s "
              f"({done / seconds:,.0f} records/s)")  # fmt: skip


@contextmanager
def lines_dropped(services, path: str):
    """The regency of ``path`` without kept tally lines while inside: every form written
    from its counts, as before migration 0020; kept again after."""
    from sqlalchemy import text

    regency = parse_qs(urlsplit(path).query)["regency"][0].lower()
    with services.metadata.engines.write.begin() as conn:
        dropped = conn.execute(
            text("DELETE FROM tally_lines WHERE document_id IN "
                 "(SELECT id FROM documents WHERE lower(regency) = :r)"),
            {"r": regency},
        ).rowcount  # fmt: skip
    print(f"{'':<26}      (the kept lines of {dropped:,} forms dropped for the next row)")
    try:
        yield
    finally:
        kept_lines(services)


def jobs_part(stack, services, info, args) -> dict:
    from bench import national_jobs

    return national_jobs.run_all(stack, services, info, args)


def sizes_part(stack, services) -> dict:
    from bench import national_jobs

    return national_jobs.sizes(stack, services)


__all__ = ["HOLD_WORD", "rss_mb", "shutil"]

if __name__ == "__main__":
    sys.exit(main())
