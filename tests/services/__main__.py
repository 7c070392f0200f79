"""Command line: run the test servers by hand, e.g. to point a dev web server at them.

    python -m tests.services run minio es       # foreground; Ctrl-C stops and cleans up
    python -m tests.services start pg redis     # background; prints the ARCHIVE_* settings
    python -m tests.services status
    python -m tests.services stop pg redis      # (no names: stop all)

``start`` runs ``run`` detached in its own session and records it in
<cache>/run/<name>.json; ``stop`` sends that runner SIGTERM, which stops the server and
removes its temp directory. Names: minio, elasticsearch (es), postgres (pg), redis.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import SERVERS, cache_dir

ALIASES = {"es": "elasticsearch", "pg": "postgres", "postgresql": "postgres", "s3": "minio"}
REPO = Path(__file__).resolve().parents[2]


def _names(raw: list[str]) -> list[str]:
    names = [ALIASES.get(n, n) for n in raw]
    unknown = [n for n in names if n not in SERVERS]
    if unknown:
        sys.exit(
            f"unknown server(s) {unknown}; known: {sorted(SERVERS)} (aliases {sorted(ALIASES)})"
        )
    return names


def _state_file(name: str) -> Path:
    return cache_dir() / "run" / f"{name}.json"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except OSError:
        return False


def run(names: list[str], record: bool) -> None:
    def on_term(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    servers = []
    try:
        for name in names:
            server = SERVERS[name]().start()
            servers.append(server)
            info = {
                "name": name,
                "runner_pid": os.getpid(),
                "server_pid": server.pid,
                "base_dir": str(server.base_dir),
                "log": str(server.log_path),
                "env": server.settings_env(),
            }
            print(f"# {name}: {server!r} (ready in {server.startup_seconds:.1f} s)", flush=True)
            for key, value in info["env"].items():
                print(f"{key}={value}", flush=True)
            if record:
                _state_file(name).parent.mkdir(parents=True, exist_ok=True)
                _state_file(name).write_text(json.dumps(info))
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for server in reversed(servers):
            server.close()
            if record:
                _state_file(server.name).unlink(missing_ok=True)


def start(names: list[str], timeout: float = 180.0) -> None:
    for name in names:
        f = _state_file(name)
        if f.exists() and _alive(json.loads(f.read_text())["runner_pid"]):
            print(f"# {name}: already running", file=sys.stderr)
            continue
        f.unlink(missing_ok=True)
        log = cache_dir() / "run" / f"{name}.runner.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            runner = subprocess.Popen(
                [sys.executable, "-m", "tests.services", "_run-recorded", name],
                cwd=REPO,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not f.exists():
            if runner.poll() is not None or time.monotonic() > deadline:
                runner.kill()
                sys.exit(f"{name} did not start; see {log}:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        for key, value in json.loads(f.read_text())["env"].items():
            print(f"{key}={value}")


def stop(names: list[str]) -> None:
    for name in names:
        f = _state_file(name)
        if not f.exists():
            continue
        pid = json.loads(f.read_text())["runner_pid"]
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
        f.unlink(missing_ok=True)
        print(f"# {name}: stopped")


def status(names: list[str]) -> int:
    missing = 0
    for name in names:
        f = _state_file(name)
        info = json.loads(f.read_text()) if f.exists() else None
        if info and _alive(info["runner_pid"]):
            print(f"{name}: running, pid {info['server_pid']}, {info['env']}")
        else:
            missing += 1
            print(f"{name}: not running")
    return 1 if missing else 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m tests.services",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("command", choices=["run", "start", "stop", "status", "_run-recorded"])
    p.add_argument("names", nargs="*")
    args = p.parse_args(argv)
    names = _names(args.names) if args.names else list(SERVERS)
    if args.command == "run":
        run(names, record=False)
    elif args.command == "_run-recorded":
        run(names, record=True)
    elif args.command == "start":
        start(names)
    elif args.command == "stop":
        stop(names)
    else:
        return status(names)
    return 0


if __name__ == "__main__":
    sys.exit(main())
