"""Exports are opened in spreadsheets: text read from a page must not run there."""

from __future__ import annotations

import pytest

from archive_app.domain.spreadsheet import defuse as _text


@pytest.mark.parametrize(
    ("read", "written"),
    [("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+62", "'+62"), ("-1", "'-1"),
     ("@SUM(A1)", "'@SUM(A1)"), ("Paslon 01 Anies", "Paslon 01 Anies"), ("", "")],
)  # fmt: skip
def test_text_that_a_spreadsheet_would_run_is_written_as_text(read, written):
    assert _text(read) == written
