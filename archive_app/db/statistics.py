"""Numbers for the charts: grouped in the database, so a page gets tens of rows, never the
records themselves. Every query is bounded by an indexed column (a status, a date window
over ``created_at``, the tally flags) or read from the kept counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import case, func, or_, select

from archive_app.db.models import RecordCountRow, RecordRow
from archive_app.db.session import Sessions
from archive_app.domain.records import Status

# Processing of an upload may take hours in a backlog; a record created this long before a
# window began can still have been processed inside it.
_CREATED_SLACK_DAYS = 7


def _hour(column, dialect: str):
    """The hour a timestamp falls in, as "YYYY-MM-DD HH" text, in either database."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM-DD HH24")
    return func.strftime("%Y-%m-%d %H", column)


class SqlStatistics:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def due_by_day(self, start: date, end: date) -> dict[date, int]:
        """Active or inactive records by the day their retention ends, in [start, end]:
        read from the kept ``due`` counts (db/counts.py), not counted. Counted, the
        dashboard's ten years took minutes at 5.4M records (every record due is in them)."""
        query = select(RecordCountRow.value, RecordCountRow.n).where(
            RecordCountRow.name == "due",
            RecordCountRow.value.between(start.isoformat(), end.isoformat()),
            RecordCountRow.n != 0,
        )
        with self._s.read() as s:
            return {date.fromisoformat(day): n for day, n in s.execute(query).all()}

    def processed_by_hour(self, since: datetime) -> dict[str, tuple[int, int]]:
        """{"YYYY-MM-DD HH": (records ready, pages)} processed since ``since``."""
        with self._s.read() as s:
            hour = _hour(RecordRow.processed_at, s.get_bind().dialect.name)
            query = (
                select(hour, func.count(), func.coalesce(func.sum(RecordRow.page_count), 0))
                .where(
                    RecordRow.created_at >= _slack(since),
                    RecordRow.processed_at >= since,
                    RecordRow.status == Status.READY.value,
                )
                .group_by(hour)
            )
            return {h: (n, int(pages)) for h, n, pages in s.execute(query).all()}

    def failed_by_hour(self, since: datetime) -> dict[str, int]:
        """{"YYYY-MM-DD HH": records that failed} since ``since`` (by their last change)."""
        with self._s.read() as s:
            hour = _hour(RecordRow.updated_at, s.get_bind().dialect.name)
            query = (
                select(hour, func.count())
                .where(
                    RecordRow.created_at >= _slack(since),
                    RecordRow.updated_at >= since,
                    RecordRow.status == Status.FAILED.value,
                )
                .group_by(hour)
            )
            return {h: n for h, n in s.execute(query).all()}

    def backlog(self) -> dict[str, tuple[int, int]]:
        """{status: (records, pages still to read)} for queued and processing records."""
        query = (
            select(
                RecordRow.status,
                func.count(),
                func.coalesce(func.sum(RecordRow.page_count - RecordRow.pages_done), 0),
            )
            .where(RecordRow.status.in_([Status.QUEUED.value, Status.PROCESSING.value]))
            .group_by(RecordRow.status)
        )
        with self._s.read() as s:
            return {status: (n, int(pages)) for status, n, pages in s.execute(query).all()}

    def tally_flags_by(self, level: str) -> list[tuple[str, int, int]]:
        """(region, inconsistent tallies, doubtful numbers) per province or regency, most first."""
        column = getattr(RecordRow, level)
        inconsistent = func.sum(case((RecordRow.tally_consistent.is_(False), 1), else_=0))
        doubtful = func.sum(case((RecordRow.tally_low_confidence.is_(True), 1), else_=0))
        query = (
            select(column, inconsistent, doubtful)
            .where(
                or_(RecordRow.tally_consistent.is_(False), RecordRow.tally_low_confidence.is_(True))
            )
            .group_by(column)
        )
        with self._s.read() as s:
            found = [(region or "", int(a or 0), int(b or 0)) for region, a, b in s.execute(query)]
        return sorted(found, key=lambda r: (-(r[1] + r[2]), r[0]))


def _slack(since: datetime) -> datetime:
    return since - timedelta(days=_CREATED_SLACK_DAYS)
