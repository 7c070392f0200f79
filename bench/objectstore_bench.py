"""Object-store throughput on MinIO: the raw ``minio`` client beside S3ObjectStore, in one run.

    python -m bench.objectstore_bench [--mb 1024] [--rounds 3] [--part-mb 16] [--parallel N]

Starts its own MinIO (tests.services.MinioServer, in a temp dir), writes one random file and
copies it in and out, alternating the two sides each round so background load hits both:
  raw up:       Minio.fput_object with the client's defaults (5 MiB parts, 3 threads)
  raw up=:      Minio.fput_object with the adapter's part size and thread count
  adapter up:   S3ObjectStore.put_file(key, path, sha256=known): the upload path, whose
                hash is known from spooling; streams, hashes while sending, verifies after
  adapter up*:  put_file without sha256: reads the file once more first to hash it
  raw down:     Minio.get_object, read in 1 MiB chunks
  adapter down: S3ObjectStore.open, the same loop
Prints median and best MiB/s, the adapter/raw ratio of medians (target >= 0.9), each side's
peak RSS growth and CPU seconds (client and server; steadier than wall time on a busy box).
The local disk is left out: the source file's pages are cached and downloads are read and
dropped, because on this VM writing a fresh GiB costs 0.5-5 s of kernel time that varies run
to run and would swamp the difference being measured.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from archive_app.storage.interfaces import CHUNK
from archive_app.storage.s3 import MiB, S3ObjectStore
from config.settings import load_settings
from tests.services import MinioServer

SWAPPED = ["adapter up", "adapter up*", "raw up=", "raw up", "adapter down", "raw down"]


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its waited-for children (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def measured(fn, server_pid: int) -> tuple[float, float, float, float]:
    """(seconds, peak RSS growth MiB, client CPU s, server CPU s) of one call. CPU seconds do
    not depend on what else the machine is doing nearly as much as wall time does."""
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM (Linux)
    except OSError:
        pass  # no reset: the growth shown is then a lower bound
    before = _rss_kib("VmRSS")
    cpu, server_cpu = time.process_time(), _cpu_seconds(server_pid)
    started = time.perf_counter()
    fn()
    seconds = time.perf_counter() - started
    return (
        seconds,
        max(0, _rss_kib("VmHWM") - before) / 1024,
        time.process_time() - cpu,
        _cpu_seconds(server_pid) - server_cpu,
    )


def make_file(path: Path, size: int) -> str:
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        for offset in range(0, size, 16 * MiB):
            block = os.urandom(min(16 * MiB, size - offset))
            digest.update(block)
            out.write(block)
    return digest.hexdigest()


def download(stream) -> None:
    with stream as src:
        while src.read(CHUNK):
            pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1024, help="file size in MiB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--part-mb", type=int, default=None, help="adapter part size")
    parser.add_argument("--parallel", type=int, default=None, help="adapter parallel uploads")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="objbench-") as tmp, MinioServer() as server:
        server.start()
        work = Path(tmp)
        src = work / "source.bin"
        print(f"writing a {args.mb} MiB random file ...", flush=True)
        sha256 = make_file(src, args.mb * MiB)
        raw = server.client()
        raw.make_bucket("bench-raw")
        settings = load_settings(  # from ARCHIVE_* variables, as the app builds them
            env=server.settings_env(), data_dir=work / "data", secret_key="bench",
            s3_bucket="bench-adapter",
        )  # fmt: skip
        store = S3ObjectStore.from_settings(settings)
        if args.part_mb:
            store.part_size = args.part_mb * MiB
        if args.parallel:
            store.parallel_uploads = args.parallel
        store.health()  # bucket + versioning set up outside the timings

        def raw_get():
            response = raw.get_object("bench-raw", "obj")

            class Closing:  # the same `with` + read loop as the adapter's stream
                read = response.read

                def __enter__(self):
                    return self

                def __exit__(self, *exc):
                    response.close()
                    response.release_conn()

            download(Closing())

        cases = {
            "raw up": lambda: raw.fput_object("bench-raw", "obj", str(src)),
            "raw up=": lambda: raw.fput_object(
                "bench-raw",
                "obj",
                str(src),
                part_size=store.part_size,
                num_parallel_uploads=store.parallel_uploads,
            ),  # fmt: skip
            "adapter up": lambda: store.put_file("bench/obj", src, sha256=sha256),
            "adapter up*": lambda: store.put_file("bench/obj", src),
            "raw down": raw_get,
            "adapter down": lambda: download(store.open("bench/obj")),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        peaks: dict[str, float] = dict.fromkeys(cases, 0.0)
        for round_no in range(args.rounds):
            order = list(cases) if round_no % 2 == 0 else SWAPPED  # both go first in turn
            for name in order:
                if name == "adapter up*":
                    store.delete_all_versions("bench/obj")  # keep the disk use to one copy
                seconds, peak, ours, theirs = measured(cases[name], server.pid)
                times[name].append(seconds)
                cpu[name].append((ours, theirs))
                peaks[name] = max(peaks[name], peak)
                print(f"  round {round_no + 1}: {name:13s} {args.mb / seconds:7.1f} MB/s "
                      f"(RSS +{peak:.0f} MiB; CPU client {ours:.1f} s, server {theirs:.1f} s)",
                      flush=True)  # fmt: skip
            if round_no == 0:
                with store.open("bench/obj") as check:
                    assert hashlib.file_digest(check, "sha256").hexdigest() == sha256
            store.delete_all_versions("bench/obj")
            raw.remove_object("bench-raw", "obj")

        print(f"\n{args.mb} MiB x {args.rounds} rounds; adapter part size "
              f"{store.part_size // MiB} MiB, {store.parallel_uploads} upload thread(s); "
              "MiB/s median (best); peak RSS growth; median CPU s per GiB client/server",
              flush=True)  # fmt: skip
        rate = {n: args.mb / statistics.median(t) for n, t in times.items()}
        per_gib = 1024 / args.mb
        total_cpu = {}
        for name, samples in times.items():
            ours = statistics.median(c for c, _ in cpu[name]) * per_gib
            theirs = statistics.median(s for _, s in cpu[name]) * per_gib
            total_cpu[name] = ours + theirs
            print(f"  {name:13s} {rate[name]:7.1f} ({args.mb / min(samples):7.1f})  "
                  f"+{peaks[name]:3.0f} MiB  CPU {ours:4.1f} / {theirs:4.1f}")  # fmt: skip
        print("ratios adapter/raw: wall-clock MiB/s; and raw/adapter client+server CPU, which is "
              "what throughput follows when client and server share a busy machine")  # fmt: skip
        for what, raw_name, ours in (
            ("upload", "raw up", "adapter up"),
            ("upload, same parts", "raw up=", "adapter up"),
            ("upload, hashing first", "raw up", "adapter up*"),
            ("download", "raw down", "adapter down"),
        ):
            ratio = rate[ours] / rate[raw_name]
            verdict = "ok" if ratio >= 0.9 else "BELOW TARGET"
            print(f"  {what:22s} {ratio:5.2f}x (target >= 0.9: {verdict:12s})  "
                  f"CPU {total_cpu[raw_name] / total_cpu[ours]:5.2f}x")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
