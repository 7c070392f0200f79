"""A hot folder: files a scanner (or a person) drops are archived once they are complete.

A file counts as complete when its size and modification time have not changed for
``settle`` seconds: scanners and network copies write in pieces, and a half-written PDF
must not be archived (it would be refused as damaged, or worse, accepted short). After
ingest the file moves to ``done/`` (archived, or already in the archive) or ``failed/``
(refused, with a ``.error.txt`` beside it saying why), so nothing is taken twice.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from archive_app.domain.records import Received

IGNORED_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial", "~")
MAX_TRIES = 3  # unexpected errors on one file before it is moved to failed/
EMPTY_SETTLE = 60.0  # an empty file may be a scanner's placeholder: wait longer for it


class HotFolder:
    def __init__(self, root: Path, settle: float, clock: Callable[[], float] = time.monotonic):
        """``clock``: seconds from any fixed start (tests hand in their own)."""
        self.root = root
        self.settle = settle
        self.clock = clock
        self.done = root / "done"
        self.failed = root / "failed"
        self.done.mkdir(exist_ok=True)
        self.failed.mkdir(exist_ok=True)
        self._seen: dict[Path, tuple[int, int, float]] = {}
        self._tries: dict[Path, int] = {}

    def _candidates(self) -> list[Path]:
        return sorted(
            p for p in self.root.iterdir()
            if p.is_file() and not p.name.startswith(".") and not p.name.endswith(IGNORED_SUFFIXES)
        )  # fmt: skip

    def complete_files(self) -> list[Path]:
        now = self.clock()
        ready = []
        current = self._candidates()
        for path in current:
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            stamp = (st.st_size, st.st_mtime_ns)
            seen = self._seen.get(path)
            if seen is None or seen[:2] != stamp:
                self._seen[path] = (*stamp, now)
            elif now - seen[2] >= (self.settle if st.st_size else max(self.settle, EMPTY_SETTLE)):
                ready.append(path)  # an empty one is refused as empty, and filed away
        for gone in set(self._seen) - set(current):
            del self._seen[gone]
        return ready

    def pending(self) -> bool:
        return bool(self._candidates())

    def give_up(self, path: Path, error: str) -> str:
        """Count an unexpected error on ``path``: "" while it may still pass (it stays for the
        next look), and where it went once MAX_TRIES moved it to failed/ with the error."""
        self._tries[path] = self._tries.get(path, 0) + 1
        if self._tries[path] < MAX_TRIES:
            return ""
        return self._move(path, ok=False, reasons=f"{path.name}: {error}")

    def file_away(self, path: Path, outcomes) -> str:
        """Move the file to done/ or failed/ (never overwriting); returns where it went."""
        ok = all(o.outcome is not Received.REJECTED for o in outcomes)
        reasons = "\n".join(
            f"{o.name}: {o.message}" for o in outcomes if o.outcome is Received.REJECTED
        )
        return self._move(path, ok=ok, reasons=reasons)

    def _move(self, path: Path, *, ok: bool, reasons: str) -> str:
        target_dir = self.done if ok else self.failed
        target = target_dir / path.name
        n = 1
        while target.exists():
            target = target_dir / f"{path.stem}.{n}{path.suffix}"
            n += 1
        shutil.move(str(path), target)
        if not ok:
            target.with_name(target.name + ".error.txt").write_text(reasons + "\n", "utf-8")
        self._seen.pop(path, None)
        self._tries.pop(path, None)
        return str(target.relative_to(self.root))
