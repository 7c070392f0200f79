"""The hot folder's bookkeeping on a real folder: when a file counts as complete, and what
happens to a file that keeps failing for reasons of its own. Time is a clock the test
moves, so nothing here sleeps."""

from __future__ import annotations

import os

from archive_app.intake import hotfolder
from archive_app.intake.hotfolder import HotFolder


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def grow(path, data: bytes) -> None:
    """Write, and move the modification time on as a scanner writing on would."""
    path.write_bytes(data)
    stamp = os.stat(path).st_mtime_ns + 1_000_000
    os.utime(path, ns=(stamp, stamp))


def test_a_file_is_taken_only_once_it_stopped_changing(tmp_path):
    clock = Clock()
    hot = HotFolder(tmp_path, settle=0.2, clock=clock)
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.7 half")
    assert hot.complete_files() == []  # first sight
    clock.now += 0.1
    grow(scan, b"%PDF-1.7 half and more")
    assert hot.complete_files() == []  # still growing
    clock.now += 0.1
    assert hot.complete_files() == []  # unchanged, but not for `settle` yet
    clock.now += 0.15
    assert hot.complete_files() == [scan]
    (tmp_path / "copy.pdf.part").write_bytes(b"x")
    clock.now += 10
    assert hot.complete_files() == [scan]  # partial downloads are never taken


def test_an_empty_file_is_given_longer_then_taken_so_it_does_not_sit_there(tmp_path):
    clock = Clock()
    hot = HotFolder(tmp_path, settle=0.1, clock=clock)
    empty = tmp_path / "placeholder.jpg"
    empty.touch()
    hot.complete_files()
    clock.now += hotfolder.EMPTY_SETTLE - 1
    assert hot.complete_files() == []  # a scanner may still fill it
    clock.now += 1
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
