"""The MetadataStore port: users, tokens, records, audit trail and worker registry.

One SQLAlchemy implementation serves SQLite (embedded) and PostgreSQL (scale-out); the
contract tests run against both. Methods return frozen entities, never ORM objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Protocol

from archive_app.domain.audit import AuditEntry
from archive_app.domain.entities import (
    ApiToken,
    NewRecord,
    Page,
    Record,
    StoredFile,
    StoredToken,
    User,
)
from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.roles import Role


class MetadataUnavailable(IOError):
    """The metadata database cannot be reached or is busy; the caller may retry later."""


class DuplicateRecord(Exception):
    def __init__(self, existing_id: str):
        super().__init__(f"already archived as {existing_id}")
        self.existing_id = existing_id


class UserRepository(Protocol):
    def create(self, username: str, password_hash: str, role: Role) -> User: ...
    def get(self, user_id: int) -> User | None: ...
    def by_name(self, username: str) -> User | None: ...
    def list(self) -> list[User]: ...
    def update(self, username: str, **changes) -> User: ...
    def record_login(self, user_id: int) -> None: ...
    def count(self) -> int: ...
    def create_token(self, user_id: int, name: str, token_hash: str) -> ApiToken: ...
    def user_for_token(self, token_hash: str) -> User | None: ...
    def tokens(self, user_id: int) -> list[ApiToken]: ...
    def revoke_token(self, user_id: int, token_id: int) -> bool: ...
    def import_user(self, user: User, tokens: list[StoredToken]) -> bool:
        """Copy a user (password hash, role, state) and its live API tokens; False if present."""

    def live_tokens(self, user_id: int) -> list[StoredToken]:
        """The user's tokens that still work, as stored: what a transfer copies."""


class RecordRepository(Protocol):
    def begin_upload(self, new: NewRecord) -> Record:
        """Reserve the record (status uploading); DuplicateDocument if the bytes exist."""

    def complete_upload(self, record_id: str, files: Iterable[StoredFile]) -> None: ...
    def abandon_upload(self, record_id: str) -> None: ...
    def get(self, record_id: str) -> Record | None: ...
    def by_sha256(self, sha256: str) -> Record | None: ...
    def by_ids(self, ids: Iterable[str]) -> dict[str, Record]: ...
    def list(
        self,
        *,
        status: str | None = None,
        created_by: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Record]: ...
    def count(self, *, status: str | None = None) -> int: ...
    def claim(self, record_id: str, owner: str, lease_seconds: int) -> Record | None:
        """Take the job if nobody holds a live lease on it; None when someone does."""

    def heartbeat(self, record_id: str, owner: str, lease_seconds: int) -> bool: ...
    def progress(self, record_id: str, pages_done: int, page_count: int) -> None: ...
    def finish(
        self,
        record_id: str,
        owner: str,
        pages: list[Page],
        files: list[StoredFile],
        confidence: float | None,
    ) -> None: ...
    def fail(
        self, record_id: str, owner: str, error: str, *, final: bool, count_attempt: bool = True
    ) -> None: ...
    def requeue(self, record_id: str) -> bool: ...
    def update_metadata(self, record_id: str, metadata: RecordMetadata) -> None: ...
    def mark_indexed(self, record_ids: Iterable[str], at_or_before: datetime) -> list[str]: ...
    def pending_index(self, limit: int) -> list[str]: ...
    def reclaimable(self, now: datetime, queued_before: datetime | None) -> list[str]:
        """Jobs to enqueue again: lease expired, or (if given) queued before that time."""

    def leases(self) -> list[tuple[str, str]]: ...
    def expire_lease(self, record_id: str, owner: str) -> None: ...
    def mark_all_indexed(self, at_or_before: datetime) -> None: ...

    def stale_uploads(self, before: datetime) -> list[str]: ...
    def pages(self, record_id: str) -> list[Page]: ...
    def files(self, record_id: str) -> list[StoredFile]: ...
    def iter_ready(self, batch_size: int) -> Iterator[list[tuple[Record, list[Page]]]]: ...
    def iter_records(
        self, batch_size: int, statuses=..., after: str = ""
    ) -> Iterator[list[tuple[Record, list[Page], list[StoredFile]]]]: ...
    def import_record(self, record: Record, pages: list[Page], files: list[StoredFile]) -> bool:
        """Insert a record copied from another archive as it was; False if already present."""


class AuditLog(Protocol):
    def append(self, entry: AuditEntry) -> int: ...
    def append_many(self, entries: list[AuditEntry]) -> None:
        """Append in order, in one transaction (all or none)."""

    def entries_after(self, entry_id: int, limit: int) -> list[tuple[int, AuditEntry]]:
        """Stored entries with their ids, oldest first, for export and transfer."""

    def list(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict]: ...


class WorkerRegistry(Protocol):
    def beat(self, worker_id: str, host: str, pid: int) -> None: ...
    def alive(self, since: datetime) -> list[dict]: ...
    def remove(self, worker_id: str) -> None: ...


class MetadataStore(Protocol):
    users: UserRepository
    documents: RecordRepository
    audit: AuditLog
    workers: WorkerRegistry

    def migrate(self) -> None: ...
    def health(self) -> dict: ...
    def close(self) -> None: ...
