"""A legal hold on a search that matches every record: time and memory of placing it.

    python -m bench.hold_bench [--records 100000] [--word suara] [--profile]

Uses the archive reindex_bench builds (bench/out/reindex-<N>x2, embedded stack: SQLite and
Tantivy; run ``python -m bench.reindex_bench --engine tantivy --records N`` first), where
the printed form's word "suara" is on every record. Times ``holds.place`` on ``q=<word>``,
then the index catching up with the records whose retention state changed (as the
workers' sweep would), then ``holds.release`` and its catch-up. Memory is this process's
resident set sampled every 0.1 s: the peak above the baseline is the hold's own.
The bench's hold is deleted afterwards, so the archive is as it was.
Target (issue 18): seconds, not minutes, and no job over 500 MB.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time

from sqlalchemy import text

from archive_app.recordkeeping import holds
from archive_app.records import indexing
from archive_app.services import build_services
from bench.reindex_bench import OUT, RssSampler, rss_mb
from config.settings import load_settings


def _timed(label: str, call, profile: bool):
    profiler = cProfile.Profile() if profile else None
    sampler = RssSampler()
    baseline = rss_mb()
    sampler.start()
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    result = call()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    print(f"{label}: {seconds:.1f} s, memory {baseline:,.0f} MB before, peak {peak:,.0f} MB"
          f" (+{peak - baseline:,.0f})", flush=True)  # fmt: skip
    if profiler:
        pstats.Stats(profiler).sort_stats("cumtime").print_stats(20)
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--word", default="suara")
    parser.add_argument("--profile", action="store_true", help="cProfile placing the hold")
    args = parser.parse_args(argv)
    data_dir = OUT / f"reindex-{args.records}x2"
    env = {"ARCHIVE_DATA_DIR": str(data_dir), "ARCHIVE_SEARCH_BACKEND": "tantivy"}
    services = build_services(load_settings(env=env))
    print(f"{services.index.count():,} records indexed in {data_dir}")

    hold_id = _timed(
        f"place a hold on q={args.word}",
        lambda: holds.place(
            services, reason="bench", case_ref="BENCH/1", query={"q": args.word}, actor="bench"
        ),  # fmt: skip
        args.profile,
    )
    print(f"  the hold names {services.metadata.holds.get(hold_id).records:,} records")
    _timed("  index catch-up after placing", lambda: indexing.catch_up(services), False)
    _timed("release it", lambda: holds.release(services, hold_id, "bench done", "bench"), False)
    _timed("  index catch-up after releasing", lambda: indexing.catch_up(services), False)
    with services.metadata.engines.write.begin() as conn:
        conn.execute(text("DELETE FROM hold_records WHERE hold_id = :h"), {"h": hold_id})
        conn.execute(text("DELETE FROM holds WHERE id = :h"), {"h": hold_id})
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
