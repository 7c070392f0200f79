"""What bench/soak.py runs: the archive's own processes as killable servers, unique scans,
and the clients that upload and search while recording every answer."""

from __future__ import annotations

import random
import struct
import threading
import time
import zlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import urllib3

from tests.factories import META
from tests.formgen import make_form
from tests.services._base import ServerProcess, free_port, http_status

ROOT = Path(__file__).resolve().parents[1]
WORDS = ["Sawahrejo", "Kebonagung", "Tegalsari", "Kalimanggis", "Bendungan", "Ngemplak"]


class ArchiveProcess(ServerProcess):
    """`archive serve` or `archive worker` as a child process: ``kill()`` is SIGKILL of its
    process group (gunicorn with its workers; the worker pool, whose children die with it)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], base_dir: Path):
        self.name = name
        super().__init__(base_dir=base_dir, startup_timeout=120)
        self.args, self.archive_env = args, env

    def _command(self) -> list[str]:
        import sys

        return [sys.executable, "-m", "archive_app", *self.args]

    def _env(self) -> dict[str, str]:
        return {**self.archive_env, "PYTHONPATH": str(ROOT)}

    def _is_ready(self) -> bool:
        if self.args[0] == "serve":
            return http_status(f"http://127.0.0.1:{self.port}/healthz") is not None
        return True


def web(env: dict[str, str], base_dir: Path, workers: int = 2) -> ArchiveProcess:
    port = free_port()
    process = ArchiveProcess(
        "web",
        ["serve", "--workers", "0", "--port", str(port)],
        {**env, "ARCHIVE_WEB_WORKERS": str(workers)},
        base_dir,
    )
    process.port = port
    return process


def task_workers(env: dict[str, str], base_dir: Path, count: int) -> ArchiveProcess:
    return ArchiveProcess("workers", ["worker", "--workers", str(count)], env, base_dir)


class Scans:
    """Unique PNG scans: a few generated forms, each upload made unique by a text chunk
    (valid PNG, other bytes, same page), so no upload is a duplicate and none costs a
    re-encode."""

    def __init__(self, folder: Path, kinds: int = 4):
        self.forms = []
        for n in range(kinds):
            path = make_form(folder / f"form{n}.png", tps=n + 1, unique_word=WORDS[n], seed=n)
            self.forms.append((n + 1, path.read_bytes()))
        self._n = 0
        self._lock = threading.Lock()

    def next(self) -> tuple[int, bytes]:
        with self._lock:
            self._n += 1
            n = self._n
        tps, png = self.forms[n % len(self.forms)]
        text = b"Comment\x00soak upload %d %f" % (n, random.random())
        chunk = struct.pack(">I", len(text)) + b"tEXt" + text
        chunk += struct.pack(">I", zlib.crc32(b"tEXt" + text) & 0xFFFFFFFF)
        return tps, png[:33] + chunk + png[33:]  # after the signature and IHDR


@dataclass
class Answer:
    at: float
    kind: str  # upload | search | poll
    status: int  # 0: no answer (refused, reset, timed out)
    error: str = ""


@dataclass
class Log:
    answers: list[Answer] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # record ids answered 202
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, answer: Answer, record_id: str = "") -> None:
        with self.lock:
            self.answers.append(answer)
            if record_id:
                self.accepted.append(record_id)


class Client:
    """One bearer-token client; every answer goes to the log."""

    def __init__(self, base: str, token: str, log: Log):
        self.base, self.log = base, log
        self.headers = {"Authorization": f"Bearer {token}"}
        self.http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=3, read=90), retries=False, maxsize=4
        )

    def call(self, kind: str, method: str, path: str, **kwargs) -> tuple[int, dict]:
        started = time.time()
        try:
            response = self.http.request(method, self.base + path, headers=self.headers, **kwargs)
        except urllib3.exceptions.HTTPError as exc:
            self.log.add(Answer(started, kind, 0, type(exc).__name__))
            return 0, {}
        try:
            body = response.json()
        except ValueError:
            body = {}
        record_id = body.get("id", "") if kind == "upload" and response.status == 202 else ""
        error = str(body.get("error", ""))[:200] if response.status >= 400 else ""
        self.log.add(Answer(started, kind, response.status, error), record_id)
        return response.status, body

    def upload(self, scans: Scans) -> None:
        tps, data = scans.next()
        fields = {**META, "tps": str(tps), "file": ("scan.png", data, "image/png")}
        self.call("upload", "POST", "/api/v1/documents", fields=fields)

    def search(self, accepted: list[str]) -> None:
        roll = random.random()
        if roll < 0.5:
            self.call("search", "GET", "/api/v1/search", fields={"q": random.choice(WORDS)})
        elif roll < 0.7:
            tps = str(random.randint(1, 4))
            self.call("search", "GET", "/api/v1/search", fields={"tps": tps, "q": "suara"})
        elif accepted:
            self.call("poll", "GET", f"/api/v1/documents/{random.choice(accepted)}")


def loop(stop: threading.Event, pause: tuple[float, float], step) -> None:
    while not stop.is_set():
        step()
        stop.wait(random.uniform(*pause))


def tally(answers: list[Answer], windows: list[tuple[float, float]]) -> dict[str, Counter]:
    """Answers per kind, with 503s split by whether an outage was under way."""
    counts: dict[str, Counter] = {}
    for a in answers:
        c = counts.setdefault(a.kind, Counter())
        c["total"] += 1
        if a.status == 0:
            c["no answer"] += 1
        elif a.status < 300:
            c["2xx"] += 1
        elif a.status < 500:
            c[f"{a.status}"] += 1
        elif a.status == 503:
            during = any(start <= a.at <= end for start, end in windows)
            c["503 in outage" if during else "503 OUTSIDE outage"] += 1
        else:
            c[f"{a.status} (5xx)"] += 1
    return counts
