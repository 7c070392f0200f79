"""What every test server shares: a child process on 127.0.0.1 that is always cleaned up.

Why a base class: the four servers differ only in how they are prepared, started and
probed; the hard parts are common and easy to get wrong one server at a time:

- each server runs as its own process group (so a stop or a kill reaches its children,
  e.g. PostgreSQL backends) with the parent-death signal set, so it dies with the test
  process even when that process is SIGKILLed and no Python cleanup runs;
- ``stop()`` is graceful and keeps the data directory and port, so ``start()`` brings the
  same server back (fault tests stop a server mid-test and expect the data to survive);
- ``kill()`` is SIGKILL of the whole group: a crash, for crash-recovery tests;
- the context manager, ``close()`` and, for anything left open, ``atexit`` stop the server
  and remove the temp directory it was given by default.

Nothing runs at import time: ``atexit`` is registered by the first ``start()``.
"""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

LOOPBACK = "127.0.0.1"


class ServiceError(RuntimeError):
    """A server could not be installed, started or reached; the message says why."""


def cache_dir() -> Path:
    """Where scripts/install-test-services.sh keeps builds (same rule as the script)."""
    explicit = os.environ.get("ARCHIVE_TEST_SERVICES_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "archive-test-services"


_ISSUED: set[int] = set()


def free_port() -> int:
    """A TCP port that nothing listens on now (the kernel's pick on 127.0.0.1), never one
    this process handed out before: the port is free again once the probe closes, so two
    picks could be the same number (an Elasticsearch node got its HTTP and transport port
    equal, and answered HTTP with "This is not an HTTP port"), and a stopped server keeps
    its port for its restart."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((LOOPBACK, 0))
            port = s.getsockname()[1]
        if port not in _ISSUED:
            _ISSUED.add(port)
            return port


def http_status(url: str, timeout: float = 2.0) -> int | None:
    """HTTP status of a GET, or None when nothing answers (yet)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return None


def _with_parent_death_signal(command: list[str]) -> list[str]:
    """Prefix ``setpriv --pdeathsig KILL``: the server gets SIGKILL when the thread that started
    it dies, even by SIGKILL. setpriv (util-linux, always on Debian) sets it and execs the
    server, after Popen's user switch (which would clear it); no preexec_fn, so thread-safe.
    """
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *command] if setpriv else command


_started: set[ServerProcess] = set()  # started and not yet closed
_atexit_registered = False


def _close_all_at_exit() -> None:
    for server in list(_started):
        try:
            server.stop(timeout=15)
        except Exception:  # noqa: BLE001 - at exit, kill is the fallback
            server.kill()
        server.close()


class ServerProcess:
    """One server process, owned by this Python process.

    Subclasses set ``name`` and implement ``_command()`` and ``_is_ready()``; they may
    override ``_prepare()`` (one-time setup of the data directory, called before every
    start and expected to be idempotent), ``_env()``, ``_popen_kwargs()`` and
    ``_after_start()``.

    ``base_dir``: the server's directory (data, logs). Default: a fresh temp directory,
    removed by ``close()``/the context manager; a directory you pass is never removed.
    ``port``: default a free port, kept for the object's life so a restart uses it again.
    """

    name = "server"
    stop_signal = signal.SIGTERM
    default_startup_timeout = 60.0

    def __init__(
        self,
        base_dir: str | os.PathLike | None = None,
        port: int | None = None,
        startup_timeout: float | None = None,
    ):
        self._owns_dir = base_dir is None
        self.base_dir = (
            Path(base_dir) if base_dir else Path(tempfile.mkdtemp(prefix=f"archive-{self.name}-"))
        )
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.host = LOOPBACK
        self.startup_timeout = startup_timeout or self.default_startup_timeout
        self.log_path = self.base_dir / f"{self.name}.log"
        self.proc: subprocess.Popen | None = None
        self._reaped = (
            False  # the current proc's group has been stopped and must not be signalled again
        )
        self.startup_seconds: float | None = None  # of the last start(), for reports

    # -- to implement -------------------------------------------------------------------
    def _command(self) -> list[str]:
        raise NotImplementedError

    def _is_ready(self) -> bool:
        raise NotImplementedError

    def _prepare(self) -> None:
        pass

    def _env(self) -> dict[str, str]:
        return {}

    def _popen_kwargs(self) -> dict:
        return {}

    def _after_start(self) -> None:
        pass

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.running else None

    def start(self) -> ServerProcess:
        """Start (or restart, on the same directory and port) and wait until it serves."""
        global _atexit_registered
        if self.running:
            return self
        if not _atexit_registered:
            atexit.register(_close_all_at_exit)
            _atexit_registered = True
        started = time.monotonic()
        self._prepare()
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')} ===\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                _with_parent_death_signal(self._command()),
                cwd=self.base_dir,
                env={**os.environ, **self._env()},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                **self._popen_kwargs(),
            )
            self._reaped = False
        _started.add(self)
        deadline = started + self.startup_timeout
        try:
            while not self._is_ready():
                if self.proc.poll() is not None:
                    raise ServiceError(
                        f"{self.name} exited with {self.proc.returncode} while starting"
                    )
                if time.monotonic() > deadline:
                    raise ServiceError(f"{self.name} not ready after {self.startup_timeout:.0f} s")
                time.sleep(0.1)
            self._after_start()
        except BaseException as e:
            self.kill()
            if isinstance(e, ServiceError):
                raise ServiceError(f"{e}; log {self.log_path}:\n{self.log_tail()}") from None
            raise
        self.startup_seconds = time.monotonic() - started
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Graceful shutdown; data directory and port are kept for ``start()``."""
        if self.proc is None or self._reaped:
            return
        if self.proc.poll() is None:
            self._signal(self.stop_signal)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal(signal.SIGKILL)
                self.proc.wait(10)
        self._reap_group()

    def kill(self) -> None:
        """SIGKILL the whole process group: a crash, with no shutdown work."""
        if self.proc is None or self._reaped:
            return
        self._signal(signal.SIGKILL)
        self.proc.wait(10)
        self._reap_group()

    def _reap_group(self) -> None:
        # Anything left in the group (e.g. PostgreSQL backends after a timeout) goes too. Done once,
        # right after the leader exited: later, its process-group id could belong to someone else.
        self._signal(signal.SIGKILL)
        self._reaped = True

    def close(self) -> None:
        """Stop, and remove the directory if this object created it."""
        self.stop()
        _started.discard(self)
        if self._owns_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def _signal(self, sig: int) -> None:
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    # -- helpers ------------------------------------------------------------------------
    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def settings_env(self) -> dict[str, str]:
        """The ARCHIVE_* variables that point the archive at this server."""
        return {}

    def __repr__(self) -> str:
        state = f"pid {self.pid}" if self.running else "stopped"
        return f"<{type(self).__name__} {self.host}:{self.port} {state} {self.base_dir}>"
