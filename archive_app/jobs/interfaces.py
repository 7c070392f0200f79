"""TaskQueue: wake-up calls for background work.

The queue is not the source of truth: each record's row says whether it still needs
processing, and a sweep re-enqueues records whose job was lost (worker killed, message
dropped). So a message may be delivered twice or not at all without losing a record.
"""

from __future__ import annotations

from typing import Protocol


class TaskQueue(Protocol):
    def enqueue_process(self, record_id: str) -> None: ...
    def enqueue_index(self) -> None: ...
    def pending(self) -> int: ...
    def health(self) -> dict: ...

    def run_worker(self, workers: int, periodic: bool = True) -> None:
        """Consume until stopped by a signal (blocking; ``periodic``: run the sweep too)."""

    def start_local(self, workers: int):
        """Start in-process worker threads; returns an object with ``stop()``."""
