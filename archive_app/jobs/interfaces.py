"""TaskQueue: wake-up calls for background work.

The queue is not the source of truth: each record's row says whether it still needs
processing, and a sweep re-enqueues records whose job was lost (worker killed, message
dropped). So a message may be delivered twice or not at all without losing a record.

The adapter is generic: the application hands it a ``Registry`` of named tasks and
periodic work (archive_app/operations/tasks.py) and enqueues by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Task:
    name: str
    run: Callable[..., None]  # run(services, *args)
    retry: bool = False  # a failure is tried again later, each time later
    # Of the tasks waiting, the higher priority runs first (equal ones in order): a record
    # waiting to be processed goes before a preservation copy of one already searchable.
    priority: int = 0


@dataclass(frozen=True)
class Periodic:
    name: str
    run: Callable[[Any], None]  # run(services)
    minute: str = "*"  # cron fields
    hour: str = "*"


@dataclass(frozen=True)
class Registry:
    tasks: tuple[Task, ...]
    periodic: tuple[Periodic, ...] = ()
    on_start: Callable[[Any], None] | None = None  # run(services) when a worker starts


class LocalWorkers(Protocol):
    def stop(self) -> None: ...


class TaskQueue(Protocol):
    def enqueue(self, task: str, *args: Any) -> None:
        """Ask a worker to run the named task with these arguments (JSON-able)."""

    def pending(self) -> int: ...
    def health(self) -> dict[str, Any]: ...

    def run_worker(self, workers: int, periodic: bool = True) -> None:
        """Consume until stopped by a signal (blocking; ``periodic``: run the sweep too)."""

    def start_local(self, workers: int) -> LocalWorkers:
        """Start in-process worker threads; returns an object with ``stop()``."""

    def close(self) -> None:
        """Let go of what this process's workers were given (their own Services and its
        database connections); called when the Services that own the queue close."""
