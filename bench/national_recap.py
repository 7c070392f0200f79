"""The recap tables of a national build, made by the archive's own ``archive recap rebuild``.

The build loads rows straight into the tables (bench/national_load.py), past the upkeep that
keeps the recap current as forms are stored, so its recap tables start empty. This step
rebuilds them from the C.Hasil tallies, timed and with this process's memory sampled (issue
18: no job above 500 MB), and records that in ``built.json`` under "recap": a build made
before this step gets it on its next run, without building its rows again.
"""

from __future__ import annotations

import json
import time

from bench.national_stacks import Stack
from bench.reindex_bench import RssSampler, rss_mb


def ensure_recap(stack: Stack, info: dict) -> dict:
    """``info`` with its "recap" entry, the rebuild run first when it has none."""
    if "recap" in info:
        return info
    from bench.national_build import services_for

    services = services_for(stack)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        before, done = done, done + n
        if before // 200_000 != done // 200_000:
            print(f"  recap rebuild: {done:,} records read, RSS {rss_mb():.0f} MB", flush=True)

    print("  recap rebuild (archive recap rebuild) ...", flush=True)
    baseline = rss_mb()
    sampler = RssSampler()
    sampler.start()
    started = time.perf_counter()
    counts = services.metadata.recap.rebuild(progress)
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    services.close()
    recap = {
        **counts,
        "seconds": round(seconds, 1),
        "rss_before_mb": round(baseline),
        "rss_peak_mb": round(peak),
    }
    print(
        f"  recap rebuild: {counts['forms']:,} forms, {counts['counted']:,} counted, in "
        f"{seconds:.0f} s; memory {baseline:.0f} MB before, peak {peak:.0f}",
        flush=True,
    )
    info = {**info, "recap": recap}
    (stack.folder / "built.json").write_text(json.dumps(info, indent=1))
    return info
