"""SqlMetadataStore: the MetadataStore port on SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from archive_app.db import migrate
from archive_app.db.audit import SqlAuditLog
from archive_app.db.batches import SqlBatchRepository
from archive_app.db.engine import make_engines
from archive_app.db.index_state import SqlIndexState
from archive_app.db.jobs import SqlJobLeases
from archive_app.db.lifecycle import SqlLifecycleRepository
from archive_app.db.login_attempts import SqlLoginAttempts
from archive_app.db.readings import SqlReadingsRepository
from archive_app.db.recordkeeping import (
    SqlDispositionRepository,
    SqlHoldRepository,
    SqlScheduleRepository,
)
from archive_app.db.records import SqlRecordRepository
from archive_app.db.session import Sessions
from archive_app.db.statistics import SqlStatistics
from archive_app.db.users import SqlUserRepository
from archive_app.db.workers import SqlWorkerRegistry
from archive_app.db.worklist import SqlWorklist


class SqlMetadataStore:
    def __init__(self, url: str):
        self.url = url
        self.engines = make_engines(url)
        sessions = Sessions(self.engines)
        self.users = SqlUserRepository(sessions)
        self.records = SqlRecordRepository(sessions)
        self.jobs = SqlJobLeases(sessions)
        self.index_state = SqlIndexState(sessions)
        self.audit = SqlAuditLog(sessions)
        self.workers = SqlWorkerRegistry(sessions)
        self.schedules = SqlScheduleRepository(sessions)
        self.holds = SqlHoldRepository(sessions)
        self.dispositions = SqlDispositionRepository(sessions)
        self.lifecycle = SqlLifecycleRepository(sessions)
        self.batches = SqlBatchRepository(sessions)
        self.readings = SqlReadingsRepository(sessions)
        self.login_attempts = SqlLoginAttempts(sessions)
        self.worklist = SqlWorklist(sessions)
        self.statistics = SqlStatistics(sessions)

    @classmethod
    def from_settings(cls, settings) -> SqlMetadataStore:
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(settings.effective_database_url)

    def migrate(self) -> None:
        migrate.upgrade(self.engines.write)

    def is_current(self) -> bool:
        return migrate.current_revision(self.engines.write) == migrate.head_revision()

    def health(self) -> dict:
        with self.engines.read.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"backend": self.engines.dialect, "ok": True}

    def close(self) -> None:
        self.engines.dispose()
