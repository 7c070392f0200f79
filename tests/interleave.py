"""Two transactions in a chosen order: a writer held at its commit while the test reads
(its changes made, not yet visible), then let go."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def held_at_commit(engine, write: Callable[[], object]) -> Iterator[Callable[[], None]]:
    """Run ``write`` on a thread of its own until its first commit on ``engine`` is about to
    be sent, and hold it there; the block gets a function that lets it commit and waits
    for it to end (called on leaving the block if not before). On SQLite the held writer
    keeps the write lock: until it is let go the test may read, not write."""
    at_commit, go = threading.Event(), threading.Event()
    failed: list[BaseException] = []

    def run() -> None:
        try:
            write()
        except BaseException as exc:  # said by the test, not lost on the thread
            failed.append(exc)

    thread = threading.Thread(target=run, name="held-writer")

    def hold(conn) -> None:
        if threading.current_thread() is thread and not go.is_set():
            at_commit.set()
            go.wait(30)

    def release() -> None:
        go.set()
        thread.join(30)
        assert not thread.is_alive(), "the held writer did not finish"
        if failed:
            raise failed[0]

    event.listen(engine, "commit", hold)
    try:
        thread.start()
        assert at_commit.wait(30) or failed, "the writer never reached its commit"
        if failed:
            raise failed[0]
        yield release
        release()
    finally:
        go.set()
        thread.join(30)
        event.remove(engine, "commit", hold)
