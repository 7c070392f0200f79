"""PostgreSQL from Debian's packages, in a throwaway cluster of its own.

Why not the machine's ``main`` cluster: each test server gets its own ``initdb`` in a temp
directory and its own port, so tests never share state with each other or with anything
else on the machine. ``postgres`` runs in the foreground as our child (rather than
daemonized by ``pg_ctl start``) so that the usual stop/kill/atexit handling owns it.

initdb and postgres refuse to run as root; as root they run as the ``postgres`` user, and
the directory is chowned to it (so under root, a ``base_dir`` you pass must be reachable by
that user: not inside a 0700 directory such as pytest's /tmp/pytest-of-root).
"""

from __future__ import annotations

import os
import pwd
import signal
import subprocess
from pathlib import Path

from ._base import ServerProcess, ServiceError


def pg_bin_dir() -> Path:
    """$ARCHIVE_PG_BIN, else the newest /usr/lib/postgresql/<major>/bin with initdb."""
    if os.environ.get("ARCHIVE_PG_BIN"):
        return Path(os.environ["ARCHIVE_PG_BIN"])
    dirs = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
    )
    for d in reversed(dirs):
        if (d / "initdb").exists():
            return d
    raise ServiceError("PostgreSQL binaries not found: run scripts/install-test-services.sh")


class PostgresServer(ServerProcess):
    """A PostgreSQL cluster on 127.0.0.1:<port> with one database and one password user.

    Connection: ``url`` (SQLAlchemy, ``postgresql+psycopg://user:password@127.0.0.1:PORT/db``),
    ``dsn`` (libpq URI for ``psycopg.connect``), ``host``, ``port``, ``user``, ``password``,
    ``database``, ``socket_dir``. The user is the cluster's superuser. ``fsync=off``: a
    process crash (``kill()``) loses nothing, only a machine crash would, and tests are faster.
    """

    name = "postgres"
    stop_signal = signal.SIGINT  # PostgreSQL's "fast" shutdown: rolls back sessions, checkpoints

    def __init__(
        self,
        base_dir=None,
        port=None,
        *,
        user: str = "archive",
        password: str = "archive",
        database: str = "archive",
        startup_timeout: float | None = None,
        bin_dir: str | os.PathLike | None = None,
    ):
        self.bin_dir = Path(bin_dir) if bin_dir else pg_bin_dir()  # before super(): fail early
        super().__init__(base_dir, port, startup_timeout)
        self.user, self.password, self.database = user, password, database
        self.data_dir = self.base_dir / "data"
        self.socket_dir = self.base_dir / "sock"
        self._as_user: dict = {}
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            self._as_user = {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}:{self.password}@{self.host}:{self.port}/{self.database}"

    def _run(self, *args: str) -> None:
        r = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            cwd=self.base_dir,
            **self._as_user,
        )
        if r.returncode != 0:
            raise ServiceError(
                f"{args[0]} failed ({r.returncode}): {r.stderr.strip() or r.stdout.strip()}"
            )

    def _prepare(self) -> None:
        self.socket_dir.mkdir(exist_ok=True)
        if self._as_user:  # the server's own directories; its log is written through our fd
            for p in (self.base_dir, self.socket_dir):
                os.chown(p, self._as_user["user"], self._as_user["group"])
        if (self.data_dir / "PG_VERSION").exists():
            return
        pwfile = self.base_dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        if self._as_user:
            os.chown(pwfile, self._as_user["user"], self._as_user["group"])
        try:
            options = "--auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8"
            options += " --locale=C.UTF-8 --no-sync"
            user = ["-U", self.user, f"--pwfile={pwfile}"]
            self._run("initdb", "-D", str(self.data_dir), *user, *options.split())
        finally:
            pwfile.unlink(missing_ok=True)

    def _command(self) -> list[str]:
        options = f"-p {self.port} -c listen_addresses={self.host} -c fsync=off".split()
        dirs = ["-D", str(self.data_dir), "-k", str(self.socket_dir)]
        return [str(self.bin_dir / "postgres"), *dirs, *options]

    def _popen_kwargs(self) -> dict:
        return dict(self._as_user)

    def _is_ready(self) -> bool:
        probe = f"-q -h {self.host} -p {self.port} -d postgres -t 1".split()
        r = subprocess.run([str(self.bin_dir / "pg_isready"), *probe], capture_output=True)
        return r.returncode == 0

    def _after_start(self) -> None:
        marker = self.base_dir / "database-created"
        if self.database != "postgres" and not marker.exists():
            sock, port = str(self.socket_dir), str(self.port)
            self._run("createdb", "-h", sock, "-p", port, "-U", self.user, self.database)
            marker.touch()

    def client(self):
        """A new ``psycopg.Connection`` (autocommit off, as psycopg's default)."""
        import psycopg

        return psycopg.connect(self.dsn)

    def settings_env(self) -> dict[str, str]:
        return {"ARCHIVE_DATABASE_URL": self.url}
