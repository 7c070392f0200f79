"""A batch of scanned pages end to end with 1 and 2 workers, against bare Tesseract.

    python -m bench.batch_bench [--pages 500] [--workers 1,2] [--readers codes,header,tally]
                                [--backend embedded|scaleout] [--threads] [--rounds 5]
                                [--pages-dir DIR]

For each worker count N, in one run, taking turns slice by slice (``--rounds``, 5):
  bare:      the same page files OCR'd by N parallel `tesseract` processes (ind+eng, psm 4,
             OMP_THREAD_LIMIT=1) and nothing else: the ceiling for N cores, and the baseline
             of the target;
  engine:    the same files read by N Tesseract engines already loaded (tesserocr, as the
             archive's workers keep one), word table only, nothing else: the stricter
             baseline, without the command's 0.18 s of model loading per page;
  pipeline:  the pages received into a fresh archive as one batch (hash, sniff, store, row)
             and processed by `archive worker --workers N`: N worker processes, or with
             ``--threads`` N threads of one (OCR with orientation check and page readers,
             searchable PDF, previews, checksums, sidecar, index).
Prints pages/s for all three and the archive's ratio to each (target >= 0.85 of bare
Tesseract), the same counting the time the PDF/A copies took after each slice (the worker
makes them once no record waits to be processed), and the worker's resident memory
once 10% of the batch is done, its peak and at the end (it should stay flat over the batch).
``--readers`` sets ARCHIVE_PAGE_READERS for the worker ("" for OCR only): what reading QR
codes, the header and the vote counts costs on top of the archive's own work.
``--backend scaleout`` runs the archive on MinIO, PostgreSQL, Elasticsearch and the Redis
queue (the test servers of tests/services, started for the run), e.g. with ``--workers 1,2,4``
to show how workers scale on the shared queue.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from archive_app.intake import batches
from archive_app.recordkeeping import preservation
from archive_app.services import build_services
from config.settings import load_settings
from tests.formgen import make_form

SHARED = {"election": "PPWP", "form_type": "C.HASIL", "year": "2024", "province": "Jawa Tengah",
          "regency": "Karanganyar", "district": "Jaten", "village": "Papahan"}  # fmt: skip


def pages(folder: Path, count: int) -> list[Path]:
    made = []
    for n in range(count):
        made.append(make_form(folder / f"p{n:04d}.jpg", fmt="jpeg", tps=1 + n % 999, seed=n,
                              noise=0.002, votes=(100 + n % 50, 40 + n % 30, 20 + n % 17),
                              digit_boxes=n % 2 == 1))  # fmt: skip
    return made


def kept_pages(folder: Path, count: int) -> list[Path]:
    """The first ``count`` pages of ``folder``, generated there the first time."""
    folder.mkdir(parents=True, exist_ok=True)
    have = sorted(folder.glob("p*.jpg"))
    return have[:count] if len(have) >= count else pages(folder, count)


def bare(files: list[Path], workers: int) -> float:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def one(path: Path) -> None:
        subprocess.run(["tesseract", str(path), "-", "-l", "ind+eng", "--psm", "4", "tsv"],
                       env=env, capture_output=True, check=True)  # fmt: skip

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


def engine(files: list[Path], workers: int) -> float:
    """Seconds for N loaded engines (threads: recognition releases the GIL) to read the files."""
    import tesserocr

    from ingest.ocr import tessdata_dir

    engines = [tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang="ind+eng", psm=4)
               for _ in range(workers)]  # fmt: skip

    def one(api, paths: list[Path]) -> None:
        for path in paths:
            api.SetImageFile(str(path))
            api.SetSourceResolution(300)
            api.Recognize()
            api.GetTSVText(0)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, engines, [files[i::workers] for i in range(workers)]))
    seconds = time.perf_counter() - started
    for api in engines:
        api.End()
    return seconds


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def tree(pid: int) -> list[int]:
    """The worker and its worker processes (`archive worker --workers N` starts N)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except FileNotFoundError:
        return [pid]
    return [pid, *(int(c) for c in children)]


def scaleout_env(servers: dict, tag: str) -> dict[str, str]:
    """Settings for a fresh archive on the scale-out servers: its own database, index and
    bucket, and an empty queue."""
    import psycopg
    import redis

    with psycopg.connect(servers["postgres"].dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "bench_{tag}"')
    redis.Redis.from_url(servers["redis"].url).flushdb()
    env = {}
    for server in servers.values():
        env.update(server.settings_env())
    base = servers["postgres"].url.rsplit("/", 1)[0]
    env.update(ARCHIVE_DATABASE_URL=f"{base}/bench_{tag}", ARCHIVE_S3_BUCKET=f"bench-{tag}",
               ARCHIVE_ELASTICSEARCH_INDEX=f"bench-{tag}")  # fmt: skip
    return env


def both(
    files: list[Path],
    workers: int,
    root: Path,
    readers: str,
    extra: dict,
    threads: bool = False,
    rounds: int = 5,
) -> tuple[float, float, float, float, list]:
    """(bare, engine, pipeline and copies seconds, worker memory samples), the batch taken in
    rounds: bare Tesseract on a slice of the pages, loaded engines on it, then the archive on
    the same slice (until every page is ready), then until the slice's PDF/A copies are made
    (the worker makes them once no record waits; timed apart, and never beside a baseline).
    This VM's speed drifts over minutes (bare Tesseract alone ran at 1.74-2.02 pages/s on
    two cores in five runs), so one long block of each would compare different spells."""
    data = root / f"archive-{workers}"
    own = {"ARCHIVE_DATA_DIR": str(data), "ARCHIVE_PAGE_READERS": readers, **extra}
    env = {**os.environ, **own, "ARCHIVE_LOG_LEVEL": "WARNING"}
    services = build_services(load_settings(env=own))
    services.metadata.migrate()
    docs = services.metadata.records
    command = [sys.executable, "-m", "archive_app", "worker", "--workers", str(workers)]
    if threads:
        command.append("--threads")
    batch = batches.start(services, "bench", "cli", SHARED, "bench")
    proc, bare_s, engine_s, pipe_s, copies_s, memory, sampled = None, 0.0, 0.0, 0.0, 0.0, [], 0.0
    try:
        for number in range(rounds):
            part = files[number * len(files) // rounds : (number + 1) * len(files) // rounds]
            bare_s += bare(part, workers)
            engine_s += engine(part, workers)
            started = time.perf_counter()
            for path in part:
                batches.add_file(services, batch, path, path.name, "bench", overrides={"tps": ""})
            if proc is None:  # started once: its start-up counts, in the first round
                proc = subprocess.Popen(
                    command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            goal = files.index(part[-1]) + 1
            while docs.count(status="ready") + docs.count(status="failed") < goal:
                if time.monotonic() - sampled >= 1:
                    memory.append(sum(rss_mb(pid) for pid in tree(proc.pid)))
                    sampled = time.monotonic()
                time.sleep(0.1)
            pipe_s += time.perf_counter() - started
            started = time.perf_counter()  # the copies wait for a gap in the batch: made now
            left, still = None, time.monotonic()
            while (now := len(list(preservation.missing(services, limit=len(files))))) > 0:
                if now != left:  # a copy that cannot be made stays missing: not waited for
                    left, still = now, time.monotonic()
                elif services.queue.pending() == 0 and time.monotonic() - still > 30:
                    print(f"{now} PDF/A copies not made", file=sys.stderr)
                    break
                if time.monotonic() - sampled >= 1:
                    memory.append(sum(rss_mb(pid) for pid in tree(proc.pid)))
                    sampled = time.monotonic()
                time.sleep(0.1)
            copies_s += time.perf_counter() - started
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=90)
        services.close()
    return bare_s, engine_s, pipe_s, copies_s, memory


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--readers", default="codes,header,tally", help='"" for OCR only')
    parser.add_argument("--backend", default="embedded", choices=["embedded", "scaleout"])
    parser.add_argument("--threads", action="store_true", help="N worker threads in one process")
    parser.add_argument("--rounds", type=int, default=5, help="bare and pipeline take turns")
    parser.add_argument("--pages-dir", type=Path, help="keep the pages here and use them "
                        "again (another checkout timed on the very same files)")  # fmt: skip
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        root = Path(tmp)
        servers = {}
        if args.backend == "scaleout":
            from tests.services import SERVERS

            servers = {name: stack.enter_context(cls()) for name, cls in SERVERS.items()}
        files = (
            kept_pages(args.pages_dir, args.pages) if args.pages_dir else pages(root, args.pages)
        )
        print(
            f"{args.pages} generated A4 pages (JPEG, 300 dpi; half with handwritten-style "
            "digit boxes), Tesseract ind+eng psm 4, OMP_THREAD_LIMIT=1; page readers: "
            f"{args.readers or 'none'}; backends: {args.backend}; workers as "
            f"{'threads of one process' if args.threads else 'processes'}"
        )
        print(
            f"{'workers':>7} {'bare pages/s':>13} {'engine pages/s':>15} {'pipeline pages/s':>17}"
            f" {'ratio':>6} {'vs engine':>9} {'worker RSS MB at 10%/peak/end':>30}"
            "  target ratio (to bare) >= 0.85"
            "  | with PDF/A copies: pages/s, vs engine"
        )
        for workers in (int(w) for w in args.workers.split(",")):
            extra = scaleout_env(servers, str(workers)) if servers else {}
            bare_s, engine_s, pipe_s, copies_s, memory = both(
                files, workers, root, args.readers, extra, args.threads, args.rounds
            )
            ratio = bare_s / pipe_s
            mem = f"{memory[len(memory) // 10] if memory else 0:.0f}/{max(memory or [0]):.0f}/" \
                  f"{memory[-1] if memory else 0:.0f}"  # fmt: skip
            print(
                f"{workers:>7} {len(files) / bare_s:13.2f} {len(files) / engine_s:15.2f} "
                f"{len(files) / pipe_s:17.2f} {ratio:6.2f} {engine_s / pipe_s:9.2f} {mem:>30}"
                f"  {'met' if ratio >= 0.85 else 'MISSED'}"
                f"  | {len(files) / (pipe_s + copies_s):.2f}, {engine_s / (pipe_s + copies_s):.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
