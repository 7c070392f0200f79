"""Backends for the contract suites: every port's suite runs once per implementation."""

from __future__ import annotations

import pytest

from tests.conftest import make_settings

OBJECT_STORES = ["local"]
METADATA_STORES = ["sqlite"]
SEARCH_INDEXES = ["tantivy"]


@pytest.fixture(params=OBJECT_STORES)
def object_store(request, tmp_path):
    from archive_app.services import build_objects

    return build_objects(make_settings(tmp_path / "data", object_store=request.param))


@pytest.fixture(params=METADATA_STORES)
def metadata_store(request, tmp_path):
    from archive_app.db.sql_store import SqlMetadataStore

    store = SqlMetadataStore.from_settings(make_settings(tmp_path / "data"))
    store.migrate()
    yield store
    store.close()


@pytest.fixture(params=SEARCH_INDEXES)
def search_index(request, tmp_path):
    from archive_app.services import build_index

    return build_index(make_settings(tmp_path / "data", search_backend=request.param))
