"""`archive worker --workers N`: N worker processes of one job thread each, kept running.

Why processes, not N threads in one: the page readers and the bookkeeping around Tesseract
are Python and hold the GIL, so two job threads in one process delivered 0.66 pages/s each
against 0.79 for a lone worker; two processes delivered 0.74 each (docs/benchmarks.md).
Why started, not forked: a forked child inherits the parent's SQLite lock bookkeeping and
open clients (docs/architecture.md), so each child is a fresh `archive worker --threads`.

The pool runs the periodic tasks (sweep, nightly work) in its first child only, restarts a
child that dies, and on SIGINT/SIGTERM passes the signal on once and waits for the children
to finish their page. Children sit in their own process group, so a terminal's Ctrl-C
reaches them through the pool only (Huey treats a second SIGINT as "stop now"), and they
die with the pool even when it is killed outright (PR_SET_PDEATHSIG), so no orphan keeps
leases or a Tesseract slot.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

log = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
GRACE_SECONDS = 60  # a page in flight finishes; Tesseract has ocr_timeout, this is the bound
QUICK_EXIT_SECONDS = 30  # a child that dies sooner than this waits longer before the next try
MAX_RESTART_DELAY = 60.0


def die_with_parent() -> None:
    """Runs in the child before exec: the kernel kills it when the pool goes."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def start_child(command: list[str], env: dict | None = None) -> subprocess.Popen:
    """A worker process in its own process group that dies with its parent."""
    return subprocess.Popen(command, env=env, process_group=0, preexec_fn=die_with_parent)


def child_command(index: int) -> list[str]:
    command = [sys.executable, "-m", "archive_app", "worker", "--workers", "1", "--threads"]
    return command if index == 0 else [*command, "--no-periodic"]


def child_env(count: int, environ: dict | None = None) -> dict:
    """Share the cores: each child OCRs cores/N pages of a long document at once, unless
    ARCHIVE_PAGE_WORKERS says otherwise."""
    env = dict(os.environ if environ is None else environ)
    if env.get("ARCHIVE_PAGE_WORKERS", "0").strip() in ("", "0"):
        env["ARCHIVE_PAGE_WORKERS"] = str(max(1, (os.cpu_count() or 1) // count))
    return env


@dataclass
class _Child:
    index: int
    process: subprocess.Popen | None = None
    started: float = 0.0
    delay: float = 1.0
    due: float = 0.0  # when a dead child may start again


class WorkerPool:
    def __init__(self, count: int):
        self.env = child_env(count)
        self.children = [_Child(i) for i in range(count)]
        self._signum: int | None = None

    def run(self) -> int:
        """Until a stop signal; returns the exit code."""
        previous = {s: signal.signal(s, self._on_signal) for s in STOP_SIGNALS}
        try:
            while self._signum is None:
                for child in self.children:
                    self._tend(child)
                time.sleep(0.5)
            return self._stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _on_signal(self, signum, frame) -> None:
        self._signum = self._signum or signum

    def _tend(self, child: _Child) -> None:
        now = time.monotonic()
        if child.process is not None and child.process.poll() is None:
            return
        if child.process is not None:  # it died: not asked to, so start it again
            lived = now - child.started
            quick = lived < QUICK_EXIT_SECONDS
            child.delay = min(child.delay * 2, MAX_RESTART_DELAY) if quick else 1.0
            child.due = now + child.delay
            log.warning(
                "worker %d (pid %d) exited with %s after %.0f s; restarting in %.0f s",
                child.index, child.process.pid, child.process.returncode, lived, child.delay,
            )  # fmt: skip
            child.process = None
        if now >= child.due:
            child.process = start_child(child_command(child.index), self.env)
            child.started = now

    def _stop(self) -> int:
        running = [c.process for c in self.children if c.process and c.process.poll() is None]
        for process in running:
            process.send_signal(self._signum or signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in running:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                process.wait()
        return 0
