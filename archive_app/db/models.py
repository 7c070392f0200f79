"""Tables of the metadata store. Schema changes go through Alembic migrations only."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Bumped on logout, password, role or state change: a session cookie carries the epoch
    # it was issued in, and one from an older epoch no longer logs anyone in.
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class LoginAttemptRow(Base):
    """Recent wrong passwords per login name or client address (domain/throttle.py)."""

    __tablename__ = "login_attempts"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[float] = mapped_column(Float, default=0.0)  # the bucket's level
    last_failure: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class RecordRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    index_state: Mapped[str] = mapped_column(String(16), index=True)
    election: Mapped[str] = mapped_column(String(32))
    form_type: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    province: Mapped[str] = mapped_column(String(100))
    regency: Mapped[str] = mapped_column(String(100))
    district: Mapped[str] = mapped_column(String(100))
    village: Mapped[str] = mapped_column(String(100))
    tps: Mapped[int] = mapped_column(Integer)
    region_code: Mapped[str] = mapped_column(String(20), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(8))
    original_name: Mapped[str] = mapped_column(String(255), default="")
    size: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int] = mapped_column(Integer, default=0)
    pages_done: Mapped[int] = mapped_column(Integer, default=0)
    ocr_confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str] = mapped_column(String(128), default="")
    lease_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Records management: the date printed on the form (a retention trigger when the schedule
    # says so), the cached retention state (recomputed from the schedule, never typed in),
    # and the final disposition once executed.
    record_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    retention_series: Mapped[str] = mapped_column(String(32), default="")
    retention_state: Mapped[str] = mapped_column(String(16), default="active")
    retention_action: Mapped[str] = mapped_column(String(16), default="")
    retention_changes_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    retention_due_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    final_state: Mapped[str] = mapped_column(String(16), default="")
    final_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Bulk ingest and what the machine read from the page: the batch a record came in,
    # what the uploader typed, what was read (field -> value, confidence, source), whether a
    # person must confirm the metadata and why, and the vote counts with their checks.
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("batches.id"), nullable=True, index=True
    )
    uploader_metadata: Mapped[str] = mapped_column(Text, default="{}")
    extracted: Mapped[str] = mapped_column(Text, default="{}")
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    review_reasons: Mapped[str] = mapped_column(Text, default="[]")
    tally: Mapped[str] = mapped_column(Text, default="")
    tally_consistent: Mapped[bool | None] = mapped_column(Boolean, nullable=True, index=True)
    tally_low_confidence: Mapped[bool] = mapped_column(Boolean, default=False, index=True)

    # Lists are read in index order ending in the id (keyset pages, migration 0008); place
    # filters compare lowercased values.
    __table_args__ = (
        Index("ix_documents_place", "province", "regency", "district", "village", "tps"),
        Index("ix_documents_newest", "created_at", "id"),
        Index("ix_documents_status_newest", "status", "created_at", "id"),
        Index("ix_documents_review_queue", "needs_review", "status", "created_at", "id"),
        Index("ix_documents_retention_list", "retention_state", "retention_due_at", "id"),
        Index("ix_documents_retention_changes", "retention_changes_at", "id"),
        Index("ix_documents_due", "retention_due_at", "id"),
        Index("ix_documents_regency_lower", func.lower(regency), "id"),
        Index("ix_documents_province_lower", func.lower(province), "id"),
    )


class PageRow(Base):
    __tablename__ = "pages"
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float | None] = mapped_column(Float, nullable=True)
    words: Mapped[int] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer)
    width_px: Mapped[int] = mapped_column(Integer)
    height_px: Mapped[int] = mapped_column(Integer)


class StoredFileRow(Base):
    __tablename__ = "stored_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    page: Mapped[int] = mapped_column(Integer, default=0)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_checked_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True, index=True)
    last_check_ok: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Set when an approved destruction removed the object: the row stays as its checksum record.
    destroyed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class AuditRow(Base):
    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128), default="")
    ip: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_events_actor_id", "actor", "id"),
        Index("ix_audit_events_action_id", "action", "id"),
        Index("ix_audit_events_target_id", "target", "id"),
    )


class WorkerRow(Base):
    __tablename__ = "workers"
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime, index=True)


class ScheduleRow(Base):
    """Every version of the retention schedule; the newest is in force."""

    __tablename__ = "retention_schedules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    body: Mapped[str] = mapped_column(Text)  # JSON list of series
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))


class HoldRow(Base):
    __tablename__ = "holds"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(Text)
    case_ref: Mapped[str] = mapped_column(String(200))
    query: Mapped[str] = mapped_column(Text, default="")  # JSON search parameters, or ""
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    released_by: Mapped[str] = mapped_column(String(64), default="")
    release_reason: Mapped[str] = mapped_column(Text, default="")
    record_count: Mapped[int] = mapped_column(Integer, default=0)  # kept with hold_records


class HoldRecordRow(Base):
    __tablename__ = "hold_records"
    hold_id: Mapped[int] = mapped_column(ForeignKey("holds.id"), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(DateTime)


class DispositionListRow(Base):
    __tablename__ = "disposition_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))  # destroy | transfer
    status: Mapped[str] = mapped_column(String(16), index=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_by: Mapped[str] = mapped_column(String(64))
    proposed_at: Mapped[datetime] = mapped_column(DateTime)
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    decision_comment: Mapped[str] = mapped_column(Text, default="")
    executed_by: Mapped[str] = mapped_column(String(64), default="")
    executed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    report_key: Mapped[str] = mapped_column(String(255), default="")
    report_sha256: Mapped[str] = mapped_column(String(64), default="")
    packages: Mapped[str] = mapped_column(Text, default="[]")  # JSON: BagIt packages written


class DispositionItemRow(Base):
    __tablename__ = "disposition_items"
    list_id: Mapped[int] = mapped_column(ForeignKey("disposition_lists.id"), primary_key=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")  # pending|done|skipped
    note: Mapped[str] = mapped_column(Text, default="")
    done_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class BatchRow(Base):
    """A set of files ingested together (a browser selection, a ZIP, a folder, a manifest)."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(16))  # web | api | cli | zip | watch
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")  # shared by every file
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class BatchItemRow(Base):
    """One file of a batch and what became of it when it was received."""

    __tablename__ = "batch_items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    name: Mapped[str] = mapped_column(String(500))
    document_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    outcome: Mapped[str] = mapped_column(String(16))  # accepted | duplicate | rejected
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)


class RecordCountRow(Base):
    """Counts of visible records by key, kept by triggers on ``documents`` (migration 0008):
    what dashboards and list totals show, read instead of counted (db/counts.py)."""

    __tablename__ = "record_counts"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
