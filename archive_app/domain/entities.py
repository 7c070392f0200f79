"""Plain records passed between the stores, the services and the views.

They are snapshots: changing one changes nothing stored. Stores return them so callers
never hold database sessions or ORM objects across a request or a job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, NamedTuple

from archive_app.domain.disposition import Action, ListStatus
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
    session_epoch: int = 0
    language: str | None = None  # None: follow the browser (domain/languages.py)


@dataclass(frozen=True)
class ApiToken:
    id: int
    user_id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    expires_at: datetime | None = None


@dataclass(frozen=True)
class StoredToken:
    """A live API token as stored (its hash only): what a transfer copies to keep it working."""

    name: str
    token_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None


@dataclass(frozen=True)
class StoredFile:
    role: str
    key: str
    sha256: str
    size: int
    content_type: str = "application/octet-stream"
    page: int = 0


@dataclass(frozen=True)
class PageReadings:
    """What processing read from the pages, and the metadata it settled on."""

    metadata: RecordMetadata
    extracted: dict[str, Any]  # field -> {"value", "confidence", "source"}
    review_reasons: list[Any]
    tally: dict[str, Any] | None  # the Tally as JSON-ready data, None when no tally was read
    tally_consistent: bool | None = None
    tally_low_confidence: bool = False
    page_hash: str = ""  # the first page's perceptual hash and its finer print (recap checks)
    page_print: str = ""


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

    @classmethod
    def from_attributes(cls, source: object) -> Page:
        """The page as any object with the same attribute names holds it (a stored row, a
        page the OCR pipeline produced): one mapping, however the page arrives."""
        return cls(**{f.name: getattr(source, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Record:
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
    final_state: str = ""  # "disposed" or "transferred" once a disposition was executed
    final_at: datetime | None = None  # when it was
    retention_state: str = "active"  # cached; the live value comes from retention.state_of
    flags: tuple[str, ...] = ()  # inconsistent | low_confidence | review
    batch_id: int | None = None


@dataclass(frozen=True)
class NewRecord:
    id: str
    sha256: str
    metadata: RecordMetadata
    kind: str
    original_name: str
    size: int
    page_count: int
    created_by: str
    batch_id: int | None = None
    given: dict[str, Any] = field(default_factory=dict)  # the metadata fields the uploader typed


@dataclass(frozen=True)
class ScheduleVersion:
    version: int
    rows: list[Any]
    comment: str
    created_at: datetime
    created_by: str


@dataclass(frozen=True)
class Hold:
    id: int
    reason: str
    case_ref: str
    query: (
        dict[str, Any] | None
    )  # search parameters of a query-scoped hold; None for chosen records
    created_at: datetime
    created_by: str
    released_at: datetime | None = None
    released_by: str = ""
    release_reason: str = ""
    records: int = 0

    @property
    def active(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class DispositionList:
    id: int
    action: Action
    status: ListStatus
    comment: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str = ""
    decided_at: datetime | None = None
    decision_comment: str = ""
    executed_by: str = ""
    executed_at: datetime | None = None
    report_key: str = ""
    report_sha256: str = ""
    packages: list[Any] = field(default_factory=list)
    items: int = 0


@dataclass(frozen=True)
class Batch:
    id: int
    label: str
    source: str
    metadata: dict[str, Any]
    created_by: str
    created_at: datetime
    counts: dict[str, Any] = field(default_factory=dict)  # outcome/status -> number of files


@dataclass(frozen=True)
class BatchItem:
    name: str
    outcome: str  # accepted | duplicate | rejected
    message: str
    document_id: str | None
    status: str = ""  # the record's processing status, when there is a record
    pages_done: int = 0
    page_count: int = 0
    needs_review: bool = False


class IndexSource(NamedTuple):
    """What the search index is built from for one ready record, read straight from the
    columns (a rebuild reads every record: a tuple, not the full Record, is what made the
    rebuild fast enough; see docs/benchmarks.md, "Reindex")."""

    id: str
    metadata: dict[str, Any]  # as RecordMetadata.as_dict()
    retention_state: str
    flags: tuple[str, ...]
    created_at: datetime
    # its row's stamp, read with the rest: the record is marked indexed only while its row
    # still carries it (IndexBookkeeping.mark_indexed)
    updated_at: datetime
    pages: tuple[str, ...]  # text of each page, in order
    # its index_queue stamp, read with the rest (None: not queued); only that queue row is
    # removed once indexed (IndexBookkeeping.mark_indexed)
    queued_at: datetime | None = None
    # its row said the index had yet to take it (read by a rebuild only, which keeps the
    # stamps of such records: IndexBookkeeping.mark_all_indexed)
    pending: bool = False


class TallyOf(NamedTuple):
    """A record's place and flags with its vote counts, read straight from the columns: all
    the region export needs (a regency has ~10,000 result forms; building each full Record
    took a quarter of the export's time)."""

    id: str
    place: tuple[Any, ...]  # election, form_type, year, province, regency, district, village, tps
    flags: tuple[str, ...]
    tally: dict[str, Any]  # empty when ``kept`` is given
    # the lines written from the counts when they were stored (domain.tally_lines.packed),
    # if kept in this layout
    kept: str | None = None
