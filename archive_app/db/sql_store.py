"""SqlMetadataStore: the MetadataStore port on SQLAlchemy (SQLite or PostgreSQL)."""

from __future__ import annotations

from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from sqlalchemy import text

from archive_app.db import migrate, snapshots
from archive_app.db.audit import SqlAuditLog
from archive_app.db.batches import SqlBatchRepository
from archive_app.db.engine import make_engines
from archive_app.db.index_state import SqlIndexState
from archive_app.db.interfaces import SnapshotError
from archive_app.db.jobs import SqlJobLeases
from archive_app.db.lifecycle import SqlLifecycleRepository
from archive_app.db.login_attempts import SqlLoginAttempts
from archive_app.db.published import SqlPublishedRepository
from archive_app.db.readings import SqlReadingsRepository
from archive_app.db.recap import SqlRecapRepository
from archive_app.db.recap_master import SqlTpsRepository
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.recordkeeping import (
    SqlDispositionRepository,
    SqlHoldRepository,
    SqlScheduleRepository,
)
from archive_app.db.records import SqlRecordRepository
from archive_app.db.saved_searches import SqlSavedSearches
from archive_app.db.session import Sessions
from archive_app.db.statistics import SqlStatistics
from archive_app.db.users import SqlUserRepository
from archive_app.db.workers import SqlWorkerRegistry
from archive_app.db.worklist import SqlWorklist


class SqlMetadataStore:
    def __init__(self, url: str, *, max_voters: int = 300, vocabulary=None):
        self.url = url
        self.engines = make_engines(url)
        sessions = Sessions(self.engines)
        self._sessions = sessions
        upkeep = RecapUpkeep(max_voters, vocabulary)  # keeps the recap's sums current
        self.users = SqlUserRepository(sessions)
        self.records = SqlRecordRepository(sessions, upkeep)
        self.jobs = SqlJobLeases(sessions, upkeep)
        self.index_state = SqlIndexState(sessions)
        self.audit = SqlAuditLog(sessions)
        self.workers = SqlWorkerRegistry(sessions)
        self.schedules = SqlScheduleRepository(sessions)
        self.holds = SqlHoldRepository(sessions)
        self.dispositions = SqlDispositionRepository(sessions)
        self.lifecycle = SqlLifecycleRepository(sessions, upkeep)
        self.batches = SqlBatchRepository(sessions)
        self.readings = SqlReadingsRepository(sessions, upkeep)
        self.tps = SqlTpsRepository(sessions, upkeep)
        self.recap = SqlRecapRepository(sessions, upkeep)
        self.published = SqlPublishedRepository(sessions, upkeep)
        self.login_attempts = SqlLoginAttempts(sessions)
        self.saved_searches = SqlSavedSearches(sessions)
        self.worklist = SqlWorklist(sessions)
        self.statistics = SqlStatistics(sessions)

    @classmethod
    def from_settings(cls, settings) -> SqlMetadataStore:
        if not settings.database_url:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        return cls(
            settings.effective_database_url,
            max_voters=settings.max_tps_voters,
            vocabulary=settings.vocabulary,
        )

    def migrate(self) -> None:
        migrate.upgrade(self.engines.write)

    def is_current(self) -> bool:
        return migrate.current_revision(self.engines.write) == migrate.head_revision()

    def one_read(self) -> AbstractContextManager[None]:
        return self._sessions.one_read()

    @contextmanager
    def snapshot(self, out: Path):
        with snapshots.take(self.engines, self.url, out) as snapshot:
            yield snapshot

    def load_snapshot(self, kind: str, path: Path) -> None:
        held = self.contents()
        if any(held.values()):
            raise SnapshotError(f"the metadata database is not empty: {held}")
        snapshots.load(self.engines, self.url, kind, path)

    def contents(self) -> dict[str, int]:
        return snapshots.contents(self.engines)

    def health(self) -> dict:
        with self.engines.read.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"backend": self.engines.dialect, "ok": True}

    def close(self) -> None:
        self.engines.dispose()
