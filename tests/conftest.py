"""Shared fixtures: a fresh archive per test on the embedded backends, users of every role,
real task workers, and the sample scans from ../shared/samples (used in place).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive_app import accounts
from archive_app.domain.roles import Role
from config.settings import load_settings

PASSWORD = "correct horse battery"


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
