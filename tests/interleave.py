"""Two transactions in a chosen order: a writer held at its commit while the test reads
(its changes made, not yet visible), then let go."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event


class OnThread:
    """``write`` run on a thread of its own; what it raises is said by ``join``, not lost
    on the thread."""

    def __init__(self, write: Callable[[], object], name: str) -> None:
        self.failed: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(write,), name=name)

    def _run(self, write: Callable[[], object]) -> None:
        try:
            write()
        except BaseException as exc:
            self.failed.append(exc)

    def start(self) -> OnThread:
        self.thread.start()
        return self

    def join(self, timeout: float = 30) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), f"{self.thread.name} did not finish"
        if self.failed:
            raise self.failed[0]


@contextmanager
def held_at_commit(engine, write: Callable[[], object]) -> Iterator[Callable[[], None]]:
    """Run ``write`` on a thread of its own until its first commit on ``engine`` is about to
    be sent, and hold it there; the block gets a function that lets it commit and waits
    for it to end (called on leaving the block if not before). On SQLite the held writer
    keeps the write lock: until it is let go the test may read, not write."""
    at_commit, go = threading.Event(), threading.Event()
    writer = OnThread(write, "held-writer")

    def hold(conn) -> None:
        if threading.current_thread() is writer.thread and not go.is_set():
            at_commit.set()
            go.wait(30)

    def release() -> None:
        go.set()
        writer.join()

    event.listen(engine, "commit", hold)
    try:
        writer.start()
        assert at_commit.wait(30) or writer.failed, "the writer never reached its commit"
        if writer.failed:
            raise writer.failed[0]
        yield release
        release()
    finally:
        go.set()
        writer.thread.join(30)
        event.remove(engine, "commit", hold)
