"""`archive reindex` throughput into Elasticsearch: pages per second and memory.

    python -m bench.reindex_bench [--records 100000] [--pages 2] [--es-heap 1g]

Loads N synthetic records with their pages into a metadata database (bench/out/, reused by
later runs), then times `archive_app.records.indexing.reindex` (the code behind `archive reindex`)
into Elasticsearch: database read in batches, bulk requests in parallel, alias swap.
Reports pages/s and this process's resident memory, sampled while it runs, at each
quarter of the way: it must stay flat whatever N is.
Target: >= 2,000 pages/s.

Elasticsearch: $ARCHIVE_ELASTICSEARCH_URL if set, otherwise the test node of
tests/services (scripts/install-test-services.sh), started for the run and stopped after.
"""

from __future__ import annotations

import argparse
import os
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
TARGET = 2_000  # pages per second


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
def elasticsearch(heap: str):
    """The URL of the Elasticsearch to use, and the pid of its JVM if started here."""
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
    args = parser.parse_args(argv)

    data_dir = OUT / f"reindex-{args.records}x{args.pages}"
    with elasticsearch(args.es_heap) as (url, es_pid):
        env = {k: v for k, v in os.environ.items() if k.startswith("ARCHIVE_")}
        env.update(ARCHIVE_DATA_DIR=str(data_dir), ARCHIVE_SEARCH_BACKEND="elasticsearch",
                   ARCHIVE_ELASTICSEARCH_URL=url)  # fmt: skip
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
        started = time.perf_counter()
        indexed = indexing.reindex(services, progress=progress)
        seconds = time.perf_counter() - started
        peak = sampler.stop()
        es_rss = f", Elasticsearch JVM {rss_mb(es_pid):,.0f} MB" if es_pid else ""
        count = services.index.count()
        services.close()

    rate = total_pages / seconds
    print(
        f"\nreindex of {indexed:,} records / {total_pages:,} pages into Elasticsearch"
        f" on {os.cpu_count()} cores: {seconds:.1f} s, {rate:,.0f} pages/s"
        f" ({indexed / seconds:,.0f} records/s); index holds {count:,} records"
    )
    print(
        f"memory of this process: {baseline:,.0f} MB before, peak {peak:,.0f} MB; at "
        + ", ".join(f"{k} {v:,.0f} MB" for k, v in rss_at.items())
        + es_rss
    )
    print(f"target >= {TARGET:,} pages/s: {'met' if rate >= TARGET else 'MISSED'}")
    return 0 if count == args.records else 1


if __name__ == "__main__":
    sys.exit(main())
