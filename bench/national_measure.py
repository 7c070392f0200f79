"""Timing tools of the national benchmark: HTTP against the real server, the raw side beside
it, percentiles, and the memory of processes.

The raw side of a page is the SQL the page itself ran: each page is requested once in this
process (the app factory on the same settings, the test client), every SELECT it sent to the
database is captured with its parameters, and that list is replayed through the database
driver (sqlite3 / psycopg) with nothing else: no HTTP, no Flask, no ORM objects, no
template. API minus raw is the archive's own cost; raw alone is the database's. Raw and API
are timed in turn, request by request (this VM's speed drifts over seconds).
"""

from __future__ import annotations

import http.client
import os
import threading
import time
from pathlib import Path

from sqlalchemy import event


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


class Http:
    """One keep-alive connection to the server, with a bearer token."""

    def __init__(self, port: int, token: str):
        self.port, self.headers = port, {"Authorization": f"Bearer {token}"}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> tuple[int, bytes, float, float]:
        """(status, body, seconds to the last byte, seconds to the first)."""
        started = time.perf_counter()
        try:
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
        first = response.read(1)
        ttfb = time.perf_counter() - started
        body = first + response.read()
        return response.status, body, time.perf_counter() - started, ttfb

    def close(self) -> None:
        self.conn.close()


class Capture:
    """SELECT statements (with parameters) sent through the metadata store's engines."""

    def __init__(self, engines):
        self.engines = {engines.read, engines.write}
        self.statements: list[tuple[str, object]] = []

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        head = statement.lstrip()[:6].upper()
        if head in ("SELECT", "WITH R", "WITH ") or head.startswith("WITH"):
            self.statements.append((statement, parameters))

    def __enter__(self) -> Capture:
        for engine in self.engines:
            event.listen(engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        for engine in self.engines:
            event.remove(engine, "before_cursor_execute", self._seen)


class RawSql:
    """The database driver alone, on the same database as the archive."""

    def __init__(self, sqlite_path: Path | None = None, dsn: str = ""):
        if dsn:
            import psycopg

            self.conn = psycopg.connect(dsn, autocommit=True)
        else:
            import sqlite3

            self.conn = sqlite3.connect(str(sqlite_path), isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout=30000")

    def run(self, statements: list[tuple[str, object]]) -> int:
        rows = 0
        cursor = self.conn.cursor()
        for statement, parameters in statements:
            cursor.execute(statement, parameters or ())
            rows += len(cursor.fetchall())
        cursor.close()
        return rows

    def close(self) -> None:
        self.conn.close()


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """``field`` of /proc/<pid>/status in MB (0 once the process has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                children = Path(f"/proc/{p}/task/{task}/children").read_text().split()
                todo.extend(int(c) for c in children)
        except (FileNotFoundError, ProcessLookupError):
            pass
    return out


class PeakRss(threading.Thread):
    """Peak resident memory of each process under ``pid`` (the web server's workers ...),
    sampled every 0.2 s while it runs."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.peaks: dict[int, float] = {}
        self.anon: dict[int, float] = {}  # RssAnon: without the mapped search index's pages
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            for p in descendants(self.pid):
                self.peaks[p] = max(self.peaks.get(p, 0.0), rss_mb(p))
                self.anon[p] = max(self.anon.get(p, 0.0), rss_mb(p, "RssAnon"))
            self._halt.wait(0.2)

    def stop(self) -> dict[int, float]:
        self._halt.set()
        self.join()
        return self.peaks


class JobPeak(threading.Thread):
    """Peak resident memory of a job (a process started with exec) and its descendants.

    Not ``ru_maxrss`` from ``wait4``: on exec, Linux keeps the old address space's high-water
    mark in the process's ``maxrss``, and a child forked from the bench starts with the
    bench's pages, so the figure can never be below the bench's own size. ``VmHWM`` in
    /proc/<pid>/status belongs to the address space exec made, so it is the job's own peak;
    it only grows, so each sample reads the peak so far, and only the last interval
    (``every`` s) before the job ends goes unseen. Descendants are added with their own
    ``VmHWM``: peaks at different moments, and a fork shares pages with its parent, so for
    a job with children the sum is an upper bound (the bench's jobs have none).

    ``anon`` is the highest ``RssAnon`` sampled: the memory the job itself holds. The rest
    of its resident size is files mapped in: Tantivy reads its index through mmap, and the
    pages it touched count in VmRSS while they stay in the page cache (shared with every
    other reader, given back under memory pressure). At 12M pages the index is 7 GB.
    """

    def __init__(self, pid: int, every: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak, self.anon = pid, every, 0.0, 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            processes = descendants(self.pid)
            self.peak = max(self.peak, sum(rss_mb(p, "VmHWM") for p in processes))
            self.anon = max(self.anon, sum(rss_mb(p, "RssAnon") for p in processes))
            self._halt.wait(self.every)

    def stop(self) -> float:
        """The peak in MB; call once the job has ended (or to stop watching it)."""
        self._halt.set()
        self.join()
        return self.peak
