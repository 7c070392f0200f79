"""The tally CSV lines kept beside each record (migration 0020) on every database: written
with the counts, gone when the counts change by any writer, never used in another layout,
written for older records by ``keep_tally_lines``; and the export is the same bytes with
them as without them, whatever changed since (place, flags)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

from sqlalchemy import text

from archive_app.domain import tally_lines
from archive_app.domain.entities import PageReadings
from archive_app.records import tally_export
from tests.contract.test_metadata_store import META, PAGE, queued


def a_tally(votes: int, label: str = "PASLON 1") -> dict:
    return {
        "rows": [{"label": label, "votes": votes, "confidence": 0.97, "status": "sure"},
                 {"label": "=2", "votes": 7, "confidence": 0.5, "status": "unsure"}],
        "valid": votes + 7, "invalid": 1, "ballots_used": votes + 8, "consistent": True,
        "confidences": {"valid": 0.9},
        "numbers": [{"key": "users.total.jml", "kind": "users", "votes": 300,
                     "confidence": 0.8, "status": "read"}],
    }  # fmt: skip


def processed_with(store, tally: dict, *, review: bool = False) -> str:
    record_id = queued(store)
    store.jobs.claim(record_id, "w", 60)
    reasons = ["tps: read 7 with low confidence"] if review else []
    store.jobs.finish(record_id, "w", [PAGE], [], 90.0, PageReadings(META, {}, reasons, tally))
    return record_id


def kept_rows(store) -> dict[str, int]:
    with store.engines.write.begin() as s:
        return dict(s.execute(text("SELECT document_id, version FROM tally_lines")).all())


def export(store) -> str:
    return "".join(tally_export.csv_lines(SimpleNamespace(metadata=store), {"tps": 5}))


def written_from_counts(store) -> str:
    """The export with no kept lines: every form written from its counts."""
    with store.engines.write.begin() as s:
        s.execute(text("DELETE FROM tally_lines"))
    return export(store)


def test_GIVEN_counts_stored_THEN_their_lines_are_kept_and_the_export_is_the_same_bytes(
    metadata_store,
):
    store = metadata_store
    first = processed_with(store, a_tally(120))
    second = processed_with(store, a_tally(95, label="two\r\nlines"), review=True)
    third = processed_with(store, a_tally(90, label="nul\x00"))  # PostgreSQL text holds none
    # the second cannot be told apart again, the third not stored: both written each time
    assert kept_rows(store) == {first: tally_lines.VERSION}
    kinds = {f.id: f.kept is not None for f in store.readings.iter_tallies({})}
    assert kinds == {first: True, second: False, third: False}
    assert list(store.readings.keep_tally_lines()) == [(2, 0)]
    joined = export(store)
    # the header, six numbers a form, and the line end inside the quoted label
    assert joined.count("\r\n") == 1 + 3 * 6 + 1
    assert "review" in joined and "two\r\nlines" in joined and "nul\x00" in joined
    assert joined == written_from_counts(store)


def test_GIVEN_the_place_and_the_flags_changed_after_THEN_the_export_shows_them(
    metadata_store,
):
    store = metadata_store
    record_id = processed_with(store, a_tally(120), review=True)
    assert "review" in export(store)
    moved = replace(META, village="Jetis")
    assert store.readings.confirm(record_id, moved, waiting=True)
    assert kept_rows(store) == {record_id: tally_lines.VERSION}  # still kept: counts unchanged
    joined = export(store)
    assert ",Jetis," in joined and "Papahan" not in joined and "review" not in joined
    assert joined == written_from_counts(store)


def test_GIVEN_counts_changed_by_any_writer_THEN_the_kept_lines_go_and_the_new_counts_show(
    metadata_store,
):
    store = metadata_store
    record_id = processed_with(store, a_tally(120))
    other = processed_with(store, a_tally(80))
    before = kept_rows(store)
    with store.engines.write.begin() as s:  # a tool writing the column, not the application
        s.execute(
            text("UPDATE documents SET tally = replace(tally, '120', '121') WHERE id = :id"),
            {"id": record_id},
        )
        s.execute(text("UPDATE documents SET tally = tally WHERE id = :id"), {"id": other})
    assert kept_rows(store) == {other: before[other]}  # the same counts keep their lines
    joined = export(store)
    assert "PASLON 1,121," in joined and "PASLON 1,120," not in joined
    assert joined == written_from_counts(store)


def test_GIVEN_lines_of_another_layout_or_none_THEN_they_are_not_used_and_are_written_again(
    metadata_store,
):
    store = metadata_store
    ids = sorted(processed_with(store, a_tally(n)) for n in (10, 20, 30))
    expected = export(store)
    with store.engines.write.begin() as s:
        s.execute(
            text("UPDATE tally_lines SET version = 0, lines = 'x' WHERE document_id = :i"),
            {"i": ids[0]},
        )
        s.execute(text("DELETE FROM tally_lines WHERE document_id = :i"), {"i": ids[1]})
    assert [f.kept is None for f in store.readings.iter_tallies({})] == [True, True, False]
    assert export(store) == expected
    assert list(store.readings.keep_tally_lines(batch_size=1)) == [(1, 1), (1, 1)]
    assert kept_rows(store) == dict.fromkeys(ids, tally_lines.VERSION)
    assert list(store.readings.keep_tally_lines()) == []
    assert export(store) == expected
    # the last record's lines gone: found past records that lack none (a batch is the
    # missing ones among the next ids, so a batch with none does not end the walk)
    with store.engines.write.begin() as s:
        s.execute(text("DELETE FROM tally_lines WHERE document_id = :i"), {"i": ids[2]})
    assert list(store.readings.keep_tally_lines(batch_size=1)) == [(1, 1)]
    assert kept_rows(store) == dict.fromkeys(ids, tally_lines.VERSION)


def test_GIVEN_a_record_deleted_THEN_its_kept_lines_go_with_it(metadata_store):
    store = metadata_store
    record_id = processed_with(store, a_tally(120))
    with store.engines.write.begin() as s:
        for table in ("stored_files", "pages", "record_retention", "index_queue"):
            column = "document_id"
            s.execute(text(f"DELETE FROM {table} WHERE {column} = :i"), {"i": record_id})
        s.execute(text("DELETE FROM documents WHERE id = :i"), {"i": record_id})
    assert kept_rows(store) == {}
