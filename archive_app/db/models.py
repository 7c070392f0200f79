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
    exists,
    func,
    select,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, column_property, mapped_column


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
    # The language the user chose for the pages and the API's messages; NULL follows the
    # browser's Accept-Language (domain/languages.py).
    language: Mapped[str | None] = mapped_column(String(8), nullable=True)


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


class SavedSearchRow(Base):
    """A named search a user keeps (domain/saved_searches.py); ``params`` is JSON."""

    __tablename__ = "saved_searches"
    __table_args__ = (Index("uq_saved_searches_owner_name", "owner", "name", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    shared: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    params: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


# The columns a retention refresh reads of each record, in id order, and its counts trigger
# looks up: held in ix_documents_retention beside the id (PostgreSQL, migration 0019), so
# neither reads the wide row.
RETENTION_READ = ["status", "form_type", "election", "year", "record_date", "final_state",
                  "province", "regency"]  # fmt: skip


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
    # says so) and the final disposition once executed. The cached retention state lives in
    # ``record_retention`` (RetentionRow).
    record_date: Mapped[date | None] = mapped_column(Date, nullable=True)
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
    # A perceptual hash of the first page (ingest/page_hash.py): the same page filed for two
    # polling stations is found by it (recap checks).
    page_hash: Mapped[str] = mapped_column(String(16), default="")
    page_print: Mapped[str] = mapped_column(Text, default="")  # the finer grid that confirms it
    # The steps still owed once the record turned ready, as "[holds][retention]" (migration
    # 0009): written with "ready", each removed when done, paid by the sweep otherwise.
    after_ready: Mapped[str] = mapped_column(String(200), default="", server_default="")

    # Lists are read in index order ending in the id (keyset pages, migration 0008); place
    # filters compare lowercased values.
    __table_args__ = (
        Index("ix_documents_place", "province", "regency", "district", "village", "tps"),
        Index("ix_documents_newest", "created_at", "id"),
        Index("ix_documents_status_newest", "status", "created_at", "id"),
        Index("ix_documents_review_queue", "needs_review", "status", "created_at", "id"),
        Index("ix_documents_regency_lower", func.lower(regency), "id"),
        Index("ix_documents_province_lower", func.lower(province), "id"),
        Index("ix_documents_district_lower", func.lower(district), "id"),  # migration 0021
        Index("ix_documents_village_lower", func.lower(village), "id"),
        Index("ix_documents_form_type_lower", func.lower(form_type), "id"),  # migration 0022
        Index("ix_documents_election_lower", func.lower(election), "id"),
        Index(  # the start page's chart of flagged tallies reads this alone
            "ix_documents_tally_flagged",
            "province",
            "regency",
            "tally_consistent",
            "tally_low_confidence",
            sqlite_where=text("tally_consistent IS 0 OR tally_low_confidence IS 1"),
            postgresql_where=text("tally_consistent IS false OR tally_low_confidence IS true"),
        ),
        Index("ix_documents_processed", "processed_at", "id"),
        Index(
            "ix_documents_after_ready",
            "processed_at",
            "id",
            sqlite_where=text("after_ready != ''"),
            postgresql_where=text("after_ready != ''"),
        ),
        Index(
            "ix_documents_index_pending",
            "status",
            "id",
            sqlite_where=text("index_state = 'pending'"),
            postgresql_where=text("index_state = 'pending'"),
        ),
        Index("ix_documents_retention", "id", postgresql_include=RETENTION_READ).ddl_if(
            dialect="postgresql"
        ),
    )


class RetentionRow(Base):
    """A record's cached retention state (recomputed from the schedule, never typed in), one
    row per record, written with it (migration 0014).

    Kept out of ``documents`` because a schedule change rewrites it for every record: in
    the wide row, each such write copied ~4 kB and touched its 14 indexes (a full refresh
    ran at 3,200-3,700 records/s on PostgreSQL); here it is a short row with few indexes,
    each of which a state change writes again (migration 0023 weighs two more)."""

    __tablename__ = "record_retention"
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16), default="active")
    action: Mapped[str] = mapped_column(String(16), default="")
    changes_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_at: Mapped[date | None] = mapped_column(Date, nullable=True)
    # The record's election, form type and province, lowercased as the list's filters
    # compare them, so that a list so filtered reads no record; kept by triggers from
    # ``documents`` (migration 0023)
    election_lower: Mapped[str] = mapped_column(String(100), server_default="")
    form_type_lower: Mapped[str] = mapped_column(String(100), server_default="")
    province_lower: Mapped[str] = mapped_column(String(100), server_default="")

    __table_args__ = (
        Index("ix_record_retention_list", "state", "due_at", "document_id"),
        Index("ix_record_retention_changes", "changes_at", "document_id"),
        Index(  # the list filtered by due action (migration 0022)
            "ix_record_retention_action",
            "action",
            "due_at",
            "document_id",
            sqlite_where=text("action != ''"),
            postgresql_where=text("action != ''"),
        ),
        # an election or a form type in list order (0023; they decide the due days)
        Index(
            "ix_record_retention_election_lower", "election_lower", "state", "due_at", "document_id"
        ),
        Index(
            "ix_record_retention_form_type_lower",
            "form_type_lower",
            "state",
            "due_at",
            "document_id",
        ),
        {"sqlite_with_rowid": False},  # stored by its key (migration 0018)
    )


class TallyLinesRow(Base):
    """A form's lines in the tally CSV as written from its vote counts when they were stored
    (``domain.tally_lines``; migration 0020), so an export joins them. Derived: a trigger
    removes the row when an UPDATE changes the record's ``tally``, and an export writes a
    form with no row (or one of another ``version``) from its counts."""

    __tablename__ = "tally_lines"
    __table_args__ = ({"sqlite_with_rowid": False},)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer)
    lines: Mapped[str] = mapped_column(Text)


class IndexQueueRow(Base):
    """Records whose search entry is stale for a reason outside ``documents`` (a new
    retention state), so that marking them does not rewrite their wide row; the index takes
    them as it takes records pending in ``documents.index_state`` (migration 0014).

    No foreign key (migration 0016): on PostgreSQL checking it locks, and so writes into,
    the record's wide ``documents`` row; the queue is bookkeeping the index reads through
    ``documents`` anyway."""

    __tablename__ = "index_queue"
    __table_args__ = ({"sqlite_with_rowid": False},)  # stored by its key (migration 0018)
    document_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime)


# What the record entity shows of them, loaded with every ``RecordRow``.
RecordRow.retention_state = column_property(
    select(RetentionRow.state)
    .where(RetentionRow.document_id == RecordRow.id)
    .correlate_except(RetentionRow)
    .scalar_subquery()
)
RecordRow.index_queued = column_property(
    exists().where(IndexQueueRow.document_id == RecordRow.id).correlate_except(IndexQueueRow)
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
        Index("ix_audit_events_id", "id").ddl_if(dialect="sqlite"),  # migration 0012
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


# --- the recapitulation check (issue 15): TPS master list, sums, recap forms, published ---------
# Codes are KPU's, as digits (vocabulary/regions.py): province 2, regency 4, district 6,
# village 10, TPS 13; the nation is "". A "poll" is the voting day a TPS list serves (every
# election held that day shares its polling stations).


class RegionRow(Base):
    """Names of regions, by code (from the TPS master list and KPU's region lists)."""

    __tablename__ = "recap_regions"
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class TpsRow(Base):
    """A polling station expected on a voting day: the master list."""

    __tablename__ = "recap_tps"
    poll: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    dpt: Mapped[int | None] = mapped_column(Integer, nullable=True)
    imported_at: Mapped[datetime] = mapped_column(DateTime)


class ExpectedRow(Base):
    """How many TPS (and DPT voters) the master list expects under each region."""

    __tablename__ = "recap_expected"
    poll: Mapped[str] = mapped_column(String(16), primary_key=True)
    region: Mapped[str] = mapped_column(String(10), primary_key=True)
    tps: Mapped[int] = mapped_column(Integer, default=0)
    dpt: Mapped[int] = mapped_column(BigInteger, default=0)


FLAGGED = "findings != '[]'"  # a form with a finding: the partial index's and the query's term


class RecapFormRow(Base):
    """A result or recap form as the sums see it: where it belongs, whether it is the one
    counted for its place, and its figures (JSON)."""

    __tablename__ = "recap_forms"
    record_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    election: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    poll: Mapped[str] = mapped_column(String(16))
    form_type: Mapped[str] = mapped_column(String(32))
    level: Mapped[str] = mapped_column(String(8))  # tps | district | regency
    place: Mapped[str] = mapped_column(String(13), default="")  # "": no code to place it by
    counted: Mapped[bool] = mapped_column(Boolean, default=False)
    listed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # on the master list
    figures: Mapped[str] = mapped_column(Text, default="{}")
    findings: Mapped[str] = mapped_column(Text, default="[]")  # misfiled, duplicate page
    header: Mapped[str] = mapped_column(String(13), default="")  # the TPS the header names
    page_hash: Mapped[str] = mapped_column(String(16), default="")
    page_print: Mapped[str] = mapped_column(Text, default="")
    hash_a: Mapped[int] = mapped_column(Integer, default=0)  # the hash's four 16-bit bands
    hash_b: Mapped[int] = mapped_column(Integer, default=0)
    hash_c: Mapped[int] = mapped_column(Integer, default=0)
    hash_d: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)

    __table_args__ = (
        Index("ix_recap_forms_place", "election", "year", "place"),
        # The few forms a region's page lists apart (a finding; a TPS not on the master
        # list): partial indexes, so the nation's list does not walk 820,000 forms.
        Index(
            "ix_recap_forms_flagged",
            "election",
            "year",
            "place",
            sqlite_where=text(FLAGGED),
            postgresql_where=text(FLAGGED),
        ),
        Index(
            "ix_recap_forms_unlisted",
            "election",
            "year",
            "place",
            sqlite_where=text("listed = 0"),
            postgresql_where=text("listed = false"),
        ),
        Index("ix_recap_forms_hash_a", "hash_a"),
        Index("ix_recap_forms_hash_b", "hash_b"),
        Index("ix_recap_forms_hash_c", "hash_c"),
        Index("ix_recap_forms_hash_d", "hash_d"),
    )


class RecapSumRow(Base):
    """The sum of the counted forms under a region, per candidate code, kept apart by how
    sure each number is (domain/recap.py)."""

    __tablename__ = "recap_sums"
    election: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(10), primary_key=True)
    candidate: Mapped[str] = mapped_column(String(24), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)  # 0 nation ... 4 village
    label: Mapped[str] = mapped_column(String(200), default="")
    confirmed: Mapped[int] = mapped_column(BigInteger, default=0)
    read: Mapped[int] = mapped_column(BigInteger, default=0)
    unsure: Mapped[int] = mapped_column(BigInteger, default=0)
    unread: Mapped[int] = mapped_column(Integer, default=0)
    forms: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (Index("ix_recap_sums_level", "election", "year", "level", "region"),)


class RecapValueRow(Base):
    """A figure a recap form prints: for its own region (``own``) or a child's column."""

    __tablename__ = "recap_values"
    record_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    region: Mapped[str] = mapped_column(String(10), primary_key=True)
    candidate: Mapped[str] = mapped_column(String(24), primary_key=True)
    election: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    stage: Mapped[str] = mapped_column(String(8))  # district | regency: the form's level
    own: Mapped[bool] = mapped_column(Boolean)
    votes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    status: Mapped[str] = mapped_column(String(12), default="")
    page: Mapped[int] = mapped_column(Integer, default=0)
    box: Mapped[str] = mapped_column(String(64), default="")

    __table_args__ = (Index("ix_recap_values_region", "election", "year", "region"),)


class PublishedImportRow(Base):
    """One import of published figures: a dated version."""

    __tablename__ = "published_imports"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(16))
    election: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(255), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    imported_by: Mapped[str] = mapped_column(String(64))
    figures: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)


class PublishedRow(Base):
    """A published figure as of the newest import that gave it."""

    __tablename__ = "published_figures"
    series: Mapped[str] = mapped_column(String(16), primary_key=True)
    election: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(13), primary_key=True)
    candidate: Mapped[str] = mapped_column(String(24), primary_key=True)
    votes: Mapped[int] = mapped_column(BigInteger)
    ts: Mapped[str] = mapped_column(String(32), default="")  # the publisher's own time stamp
    import_id: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_published_region", "election", "year", "region"),)


class PublishedChangeRow(Base):
    """A published figure that changed between two imports: both values, both times."""

    __tablename__ = "published_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(16))
    election: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(13))
    candidate: Mapped[str] = mapped_column(String(24))
    old_votes: Mapped[int] = mapped_column(BigInteger)
    new_votes: Mapped[int] = mapped_column(BigInteger)
    old_import: Mapped[int] = mapped_column(Integer)
    new_import: Mapped[int] = mapped_column(Integer)
    old_ts: Mapped[str] = mapped_column(String(32), default="")
    new_ts: Mapped[str] = mapped_column(String(32), default="")

    __table_args__ = (Index("ix_published_changes_region", "election", "year", "region"),)


class DifferenceRow(Base):
    """Where two sources disagree for a region or TPS (domain/recap_compare.py), kept
    current with the sums so that the largest can be listed without computing them all."""

    __tablename__ = "recap_differences"
    election: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(13), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    deltas: Mapped[str] = mapped_column(Text)  # JSON {code: [first, second]}
    swing: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column(BigInteger)
    missing: Mapped[int] = mapped_column(Integer, default=0)
    explained: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_recap_differences_order", "election", "year", "explained", "swing"),
    )


class DifferenceTotalRow(Base):
    """How many differences of a kind sit under a region (itself included), and their size:
    kept with the differences, so the chart of where they sit reads one row per child."""

    __tablename__ = "recap_difference_totals"
    election: Mapped[str] = mapped_column(String(32), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int] = mapped_column(BigInteger, default=0)


class RecordCountRow(Base):
    """Counts of visible records by key, kept by triggers on ``documents`` and
    ``record_retention`` (migrations 0008, 0014):
    what dashboards and list totals show, read instead of counted (db/counts.py)."""

    __tablename__ = "record_counts"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(100), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
