"""A 2 GB multi-page scan uploaded and processed: is memory flat? (issue 18, item 3)

    python -m bench.big_upload_bench [--pages 82] [--small-pages 2] [--keep]

The file is what a colour sheet-fed scanner writes for a batch when asked for TIFF without
compression (the default "archival" setting of several drivers): one multi-page TIFF, A4 at
300 dpi, 24-bit RGB, uncompressed, 26 MB a page, so 2 GB is about 82 pages. Uncompressed
pages keep the page count (and so the OCR time) modest while the file is large, which is
the case that finds any place the file is read whole; a 2 GB PDF of JPEG pages would be
~3,000 pages and hours of OCR on this machine.

The real servers run on a fresh data folder under /tmp: `archive serve --workers 0`
(gunicorn, as `make run` starts it) and `archive worker --workers 1` as their own process
trees. The file goes up the way a large upload does, through the tus endpoints
(``POST /api/v1/uploads`` then PATCHes of 256 MB, each streamed from disk in 1 MB writes by
``http.client``, never read whole by this client), and is handed to a batch with
``{"upload_id"}``. The RSS of each tree (every process, summed) and the run's bytes on disk
are sampled every 0.5 s. First a small file of the same kind (``--small-pages``) is run the
same way as the baseline: "flat" means the 2 GB peaks are within a small margin of its
peaks, not growing with the file.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageChops

from bench.batch_bench import SHARED
from tests.formgen import make_form

PATCH_BYTES = 256 * 1024 * 1024
WRITE_BYTES = 1024 * 1024
SAMPLE_SECONDS = 0.5
GRAIN_SIGMA = 3
MARGIN = 1.25  # "flat": the big file's peak RSS at most 25 % above the small file's


def scanner_tiff(path: Path, pages: int, distinct: int = 6) -> Path:
    """An uncompressed RGB multi-page TIFF; pages cycle through a few drawn forms (each
    page shows its own TPS), written frame by frame so the generator holds only those.

    Each page gets a scanner's sensor grain (Gaussian, sigma 3 levels): a drawn page is
    flat white and its lossless copy 0.3 MB, where a real colour scan's is ~7 MB, and it
    is the size of those copies that a whole-document buffer would grow with."""
    with tempfile.TemporaryDirectory(dir=path.parent) as tmp:
        forms = []
        for n in range(min(distinct, pages)):
            drawn = make_form(Path(tmp) / f"f{n}.png", tps=10 + n, seed=n, noise=0.002)
            with Image.open(drawn) as image:
                grain = Image.effect_noise(image.size, GRAIN_SIGMA).convert("RGB")
                forms.append(ImageChops.add(image.convert("RGB"), grain, 1.0, -128))
    frames = (forms[n % len(forms)] for n in range(pages))
    first = next(frames)
    first.save(path, "TIFF", compression="raw", dpi=(300, 300), save_all=True,
               append_images=frames)  # fmt: skip
    return path


def tree(pid: int) -> list[int]:
    """The process and all its descendants (gunicorn's master and its workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children")
                     .read_text().split()]  # fmt: skip
        except (FileNotFoundError, ProcessLookupError):
            pass
    return found


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (FileNotFoundError, ProcessLookupError):
            pass
    return total / 1024


def disk_bytes(folder: Path) -> int:
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                pass
    return total


@dataclass
class Sampler:
    """RSS of both trees and the data folder's size every 0.5 s, tagged with progress."""

    web: int
    worker: int
    data: Path
    progress: float = 0.0  # fraction of pages processed, set by the poller
    phase: str = "upload"
    samples: list[tuple[str, float, float, float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(SAMPLE_SECONDS):
            self.samples.append((self.phase, self.progress, rss_mb(tree(self.web)),
                                 rss_mb(tree(self.worker)), disk_bytes(self.data)))  # fmt: skip

    def __enter__(self) -> Sampler:
        self._thread = threading.Thread(target=self.run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class Api:
    def __init__(self, port: int, token: str):
        self.port, self.token = port, token

    def call(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
        sent = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        data = json.loads(raw) if raw and response.getheader("Content-Type", "").startswith(
            "application/json") else {}  # fmt: skip
        return response.status, dict(response.getheaders()), data

    def tus_upload(self, path: Path) -> str:
        """Create the upload and PATCH it in 256 MB requests, each written 1 MB at a time."""
        size = path.stat().st_size
        name = base64.b64encode(path.name.encode()).decode()
        status, headers, _ = self.call("POST", "/api/v1/uploads", b"", {
            "Tus-Resumable": "1.0.0", "Upload-Length": str(size),
            "Upload-Metadata": f"filename {name}"})  # fmt: skip
        assert status == 201, status
        location = headers["Location"]
        upload_id = location.rstrip("/").rsplit("/", 1)[1]
        offset = 0
        with path.open("rb") as fh:
            while offset < size:
                length = min(PATCH_BYTES, size - offset)
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=3600)
                conn.putrequest("PATCH", f"/api/v1/uploads/{upload_id}")
                for key, value in {"Authorization": f"Bearer {self.token}",
                                   "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
                                   "Content-Type": "application/offset+octet-stream",
                                   "Content-Length": str(length)}.items():  # fmt: skip
                    conn.putheader(key, value)
                conn.endheaders()
                left = length
                while left:
                    piece = fh.read(min(WRITE_BYTES, left))
                    conn.send(piece)
                    left -= len(piece)
                response = conn.getresponse()
                response.read()
                assert response.status == 204, response.status
                offset = int(response.getheader("Upload-Offset"))
                conn.close()
        return upload_id


@dataclass
class Figures:
    label: str
    size: int
    pages: int
    upload_s: float
    archive_s: float
    process_s: float
    status: str
    samples: list
    preserve_s: float

    def peak(self, column: int, phase: str | None = None) -> float:
        values = [s[column] for s in self.samples if phase is None or s[0] == phase]
        return max(values or [0])

    def at(self, column: int, fraction: float) -> float:
        processing = [s for s in self.samples if s[0] == "process"]
        for sample in processing:
            if sample[1] >= fraction:
                return sample[column]
        return processing[-1][column] if processing else 0.0


def run_one(label: str, file: Path, pages: int, root: Path, port: int) -> Figures:
    data = root / f"data-{label}"
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(data), "ARCHIVE_PORT": str(port),
           "ARCHIVE_MAX_UPLOAD_MB": "4096", "ARCHIVE_LOG_LEVEL": "WARNING",
           "ARCHIVE_ADMIN_PASSWORD": "bench-password-1"}  # fmt: skip
    archive = [sys.executable, "-m", "archive_app"]
    subprocess.run([*archive, "init"], env=env, check=True, capture_output=True)
    token = subprocess.run([*archive, "tokens", "create", "admin"], env=env, check=True,
                           capture_output=True, text=True).stdout.split()[-1]  # fmt: skip
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    web = subprocess.Popen([*archive, "serve", "--workers", "0"], env=env, **quiet)
    worker = subprocess.Popen([*archive, "worker", "--workers", "1"], env=env, **quiet)
    api = Api(port, token)
    try:
        _wait_up(api)
        with Sampler(web.pid, worker.pid, data) as sampler:
            started = time.perf_counter()
            upload_id = api.tus_upload(file)
            upload_s = time.perf_counter() - started
            sampler.phase = "archive"
            status, _, batch = api.call("POST", "/api/v1/batches",
                                        {"label": label, "metadata": SHARED})  # fmt: skip
            assert status == 201, batch
            started = time.perf_counter()
            status, _, added = api.call("POST", f"/api/v1/batches/{batch['id']}/files",
                                        {"upload_id": upload_id})  # fmt: skip
            archive_s = time.perf_counter() - started
            outcome = added["outcomes"][0]
            assert outcome["outcome"] == "accepted", outcome
            sampler.phase = "process"
            started = time.perf_counter()
            state = _follow(api, batch["id"], sampler)
            process_s = time.perf_counter() - started
            time.sleep(2 * SAMPLE_SECONDS)  # the end as it stays, after the record is ready
            sampler.phase = "preserve"
            started = time.perf_counter()
            preserved = _preserved(api, outcome["document_id"])
            preserve_s = time.perf_counter() - started if preserved else float("nan")
    finally:
        for proc in (web, worker):
            proc.terminate()
            proc.wait(timeout=90)
        shutil.rmtree(data, ignore_errors=True)
    return Figures(label, file.stat().st_size, pages, upload_s, archive_s, process_s, state,
                   sampler.samples, preserve_s)  # fmt: skip


def _wait_up(api: Api) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if api.call("GET", "/api/v1/batches")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the web server did not answer within 60 s")


def _follow(api: Api, batch_id: int, sampler: Sampler) -> str:
    while True:
        _, _, batch = api.call("GET", f"/api/v1/batches/{batch_id}")
        item = batch["items"][0]
        done, total = item["progress"]["done"] or 0, item["progress"]["total"] or 1
        sampler.progress = done / total
        if item["status"] in ("ready", "failed"):
            return item["status"]
        time.sleep(SAMPLE_SECONDS)


def _preserved(api: Api, record_id: str, limit: float = 900) -> bool:
    """Wait for the PDF/A preservation copy, which the worker makes after "ready" (its task
    runs in the same worker process, so its memory counts too)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if api.call("HEAD", f"/api/v1/documents/{record_id}/pdfa")[0] == 200:
            return True
        time.sleep(1)
    return False


def report(small: Figures, big: Figures) -> None:
    print(
        f"{'file':>6} {'MB':>7} {'pages':>5} {'upload s':>8} {'hand-off s':>10} "
        f"{'process s':>9} {'pages/s':>7} {'status':>7} | {'web RSS MB peak':>15} "
        f"{'worker RSS MB peak':>18} {'worker at 10%/50%/end':>22} {'disk peak GB':>12}"
    )
    for f in (small, big):
        worker = f"{f.at(3, 0.1):.0f}/{f.at(3, 0.5):.0f}/{f.samples[-1][3]:.0f}"
        print(f"{f.label:>6} {f.size / 1e6:7.0f} {f.pages:5d} {f.upload_s:8.1f} "
              f"{f.archive_s:10.1f} {f.process_s:9.1f} {f.pages / f.process_s:7.2f} "
              f"{f.status:>7} | {f.peak(2):15.0f} {f.peak(3):18.0f} {worker:>22} "
              f"{f.peak(4) / 1e9:12.2f}")  # fmt: skip
    for column, name in ((2, "web"), (3, "worker")):
        ratio = big.peak(column) / max(small.peak(column), 1)
        verdict = "flat (met)" if ratio <= MARGIN else "GROWS with the file (missed)"
        print(f"{name} peak RSS, big/small: {ratio:.2f}  ->  {verdict}, margin {MARGIN}")
    for f in (small, big):
        print(
            f"{f.label}: web peak RSS by phase: upload {f.peak(2, 'upload'):.0f} MB, hand-off "
            f"{f.peak(2, 'archive'):.0f} MB, processing {f.peak(2, 'process'):.0f} MB; worker "
            f"peak processing {f.peak(3, 'process'):.0f} MB, making the PDF/A copy "
            f"{f.peak(3, 'preserve'):.0f} MB in {f.preserve_s:.1f} s"
        )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=82, help="pages of the big file")
    parser.add_argument("--small-pages", type=int, default=2, help="pages of the baseline")
    parser.add_argument("--port", type=int, default=5391)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="big-upload-", dir="/tmp") as tmp:
        root = Path(tmp)
        started = time.perf_counter()
        small_file = scanner_tiff(root / "small.tif", args.small_pages)
        big_file = scanner_tiff(root / "big.tif", args.pages)
        print(f"generated {args.small_pages}- and {args.pages}-page uncompressed RGB TIFFs "
              f"(A4, 300 dpi) in {time.perf_counter() - started:.0f} s; load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores", flush=True)  # fmt: skip
        small = run_one("small", small_file, args.small_pages, root, args.port)
        print(f"small done: {small.status}", flush=True)
        big = run_one("big", big_file, args.pages, root, args.port)
        print(f"load average at the end {os.getloadavg()[0]:.1f}")
        report(small, big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
