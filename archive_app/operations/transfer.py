"""Moving a running archive onto other backends (a regency PC joining the provincial cluster).

Every object is streamed out of the source, checked against the SHA-256 recorded at ingest
(a corrupted source object stops the transfer instead of being copied), written to the
target and verified there. A record's row is inserted in the target only after all its
objects are in place, so an interrupted transfer never leaves a target row pointing at
nothing, and it carries what the uploader typed, what the record's pages were read as and
what review decided (its vote counts, whether it waits for review); each form takes its
part in the target's recap as a worker's finish gives it. Legal holds and disposition lists
go over with the records they name (not upload batches); a destroyed record goes over as
its tombstone: its row, its checksums and its sidecar (transfer_dispositions.py).
Running it again skips the records already there and finishes the rest. Users keep their
password hashes and API tokens. Audit entries are appended to the target's own
chain in batches, each batch with a marker entry in the same transaction, which is how a
resumed transfer knows where it stopped. The target's index is rebuilt at the end.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from archive_app.audit.trail import entry as audit_entry
from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow
from archive_app.domain.records import Status
from archive_app.domain.tasks import PROCESS_RECORD
from archive_app.operations import transfer_dispositions as finals
from archive_app.operations import transfer_objects as objects
from archive_app.operations.transfer_objects import TransferError
from archive_app.recordkeeping import holds, retention
from archive_app.records import indexing

__all__ = ["TransferError", "TransferReport", "source_id", "transfer"]

AUDIT_BATCH = 500
MARKER = "transfer.audit"


@dataclass
class TransferReport:
    users: int = 0
    records: int = 0
    already_there: int = 0
    objects: int = 0
    bytes: int = 0
    audit_entries: int = 0
    holds: int = 0
    dispositions: int = 0
    indexed: int = 0
    complete: bool = False
    queued: list[str] = field(default_factory=list)
    # records whose final disposition at the source cannot be followed here yet, and why
    waiting: list[str] = field(default_factory=list)


def _import_holds(source, target) -> tuple[dict[int, int], int, list[int]]:
    """Every legal hold, active or released, as it was, before any record goes over: each
    record then joins its holds in force as it arrives, so a run cut short leaves no held
    record free at the target. A hold copied before is found again (and takes a release
    made since). Each new one is audited on the target with the source's id, by which the
    source's copied entries name it. (source id -> id here, how many are new, the ids here
    of holds released since they were copied)."""
    ids, new_holds, ended, origin = {}, 0, [], source_id(source)
    for hold in sorted(source.metadata.holds.list(), key=lambda h: h.id):
        hold_id, new, released = _copy_hold(target, hold, origin)
        ids[hold.id] = hold_id
        new_holds += new
        if released:
            ended.append(hold_id)
    return ids, new_holds, ended


def _copy_hold(target, hold, origin: str) -> tuple[int, bool, bool]:
    """``import_hold``, a new hold audited here with the source's id in its transaction."""
    return target.metadata.holds.import_hold(
        hold,
        lambda here: audit_entry("system", "hold.transfer", f"hold:{here}",
                                 source_hold=hold.id, origin=origin),
    )  # fmt: skip


def _join_holds(source, target, hold_ids: dict[int, int], record_id: str) -> None:
    """The record, just arrived, joins the holds in force on it at the source."""
    for hold in source.metadata.holds.for_record(record_id):
        if hold.id in hold_ids:  # a hold placed since the run began goes over at its end
            target.metadata.holds.add_records(hold_ids[hold.id], [record_id])


def _hold_records(source, target, hold_ids: dict[int, int], ended: list[int]) -> int:
    """At the end of a run: every hold's records that are here (a hold placed since the run
    began copied first), held records marked on hold before the target computes their
    states, those of holds released since they were copied freed, the object locks set.
    How many holds were new here."""
    new_holds = 0
    for hold in sorted(source.metadata.holds.list(), key=lambda h: h.id):
        if hold.id not in hold_ids:
            hold_ids[hold.id], new, _ = _copy_hold(target, hold, source_id(source))
            new_holds += new
        hold_id = hold_ids[hold.id]
        after = ""
        while ids := source.metadata.holds.document_ids(hold.id, limit=1000, after=after):
            here = target.metadata.records.by_ids(ids)
            target.metadata.holds.add_records(hold_id, [i for i in ids if i in here])
            after = ids[-1]
        if hold.active:
            target.metadata.lifecycle.hold_state(hold_id)
    for hold_id in ended:
        holds.released(target, target.metadata.holds.document_ids(hold_id))
    holds.mirror_active(target)
    return new_holds


def source_id(source) -> str:
    """A stable name for the source archive, used to find where a resumed transfer stopped."""
    s = source.settings
    return hashlib.sha256(f"{s.effective_database_url}|{s.data_dir}".encode()).hexdigest()[:16]


def transfer(
    source, target, *, limit: int | None = None, progress: Callable[[int], None] | None = None
) -> TransferReport:
    """Copy everything from ``source`` services to ``target`` services; see the module doc."""
    report = TransferReport()
    target.metadata.migrate()
    finals.refuse_unfinished(source)
    origin = source_id(source)
    report.users = _users(source, target)
    hold_ids, report.holds, ended = _import_holds(source, target)
    scratch = Path(tempfile.mkdtemp(dir=target.settings.tmp_dir, prefix="transfer-"))
    try:
        for batch in source.metadata.records.iter_records(100):
            readings = source.metadata.readings.as_stored(record.id for record, _, _ in batch)
            for record, pages, files in batch:
                if limit is not None and report.records >= limit:
                    return report
                if here := target.metadata.records.by_ids([record.id]):
                    report.already_there += 1
                    size, waits = finals.follow_final(source, target, record, here[record.id],
                                                      origin)  # fmt: skip
                    report.bytes += size
                    report.objects += bool(size)  # a sidecar
                    if waits:
                        report.waiting.append(f"{record.id}: {record.final_state} at the "
                                              f"source, {waits}")  # fmt: skip
                    continue
                if record.final_state == "disposed":  # its files are gone: its sidecar
                    report.bytes += objects.copy_tombstone(source.objects, target.objects, record)
                    report.objects += 1
                else:
                    for f in files:
                        report.bytes += objects.copy(source.objects, target.objects, f, scratch)
                        report.objects += 1
                target.metadata.records.import_record(record, pages, files,
                                                      readings.get(record.id))  # fmt: skip
                _join_holds(source, target, hold_ids, record.id)
                report.records += 1
                if progress:
                    progress(1)
        report.dispositions, reports, size = finals.copy_lists(source, target, scratch, origin)
        report.objects, report.bytes = report.objects + reports, report.bytes + size
    finally:
        for leftover in scratch.iterdir():
            leftover.unlink()
        scratch.rmdir()
    report.audit_entries = _audit(source, target)
    report.holds += _hold_records(source, target, hold_ids, ended)
    # each record arrived due for its retention state (import_record): computed before
    # the index is built, so the index holds it too
    retention.refresh(target, changes_by=date.today())
    report.indexed = indexing.reindex(target)
    # Records that arrived unprocessed (in this run or an earlier, interrupted one) are
    # handed to the target's workers.
    for batch in target.metadata.records.iter_records(500, statuses=(Status.QUEUED,)):
        for record, _, _ in batch:
            if record.final_state == "disposed":  # destroyed before it was read: nothing to read
                continue
            target.queue.enqueue(PROCESS_RECORD, record.id)
            report.queued.append(record.id)
    report.complete = not report.waiting
    return report


def _users(source, target) -> int:
    copied = 0
    for user in source.metadata.users.list():
        tokens = source.metadata.users.live_tokens(user.id)
        copied += target.metadata.users.import_user(user, tokens)
    return copied


def _audit(source, target) -> int:
    origin = source_id(source)
    done_through = _last_marker(target, origin)
    copied = 0
    while True:
        rows = source.metadata.audit.entries_after(done_through, AUDIT_BATCH)
        if not rows:
            return copied
        entries = [
            AuditEntry(e.at, e.actor, e.action, e.target, e.ip,
                       {**e.details, "transferred_from": origin, "source_entry": entry_id})
            for entry_id, e in rows
        ]  # fmt: skip
        done_through = rows[-1][0]
        marker = AuditEntry(utcnow(), "system", MARKER, f"archive:{origin}", "",
                            {"source": origin, "through": done_through})  # fmt: skip
        target.metadata.audit.append_many([*entries, marker])
        copied += len(entries)


def _last_marker(target, origin: str) -> int:
    for entry in target.metadata.audit.list(action=MARKER, target=f"archive:{origin}", limit=1):
        return int(entry["details"]["through"])
    return 0
