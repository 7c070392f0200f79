"""Two writers racing to index one record: the current copy must win, on both engines."""

from __future__ import annotations

import dataclasses

import pytest

from archive_app.records import indexing
from search.interfaces import SearchQuery
from tests.conftest import bearer
from tests.contract.test_metadata_store import processed
from tests.integration.api_helpers import settings_for, upload, wait_settled


@pytest.fixture(params=["embedded", "scaleout"])
def settings(request, tmp_path):
    return settings_for(request, tmp_path)


def test_an_older_copy_written_last_is_replaced_by_the_current_one(
    client, services, tokens, worker, form
):
    """GIVEN a writer has read a record WHEN a correction is saved and indexed before that
    writer's older copy reaches the index THEN the record is found by its corrected value.

    The interleaving is forced by holding back the first writer's call to the real index
    until the correction has been indexed; both writes go to the real engine.
    """
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    assert wait_settled(client, tokens["auditor"], record_id)["status"] == "ready"
    records, engine_write = services.metadata.records, services.index.index

    def held_back(batch):
        services.index.index = engine_write
        corrected = dataclasses.replace(records.get(record_id).metadata, tps=77)
        records.update_metadata(record_id, corrected)
        assert indexing.index_records(services, [record_id])  # the correction's own writer
        engine_write(batch)  # ...then the first writer's older copy lands

    services.index.index = held_back
    try:
        assert indexing.index_records(services, [record_id])
    finally:
        services.index.index = engine_write
    found = client.get(
        "/api/v1/search", query_string={"tps": "77"}, headers=bearer(tokens["auditor"])
    ).get_json()
    assert [hit["id"] for hit in found["hits"]] == [record_id]
    assert services.metadata.index_state.pending_index(10) == []


@pytest.mark.parametrize("settings", ["scaleout"], indirect=True)  # writers wait on Tantivy's
def test_a_copy_a_writer_left_in_the_index_being_built_never_stands_for_a_later_change(
    services,
):
    """GIVEN a rebuild is loading a new index WHEN a writer indexes a record (into both
    indexes) and the record is then corrected, before the rebuild reads it THEN the new
    index keeps the writer's older copy over the rebuild's, so the rebuild leaves the
    record pending, and its catch-up indexes the correction.

    The writer's turn comes from the rebuild's own progress callback: after the first
    record was read, before the second is.
    """
    store = services.metadata
    first, later = sorted(processed(store, 2))
    assert indexing.index_records(services, [first, later])
    turns = []

    def writer_between(_read: int) -> None:
        turns.append(_read)
        if len(turns) == 1:
            assert indexing.index_records(services, [later])  # the writer's copy, tps 5
            corrected = dataclasses.replace(store.records.get(later).metadata, tps=77)
            store.records.update_metadata(later, corrected)

    assert indexing.reindex(services, progress=writer_between, batch_size=1) == 2
    assert len(turns) == 2
    found = services.index.search(SearchQuery(filters={"tps": 77}))
    assert [hit.id for hit in found.hits] == [later]
    assert store.index_state.pending_index(10) == []
