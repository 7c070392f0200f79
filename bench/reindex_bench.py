"""`archive reindex` throughput: pages per second and memory, on either engine.

    python -m bench.reindex_bench [--engine elasticsearch|tantivy] [--records 100000]
                                  [--pages 2] [--es-heap 1g] [--profile]

Loads N synthetic records with their pages into a metadata database (bench/out/, reused by
later runs), then times `archive_app.records.indexing.reindex` (the code behind `archive reindex`)
into the engine (Elasticsearch: bulk requests in parallel, alias swap; Tantivy: one
writer, one commit, pointer flip). Reports pages/s and this process's resident memory,
sampled while it runs, at each quarter of the way: it must stay flat whatever N is.
Targets (issue 18): >= 4,000 pages/s on Elasticsearch, >= 10,000 on Tantivy.
``--profile`` runs it under cProfile and prints the top functions by own time. Where the
time goes: CPU seconds of this process (the loader: reading rows, building and serialising
documents) and of the Elasticsearch node (analysing and writing), beside the wall time.

Elasticsearch: $ARCHIVE_ELASTICSEARCH_URL if set, otherwise the test node of
tests/services (scripts/install-test-services.sh), started for the run and stopped after.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert

from archive_app.db.models import PageRow, RecordRow
from archive_app.records import indexing
from archive_app.services import build_services
from bench.synthetic import records
from config.settings import load_settings

OUT = Path(__file__).resolve().parent / "out"
TARGETS = {"elasticsearch": 4_000, "tantivy": 10_000}  # pages per second (issue 18)


def rss_mb(pid: int | str = "self") -> float:
    with open(f"/proc/{pid}/status") as f:
        return int(f.read().split("VmRSS:")[1].split()[0]) / 1024


class RssSampler(threading.Thread):
    """Samples this process's resident memory every 0.1 s; ``peak`` is the highest seen."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            self.peak = max(self.peak, rss_mb())
            self._halt.wait(0.1)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.peak


def node_cpu_s(services) -> float:
    """CPU seconds the Elasticsearch node(s) behind the index have used so far (0 for Tantivy)."""
    client = getattr(services.index, "client", None)
    if client is None:
        return 0.0
    stats = client.nodes.stats(metric="process")["nodes"].values()
    return sum(n["process"]["cpu"]["total_in_millis"] for n in stats) / 1000


def own_cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def load(services, count: int, pages: int) -> None:
    """Document rows and `pages` page rows per record, streamed in batches."""
    engine = services.metadata.engines.write
    started = time.perf_counter()
    done = 0
    for batch in records(count):
        page_rows = []
        for row, doc in batch:
            row["page_count"] = row["pages_done"] = pages
            text = doc.pages[0]
            for number in range(1, pages + 1):
                words = text.split()
                page_rows.append(
                    dict(document_id=row["id"], number=number, source="ocr",
                         text=" ".join(words[number:] + words[:number]), confidence=90.0,
                         words=len(words), rotation=0, width_px=2480, height_px=3508)
                )  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(RecordRow), [row for row, _ in batch])
            conn.execute(insert(PageRow), page_rows)
        done += len(batch)
        if done % 100_000 == 0:
            print(f"  loaded {done:,} records ({done / (time.perf_counter() - started):,.0f}/s)")
    print(f"  loaded in {time.perf_counter() - started:.0f} s", flush=True)


@contextmanager
def elasticsearch(heap: str, engine: str):
    """The URL of the Elasticsearch to use, and the pid of its JVM if started here."""
    if engine != "elasticsearch":
        yield "", None
        return
    url = os.environ.get("ARCHIVE_ELASTICSEARCH_URL")
    if url:
        yield url, None
        return
    from tests.services import ElasticsearchServer

    with ElasticsearchServer(heap=heap) as server:
        print(f"started test Elasticsearch {server.version} (heap {heap}) at {server.url}")
        yield server.url, server.pid


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=2, help="pages per record")
    parser.add_argument("--es-heap", default="1g", help="heap of the test node, if started")
    parser.add_argument("--engine", choices=sorted(TARGETS), default="elasticsearch")
    parser.add_argument("--profile", action="store_true", help="cProfile the reindex")
    args = parser.parse_args(argv)

    data_dir = OUT / f"reindex-{args.records}x{args.pages}"
    with elasticsearch(args.es_heap, args.engine) as (url, es_pid):
        env = {k: v for k, v in os.environ.items() if k.startswith("ARCHIVE_")}
        env.update(ARCHIVE_DATA_DIR=str(data_dir), ARCHIVE_SEARCH_BACKEND=args.engine)
        if url:
            env["ARCHIVE_ELASTICSEARCH_URL"] = url
        env.setdefault("ARCHIVE_ELASTICSEARCH_INDEX", "bench-reindex")
        services = build_services(load_settings(env=env))
        services.metadata.migrate()
        if services.metadata.records.count() != args.records:
            print(f"Loading {args.records:,} records x {args.pages} pages into {data_dir} ...")
            services.close()
            for f in data_dir.glob("archive.db*"):
                f.unlink()
            services = build_services(load_settings(env=env))
            services.metadata.migrate()
            load(services, args.records, args.pages)

        total_pages = args.records * args.pages
        marks = {round(args.records * q / 4): f"{q * 25}%" for q in (1, 2, 3, 4)}
        seen = 0
        rss_at: dict[str, float] = {}

        def progress(n: int) -> None:
            nonlocal seen
            before, seen = seen, seen + n
            for at, label in marks.items():
                if before < at <= seen:
                    rss_at[label] = rss_mb()

        baseline = rss_mb()
        sampler = RssSampler()
        sampler.start()
        profiler = cProfile.Profile() if args.profile else None
        node_cpu, cpu = node_cpu_s(services), own_cpu_s()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        indexed = indexing.reindex(services, progress=progress)
        seconds = time.perf_counter() - started
        cpu, node_cpu = own_cpu_s() - cpu, node_cpu_s(services) - node_cpu
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        peak = sampler.stop()
        es_rss = f", Elasticsearch JVM {rss_mb(es_pid):,.0f} MB" if es_pid else ""
        count = services.index.count()
        services.close()

    rate = total_pages / seconds
    print(
        f"\nreindex of {indexed:,} records / {total_pages:,} pages into {args.engine}"
        f" on {os.cpu_count()} cores: {seconds:.1f} s, {rate:,.0f} pages/s"
        f" ({indexed / seconds:,.0f} records/s); index holds {count:,} records"
    )
    print(
        f"memory of this process: {baseline:,.0f} MB before, peak {peak:,.0f} MB; at "
        + ", ".join(f"{k} {v:,.0f} MB" for k, v in rss_at.items())
        + es_rss
    )
    print(
        f"CPU: this process {cpu:.1f} s ({cpu / seconds:.0%} of a core),"
        f" search node {node_cpu:.1f} s ({node_cpu / seconds:.0%} of a core),"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    target = TARGETS[args.engine]
    print(f"target >= {target:,} pages/s: {'met' if rate >= target else 'MISSED'}")
    return 0 if count == args.records else 1


if __name__ == "__main__":
    sys.exit(main())
