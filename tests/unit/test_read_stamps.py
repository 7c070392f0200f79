"""What a rebuild keeps of what it read (records.indexing.ReadStamps)."""

from __future__ import annotations

from datetime import datetime, timedelta

from archive_app.domain.entities import IndexSource
from archive_app.records.indexing import ReadStamps

AT = datetime(2026, 12, 7, 10, 0, 0, 123456)


def source(n: int, *, pending: bool = False, queued: datetime | None = None) -> IndexSource:
    stamp = AT + timedelta(seconds=n)
    return IndexSource(f"r{n}", {}, "active", (), AT, stamp, (), queued, pending)


def test_GIVEN_batches_read_THEN_only_the_stamps_of_pending_and_queued_records_are_found():
    """Over several batches: a pending row is found by its own stamp only, a queue row by
    its queue stamp only, and a record the index had taken is not kept at all (its next
    change makes it pending with a stamp that is then not found)."""
    read = ReadStamps()
    read.add([source(3, pending=True), source(1), source(2, queued=AT)])
    read.add([])
    read.add([source(5, pending=True, queued=AT + timedelta(hours=1)), source(4, pending=True)])

    assert [read.row_read(f"r{n}", AT + timedelta(seconds=n)) for n in range(1, 6)] == [
        False, False, True, True, True,
    ]  # fmt: skip
    assert not read.row_read("r3", AT)  # another stamp
    assert not read.row_read("r9", AT + timedelta(seconds=3))  # another record
    assert read.queue_read("r2", AT) and read.queue_read("r5", AT + timedelta(hours=1))
    assert not read.queue_read("r5", AT) and not read.queue_read("r3", AT + timedelta(seconds=3))


def test_GIVEN_nothing_read_THEN_nothing_is_found():
    read = ReadStamps()
    assert not read.row_read("r1", AT) and not read.queue_read("r1", AT)


def test_GIVEN_records_the_new_index_did_not_take_THEN_none_of_their_stamps_counts_as_read():
    """A writer's copy stood in the new index where the rebuild's was refused: the record
    stays pending and queued, whatever was read with it; the others are found as before."""
    read = ReadStamps()
    read.add([source(1, pending=True, queued=AT), source(2, pending=True, queued=AT)])
    read.not_taken(["r1"])
    read.not_taken([])
    assert not read.row_read("r1", AT + timedelta(seconds=1)) and not read.queue_read("r1", AT)
    assert read.row_read("r2", AT + timedelta(seconds=2)) and read.queue_read("r2", AT)
