"""The recap rebuild alone, on a nation kept by ``bench.recap_bench --keep DIR``: its time,
its peak memory, and a digest of the five tables it makes.

    python -m bench.recap_rebuild_bench DIR [--backend sqlite|postgresql]

Apart from the recap bench because that one's build holds the whole master list in memory
while it rebuilds, so its peak says little about the rebuild's own; here the process does
nothing else, and its resident memory is sampled every 0.2 s. The digest (SHA-256 of every
row of each table in key order) is what two versions of the rebuild are compared by: the
same records must make the same tables.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

from sqlalchemy import select


def table_digests(services) -> dict[str, str]:
    from archive_app.db.models import (
        DifferenceRow,
        DifferenceTotalRow,
        RecapFormRow,
        RecapSumRow,
        RecapValueRow,
    )

    out = {}
    with services.metadata.engines.read.connect() as conn:
        for model in (RecapFormRow, RecapValueRow, RecapSumRow, DifferenceRow, DifferenceTotalRow):
            table = model.__table__
            digest, rows = hashlib.sha256(), 0
            query = select(table).order_by(*table.primary_key.columns)
            for row in conn.execution_options(stream_results=True, yield_per=5000).execute(query):
                digest.update(repr(tuple(row)).encode())
                rows += 1
            out[table.name] = f"{rows} rows {digest.hexdigest()[:16]}"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args(argv)
    server, extra = None, {}
    if args.backend == "postgresql":
        from tests.services import PostgresServer

        server = PostgresServer(base_dir=args.dir / "pg").start()
        extra = {"database_url": server.url}
    try:
        return run(args.dir, extra)
    finally:
        if server is not None:
            server.close()


def run(folder: Path, extra: dict) -> int:
    from archive_app.services import build_services
    from bench.national_measure import PeakRss, rss_mb
    from tests.conftest import make_settings

    services = build_services(make_settings(folder / "data", **extra))
    services.metadata.migrate()
    before = rss_mb(os.getpid())
    sampler = PeakRss(os.getpid())
    sampler.start()
    started = time.perf_counter()
    counts = services.metadata.recap.rebuild()
    seconds = time.perf_counter() - started
    peak = sampler.stop()[os.getpid()]
    print(f"{folder}: rebuild {counts} in {seconds:.1f} s", end=", ")
    print(f"RSS before {before:.0f} MB, peak {peak:.0f} MB")
    for name, digest in table_digests(services).items():
        print(f"  {name:26} {digest}")
    services.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
