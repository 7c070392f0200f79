"""The "needs review" queue: a person confirms or corrects what the machine was unsure of."""

from __future__ import annotations

from archive_app import audit, holds, indexing, retention, sidecar
from archive_app.domain.metadata import validate_metadata
from archive_app.domain.records import Status


class NotReviewable(Exception):
    """The record is still being processed (its readings would overwrite the confirmation)
    or has left the archive."""


def confirm(services, doc_id: str, raw: dict, actor: str, ip: str = "") -> None:
    """Store the confirmed metadata (every required field now given), audited with before/after,
    and bring everything that depends on it up to date."""
    docs = services.metadata.documents
    before = docs.get(doc_id)
    if before is None:
        raise LookupError(doc_id)
    if before.status != Status.READY or before.final_state:
        raise NotReviewable(f"the record is {before.final_state or before.status.value}")
    metadata = validate_metadata(raw, services.settings.vocabulary)  # MetadataError if not
    readings = services.metadata.readings.get(doc_id)  # the reasons, before confirming clears them
    services.metadata.readings.confirm(doc_id, metadata)
    old, new = before.metadata.as_dict(), metadata.as_dict()
    changes = {k: {"before": old[k], "after": new[k]} for k in new if old.get(k) != new[k]}
    audit.record(services, actor, "metadata.review", f"document:{doc_id}", ip, changes=changes,
                 reasons=readings.get("reasons", []))  # fmt: skip
    sidecar.rewrite(services, doc_id)
    holds.apply_query_holds(services, doc_id)
    retention.refresh(services, ids=[doc_id])
    indexing.index_documents(services, [doc_id])
