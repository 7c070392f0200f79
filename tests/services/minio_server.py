"""MinIO, the S3 object store, built from source by scripts/install-test-services.sh.

Why a real MinIO: the S3 adapter's behaviour under errors, restarts and multipart uploads
is what tests must see, and a fake S3 would not show it. The binary is a separate program
(like PostgreSQL); nothing of MinIO is imported or committed.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from ._base import ServerProcess, ServiceError, cache_dir, free_port, http_status


def minio_binary() -> str:
    """$ARCHIVE_MINIO_BIN, else the installer's cached build, else `minio` on PATH."""
    for candidate in (
        os.environ.get("ARCHIVE_MINIO_BIN"),
        cache_dir() / "minio" / "current" / "minio",
        shutil.which("minio"),
    ):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    raise ServiceError("minio not built: run scripts/install-test-services.sh")


# MinIO refuses a write that would leave less than 1 % of its drive free (reserved blocks
# not counted), and counts an upload of unknown size (a stream) as 1 GiB, twice over for
# erasure coding (cmd/object-api-utils.go, hasSpaceFor). Past that every S3 test fails
# with errors that do not say why; the suite then fails at once, saying why.
FILL_FRACTION, STREAM_BYTES, MARGIN_BYTES = 0.99, 2 << 30, 1 << 30


def _enough_room(path: Path) -> None:
    fs = os.statvfs(path)
    total = fs.f_frsize * (fs.f_blocks - (fs.f_bfree - fs.f_bavail))
    free = fs.f_frsize * fs.f_bavail
    need = total * (1 - FILL_FRACTION) + STREAM_BYTES + MARGIN_BYTES
    if free < need:
        raise ServiceError(
            f"MinIO would refuse uploads: {free / 2**30:.1f} GiB free on the drive of {path},"
            f" it needs {need / 2**30:.1f} GiB (1 % of the drive, 2 GiB for a streamed upload"
            " and a margin for the tests): free some space"
        )


class MinioServer(ServerProcess):
    """``minio server DIR`` on 127.0.0.1:<port>; objects persist in ``data_dir`` across restarts.

    Connection: ``endpoint`` ("127.0.0.1:PORT", as the minio client wants it), ``url``,
    ``access_key``, ``secret_key``, ``secure`` (False), ``region``. ``client()`` returns a
    ``minio.Minio`` for it.
    """

    name = "minio"

    def __init__(
        self,
        base_dir=None,
        port=None,
        *,
        access_key: str = "archive-test",
        secret_key: str = "archive-test-secret",
        region: str = "us-east-1",
        startup_timeout: float | None = None,
        binary: str | None = None,
    ):
        self.binary = binary or minio_binary()  # before super(): fail before making a temp dir
        super().__init__(base_dir, port, startup_timeout)
        self.access_key = access_key
        self.secret_key = secret_key  # MinIO wants at least 8 characters
        self.region = region
        self.secure = False
        self.console_port = free_port()
        self.data_dir = self.base_dir / "data"

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.base_dir / "certs").mkdir(exist_ok=True)
        _enough_room(self.data_dir)

    def _command(self) -> list[str]:
        return [
            self.binary,
            "server",
            str(self.data_dir),
            "--address",
            self.endpoint,
            "--console-address",
            f"{self.host}:{self.console_port}",
            "--certs-dir",
            str(self.base_dir / "certs"),
        ]  # not ~/.minio/certs

    def _env(self) -> dict[str, str]:
        return {
            "MINIO_ROOT_USER": self.access_key,
            "MINIO_ROOT_PASSWORD": self.secret_key,
            "MINIO_REGION": self.region,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
        }

    def _is_ready(self) -> bool:
        return http_status(f"{self.url}/minio/health/ready", timeout=1) == 200

    def client(self):
        from minio import Minio

        return Minio(
            self.endpoint,
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region=self.region,
        )

    def settings_env(self) -> dict[str, str]:
        return {
            "ARCHIVE_OBJECT_STORE": "s3",
            "ARCHIVE_S3_ENDPOINT": self.endpoint,
            "ARCHIVE_S3_ACCESS_KEY": self.access_key,
            "ARCHIVE_S3_SECRET_KEY": self.secret_key,
            "ARCHIVE_S3_SECURE": "false",
            "ARCHIVE_S3_REGION": self.region,
        }
