"""What killed processes leave in data/tmp and in the local store's temp folder goes, a day
later; nothing in use does."""

from __future__ import annotations

import os
import time
from datetime import timedelta

from archive_app.domain.clock import utcnow
from archive_app.operations.sweeping import forget_scratch
from archive_app.storage.local import LocalObjectStore

DAY_AND_A_BIT = 26 * 3600


def _age(path, seconds):
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_GIVEN_scratch_of_dead_processes_WHEN_swept_THEN_only_what_nobody_touched_for_a_day_goes(
    tmp_path,
):
    spool = tmp_path / "upload-abc"
    spool.write_bytes(b"half an upload")
    _age(spool, DAY_AND_A_BIT)
    job = tmp_path / "job-1-x"
    (job / "out").mkdir(parents=True)
    (job / "out" / "page.jpg").write_bytes(b"")
    for path in (job / "out" / "page.jpg", job / "out", job):
        _age(path, DAY_AND_A_BIT)
    busy = tmp_path / "backup-y"
    busy.mkdir()
    _age(busy, DAY_AND_A_BIT)
    (busy / "files.jsonl.gz").write_bytes(b"still being written")  # touched now
    (tmp_path / "uploads").mkdir()  # resumable uploads: their own rule
    _age(tmp_path / "uploads", DAY_AND_A_BIT)

    assert forget_scratch(tmp_path, utcnow()) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup-y", "uploads"]
    assert forget_scratch(tmp_path, utcnow() + timedelta(days=2)) == 1  # two days on


def test_a_store_opened_again_removes_temp_files_of_writes_killed_a_day_ago(tmp_path):
    LocalObjectStore(tmp_path)
    old, fresh = tmp_path / ".tmp" / "tmpold", tmp_path / ".tmp" / "tmpnew"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    _age(old, DAY_AND_A_BIT)
    LocalObjectStore(tmp_path)
    assert sorted(p.name for p in (tmp_path / ".tmp").iterdir()) == ["tmpnew"]
