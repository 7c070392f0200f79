"""What disposition decided, carried by a transfer: the lists (proposal, four-eyes decision,
execution, the report that proves it) and what they did to records.

A list copied before is found again and only moves forward (recordkeeping's
``import_list``). A record destroyed or handed to the national archives at the source after
it was copied is destroyed or marked here too, at the next run: the target must never hold
content that an approved destruction, and its report, say is gone. A disposition run cut
short at the source stops the transfer until it is finished there, since its records are
then half destroyed (objects gone, row not yet a tombstone).

Reports go under a key of the source's own (``disposition/transfer-<origin>/...``): the
target's own lists write ``disposition/list-<id>/``, and two sources both have a list 1.
A transfer list's ``packages`` name BagIt folders on the source's machine: they are copied
as the record of what was written, not the bags themselves.
"""

from __future__ import annotations

from pathlib import Path

from archive_app.audit.trail import entry as audit_entry
from archive_app.domain.disposition import ListStatus
from archive_app.domain.entities import Record, StoredFile
from archive_app.domain.records import Status
from archive_app.operations.transfer_objects import (
    TransferError,
    copy_tombstone,
    copy_unless_there,
)
from archive_app.recordkeeping import disposition, holds


def refuse_unfinished(source) -> None:
    """A list being carried out at the source (or whose run was cut short) must be finished
    there first."""
    running = source.metadata.dispositions.lists(status=ListStatus.EXECUTING)
    if running:
        ids = ", ".join(str(d.id) for d in sorted(running, key=lambda d: d.id))
        raise TransferError(
            f"disposition list(s) {ids} are being carried out at the source, or their run was "
            "cut short: finish them there (`archive disposition execute <id>`) and transfer "
            "again"
        )


def follow_final(source, target, record: Record, ours: Record, origin: str) -> tuple[int, str]:
    """A record already here whose final disposition at the source came since it was
    copied: destroyed here too (its objects, every version, and its index entry; its
    sidecar copied) or marked transferred, at the source's time, audited in the same
    transaction. The rules ``disposition.execute`` keeps hold here too: a record under a
    legal hold here, being processed, or owed the steps after ready (where it joins query
    holds) is left as it is and named, and the run does not count as complete. (Bytes
    copied, why it waits or "".)"""
    if record.final_state in ("", ours.final_state) or ours.final_state == "disposed":
        return 0, ""
    if target.metadata.holds.held([record.id]):
        return 0, "under a legal hold here"
    if ours.status is Status.PROCESSING or target.metadata.jobs.steps_owed([record.id]):
        return 0, "being processed here"
    holds.released(target, [record.id])  # a hold released at the source: its object locks
    if record.final_state == "transferred":
        entry = audit_entry("system", "transfer.transferred", f"document:{record.id}",
                            origin=origin)  # fmt: skip
        target.metadata.lifecycle.mark_transferred(record.id, at=record.final_at, entry=entry)
        return 0, ""
    size = copy_tombstone(source.objects, target.objects, record)
    try:
        deleted = disposition.delete_content(target, record.id)
    except OSError as exc:
        raise TransferError(
            f"record {record.id} was destroyed at the source, and its objects here cannot be "
            f"deleted ({exc}): is an object lock still set on them?"
        ) from None
    entry = audit_entry("system", "transfer.destroyed", f"document:{record.id}",
                        origin=origin, files=deleted)  # fmt: skip
    target.metadata.lifecycle.tombstone(record.id, at=record.final_at, entry=entry)
    return size, ""


def copy_lists(source, target, scratch: Path, origin: str) -> tuple[int, int, int]:
    """Every list as it is at the source, with its items whose records are here and its
    report, verified by SHA-256; each new list audited with the source's id, in its
    transaction. (new lists, reports copied, their bytes)."""
    new_lists = reports = size = 0
    for copied in sorted(source.metadata.dispositions.lists(), key=lambda d: d.id):
        try:
            list_id, new = target.metadata.dispositions.import_list(
                copied,
                lambda here, copied=copied: audit_entry(
                    "system", "disposition.transfer", f"disposition:{here}",
                    source_list=copied.id, origin=origin,
                ),
            )  # fmt: skip
        except ValueError as exc:
            problem = f"{exc}: settle which decision stands, then transfer again"
            raise TransferError(problem) from None
        new_lists += new
        after = ""
        while items := source.metadata.dispositions.item_rows(copied.id, after=after):
            here = target.metadata.records.by_ids([i[0] for i in items])
            target.metadata.dispositions.import_items(list_id, [i for i in items if i[0] in here])
            after = items[-1][0]
        ours = target.metadata.dispositions.get(list_id)
        if copied.report_key and ours is not None and not ours.report_key:
            key = f"disposition/transfer-{origin}/list-{copied.id}/berita-acara.pdf"
            pdf = StoredFile("report", copied.report_key, copied.report_sha256, 0,
                             "application/pdf")  # fmt: skip
            copied_now = copy_unless_there(source.objects, target.objects, pdf, scratch, key)
            target.metadata.dispositions.set_outputs(
                list_id, report_key=key, report_sha256=copied.report_sha256
            )
            size, reports = size + copied_now, reports + bool(copied_now)
    return new_lists, reports, size
