"""metadata.json: the record described in the object store itself.

Written next to the record's files at upload and again when processing finishes, so the
archive can be understood, verified and rebuilt from the object store alone.
"""

from __future__ import annotations

import json

from archive_app.domain.entities import Document, Page, StoredFile
from archive_app.domain.records import FileRole, object_key

SCHEMA = "election-archive/record/1"


def sidecar_key(doc_id: str) -> str:
    return object_key(doc_id, FileRole.METADATA)


def build(doc: Document, files: list[StoredFile], pages: list[Page], status: str,
          readings=None) -> bytes:  # fmt: skip
    body = {
        "schema": SCHEMA,
        "id": doc.id,
        "sha256": doc.sha256,
        "status": status,
        "kind": doc.kind,
        "original_name": doc.original_name,
        "size": doc.size,
        "created_at": doc.created_at.isoformat(),
        "created_by": doc.created_by,
        "metadata": doc.metadata.as_dict(),
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


def rewrite(services, doc_id: str) -> None:
    """Describe the record again after its metadata changed, keeping the checksum record true."""
    docs = services.metadata.documents
    doc = docs.get(doc_id)
    files = docs.files(doc_id)
    body = build(doc, files, docs.pages(doc_id), doc.status.value)
    info = services.objects.put_bytes(sidecar_key(doc_id), body, content_type="application/json")
    docs.replace_file(doc_id, info.key, info.sha256, info.size)
