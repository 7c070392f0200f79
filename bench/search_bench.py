"""Search latency at scale: the raw engine beside GET /api/v1/search, in one run.

    python -m bench.search_bench [--records 1000000] [--backend tantivy|elasticsearch]
                                 [--queries 300] [--fresh] [--es-heap 2g]

Loads N synthetic page records into the metadata database and the search index (kept in
bench/out/ and reused by later runs), starts the real web server (`archive serve`
under gunicorn) and measures, for four kinds of query, p50/p95/p99 of
  raw: the engine answering the adapter's query directly (hits, count, facets, snippets),
  api: the same search over HTTP, with auth, the database join and JSON,
timed query by query in turn (raw, api, raw, api ...).
Target: api p95 <= raw p95 + 15 ms, and <= 50 ms, in every case. Elasticsearch: the node at
$ARCHIVE_ELASTICSEARCH_URL, or the test node of tests/services started for the run (its index
is gone afterwards, so the records are loaded again each time).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import insert

from archive_app import accounts
from archive_app.db.models import RecordRow
from archive_app.domain.roles import Role
from archive_app.services import build_services
from bench.reindex_bench import elasticsearch
from bench.synthetic import Places, records, vocabulary
from config.settings import load_settings
from search.query import parse_search

OUT = Path(__file__).resolve().parent / "out"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def load(services, count: int) -> None:
    """Insert rows and build the index in one streaming pass (flat memory)."""
    engine = services.metadata.engines.write
    started = time.perf_counter()
    done = 0

    def batches():
        nonlocal done
        for batch in records(count):
            with engine.begin() as conn:
                conn.execute(insert(RecordRow), [row for row, _ in batch])
            done += len(batch)
            if done % 100_000 == 0:
                rate = done / (time.perf_counter() - started)
                print(f"  loaded {done:,} records ({rate:,.0f}/s)", flush=True)
            yield [doc for _, doc in batch]

    services.index.rebuild(batches())
    print(f"  load + index: {time.perf_counter() - started:.0f} s", flush=True)


def query_sets(n: int, seed: int = 11) -> dict[str, list[dict]]:
    """Full text: two handwritten words from the more frequent part of the vocabulary; TPS
    lookup: a village's polling station; facet: a word within a regency (facets drill down to
    its districts); common term: a printed word every record has, counted in full."""
    rng = random.Random(seed)
    villages = Places(7).villages
    words = vocabulary()[:2000]
    sets = {"full-text": [], "tps lookup": [], "facet": [], "common term": []}
    for _ in range(n):
        province, regency, district, village = rng.choice(villages)
        sets["full-text"].append({"q": f"{rng.choice(words)} {rng.choice(words)}"})
        sets["tps lookup"].append(
            {"village": village, "district": district, "tps": str(rng.randint(1, 30))}
        )
        sets["facet"].append({"q": rng.choice(words), "regency": regency})
        sets["common term"].append({"q": "suara"})
    return sets


def time_both(index, port: int, token: str, params_list: list[dict]) -> tuple[list, list]:
    """Raw and API times of the same queries, alternating query by query: this VM's speed
    drifts over seconds (the same engine call takes 19 ms for a while, then 29), and timing
    all raw queries first and all API ones after put the two sides in different spells."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"}
    raw, api = [], []
    for params in params_list:
        query = parse_search(params)
        started = time.perf_counter()
        index.search(query)
        raw.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        conn.request("GET", "/api/v1/search?" + urlencode(params), headers=headers)
        response = conn.getresponse()
        body = response.read()
        api.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{response.status}: {body[:200]}")
    conn.close()
    return raw, api


def start_server(data_dir: Path, port: int, extra_env: dict) -> subprocess.Popen:
    env = {
        **os.environ,
        **extra_env,
        "ARCHIVE_DATA_DIR": str(data_dir),
        "ARCHIVE_PORT": str(port),
        "ARCHIVE_WORKERS": "1",
        "ARCHIVE_WEB_WORKERS": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "archive_app", "serve"],
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("server did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--backend", default="tantivy", choices=["tantivy", "elasticsearch"])
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--fresh", action="store_true", help="rebuild the data set")
    parser.add_argument("--es-heap", default="2g", help="heap of the test node, if started")
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        extra_env = {k: v for k, v in os.environ.items() if k.startswith("ARCHIVE_")}
        if args.backend == "elasticsearch":  # $ARCHIVE_ELASTICSEARCH_URL, or the test node
            url, _ = stack.enter_context(elasticsearch(args.es_heap))
            extra_env["ARCHIVE_ELASTICSEARCH_URL"] = url
        return run(args, extra_env)


def run(args, extra_env: dict) -> int:
    data_dir = OUT / f"search-{args.backend}-{args.records}"
    extra_env["ARCHIVE_SEARCH_BACKEND"] = args.backend
    if args.fresh:
        shutil.rmtree(data_dir, ignore_errors=True)
    settings = load_settings(env={**extra_env, "ARCHIVE_DATA_DIR": str(data_dir)})
    services = build_services(settings)
    services.metadata.migrate()
    if services.metadata.records.count() != args.records or services.index.count() != args.records:
        print(f"Loading {args.records:,} synthetic records into {data_dir} ...", flush=True)
        services.close()
        shutil.rmtree(data_dir, ignore_errors=True)
        settings = load_settings(env={**extra_env, "ARCHIVE_DATA_DIR": str(data_dir)})
        services = build_services(settings)
        services.metadata.migrate()
        load(services, args.records)
    if not services.metadata.users.by_name("bench"):
        accounts.create_user(services, "bench", "bench password", Role.AUDITOR, "bench")
    token = accounts.create_token(services, "bench", "bench", "bench")

    port = free_port()
    server = start_server(data_dir, port, extra_env)
    try:
        sets = query_sets(args.queries)
        print(
            f"\n{args.records:,} records, backend {args.backend}, {args.queries} queries per case"
            " (after 30 warm-up queries); milliseconds"
        )
        print(
            f"{'case':<13} {'raw p50':>8} {'raw p95':>8} {'raw p99':>8} {'api p50':>8} "
            f"{'api p95':>8} {'api p99':>8} {'p95 gap':>8}  target"
        )
        for name, params_list in sets.items():
            time_both(services.index, port, token, params_list[:30])  # warm-up
            raw, api = time_both(services.index, port, token, params_list)
            gap = percentile(api, 95) - percentile(raw, 95)
            ok = gap <= 15 and percentile(api, 95) <= 50
            print(
                f"{name:<13} {percentile(raw, 50):8.1f} {percentile(raw, 95):8.1f} "
                f"{percentile(raw, 99):8.1f} {percentile(api, 50):8.1f} {percentile(api, 95):8.1f} "
                f"{percentile(api, 99):8.1f} {gap:8.1f}  {'met' if ok else 'MISSED'}"
            )
            sys.stdout.flush()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
