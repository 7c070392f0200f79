"""Redis from Debian's redis-server package, for the Huey queue backend.

By default nothing is persisted (``--save "" --appendonly no``): the queue tests need a
real server, not durability. Pass ``appendonly=True`` for a restart test that expects
queued jobs to survive.
"""

from __future__ import annotations

import shutil
import socket

from ._base import ServerProcess, ServiceError


class RedisServer(ServerProcess):
    """``redis-server`` on 127.0.0.1:<port>; ``url`` is ``redis://127.0.0.1:PORT/0``."""

    name = "redis"
    default_startup_timeout = 30.0

    def __init__(
        self,
        base_dir=None,
        port=None,
        *,
        appendonly: bool = False,
        startup_timeout: float | None = None,
        binary: str | None = None,
    ):
        self.binary = binary or shutil.which("redis-server") or "/usr/bin/redis-server"
        if not shutil.which(self.binary):  # before super(): fail before making a temp dir
            raise ServiceError("redis-server missing: run scripts/install-test-services.sh")
        super().__init__(base_dir, port, startup_timeout)
        self.appendonly = appendonly

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def _command(self) -> list[str]:
        return [
            self.binary,
            "--port",
            str(self.port),
            "--bind",
            self.host,
            "--protected-mode",
            "yes",
            "--dir",
            str(self.base_dir),
            "--daemonize",
            "no",
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--logfile",
            "",
        ]

    def _is_ready(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)

    def settings_env(self) -> dict[str, str]:
        return {"ARCHIVE_QUEUE_BACKEND": "redis", "ARCHIVE_REDIS_URL": self.url}
