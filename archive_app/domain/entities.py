"""Plain records passed between the stores, the services and the views.

They are snapshots: changing one changes nothing stored. Stores return them so callers
never hold database sessions or ORM objects across a request or a job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from archive_app.domain.metadata import RecordMetadata
from archive_app.domain.records import IndexState, Status
from archive_app.domain.roles import Role


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: Role
    active: bool
    password_hash: str = field(repr=False, default="")
    created_at: datetime | None = None
    last_login_at: datetime | None = None


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


@dataclass(frozen=True)
class StoredFile:
    role: str
    key: str
    sha256: str
    size: int
    content_type: str = "application/octet-stream"
    page: int = 0


@dataclass(frozen=True)
class Page:
    number: int
    source: str
    text: str
    confidence: float | None
    words: int
    rotation: int
    width_px: int
    height_px: int


@dataclass(frozen=True)
class Document:
    id: str
    sha256: str
    status: Status
    index_state: IndexState
    metadata: RecordMetadata
    kind: str
    original_name: str
    size: int
    page_count: int
    pages_done: int
    ocr_confidence: float | None
    error: str
    attempts: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    processed_at: datetime | None = None


@dataclass(frozen=True)
class NewDocument:
    id: str
    sha256: str
    metadata: RecordMetadata
    kind: str
    original_name: str
    size: int
    page_count: int
    created_by: str
