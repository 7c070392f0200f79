"""Which workers are alive: lets `archive ingest` know whether anyone will process its files."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from archive_app.db.models import WorkerRow
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow


class SqlWorkerRegistry:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def beat(self, worker_id: str, host: str, pid: int) -> None:
        now = utcnow()
        with self._s.write() as s:
            row = s.get(WorkerRow, worker_id)
            if row is None:
                s.add(WorkerRow(id=worker_id, host=host, pid=pid, started_at=now, last_seen=now))
            else:
                row.last_seen = now

    def alive(self, since: datetime) -> list[dict]:
        with self._s.read() as s:
            rows = s.scalars(select(WorkerRow).where(WorkerRow.last_seen >= since))
            return [
                {"id": r.id, "host": r.host, "pid": r.pid, "last_seen": r.last_seen} for r in rows
            ]

    def remove(self, worker_id: str) -> None:
        with self._s.write() as s:
            s.execute(delete(WorkerRow).where(WorkerRow.id == worker_id))
