"""The hot folder's bookkeeping on a real folder: when a file counts as complete, and what
happens to a file that keeps failing for reasons of its own."""

from __future__ import annotations

import time

from archive_app.intake import hotfolder
from archive_app.intake.hotfolder import HotFolder


def test_a_file_is_taken_only_once_it_stopped_changing(tmp_path):
    hot = HotFolder(tmp_path, settle=0.2)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7 half")
    assert hot.complete_files() == []  # first sight
    time.sleep(0.1)
    scan.write_bytes(b"%PDF-1.7 half and more")
    assert hot.complete_files() == []  # still growing
    time.sleep(0.3)
    assert hot.complete_files() == [scan]
    (tmp_path / "copy.pdf.part").write_bytes(b"x")
    time.sleep(0.3)
    assert hot.complete_files() == [scan]  # partial downloads are never taken


def test_an_empty_file_is_given_longer_then_taken_so_it_does_not_sit_there(tmp_path, monkeypatch):
    monkeypatch.setattr(hotfolder, "EMPTY_SETTLE", 0.5)
    hot = HotFolder(tmp_path, settle=0.1)
    empty = tmp_path / "placeholder.jpg"
    empty.touch()
    hot.complete_files()
    time.sleep(0.2)
    assert hot.complete_files() == []  # a scanner may still fill it
    time.sleep(0.4)
    assert hot.complete_files() == [empty]


def test_a_file_that_keeps_failing_goes_to_failed_with_the_error(tmp_path):
    hot = HotFolder(tmp_path, settle=0)
    scan = tmp_path / "scan.png"
    scan.write_bytes(b"\x89PNG")
    assert hot.give_up(scan, "StoreUnavailable: away") == ""
    assert hot.give_up(scan, "StoreUnavailable: away") == ""
    assert scan.exists()  # kept for the next look while the error may pass
    assert hot.give_up(scan, "StoreUnavailable: still away") == "failed/scan.png"
    assert not scan.exists()
    error = (tmp_path / "failed" / "scan.png.error.txt").read_text()
    assert error == "scan.png: StoreUnavailable: still away\n"
