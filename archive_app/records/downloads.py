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
    """A name that says what the file is: form, election, year, village, TPS, and which
    copy (the scan as uploaded, the searchable PDF, the PDF/A), so an original PDF and its
    searchable copy never land on one name in the Downloads folder. A field still unknown
    is left out, never written as 0."""
    m = record.metadata
    parts = [m.form_type, m.election, str(m.year or ""), m.village,
             f"TPS{m.tps:03d}" if m.tps else "", record.id[:8]]  # fmt: skip
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", "_".join(p for p in parts if p))
    if what == "original":
        return f"{stem}_asli.{_EXTENSIONS.get(record.kind, 'bin')}"
    return f"{stem}{_SUFFIXES[what]}"


# "asli" (original) / "teks" (with its text layer): the words the record page uses.
_SUFFIXES = {"pdf": "_teks.pdf", "pdfa": "_teks.pdfa.pdf", "text": ".txt"}


_EXTENSIONS = {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}
