"""Backends for the contract suites: every port's suite runs once per implementation."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings

OBJECT_STORES = ["local", "s3"]
METADATA_STORES = ["sqlite", "postgresql"]
SEARCH_INDEXES = ["tantivy", "elasticsearch"]


@pytest.fixture(params=OBJECT_STORES)
def object_store(request, tmp_path):
    from archive_app.services import build_objects

    extra = request.getfixturevalue("s3_settings") if request.param == "s3" else {}
    settings = make_settings(tmp_path / "data", **{"object_store": request.param, **extra})
    return build_objects(settings)


@pytest.fixture(params=METADATA_STORES)
def metadata_store(request, tmp_path):
    from archive_app.db.sql_store import SqlMetadataStore

    extra = request.getfixturevalue("pg_settings") if request.param == "postgresql" else {}
    store = SqlMetadataStore.from_settings(make_settings(tmp_path / "data", **extra))
    store.migrate()
    yield store
    store.close()


@pytest.fixture(params=SEARCH_INDEXES)
def search_index(request, tmp_path):
    from archive_app.services import build_index

    extra = {"search_backend": request.param}
    if request.param == "elasticsearch":
        extra = request.getfixturevalue("es_settings")
    index = build_index(make_settings(tmp_path / "data", **extra))
    yield index
    if request.param == "elasticsearch":
        index.drop()  # this test's indices, half-built ones included


QUEUES = ["sqlite", "redis"]


@pytest.fixture(params=QUEUES)
def queue_services(request, tmp_path):
    """Full services whose task queue is the adapter under test (the rest embedded)."""
    from archive_app.services import build_services

    extra = request.getfixturevalue("redis_settings") if request.param == "redis" else {}
    services = build_services(make_settings(tmp_path / "data", **extra))
    services.metadata.migrate()
    yield services
    services.close()
