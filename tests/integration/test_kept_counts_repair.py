"""When the database stops counting changes by place, `archive doctor` says so and
`archive recount` repairs both the counts and the counting (embedded stack: only SQLite
lets the retention writer's own transaction switch the place trigger off, migration 0018)."""

from __future__ import annotations

import os

from click.testing import CliRunner
from sqlalchemy import text

from archive_app.cli import main
from tests.contract.test_metadata_scale import kept, load, row


def test_GIVEN_counting_stopped_by_a_row_left_behind_THEN_doctor_says_so_and_recount_repairs(
    services, settings
):
    """GIVEN a row left in retention_counts_by_writer (by hand, or by a fault that committed
    the retention writer's switch) WHEN another writer then moves a record's state THEN its
    place counts go stale, `archive doctor` names the fault and its repair, and after
    `archive recount` the counts are exact and the next change is counted again."""
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    store = services.metadata
    ids = load(store, [row(n, retention_state="active") for n in range(1, 5)])
    doctor = runner.invoke(main, ["doctor"], env=env)
    assert "[ok  ] kept counts" in doctor.output, doctor.output

    with store.engines.write.begin() as conn:
        conn.execute(text("INSERT INTO retention_counts_by_writer (writer) VALUES (1)"))
    _move(store, ids[0], "inactive")
    assert kept(store)[("regency", "Karanganyar", "active")] == 4  # stale: 3 are active

    doctor = runner.invoke(main, ["doctor"], env=env)
    assert "[FAIL] kept counts" in doctor.output and "archive recount" in doctor.output
    done = runner.invoke(main, ["recount"], env=env)
    assert done.exit_code == 0, done.output
    assert kept(store)[("regency", "Karanganyar", "active")] == 3
    doctor = runner.invoke(main, ["doctor"], env=env)
    assert "[ok  ] kept counts" in doctor.output

    _move(store, ids[1], "inactive")  # counted as it is written again
    assert kept(store)[("regency", "Karanganyar", "inactive")] == 2
    assert len(store.audit.list(action="counts.recount")) == 1


def _move(store, record_id: str, state: str) -> None:
    """A writer other than the retention refresh (an operator's SQL, a future code path)."""
    with store.engines.write.begin() as conn:
        conn.execute(
            text("UPDATE record_retention SET state = :state WHERE document_id = :id"),
            {"state": state, "id": record_id},
        )
