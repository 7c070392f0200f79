"""A deep ``?page=N`` of the document list: OFFSET as before, against the keyset seek now.

    python -m bench.list_pages_bench [--records 100000] [--runs 10]

Uses the archive reindex_bench builds (bench/out/reindex-<N>x2; run ``python -m
bench.reindex_bench --engine tantivy --records N`` first). For the list of every visible
record and the "ready" tab, at a middle and at the last page (51 rows, as the page asks),
times ``records.list(offset=...)`` (the code behind the web list and the records API)
and the statement the archive ran before (SELECT ... ORDER BY ... LIMIT 51 OFFSET k),
p50 and p95 of ``--runs`` runs each, in ms. Target (issue 18): p95 <= 300 ms for every page.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from sqlalchemy import select

from archive_app.db.models import RecordRow
from archive_app.db.record_rows import LIGHT
from archive_app.db.records import status_filter
from archive_app.domain.records import Status
from archive_app.services import build_services
from bench.reindex_bench import OUT
from config.settings import load_settings


def _offset_before(services, status: str | None, offset: int) -> list:
    where = status_filter(status) if status else (RecordRow.status != Status.UPLOADING.value,)
    query = (
        select(RecordRow).where(*where)
        .order_by(RecordRow.created_at.desc(), RecordRow.id.desc())
        .options(*LIGHT).limit(51).offset(offset)
    )  # fmt: skip
    with services.metadata.engines.read.connect() as conn:
        return list(conn.execute(query))


def times(call, runs: int) -> tuple[float, float]:
    took = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        took.append((time.perf_counter() - started) * 1000)
    took.sort()
    return statistics.median(took), took[min(len(took) - 1, round(0.95 * (len(took) - 1)))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    env = {"ARCHIVE_DATA_DIR": str(OUT / f"reindex-{args.records}x2")}
    services = build_services(load_settings(env=env))
    records = services.metadata.records
    print("| list, page (50 a page) | before: OFFSET p50 / p95 | after: seek p50 / p95 |")
    print("|---|---|---|")
    for status in (None, "ready"):
        total = records.count(status=status)
        for page in (total // 100, (total - 1) // 50 + 1):
            offset = (page - 1) * 50
            same = [r.id for r in records.list(status=status, limit=51, offset=offset)]
            assert same == [r.id for r in _offset_before(services, status, offset)]
            b50, b95 = times(lambda s=status, o=offset: _offset_before(services, s, o), args.runs)
            a50, a95 = times(
                lambda s=status, o=offset: records.list(status=s, limit=51, offset=o), args.runs
            )
            print(f"| {status or 'all'}, page {page:,} | {b50:,.1f} / {b95:,.1f}"
                  f" | {a50:,.1f} / {a95:,.1f} |", flush=True)  # fmt: skip
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
