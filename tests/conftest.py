"""Shared fixtures: a fresh archive per test on the embedded backends, users of every role,
real task workers, and the sample scans from ../shared/samples (used in place).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from archive_app import accounts
from archive_app.domain.roles import Role
from config.settings import load_settings

PASSWORD = "correct horse battery"

# Property tests check what is true, not how fast examples come on a shared 2-core machine:
# a per-example deadline and the "generation is slow" check only made them flaky under load.
hypothesis_settings.register_profile(
    "archive", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("archive")


def pytest_report_header(config):
    """Say what the tests run against, so a green run shows what it proved."""
    import shutil
    import subprocess

    import elasticsearch
    import minio
    import tantivy

    def first_line(*cmd):
        if not shutil.which(cmd[0]):
            return "not installed"
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        return (out.stdout or out.stderr).splitlines()[0].strip()

    return [
        f"tesseract: {first_line('tesseract', '--version')}; chromium: "
        f"{first_line('chromium', '--version')}",
        f"clients: tantivy {tantivy.__version__}, elasticsearch {elasticsearch.__versionstr__}, "
        f"minio {minio.__version__}; CI={os.environ.get('CI', '')!r} (skips fail in CI)",
    ]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI nothing may be skipped: a backend that did not run is a failure, not a pass."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which counts as a failure: {report.longrepr}"


def samples_dir() -> Path:
    """The shared sample scans: $ARCHIVE_SAMPLES_DIR, ../shared/samples, or /work/shared/samples."""
    candidates = [
        os.environ.get("ARCHIVE_SAMPLES_DIR"),
        Path(__file__).resolve().parents[2] / "shared" / "samples",
        "/work/shared/samples",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "real-scans").is_dir():
            return Path(candidate)
    raise RuntimeError("sample scans not found; set ARCHIVE_SAMPLES_DIR")


@pytest.fixture(scope="session")
def real_scans() -> Path:
    return samples_dir() / "real-scans"


def make_settings(data_dir: Path, **overrides):
    defaults = dict(
        data_dir=data_dir,
        secret_key="test-secret-key",
        job_lease_seconds=6,
        index_lock_timeout=10.0,
    )
    defaults.update(overrides)
    return load_settings(env={}, **defaults)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "data")


@pytest.fixture
def services(settings):
    from archive_app.services import build_services

    svc = build_services(settings)
    svc.metadata.migrate()
    yield svc
    svc.close()


@pytest.fixture
def app(services):
    from archive_app import create_app

    app = create_app(services.settings, services)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def tokens(services) -> dict[str, str]:
    """One user per role (named after it) and an API token for each."""
    issued = {}
    for role in Role:
        accounts.create_user(services, role.value.replace("_", "-"), PASSWORD, role, "test")
        issued[role.value] = accounts.create_token(
            services, role.value.replace("_", "-"), "test", "test"
        )
    return issued


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def worker(services):
    """Real task workers (threads) consuming the real queue while the test runs."""
    local = services.queue.start_local(2)
    yield local
    local.stop()


# --- real scale-out servers (tests/services), started once per session -----------------------


def _start_server(cls):
    """Start a real server; outside CI a missing one skips, in CI it fails the run. A start
    that fails is tried once more on fresh ports: another process may take a port between
    the moment it is found free and the server binding it."""
    for attempt in (1, 2):
        server = cls()
        try:
            server.start()
            return server
        except Exception as exc:  # not installed, port trouble, startup timeout...
            server.close()
            if attempt == 2:
                _missing(f"{cls.__name__} could not start: {exc} "
                         "(run scripts/install-test-services.sh)")  # fmt: skip
    raise AssertionError("unreachable")


def _missing(message: str):
    """A real test service is not there: in CI (``make test`` installs every one) the run
    fails; on a developer's machine without it, the tests that need it are skipped."""
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def verapdf():
    """veraPDF, the PDF/A validator (tests/services/verapdf.py); outside CI a missing one
    skips, in CI it fails the run."""
    from tests.services import ServiceError, VeraPdf

    try:
        return VeraPdf()
    except ServiceError as exc:
        _missing(str(exc))


@pytest.fixture(scope="session")
def minio_server():
    from tests.services import MinioServer

    server = _start_server(MinioServer)
    yield server
    server.close()


@pytest.fixture(scope="session")
def es_server():
    from tests.services import ElasticsearchServer

    server = _start_server(ElasticsearchServer)
    yield server
    server.close()


@pytest.fixture(scope="session")
def pg_server():
    from tests.services import PostgresServer

    server = _start_server(PostgresServer)
    yield server
    server.close()


@pytest.fixture(scope="session")
def redis_server():
    from tests.services import RedisServer

    server = _start_server(RedisServer)
    yield server
    server.close()


def unique(prefix: str) -> str:
    import uuid

    return f"{prefix}{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3_settings(minio_server) -> dict:
    """Overrides pointing at the test MinIO, with a bucket of this test's own."""
    return dict(
        object_store="s3", s3_endpoint=minio_server.endpoint,
        s3_access_key=minio_server.access_key, s3_secret_key=minio_server.secret_key,
        s3_region=minio_server.region, s3_bucket=unique("t-"),
    )  # fmt: skip


@pytest.fixture
def es_settings(es_server) -> dict:
    return dict(
        search_backend="elasticsearch", elasticsearch_url=es_server.url,
        elasticsearch_index=unique("t-"),
    )  # fmt: skip


@pytest.fixture
def pg_settings(pg_server):
    """A database of this test's own on the test PostgreSQL server."""
    import psycopg

    name = unique("t_")
    dsn = pg_server.dsn
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield dict(database_url=pg_server.url.rsplit("/", 1)[0] + f"/{name}")
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_settings(redis_server) -> dict:
    import redis

    redis.Redis.from_url(redis_server.url).flushdb()
    return dict(queue_backend="redis", redis_url=redis_server.url)
