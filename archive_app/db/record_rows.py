"""Record rows and the plain entities made from them, both ways: one mapping for every
repository that reads or writes records, their pages and stored files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import defer

from archive_app.db.models import PageRow, RecordRow, StoredFileRow
from archive_app.domain.entities import Page, PageReadings, Record, StoredFile
from archive_app.domain.metadata import ALL_FIELDS, RecordMetadata
from archive_app.domain.records import IndexState, Status


def record_entity(row, *, retention_state: str | None = None, queued: bool | None = None) -> Record:
    """From a ``RecordRow`` or a result row of its columns with ``retention_state`` and
    ``index_queued`` (see models: loaded with the row), or these given for a row just
    written."""
    queued = row.index_queued if queued is None else queued
    return Record(
        id=row.id,
        sha256=row.sha256,
        status=Status(row.status),
        index_state=IndexState.PENDING if queued else IndexState(row.index_state),
        metadata=RecordMetadata(**{f: getattr(row, f) for f in ALL_FIELDS}),
        final_state=row.final_state,
        final_at=row.final_at,
        # no retention row yet: an upload still arriving
        retention_state=(retention_state or row.retention_state) or "active",
        flags=tuple(flags_of(row)),
        batch_id=row.batch_id,
        kind=row.kind,
        original_name=row.original_name,
        size=row.size,
        page_count=row.page_count,
        pages_done=row.pages_done,
        ocr_confidence=row.ocr_confidence,
        error=row.error,
        attempts=row.attempts,
        created_at=row.created_at,
        created_by=row.created_by,
        updated_at=row.updated_at,
        processed_at=row.processed_at,
    )


def flags_of(row: RecordRow) -> list[str]:
    """Why auditors should look at the record: the search API's ``flag`` values."""
    return flags_from(row.tally_consistent, row.tally_low_confidence, row.needs_review)


def flags_from(consistent: bool | None, low_confidence: bool, needs_review: bool) -> list[str]:
    flags = []
    if consistent is False:
        flags.append("inconsistent")
    if low_confidence:
        flags.append("low_confidence")
    if needs_review:
        flags.append("review")
    return flags


def page_entity(row: PageRow) -> Page:
    return Page.from_attributes(row)


def file_entity(row: StoredFileRow) -> StoredFile:
    return StoredFile(
        role=row.role,
        key=row.key,
        sha256=row.sha256,
        size=row.size,
        content_type=row.content_type,
        page=row.page,
    )


def file_row(
    record_id: str, f: StoredFile, now: datetime, destroyed_at: datetime | None = None
) -> StoredFileRow:
    return StoredFileRow(
        document_id=record_id,
        role=f.role,
        page=f.page,
        key=f.key,
        sha256=f.sha256,
        size=f.size,
        content_type=f.content_type,
        created_at=now,
        destroyed_at=destroyed_at,
    )


VISIBLE = (Status.QUEUED, Status.PROCESSING, Status.READY, Status.FAILED)
# Load options for lists: the record entity needs none of what was read from the pages
# (the vote counts alone are several kB a record, most of a row).
LIGHT_SKIPS = ("tally", "extracted", "uploader_metadata", "review_reasons")
LIGHT = tuple(defer(getattr(RecordRow, column)) for column in LIGHT_SKIPS)


# What the uploader typed, what processing read from the pages and what review decided, as
# a row holds them: what a transfer copies besides the record entity (``readings.as_stored``,
# ``records.import_record``; a record that arrives queued takes only what was typed).
READING_COLUMNS = (
    "uploader_metadata", "extracted", "needs_review", "review_reasons", "tally",
    "tally_consistent", "tally_low_confidence", "page_hash", "page_print",
)  # fmt: skip


def apply_readings(row: RecordRow, r: PageReadings) -> None:
    for name, value in metadata_columns(r.metadata).items():
        setattr(row, name, value)
    row.extracted = json.dumps(r.extracted, ensure_ascii=False)
    row.needs_review = bool(r.review_reasons)
    row.review_reasons = json.dumps(r.review_reasons, ensure_ascii=False)
    row.tally = json.dumps(r.tally, ensure_ascii=False) if r.tally is not None else ""
    row.tally_consistent = r.tally_consistent
    row.tally_low_confidence = r.tally_low_confidence
    row.page_hash = r.page_hash
    row.page_print = r.page_print


STEP = re.compile(r"\[([^\]]+)\]")  # one owed step in ``documents.after_ready``


def owed_steps(names: Iterable[str]) -> str:
    """The steps a record owes after ready, as its row keeps them ("[holds][retention]"):
    each name in brackets, so one is removed by a plain string replace."""
    return "".join(f"[{name}]" for name in names)


def metadata_columns(metadata: RecordMetadata) -> dict:
    """Metadata as column values (the date as a date, not text)."""
    return {f: getattr(metadata, f) for f in ALL_FIELDS}
