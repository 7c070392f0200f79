"""HueyTaskQueue: the TaskQueue port on Huey, with SQLite storage (embedded) or Redis.

A consumer's workers are threads: a forked worker process would inherit SQLite's
in-process lock bookkeeping of the parent's open connections and can then wait forever
for a lock nobody holds. More cores are used by more consumer processes, each started
fresh (archive_app.operations.worker_pool); more machines run more `archive worker`s on Redis.
What the workers run comes from the application's registry (archive_app/operations/
tasks.py): this adapter imports no application service.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable

from huey import PriorityRedisHuey, SqliteHuey, crontab

from archive_app.jobs.interfaces import Registry

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15
BACKOFF_BASE, BACKOFF_CAP = 10, 900


def backoff_seconds(attempt: int) -> int:
    """10 s, 20 s, 40 s ... up to 15 min: a backend that is away is not hammered by every
    waiting record, and a record resumes at most 15 min after it returns (sooner through
    the lease sweep, which re-enqueues queued records every minute)."""
    return min(BACKOFF_BASE * 2 ** max(attempt, 0), BACKOFF_CAP)


def make_huey(settings):
    """Both storages order waiting tasks by priority. On Redis that needs a sorted set, so
    the queue has its own key (``huey.redis.archive-priority``): messages left in the list of
    an archive before priorities are not read, and the lease sweep enqueues their records
    again (the queue is not the source of truth, see interfaces.py)."""
    if settings.queue_backend == "redis":
        return PriorityRedisHuey("archive-priority", url=settings.redis_url, results=False)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("archive", filename=str(settings.queue_path), results=False, fsync=True)


class HueyTaskQueue:
    def __init__(self, settings, runtime_factory: Callable, registry: Registry):
        """``runtime_factory(settings)`` builds the Services a worker process uses;
        ``registry`` says what the workers run."""
        self.settings = settings
        self.registry = registry
        self.huey = make_huey(settings)
        self._factory = runtime_factory
        self._runtime = None
        self._runtime_pid = None
        self._register_tasks()

    @classmethod
    def from_settings(cls, settings, runtime_factory, registry: Registry) -> HueyTaskQueue:
        return cls(settings, runtime_factory, registry)

    def runtime(self):
        """This process's Services, built on first use after start or fork."""
        if self._runtime is None or self._runtime_pid != os.getpid():
            self._runtime, self._runtime_pid = self._factory(self.settings), os.getpid()
        return self._runtime

    def close(self) -> None:
        """The workers' Services, if this process built them. Left open, their database
        connections outlive the caller (`archive ingest`, a test) until the collector finds
        them, and PostgreSQL keeps a backend for each meanwhile. Built again if used again."""
        runtime, self._runtime = self._runtime, None
        if runtime is not None and self._runtime_pid == os.getpid():
            runtime.close()

    def _register_tasks(self) -> None:
        """Each task of the registry becomes a Huey task of the same name; a task marked
        ``retry`` that fails is scheduled again, each time later (the task itself raises
        only failures that may pass, and fails a hopeless record alone, at once)."""
        huey = self.huey
        self._tasks = {}
        for task in self.registry.tasks:
            self._tasks[task.name] = self._huey_task(huey, task)
        for job in self.registry.periodic:
            schedule = crontab(minute=job.minute, hour=job.hour)

            def periodic_job(run=job.run) -> None:
                run(self.runtime())

            huey.periodic_task(schedule, name=job.name)(periodic_job)

    def _huey_task(self, huey, task):
        def run(*args, attempt: int = 0) -> None:
            try:
                task.run(self.runtime(), *args)
            except Exception:
                if not task.retry:
                    raise
                delay = backoff_seconds(attempt)
                log.warning("%s %s: retry %d in %d s", task.name, args, attempt + 1, delay)
                queued.schedule(args, {"attempt": attempt + 1}, delay=delay)
                raise

        queued = huey.task(name=task.name, priority=task.priority)(run)
        return queued

    def enqueue(self, task: str, *args) -> None:
        self._tasks[task](*args)

    def pending(self) -> int:
        return self.huey.pending_count()

    def health(self) -> dict:
        return {"backend": self.settings.queue_backend, "ok": True, "pending": self.pending()}

    def _started(self):
        runtime = self.runtime()
        if self.registry.on_start:
            self.registry.on_start(runtime)
        return runtime

    def run_worker(self, workers: int, periodic: bool = True) -> None:
        runtime = self._started()
        beat = _Heartbeat(runtime)
        beat.start()
        try:
            consumer = self.huey.create_consumer(
                workers=workers,
                worker_type="thread",
                periodic=periodic,
                initial_delay=0.1,
                max_delay=1.0,
            )
            consumer.run()
        finally:
            beat.stop()

    def start_local(self, workers: int) -> _LocalConsumer:
        return _LocalConsumer(self.huey, self._started(), workers)


class _Heartbeat:
    """Tells the registry this worker is alive, so `archive ingest` knows work will happen."""

    def __init__(self, runtime):
        self.runtime = runtime
        self.worker_id = runtime.worker_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="heartbeat")

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.runtime.metadata.workers.beat(self.worker_id, *self.runtime.host_pid)
            except Exception:  # the next beat retries; a dead DB shows in /healthz
                log.exception("worker heartbeat failed")
            self._stop.wait(HEARTBEAT_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        try:
            self.runtime.metadata.workers.remove(self.worker_id)
        except Exception:
            log.exception("could not deregister worker")


class _LocalConsumer:
    """Worker threads inside the calling process (for `archive ingest` and tests)."""

    def __init__(self, huey, runtime, workers: int):
        self._consumer = huey.create_consumer(
            workers=workers,
            worker_type="thread",
            periodic=True,
            initial_delay=0.05,
            max_delay=0.5,
        )
        saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)}
        self._consumer.start()
        for sig, handler in saved.items():  # keep the caller's Ctrl-C behaviour
            signal.signal(sig, handler)
        self._beat = _Heartbeat(runtime)
        self._beat.start()

    def stop(self) -> None:
        self._beat.stop()
        self._consumer.stop(graceful=True)
