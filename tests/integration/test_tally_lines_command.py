"""`archive tally-lines` writes the kept tally CSV lines of records stored before migration
0020 (or kept in an older layout), so exports join them; the export is the same bytes."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

from click.testing import CliRunner
from sqlalchemy import text

from archive_app.cli import main
from archive_app.records import tally_export
from tests.contract.test_metadata_scale import load, row
from tests.contract.test_tally_lines_kept import a_tally, kept_rows


def test_GIVEN_records_stored_without_kept_lines_THEN_the_command_writes_them(services, settings):
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    store = services.metadata
    ids = load(store, [row(n, tally=json.dumps(a_tally(n)), tally_consistent=True)
                       for n in range(1, 6)])  # fmt: skip
    load(store, [row(9, tally=json.dumps(a_tally(9, label="two\nlines\r\n")))])
    assert kept_rows(store) == {}
    before = "".join(tally_export.csv_lines(SimpleNamespace(metadata=store), {}))
    done = CliRunner().invoke(main, ["tally-lines"], env=env)
    assert done.exit_code == 0, done.output
    assert "Kept the tally lines of 5 record(s)" in done.output
    assert "1 record(s) have counts whose lines cannot be kept" in done.output
    assert kept_rows(store) == dict.fromkeys(ids, 1)
    with store.engines.write.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM tally_lines WHERE lines = ''")) == 0
    after = "".join(tally_export.csv_lines(SimpleNamespace(metadata=store), {}))
    assert after == before and after.count("PASLON 1") == 5 and "two\nlines" in after
    assert len(store.audit.list(action="tally.lines")) == 1
    again = CliRunner().invoke(main, ["tally-lines"], env=env)
    assert "Kept the tally lines of 0 record(s)" in again.output
