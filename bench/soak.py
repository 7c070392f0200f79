"""A fault campaign under load: uploads and searches while every process is killed in turn.

    python -m bench.soak [--backend embedded|scaleout] [--minutes 5] [--uploaders 2]
                         [--searchers 2] [--workers 2] [--rounds 1] [--seed 1]
    python -m bench.soak --disk-full            (bench/soak_diskfull.py)

On demand, not in `make test`. A fresh archive runs as real processes: `archive serve`
(gunicorn) and `archive worker --workers N`, on the embedded backends or on the test
servers of tests/services (MinIO, PostgreSQL, Elasticsearch, Redis with its append-only
file, as the compose file runs it). N uploaders send unique scans through the API and M
searchers search and poll records, for T minutes. Meanwhile, at random moments, each of the
web server, the task workers and (scale-out) Redis, PostgreSQL, MinIO and Elasticsearch is
killed with SIGKILL, left down a few seconds and started again, ``--rounds`` times each.

After each fault it prints the recovery time: from the restart until /healthz answers 200
(the web server and the backends), or until a record is finished again (the workers).
At the end, once the uploads stop and the work drains, it checks and prints:
- every upload answered 202 is ready, or failed with an error;
- every stored object's SHA-256 matches (`archive verify`), no half-written upload is left
  (after the sweep's hour), and the audit chain verifies against a fresh checkpoint;
- no answer was a 5xx other than a 503 during an outage (from the kill until 5 s after
  the recovery);
and the answers counted by kind and status. Exit status 0 only when every check holds.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path

from bench import soak_support as s

GRACE = 5.0  # seconds after a recovery during which a 503 still counts as the outage's
PAUSES = {"upload": (4.0, 8.0), "search": (0.3, 1.0)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="embedded", choices=["embedded", "scaleout"])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--uploaders", type=int, default=2)
    parser.add_argument("--searchers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=1, help="Faults per component.")
    parser.add_argument("--drain", type=float, default=15.0, help="Minutes to finish the work.")
    parser.add_argument("--readers", default="", help="ARCHIVE_PAGE_READERS (default: OCR only)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--disk-full", action="store_true", help="The disk-full run instead.")
    parser.add_argument("--disk-mb", type=int, default=96, help="Size of the disk-full run's disk.")
    args = parser.parse_args(argv)
    if args.disk_full:
        from bench import soak_diskfull

        return soak_diskfull.run(args)
    random.seed(args.seed)
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, ExitStack() as stack:
        return Soak(args, Path(tmp), stack).run()


class Soak:
    def __init__(self, args, root: Path, stack: ExitStack):
        self.args, self.root, self.stack = args, root, stack
        self.servers: dict = {}
        self.log = s.Log()
        self.faults: list[dict] = []

    def run(self) -> int:
        env = self._archive_env()
        self.services, tokens = prepare(env)
        self.stack.callback(self.services.close)
        self.web = self.stack.enter_context(s.web(env, self.root / "web"))
        workers = s.task_workers(env, self.root / "workers", self.args.workers)
        self.workers = self.stack.enter_context(workers)
        scans = s.Scans(self.root)
        base = f"http://127.0.0.1:{self.web.port}"
        stop = threading.Event()
        threads = []
        for _ in range(self.args.uploaders):
            client = s.Client(base, tokens["archivist"], self.log)
            threads.append(lambda c=client: s.loop(stop, PAUSES["upload"], lambda: c.upload(scans)))
        for _ in range(self.args.searchers):
            client = s.Client(base, tokens["auditor"], self.log)
            step = lambda c=client: c.search(self.log.accepted)  # noqa: E731
            threads.append(lambda st=step: s.loop(stop, PAUSES["search"], st))
        running = [threading.Thread(target=t, daemon=True) for t in threads]
        for thread in running:
            thread.start()
        print(
            f"soak on {self.args.backend}: {self.args.uploaders} uploaders, "
            f"{self.args.searchers} searchers, {self.args.workers} worker processes, "
            f"{self.args.minutes:g} min; faults: {', '.join(self.components())}",
            flush=True,
        )
        started = time.time()
        try:
            self._faults(started)  # in this thread: servers die with the thread that starts them
            time.sleep(max(0.0, started + self.args.minutes * 60 - time.time()))
        finally:
            stop.set()
            for thread in running:
                thread.join(120)
        return self._finish(started)

    def components(self) -> list[str]:
        names = ["web", "workers"]
        if self.args.backend == "scaleout":
            names += ["redis", "postgres", "minio", "elasticsearch"]
        return names

    def _archive_env(self) -> dict[str, str]:
        env = {
            "ARCHIVE_DATA_DIR": str(self.root / "data"),
            "ARCHIVE_PAGE_READERS": self.args.readers,
            "ARCHIVE_LOG_LEVEL": "WARNING",
        }
        if self.args.backend == "embedded":
            return env
        from tests.services import ElasticsearchServer, MinioServer, PostgresServer, RedisServer

        for name, cls, kwargs in (
            ("postgres", PostgresServer, {}),
            ("redis", RedisServer, {"appendonly": True}),
            ("minio", MinioServer, {}),
            ("elasticsearch", ElasticsearchServer, {}),
        ):
            self.servers[name] = self.stack.enter_context(cls(**kwargs))
            env.update(self.servers[name].settings_env())
        env["ARCHIVE_S3_BUCKET"] = "soak"
        return env

    def _target(self, name: str):
        return {"web": self.web, "workers": self.workers}.get(name) or self.servers[name]

    def _faults(self, started: float) -> None:
        plan = [c for _ in range(self.args.rounds) for c in self.components()]
        random.shuffle(plan)
        span = self.args.minutes * 60
        slot = (span - 30) / max(len(plan), 1)
        for n, name in enumerate(plan):
            due = started + 30 + n * slot + random.uniform(0, slot / 3)
            time.sleep(max(0.0, due - time.time()))
            self.faults.append(self._fault(name, time.time() - started))

    def _fault(self, name: str, at: float) -> dict:
        target = self._target(name)
        finished = self.services.metadata.records.count(status="ready") if name == "workers" else 0
        killed = time.time()
        target.kill()
        time.sleep(random.uniform(2, 8))
        target.start()
        restarted = time.time()
        recovered = self._recovered(name, finished, restarted + 300)
        fault = {
            "component": name,
            "at": at,
            "down": restarted - killed,
            "killed": killed,
            "recovered": recovered,
            "after": (recovered or restarted) - restarted,
        }
        what = "record finished" if name == "workers" else "/healthz 200"
        result = f"{fault['after']:.1f} s ({what})" if recovered else "NOT RECOVERED in 300 s"
        print(
            f"fault {len(self.faults) + 1}: {name} killed at {at:.0f} s, down "
            f"{fault['down']:.1f} s, recovered {result}",
            flush=True,
        )
        return fault

    def _recovered(self, name: str, finished: int, deadline: float) -> float | None:
        while time.time() < deadline:
            try:
                if name == "workers":
                    if self.services.metadata.records.count(status="ready") > finished:
                        return time.time()
                elif s.http_status(f"http://127.0.0.1:{self.web.port}/healthz") == 200:
                    return time.time()
            except Exception:  # the database may be the one coming back
                pass
            time.sleep(0.25)
        return None

    def _finish(self, started: float) -> int:
        drained = drain(self.services, self.log.accepted, self.args.drain * 60)
        windows = [
            (f["killed"], (f["recovered"] or f["killed"] + 300) + GRACE) for f in self.faults
        ]
        results = check(self.services, self.log, windows)
        report(self.faults, self.log, windows, results, time.time() - started, drained)
        stray(self.faults, self.log, windows, started)
        return 0 if all(results["ok"].values()) else 1


def prepare(env: dict[str, str]):
    """The archive set up as `archive init` would, with an archivist and an auditor."""
    from archive_app import accounts
    from archive_app.commands.run import ensure_ready
    from archive_app.services import build_services
    from config.settings import load_settings

    services = build_services(load_settings(env=env))
    ensure_ready(services)
    tokens = {}
    for role in ("archivist", "auditor"):
        accounts.create_user(services, f"soak-{role}", "a soak password", role, "soak")
        tokens[role] = accounts.create_token(services, f"soak-{role}", "soak", "soak")
    return services, tokens


def drain(services, accepted: list[str], seconds: float) -> float:
    """Seconds until every accepted record is ready or failed and every ready record has its
    PDF/A copy (made by a task of its own after the record is ready), or the deadline."""
    started = time.time()
    while time.time() < started + seconds:
        try:
            found = services.metadata.records.by_ids(accepted)
            busy = sum(
                services.metadata.records.count(status=st) for st in ("queued", "processing")
            )
            settled = all(r.status.value in ("ready", "failed") for r in found.values())
            if not busy and settled and not without_copy(services, 1):
                return time.time() - started
        except Exception:
            pass
        time.sleep(2)
    return time.time() - started


def check(services, log: s.Log, windows) -> dict:
    from archive_app.audit import checkpoints
    from archive_app.domain.clock import utcnow
    from archive_app.operations import sweeping
    from archive_app.recordkeeping import fixity

    found = services.metadata.records.by_ids(log.accepted)
    states: dict[str, int] = {}
    for record_id in log.accepted:
        record = found.get(record_id)
        state = record.status.value if record else "missing"
        if state == "failed" and not record.error:
            state = "failed without an error"
        states[state] = states.get(state, 0) + 1
    everything = {
        st: services.metadata.records.count(status=st)
        for st in ("queued", "processing", "ready", "failed")
    }
    sweeping.sweep(services, now=utcnow() + timedelta(days=1, hours=1))  # as a day later
    leftovers = half_written(services) + [f"reservation {i}" for i in reservations(services)]
    fixed = fixity.verify(services, actor="soak")
    checkpoints.write_checkpoint(services)
    trail = checkpoints.verify(services)
    uncopied = without_copy(services)
    counts = s.tally(log.answers, windows)
    bad = sum(n for c in counts.values() for k, n in c.items() if "5xx" in k or "OUTSIDE" in k)
    settled = (
        set(states) <= {"ready", "failed"} and not everything["queued"] + everything["processing"]
    )
    return {
        "states": states,
        "all records": everything,
        "leftovers": leftovers,
        "fixity": fixed,
        "trail": trail,
        "counts": counts,
        "temp files": temp_files(services),
        "without PDF/A": uncopied,
        "ok": {
            "every 202 (and every record) ready or failed with an error": settled,
            "every ready record has its PDF/A copy": not uncopied,
            "every object's hash matches, nothing half-written": fixed.ok and not leftovers,
            "the audit chain verifies": trail.ok,
            "no 5xx but 503 during an outage": bad == 0,
        },
    }


def without_copy(services, limit: int = 10_000) -> list[str]:
    """Ready records without a PDF/A copy (its task lost with a killed worker, say)."""
    return services.metadata.records.missing_role("pdfa", "", limit)


def half_written(services) -> list[str]:
    """Objects of records that do not exist (an upload that died between storing objects and
    committing its row), and reservations still "uploading" that hold objects. A reservation
    without objects is the designed remnant of an upload whose cleanup could not be written
    (see reservations()): invisible, refused as "being received", swept within the hour."""
    stale = set(reservations(services))
    ids = {key.split("/")[2] for key in services.objects.list("records/")}
    known = services.metadata.records.by_ids(list(ids))
    return [
        f"objects of {'a reservation' if i in stale else 'no record'} {i}"
        for i in sorted(ids)
        if i not in known
    ]


def reservations(services) -> list[str]:
    from archive_app.domain.clock import utcnow

    return services.metadata.records.stale_uploads(utcnow() + timedelta(days=1))


def temp_files(services) -> int:
    """Files left in data/tmp (spools of uploads whose process was killed)."""
    return sum(1 for p in services.settings.tmp_dir.rglob("*") if p.is_file())


def stray(faults, log: s.Log, windows, started: float) -> None:
    """Each 5xx that is not a 503 within an outage: when, after which fault, and what it said."""
    for a in log.answers:
        if a.status < 500 or (a.status == 503 and any(x <= a.at <= y for x, y in windows)):
            continue
        before = [f for f in faults if f["killed"] <= a.at]
        last = before[-1] if before else None
        since = (
            f"{a.at - (last['recovered'] or last['killed']):.1f} s after {last['component']} "
            "recovered"
            if last
            else "before any fault"
        )
        print(f"  stray {a.kind} {a.status} at {a.at - started:.0f} s ({since}): {a.error}")


def first_ok(log: s.Log, restarted: float, kind: str) -> str:
    sent = [
        a.at
        for a in log.answers
        if a.kind == kind and a.at >= restarted and a.status < 300 and a.status
    ]
    return f"{min(sent) - restarted:.1f}" if sent else "none"


def report(faults, log, windows, results, seconds: float, drained: float) -> None:
    print(f"\nran {seconds / 60:.1f} min; drained in {drained:.0f} s")
    print(
        f"{'fault':<6}{'component':<15}{'at s':>7}{'down s':>8}{'recovered s':>13}"
        f"{'search ok s':>13}{'upload ok s':>13}"
    )
    for n, f in enumerate(faults, 1):
        after = f"{f['after']:.1f}" if f["recovered"] else "never"
        ok = [first_ok(log, f["killed"] + f["down"], kind) for kind in ("search", "upload")]
        print(
            f"{n:<6}{f['component']:<15}{f['at']:>7.0f}{f['down']:>8.1f}{after:>13}"
            + "".join(f"{x:>13}" for x in ok)
        )
    print("(search/upload ok: from the restart until the first such request, sent after it,")
    print(" was answered 2xx)")
    print("\nanswers")
    for kind, counts in sorted(results["counts"].items()):
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()) if k != "total")
        print(f"  {kind:<7} {counts['total']:>6}  {parts}")
    print(
        f"\nuploads answered 202: {len(log.accepted)}; their states: {results['states']}; "
        f"every record in the archive (also those whose answer was lost): "
        f"{results['all records']}"
    )
    fixed, trail = results["fixity"], results["trail"]
    print(
        f"objects verified: {fixed.checked}, missing {len(fixed.missing)}, changed "
        f"{len(fixed.changed)}; half-written: {results['leftovers'] or 'none'}; files left "
        f"in data/tmp: {results['temp files']}"
    )
    print(f"ready records without a PDF/A copy: {len(results['without PDF/A'])}")
    print(f"audit chain: {trail.entries} entries, {'verifies' if trail.ok else trail}")
    for name, ok in results["ok"].items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")


if __name__ == "__main__":
    sys.exit(main())
