"""An index outage is not an ingest failure (embedded Tantivy: another writer holds its lock;
the Elasticsearch outage is in test_faults.py)."""

from __future__ import annotations

from archive_app.records import indexing
from archive_app.services import build_services
from tests.conftest import bearer
from tests.integration.api_helpers import upload, wait_settled


def test_an_index_outage_is_not_an_ingest_failure(client, services, tokens, form):
    """GIVEN the index cannot be written (another writer holds it) WHEN a record is processed
    THEN it is ready and safe, marked pending, and caught up once the index is free."""
    blocked = services.settings.with_overrides(index_lock_timeout=0.5)
    impatient = build_services(blocked)
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    with services.index._locked():  # a real writer lock held by someone else
        local = impatient.queue.start_local(1)
        try:
            record = wait_settled(client, tokens["archivist"], record_id)
        finally:
            local.stop()
            impatient.close()
        assert record["status"] == "ready" and record["indexed"] is False
    assert indexing.catch_up(services) == 1
    found = client.get(
        "/api/v1/search", query_string={"q": "kelapamuda"}, headers=bearer(tokens["auditor"])
    ).get_json()
    assert [h["id"] for h in found["hits"]] == [record_id]
