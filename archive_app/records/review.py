"""The "needs review" queue: a person confirms or corrects what the machine was unsure of."""

from __future__ import annotations

from archive_app import audit
from archive_app.domain.disposition import OPEN as OPEN_LISTS
from archive_app.domain.metadata import validate_metadata
from archive_app.domain.records import Status
from archive_app.recordkeeping import preservation, retention
from archive_app.records import after_ready, indexing, sidecar


class NotReviewable(Exception):
    """The record cannot be corrected here: it is still being processed (its readings would
    overwrite the confirmation), has left the archive, does not wait for review, or is
    frozen by a legal hold or an open disposition list."""


class NeedsRecordsOfficer(Exception):
    """The correction moves the record to another retention series: that is a records
    officer's decision, not an uploader's."""


def confirm(
    services, record_id: str, raw: dict, actor: str, ip: str = "", *, records_officer: bool = False
) -> None:
    """Store the confirmed metadata (every required field now given), audited with before/after,
    and bring everything that depends on it up to date.

    Never a record a legal hold or an open disposition list has frozen: the evidence a
    court or an approver relies on must not change under them. An uploader corrects only
    records waiting for review, within their retention series; a records officer
    (``records_officer``) may also correct a record already confirmed, and move one to
    another series.
    """
    records = services.metadata.records
    before = records.get(record_id)
    if before is None:
        raise LookupError(record_id)
    if before.status != Status.READY or before.final_state:
        raise NotReviewable(f"the record is {before.final_state or before.status.value}")
    frozen_by(services, record_id)
    if not records_officer and not services.metadata.readings.get(record_id).get("review"):
        raise NotReviewable("the record does not wait for review")
    metadata = validate_metadata(raw, services.settings.vocabulary)  # MetadataError if not
    if not records_officer and _series_changes(services, before.metadata, metadata):
        raise NeedsRecordsOfficer(
            "this form type or election moves the record to another retention series"
        )
    readings = services.metadata.readings.get(
        record_id
    )  # the reasons, before confirming clears them
    if not services.metadata.readings.confirm(
        record_id, metadata, after_ready.NAMES,
        unchanged_since=before.updated_at, waiting=not records_officer,
    ):  # fmt: skip
        raise NotReviewable("the record was changed meanwhile: open it again")
    old, new = before.metadata.as_dict(), metadata.as_dict()
    changes = {k: {"before": old[k], "after": new[k]} for k in new if old.get(k) != new[k]}
    audit.record(services, actor, "metadata.review", f"document:{record_id}", ip, changes=changes,
                 reasons=readings.get("reasons", []))  # fmt: skip
    sidecar.rewrite(services, record_id)
    after_ready.settle(services, record_id, after_ready.NAMES)  # holds by search, retention
    indexing.index_records(services, [record_id])
    preservation.enqueue(services, record_id, again=True)  # its XMP carries the metadata


def editable(services, record_id: str, records_officer: bool) -> str:
    """Why this person cannot correct the record now ("" when they can): for the page, so
    it does not offer a form that can only be refused."""
    try:
        frozen_by(services, record_id)
    except NotReviewable as exc:
        return str(exc)
    if not records_officer and not services.metadata.readings.get(record_id).get("review"):
        return "the record does not wait for review"
    return ""


def frozen_by(services, record_id: str) -> None:
    """NotReviewable when a legal hold or an open disposition list freezes the record."""
    if services.metadata.holds.held([record_id]):
        raise NotReviewable("the record is under a legal hold")
    for list_id, status, _ in services.metadata.dispositions.lists_for_record(record_id):
        if status in OPEN_LISTS:
            raise NotReviewable(f"the record is on disposition list {list_id} ({status})")


def _series_changes(services, old, new) -> bool:
    schedule = retention.schedule(services)
    was = schedule.series_for(old.form_type, old.election) if old.form_type else None
    now = schedule.series_for(new.form_type, new.election)
    if was is None:  # first classification of a record read without a form type
        return False
    return (now.code if now else None) != was.code
