"""The recapitulation check at national scale: 820,000 TPS of one election.

    python -m bench.recap_bench [--backend sqlite|postgresql] [--tps 820000] [--queries 30]
                                [--keep DIR]  (build once, time again later)

Builds a synthetic nation (38 provinces, ~514 regencies, ~7,300 districts, ~83,000
villages, ``--tps`` polling stations) and archives, for one election (PPWP 2024):
- a C.Hasil per TPS with its tally (3 paslon, the totals, the voters who came; 1 number in
  100 read unsurely, 2 in 100 read once), 1 % of TPS missing, 0.1 % of forms naming a TPS
  not on the list, 0.5 % with a second copy (a witness's C.Hasil Salinan);
- a D.Hasil Kecamatan per district (a column per village) and a D.Hasil Kabupaten/Kota per
  regency (a column per district), 0.3 % of their columns off by a few votes;
- the TPS master list (every TPS, with its DPT), imported by ``archive tps import``'s store
  call; published figures: the recapitulation per region and the count per TPS for
  ``--published-share`` of TPS, 2 % of them off.

The forms are written as records (the ``documents`` table, tallies as the reader stores
them) in bulk, and the recap tables built by the same ``rebuild`` as ``archive recap
rebuild``; the master list and published figures through their repositories. Then it
times, through the API (``GET /api/v1/recap``, JSON included, audited as in production):
the nation, every province, and random districts (p50 / p95 / max), and one corrected form
(a review moving a C.Hasil to another TPS: ``readings.confirm``, the metadata, the sums of
both places and their differences in one transaction), with the process's memory.

Targets: nation <= 1 s, province <= 300 ms, district <= 50 ms (p95); a corrected form's
sums <= 50 ms; memory flat. ``--backend postgresql`` starts the PostgreSQL test server of
tests/services (fsync off) for the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import datetime
from pathlib import Path

from sqlalchemy import insert

PROVINCES = (
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "21",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "51",
    "52",
    "53",
    "61",
    "62",
    "63",
    "64",
    "65",
    "71",
    "72",
    "73",
    "74",
    "75",
    "76",
    "81",
    "82",
    "91",
    "92",
    "93",
    "94",
    "95",
    "96",
)
REGENCIES, DISTRICTS = 514, 7277
CANDIDATES = 3
NOW = datetime(2024, 2, 20)


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def spread(total: int, parents: int, rng: random.Random) -> list[int]:
    """``total`` children over ``parents``, each at least one, unevenly as places are."""
    counts = [1] * parents
    weights = [rng.uniform(0.4, 1.6) for _ in range(parents)]
    for at in rng.choices(range(parents), weights, k=total - parents):
        counts[at] += 1
    return counts


def geography(tps: int, rng: random.Random):
    """(village code, TPS count) in code order, with the region tree above them."""
    villages = max(tps * 83_000 // 820_000, DISTRICTS)
    regencies = spread(REGENCIES, len(PROVINCES), rng)
    districts = spread(DISTRICTS, REGENCIES, rng)
    in_village = spread(tps, villages, rng)
    per_district = spread(villages, DISTRICTS, rng)
    r = d = v = 0
    for p, province in enumerate(PROVINCES):
        for reg in range(regencies[p]):
            regency = f"{province}{reg + 1:02d}"
            for dis in range(districts[r]):
                district = f"{regency}{dis + 1:02d}"
                for vil in range(per_district[d]):
                    yield f"{district}{2001 + vil:04d}", in_village[v]
                    v += 1
                d += 1
            r += 1


def tally_json(votes: list[int], invalid: int, users: int, rng: random.Random, page=1) -> dict:
    numbers = []
    for at, value in enumerate(votes, 1):
        numbers.append(_n(f"row{at}", "candidate", f"PASLON {at}", value, rng, 0.30 + at / 30))
    valid = sum(votes)
    for key, value, y in (
        ("valid", valid, 0.5),
        ("invalid", invalid, 0.53),
        ("ballots_used", valid + invalid, 0.56),
        ("users.total.JML", users, 0.2),
    ):
        numbers.append(_n(key, key.split(".")[0], key, value, rng, y))
    return {
        "rows": [n for n in numbers if n["kind"] == "candidate"],
        "valid": valid,
        "invalid": invalid,
        "ballots_used": valid + invalid,
        "consistent": True,
        "numbers": numbers,
    }


def _n(key, kind, label, value, rng, y) -> dict:
    roll = rng.random()
    status = "unsure" if roll < 0.01 else "read" if roll < 0.03 else "confirmed"
    return {
        "key": key,
        "kind": kind,
        "label": label,
        "votes": value,
        "status": status,
        "page": 1,
        "box": [0.62, round(y, 3), 0.72, round(y + 0.02, 3)],
    }


def record_row(election, form_type, code, tps, tally, rng) -> dict:
    region = ".".join(p for p in (code[:2], code[2:4], code[4:6], code[6:10]) if p)
    return {
        "id": uuid.UUID(int=rng.getrandbits(128)).hex,
        "sha256": uuid.uuid4().hex * 2,
        "status": "ready",
        "index_state": "indexed",
        "election": election,
        "form_type": form_type,
        "year": 2024,
        "province": f"Provinsi {code[:2]}",
        "regency": f"Kab {code[:4]}",
        "district": f"Kec {code[:6]}",
        "village": f"Desa {code[:10]}" if len(code) >= 10 else "-",
        "tps": tps,
        "region_code": region,
        "title": "",
        "notes": "",
        "kind": "png",
        "original_name": "",
        "size": 1,
        "page_count": 1,
        "pages_done": 1,
        "error": "",
        "attempts": 1,
        "lease_owner": "",
        "created_at": NOW,
        "created_by": "bench",
        "updated_at": NOW,
        "final_state": "",
        "uploader_metadata": "{}",
        "extracted": "{}",
        "needs_review": False,
        "review_reasons": "[]",
        "tally": json.dumps(tally, separators=(",", ":")),
        "tally_consistent": True,
        "tally_low_confidence": False,
        "page_hash": "",
        "page_print": "",
    }


class Build:
    """The synthetic nation written into the archive, with what was printed where."""

    def __init__(self, services, tps: int, seed: int, published_share: float):
        self.services, self.rng = services, random.Random(seed)
        self.tps, self.published_share = tps, published_share
        self.stations: list = []
        self.rekap: dict[tuple[str, str], tuple[int, str]] = {}
        self.hitung: dict[tuple[str, str], tuple[int, str]] = {}
        self.pending: list[dict] = []
        self.written = 0

    def run(self) -> dict:
        from archive_app.domain.recap_types import Station

        rng = self.rng
        by_region: dict[str, list[int]] = defaultdict(lambda: [0] * (CANDIDATES + 2))
        district_cols: dict[str, dict[str, list[int]]] = defaultdict(dict)
        current = ("", "")
        for village, count in geography(self.tps, rng):
            district, regency = village[:6], village[:4]
            if current[0] and current[0] != district:
                self._district(current[0], district_cols.pop(current[0], {}), by_region)
            if current[1] and current[1] != regency:
                self._regency(current[1], by_region)
            current = (district, regency)
            sums = [0] * (CANDIDATES + 2)
            for number in range(1, count + 1):
                code = f"{village}{number:03d}"
                dpt = rng.randint(150, 300)
                self.stations.append(Station(code, dpt))
                if rng.random() < 0.01:
                    continue  # missing: no form archived
                users = int(dpt * rng.uniform(0.65, 0.9))
                invalid = rng.randint(0, max(1, users // 40))
                votes = _split(users - invalid, CANDIDATES, rng)
                tps = number if rng.random() >= 0.001 else 500 + number  # not on the list
                tally = tally_json(votes, invalid, users, rng)
                self._add(record_row("PPWP", "C.HASIL", village, tps, tally, rng))
                if rng.random() < 0.005:
                    copy = tally_json(votes, invalid, users, rng)
                    self._add(record_row("PPWP", "C.HASIL.SALINAN", village, tps, copy, rng))
                if tps == number:
                    for at, value in enumerate([*votes, sum(votes), invalid]):
                        sums[at] += value
                    if rng.random() < self.published_share:
                        self._published(self.hitung, code, votes, invalid, 0.02)
            district_cols[district][village] = sums
        self._district(current[0], district_cols.pop(current[0], {}), by_region)
        self._regency(current[1], by_region)
        for code, sums in by_region.items():
            if len(code) == 2:
                self._published(self.rekap, code, sums[:CANDIDATES], sums[-1], 0.0)
        self._flush()
        return {"records": self.written, "stations": len(self.stations)}

    def _district(self, district: str, columns: dict[str, list[int]], by_region) -> None:
        if not columns:
            return
        own = [sum(c[i] for c in columns.values()) for i in range(CANDIDATES + 2)]
        printed = {v: list(s) for v, s in columns.items()}
        for values in printed.values():
            if self.rng.random() < 0.003:
                values[0] += self.rng.choice((-12, -3, 4, 25))
        numbers = []
        for column, values in [*printed.items(), ("", own)]:
            numbers += _recap_numbers(values, column, self.rng)
        self._add(
            record_row(
                "PPWP",
                "D.HASIL.KECAMATAN",
                district,
                1,
                {"rows": [], "numbers": numbers, "consistent": True},
                self.rng,
            )
        )
        for code in (district, district[:4], district[:2]):
            for at, value in enumerate(own):
                by_region[code][at] += value
        self._published(self.rekap, district, own[:CANDIDATES], own[-1], 0.005)

    def _regency(self, regency: str, by_region) -> None:
        districts = sorted(c for c in by_region if len(c) == 6 and c.startswith(regency))
        if not districts:
            return
        numbers = []
        for code in districts:
            values = list(by_region[code])
            if self.rng.random() < 0.003:
                values[1] += self.rng.choice((-40, 9, 120))
            numbers += _recap_numbers(values, code, self.rng)
        numbers += _recap_numbers(by_region[regency], "", self.rng)
        self._add(
            record_row(
                "PPWP",
                "D.HASIL.KABKOTA",
                regency,
                1,
                {"rows": [], "numbers": numbers, "consistent": True},
                self.rng,
            )
        )
        total = by_region[regency]
        self._published(self.rekap, regency, total[:CANDIDATES], total[-1], 0.0)
        for code in districts:
            del by_region[code]

    def _published(self, target, code, votes, invalid, share) -> None:
        for at, value in enumerate(votes, 1):
            if self.rng.random() < share:
                value += self.rng.choice((-5, 3, 600))
            target[(code, str(at))] = (max(value, 0), "2024-02-15 10:00:00")
        target[(code, "invalid")] = (invalid, "2024-02-15 10:00:00")

    def _add(self, row: dict) -> None:
        self.pending.append(row)
        if len(self.pending) >= 5000:
            self._flush()

    def _flush(self) -> None:
        from archive_app.db.models import RecordRow

        if not self.pending:
            return
        with self.services.metadata.records._s.write() as s:
            s.execute(insert(RecordRow), self.pending)
        self.written += len(self.pending)
        self.pending = []
        print(f"\r  records written: {self.written:,}", end="", file=sys.stderr)


def _recap_numbers(values: list[int], column: str, rng) -> list[dict]:
    suffix = f"@{column}" if column else ""
    out = []
    for at, value in enumerate(values[:CANDIDATES], 1):
        out.append(_n(f"row{at}{suffix}", "candidate", f"PASLON {at}", value, rng, 0.3))
    out.append(_n(f"valid{suffix}", "valid", "valid", values[CANDIDATES], rng, 0.5))
    out.append(_n(f"invalid{suffix}", "invalid", "invalid", values[CANDIDATES + 1], rng, 0.52))
    return out


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def timed(fn, cpu: list[float] | None = None) -> float:
    """Wall-clock seconds of ``fn``; its CPU seconds (this process) appended to ``cpu``.
    On a shared machine the two part ways: CPU time is what the request costs, wall time
    adds the wait for a core (SQLite runs in-process, so its work is counted; a PostgreSQL
    server's is not)."""
    started, used = time.perf_counter(), time.process_time()
    fn()
    if cpu is not None:
        cpu.append(time.process_time() - used)
    return time.perf_counter() - started


def p95(seconds: list[float]) -> float:
    return sorted(seconds)[max(0, int(round(0.95 * len(seconds))) - 1)]


def stats(
    name: str, seconds: list[float], target: float | None = None, cpu: list[float] | None = None
) -> str:
    worst = p95(seconds)
    verdict = "" if target is None else (" met" if worst <= target else " MISSED")
    line = (
        f"{name:34} n={len(seconds):4}  p50 {statistics.median(seconds) * 1000:7.1f} ms  "
        f"p95 {worst * 1000:7.1f} ms  max {max(seconds) * 1000:7.1f} ms"
        + (f"  (target {target * 1000:.0f} ms:{verdict})" if target else "")
    )
    if cpu:
        line += f"\n{'':34} CPU of this process: p50 {statistics.median(cpu) * 1000:7.1f} ms  "
        line += f"p95 {p95(cpu) * 1000:7.1f} ms"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--tps", type=int, default=820_000)
    parser.add_argument("--queries", type=int, default=30, help="timed requests per level")
    parser.add_argument("--corrections", type=int, default=200)
    parser.add_argument("--published-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--keep",
        metavar="DIR",
        help="build the nation into DIR and keep it; a later run with the same DIR times "
        "the built nation again instead of building it (an hour's build at 820,000 TPS on "
        "a shared machine is paid once, not per change measured; PostgreSQL keeps its "
        "cluster in DIR/pg and starts it again)",
    )
    args = parser.parse_args(argv)
    if args.keep:
        Path(args.keep).mkdir(parents=True, exist_ok=True)
        return timed_in(args, Path(args.keep))
    with tempfile.TemporaryDirectory(prefix="recap-bench-", dir="/tmp") as tmp:
        return timed_in(args, Path(tmp))


def timed_in(args, tmp: Path) -> int:
    """``run`` in ``tmp``, with a PostgreSQL cluster in ``tmp/pg`` for that backend: a kept
    directory's cluster is started again on its data (initdb only the first time)."""
    os.chmod(tmp, 0o755)  # the PostgreSQL server runs as its own user under root
    server = None
    extra = {}
    if args.backend == "postgresql":
        from tests.services import PostgresServer

        server = PostgresServer(base_dir=tmp / "pg").start()
        extra = {"database_url": server.url}
    try:
        return run(args, tmp, extra)
    finally:
        if server is not None:
            server.close()


def run(args, tmp: Path, extra: dict) -> int:
    from archive_app import accounts, create_app
    from archive_app.domain.roles import Role
    from archive_app.services import build_services
    from tests.conftest import make_settings

    settings = make_settings(tmp / "data", **extra)
    services = build_services(settings)
    services.metadata.migrate()
    built = tmp / "built.json"
    if built.exists():
        print(f"backend {args.backend}, reusing the nation built in {tmp}: {built.read_text()}")
    else:
        print(f"backend {args.backend}, {args.tps:,} TPS, seed {args.seed}")
        _build(args, services, settings)
        built.write_text(json.dumps({"tps": args.tps, "seed": args.seed}))
    user = f"auditor-{uuid.uuid4().hex[:8]}"  # one per run: a kept nation is timed again
    accounts.create_user(services, user, "a long password", Role.AUDITOR, "bench")
    token = accounts.create_token(services, user, "bench", "bench")
    app = create_app(settings, services)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(args.seed + 1)
    repo = services.metadata.recap
    provinces = repo.children("PPWP", 2024, "")
    districts = [
        d
        for p in rng.sample(provinces, 8)
        for r in repo.children("PPWP", 2024, p)
        for d in repo.children("PPWP", 2024, r)
    ]
    asked = {
        "nation": [""] * max(5, args.queries // 3),
        "province": provinces,
        "district": rng.sample(districts, min(args.queries * 3, len(districts))),
    }
    memory = [rss_mb()]

    def ask(code: str) -> None:
        params = {"election": "PPWP", "year": 2024}
        for level, width in (("province", 2), ("regency", 4), ("district", 6)):
            if len(code) >= width:
                params[level] = code[:width]
        response = client.get("/api/v1/recap", query_string=params, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]

    ask("")  # warm: the first request builds Jinja, url maps, pools
    print("load average before the timed requests:", *(f"{v:.1f}" for v in os.getloadavg()))
    results: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for level, codes in asked.items():
        cpu[level] = []
        results[level] = [timed(lambda c=code: ask(c), cpu[level]) for code in codes]
        memory.append(rss_mb())
    body = client.get("/api/v1/recap?election=PPWP&year=2024", headers=headers).get_json()
    print(
        f"nation: coverage {body['coverage']}, {len(body['differences'])} differences listed, "
        f"{len(body['missing_tps'])} missing TPS named"
    )
    print(stats("GET /api/v1/recap nation", results["nation"], 1.0, cpu["nation"]))
    print(stats("GET /api/v1/recap province", results["province"], 0.3, cpu["province"]))
    print(stats("GET /api/v1/recap district", results["district"], 0.05, cpu["district"]))
    counted = [
        f
        for d in rng.sample(districts, 40)
        for v in repo.children("PPWP", 2024, d)[:2]
        for f in repo.forms("PPWP", 2024, v, limit=3)
        if f.counted and f.level == "tps"
    ]
    corrections: list[float] = []
    fixed: list[float] = []
    for form in counted[: args.corrections]:
        record = services.metadata.records.get(form.record_id)
        moved = record.metadata.__class__(
            **{**vars(record.metadata), "tps": 700 + rng.randint(0, 200)}
        )
        corrections.append(
            timed(lambda r=record, m=moved: services.metadata.readings.confirm(r.id, m), fixed)
        )
    memory.append(rss_mb())
    print("load average after the corrections:", *(f"{v:.1f}" for v in os.getloadavg()))
    print(stats("corrected form: sums and differences", corrections, 0.05, fixed))
    print(
        f"memory (RSS MB): before queries {memory[0]:.0f}, after nation {memory[1]:.0f}, "
        f"provinces {memory[2]:.0f}, districts {memory[3]:.0f}, corrections {memory[4]:.0f}; "
        f"peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
    )
    services.close()
    return 0


def _build(args, services, settings) -> None:
    from archive_app.domain.recap_types import PublishedBatch, poll_of

    build = Build(services, args.tps, args.seed, args.published_share)
    seconds = timed(lambda b=build: print("", b.run(), file=sys.stderr))
    print(f"records written in bulk: {build.written:,} in {seconds:.0f} s")
    poll = poll_of("PPWP", 2024, settings.vocabulary)
    listed = list(build.stations)
    seconds = timed(lambda a=listed: services.metadata.tps.import_list(poll, a))
    print(
        f"master list imported (import_list, {len(listed):,} stations, coverage and "
        f"differences made again): {seconds:.0f} s"
    )
    del listed, build.stations
    seconds = timed(lambda: services.metadata.recap.rebuild())
    print(
        f"recap rebuilt from the records (archive recap rebuild): {seconds:.0f} s, "
        f"RSS {rss_mb():.0f} MB"
    )
    for series, figures in (("rekap", build.rekap), ("hitung", build.hitung)):
        batch = PublishedBatch(series, "PPWP", 2024, "bench", series, figures)
        seconds = timed(lambda b=batch: services.metadata.published.import_batch(b, "bench"))
        print(f"published {series}: {len(figures):,} figures imported in {seconds:.0f} s")
    del build
    if services.metadata.engines.write.dialect.name == "postgresql":
        # A running server's autovacuum analyses freshly loaded tables within a minute or
        # so; the requests below start seconds after the load. Without statistics the
        # planner read the published figures of a district by election and year alone
        # (33,000 rows filtered, EXPLAIN ANALYZE at 10,000 TPS). Timed as part of the build.
        seconds = timed(lambda: _analyze(services))
        print(f"ANALYZE after the load (what autovacuum would do): {seconds:.0f} s")


def _analyze(services) -> None:
    with services.metadata.engines.write.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


if __name__ == "__main__":
    sys.exit(main())
