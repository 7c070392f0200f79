"""One notion of "now": naive UTC, which SQLite and PostgreSQL both store unchanged."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
