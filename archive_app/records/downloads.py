"""Which stored file answers a download, and what it is called on the user's disk."""

from __future__ import annotations

import re

from archive_app.domain.entities import Record, StoredFile
from archive_app.domain.records import FileRole

ROLES = {"original": FileRole.ORIGINAL, "pdf": FileRole.PDF, "pdfa": FileRole.PDFA,
         "text": FileRole.TEXT}  # fmt: skip


def find(services, record: Record, what: str) -> StoredFile | None:
    role = ROLES[what].value
    return next((f for f in services.metadata.records.files(record.id) if f.role == role), None)


def page_image(services, record: Record, number: int, size: str) -> StoredFile | None:
    role = FileRole.VIEW.value if size == "view" else FileRole.THUMB.value
    files = services.metadata.records.files(record.id)
    return next((f for f in files if f.role == role and f.page == number), None)


def filename(record: Record, what: str) -> str:
    """A name that says what the file is: form, election, year, village, TPS."""
    m = record.metadata
    stem = f"{m.form_type}_{m.election}_{m.year}_{m.village}_TPS{m.tps:03d}_{record.id[:8]}"
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", stem)
    if what == "original":
        return f"{stem}.{_EXTENSIONS.get(record.kind, 'bin')}"
    return f"{stem}{_SUFFIXES[what]}"


_SUFFIXES = {"pdf": ".pdf", "pdfa": ".pdfa.pdf", "text": ".txt"}


_EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}
