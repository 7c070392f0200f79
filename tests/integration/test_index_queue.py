"""Records queued for the search index by a new retention state (index_queue, migration
0014): what the catch-up makes of them when a disposal or a refresh comes in between, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from archive_app.recordkeeping import disposition, holds, retention
from archive_app.records import indexing, processing
from search.query import parse_search
from tests.conftest import make_settings
from tests.integration.records_helpers import add, with_officers
from tests.interleave import held_at_commit


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path):
    extra = request.getfixturevalue("pg_settings") if request.param == "postgresql" else {}
    return make_settings(tmp_path / "data", **extra)


@pytest.fixture
def archive(services):
    return with_officers(services)


def indexed_as(services, record_id: str) -> list[str]:
    """The retention states under which the index finds the record (none: not in it)."""
    found = []
    for state in ("active", "inactive", "due", "on_hold", "disposed"):
        hits = services.index.search(parse_search({"retention": state})).hits
        if record_id in {hit.id for hit in hits}:
            found.append(state)
    return found


def ready(services, n: int) -> str:
    """A record processed as a worker does it (ready, its steps after ready done, indexed):
    C.KEJADIAN 2014, due for destruction."""
    record_id = add(services, n)
    processing.process(services, record_id)
    assert services.metadata.records.get(record_id).status.value == "ready"
    assert indexed_as(services, record_id) == ["due"]
    return record_id


def test_GIVEN_a_record_queued_by_a_refresh_WHEN_it_is_destroyed_THEN_the_catch_up_leaves_it_out(
    archive,
):
    """GIVEN a record a refresh queued for the index (a hold on it released: it is due
    again) WHEN it is destroyed before the next catch-up THEN that catch-up does not put it
    back into the index, whose entry the destruction deleted: the queue row went with it."""
    record_id = ready(archive, 1)
    hold = holds.place(archive, reason="Sengketa", case_ref="PHP 3/2024",
                       document_ids=[record_id], actor="pengelola")  # fmt: skip
    indexing.catch_up(archive)
    assert indexed_as(archive, record_id) == ["on_hold"]
    assert holds.release(archive, hold, "Putusan sudah berkekuatan hukum tetap", "pengelola")
    assert archive.metadata.index_state.pending_index(10) == [record_id]  # queued, due

    list_id = disposition.propose(archive, "destroy", [record_id], "usul musnah", "pengelola")
    disposition.decide(archive, list_id, True, "Sesuai JRA, disetujui", "pejabat")
    assert disposition.execute(archive, list_id, "pengelola")["done"] == 1
    assert indexed_as(archive, record_id) == []

    indexing.catch_up(archive)
    assert indexed_as(archive, record_id) == []
    assert archive.index.search(parse_search({"q": record_id})).total == 0
    assert archive.metadata.index_state.pending_index(10) == []


def test_GIVEN_a_refresh_committing_while_the_catch_up_indexes_THEN_its_state_reaches_the_index(
    archive,
):
    """GIVEN a record queued with a new state WHEN a refresh gives it another one, stamped
    before the catch-up reads the record and committed after that read, THEN the catch-up
    ends with the newer state in the index (it indexes the record again), not the one it
    read.

    The interleaving is real: the refresh runs on a thread of its own and is held at its
    commit, the catch-up reads the record, and the refresh is let go while the catch-up
    writes to the index. A queue row was removed when its stamp was no later than the
    read, so the refresh's row went with the older state the index had taken."""
    record_id = ready(archive, 1)
    rows = retention.schedule_rows(retention.schedule(archive))
    longer = [{**r, "inactive_years": 50} if r["code"] == "KEJADIAN" else r for r in rows]
    retention.save_schedule(archive, longer, "perpanjang retensi", "pengelola")
    assert archive.metadata.records.get(record_id).retention_state == "inactive"
    assert archive.metadata.index_state.pending_index(10) == [record_id]
    # the schedule back as it was, stored without the refresh that follows it...
    archive.metadata.schedules.save(rows, "kembali ke JRA semula", "pengelola")

    engine_write, writes = archive.index.index, archive.metadata.engines.write
    # ...which this refresh does (due again): stamped now, held at its commit
    with held_at_commit(writes, lambda: retention.refresh(archive, ids=[record_id])) as commit:

        def index_then_commit(batch):
            archive.index.index = engine_write
            commit()  # between the catch-up's read and its marking
            engine_write(batch)

        archive.index.index = index_then_commit
        try:
            indexing.catch_up(archive)
        finally:
            archive.index.index = engine_write
    assert archive.metadata.records.get(record_id).retention_state == "due"
    assert indexed_as(archive, record_id) == ["due"]
    assert archive.metadata.index_state.pending_index(10) == []


def test_GIVEN_a_destroyed_record_WHEN_the_index_is_rebuilt_THEN_it_stays_out(archive):
    """GIVEN a record destroyed (its index entry deleted with its content) WHEN the index is
    rebuilt from the records (`archive reindex`) THEN it is not put back, and a record kept
    beside it is."""
    gone, kept = ready(archive, 1), ready(archive, 2)
    list_id = disposition.propose(archive, "destroy", [gone], "usul musnah", "pengelola")
    disposition.decide(archive, list_id, True, "Sesuai JRA, disetujui", "pejabat")
    assert disposition.execute(archive, list_id, "pengelola")["done"] == 1
    assert indexed_as(archive, gone) == []

    indexing.reindex(archive)
    assert indexed_as(archive, gone) == [] and indexed_as(archive, kept) == ["due"]


def test_GIVEN_a_record_the_index_has_not_taken_WHEN_held_by_a_retention_filter_THEN_it_is_held(
    archive,
):
    """GIVEN two records due for destruction, one of them not in the index (an outage: its
    entry missing, its row pending) WHEN a hold is placed on the search "retention: due"
    THEN both are held: the one outside the index is matched on its retention state as the
    index would match it."""
    from sqlalchemy import update

    from archive_app.db.models import RecordRow
    from archive_app.db.session import Sessions

    seen, unseen = ready(archive, 1), ready(archive, 2)
    archive.index.delete([unseen])
    with Sessions(archive.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id == unseen).values(index_state="pending"))
    hold = holds.place(archive, reason="Sengketa", case_ref="PHP 4/2024",
                       query={"retention": "due"}, actor="pengelola")  # fmt: skip
    assert sorted(archive.metadata.holds.document_ids(hold)) == sorted([seen, unseen])
