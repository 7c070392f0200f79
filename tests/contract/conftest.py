"""Backends for the contract suites: every port's suite runs once per implementation."""

from __future__ import annotations

import pytest

from config.settings import BACKENDS
from tests.conftest import make_settings

# The same registry the settings accept: a new adapter is contract-tested the day it exists.
OBJECT_STORES = list(BACKENDS["object_store"])
METADATA_STORES = list(BACKENDS["metadata"])
SEARCH_INDEXES = list(BACKENDS["search_backend"])
QUEUES = list(BACKENDS["queue_backend"])
# How each scale-out adapter's real test server is reached (tests/conftest.py fixtures).
SERVER_SETTINGS = {
    "s3": "s3_settings",
    "postgresql": "pg_settings",
    "elasticsearch": "es_settings",
    "redis": "redis_settings",
}


def server_settings(request, backend: str) -> dict:
    """Settings overrides for ``backend``: none for the embedded ones."""
    embedded = {names[0] for names in BACKENDS.values()}
    return {} if backend in embedded else request.getfixturevalue(SERVER_SETTINGS[backend])


@pytest.fixture(params=OBJECT_STORES)
def object_store(request, tmp_path):
    from archive_app.services import build_objects

    extra = server_settings(request, request.param)
    settings = make_settings(tmp_path / "data", **{"object_store": request.param, **extra})
    return build_objects(settings)


@pytest.fixture(params=METADATA_STORES)
def metadata_store(request, tmp_path):
    from archive_app.db.sql_store import SqlMetadataStore

    extra = server_settings(request, request.param)
    store = SqlMetadataStore.from_settings(make_settings(tmp_path / "data", **extra))
    store.migrate()
    yield store
    store.close()


@pytest.fixture(params=SEARCH_INDEXES)
def search_index(request, tmp_path):
    from archive_app.services import build_index

    extra = {"search_backend": request.param, **server_settings(request, request.param)}
    index = build_index(make_settings(tmp_path / "data", **extra))
    yield index
    if request.param == "elasticsearch":
        index.drop()  # this test's indices, half-built ones included


@pytest.fixture(params=QUEUES)
def queue_services(request, tmp_path):
    """Full services whose task queue is the adapter under test (the rest embedded)."""
    from archive_app.services import build_services

    extra = server_settings(request, request.param)
    services = build_services(make_settings(tmp_path / "data", **extra))
    services.metadata.migrate()
    yield services
    services.close()
