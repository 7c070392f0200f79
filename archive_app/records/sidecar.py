"""metadata.json: the record described in the object store itself.

Written next to the record's files at upload and again when processing finishes, so the
archive can be understood, verified and rebuilt from the object store alone.
"""

from __future__ import annotations

import json

from archive_app.domain.entities import Page, Record, StoredFile
from archive_app.domain.records import FileRole, object_key
from archive_app.recordkeeping import fixity

SCHEMA = "election-archive/record/1"


def sidecar_key(record_id: str) -> str:
    return object_key(record_id, FileRole.METADATA)


def build(record: Record, files: list[StoredFile], pages: list[Page], status: str,
          readings=None) -> bytes:  # fmt: skip
    body = {
        "schema": SCHEMA,
        "id": record.id,
        "sha256": record.sha256,
        "status": status,
        "kind": record.kind,
        "original_name": record.original_name,
        "size": record.size,
        "created_at": record.created_at.isoformat(),
        "created_by": record.created_by,
        "metadata": record.metadata.as_dict(),
        "files": [vars(f) for f in files if f.role != FileRole.METADATA.value],
        "pages": [{k: v for k, v in vars(p).items() if k != "text"} for p in pages],
    }
    if readings is not None:  # what was read from the pages, as it was read
        body["readings"] = {
            "extracted": readings.extracted,
            "review_reasons": readings.review_reasons,
            "tally": readings.tally,
        }
    return json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")


def rewrite(services, record_id: str) -> None:
    """Describe the record again after its metadata changed, keeping the checksum record true."""
    records = services.metadata.records
    record = records.get(record_id)
    files = records.files(record_id)
    body = build(record, files, records.pages(record_id), record.status.value)
    info = services.objects.put_bytes(sidecar_key(record_id), body, content_type="application/json")
    fixity.record_rewrite(services, record_id, info.key, info.sha256, info.size)
