"""A record's life: the statuses it passes through and the keys of its stored files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum


class Status(StrEnum):
    UPLOADING = "uploading"  # internal: the original is being written; never shown as a record
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class IndexState(StrEnum):
    PENDING = "pending"  # the search index has not caught up with this record yet
    INDEXED = "indexed"


class Received(StrEnum):
    """What became of one file handed to a batch."""

    ACCEPTED = "accepted"  # a new record, queued
    DUPLICATE = "duplicate"  # the same bytes are archived already
    REJECTED = "rejected"  # refused, with the reason


class FileRole(StrEnum):
    ORIGINAL = "original"
    PDF = "pdf"
    TEXT = "text"
    VIEW = "view"
    THUMB = "thumb"
    METADATA = "metadata"
    PDFA = "pdfa"  # the preservation copy: the searchable PDF as PDF/A-2b


def record_prefix(record_id: str) -> str:
    """Records are spread over 256 folders so no directory or listing grows without bound."""
    return f"records/{record_id[:2]}/{record_id}/"


def tombstone_key(record_id: str) -> str:
    """Where a destroyed record's sidecar is kept: all it has left in the store."""
    return record_prefix(record_id) + "tombstone.json"


def object_key(record_id: str, role: FileRole, *, page: int = 0, extension: str = "") -> str:
    prefix = record_prefix(record_id)
    if role is FileRole.ORIGINAL:
        return f"{prefix}original.{extension}"
    if role is FileRole.PDF:
        return f"{prefix}searchable.pdf"
    if role is FileRole.PDFA:
        return f"{prefix}preservation.pdf"
    if role is FileRole.TEXT:
        return f"{prefix}text.txt"
    if role is FileRole.METADATA:
        return f"{prefix}metadata.json"
    return f"{prefix}pages/{page:04d}.{role.value}.jpg"


def searchable_fields(
    metadata: Mapping[str, object], retention_state: str, flags: Iterable[str]
) -> dict[str, object]:
    """A record's fields as the search index holds them beside its text: what a filter on
    the index and the same filter checked on a record the index has not taken (a hold by
    search) both look at."""
    return {**metadata, "retention": retention_state, "flags": list(flags)}
