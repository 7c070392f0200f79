"""Moving a running archive onto other backends (a regency PC joining the provincial cluster).

Every object is streamed out of the source, checked against the SHA-256 recorded at ingest
(a corrupted source object stops the transfer instead of being copied), written to the
target and verified there. A record's row is inserted in the target only after all its
objects are in place, so an interrupted transfer never leaves a target row pointing at
nothing, and it carries what the uploader typed, what the record's pages were read as and
what review decided (its vote counts, whether it waits for review); each form takes its
part in the target's recap as a worker's finish gives it. Legal holds and disposition lists
go over with the records they name (not upload batches); a destroyed record goes over as
its tombstone: its row, its checksums and its sidecar.
Running it again skips the records already there and finishes the rest. Users keep their
password hashes and API tokens. Audit entries are appended to the target's own
chain in batches, each batch with a marker entry in the same transaction, which is how a
resumed transfer knows where it stopped. The target's index is rebuilt at the end.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from archive_app.audit.trail import entry as audit_entry
from archive_app.domain.audit import AuditEntry
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import StoredFile
from archive_app.domain.records import Status, record_prefix
from archive_app.domain.tasks import PROCESS_RECORD
from archive_app.recordkeeping import holds, retention
from archive_app.records import indexing
from archive_app.storage.interfaces import CHUNK, ObjectNotFound

AUDIT_BATCH = 500
MARKER = "transfer.audit"


class TransferError(RuntimeError):
    """The transfer stopped; what was copied so far is complete and will be skipped next time."""


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


def _import_holds(source, target) -> tuple[dict[int, int], int, list[int]]:
    """Every legal hold, active or released, as it was, before any record goes over: each
    record then joins its holds in force as it arrives, so a run cut short leaves no held
    record free at the target. A hold copied before is found again (and takes a release
    made since). Each new one is audited on the target with the source's id, by which the
    source's copied entries name it. (source id -> id here, how many are new, the ids here
    of holds released since they were copied)."""
    ids, new_holds, ended = {}, 0, []
    for hold in sorted(source.metadata.holds.list(), key=lambda h: h.id):
        hold_id, new, released = _copy_hold(source, target, hold)
        ids[hold.id] = hold_id
        new_holds += new
        if released:
            ended.append(hold_id)
    return ids, new_holds, ended


def _copy_hold(source, target, hold) -> tuple[int, bool, bool]:
    """``import_hold``, a new hold audited here with the source's id in its transaction."""
    origin = source_id(source)
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
            hold_ids[hold.id], new, _ = _copy_hold(source, target, hold)
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
    report.users = _users(source, target)
    hold_ids, report.holds, ended = _import_holds(source, target)
    scratch = Path(tempfile.mkdtemp(dir=target.settings.tmp_dir, prefix="transfer-"))
    try:
        for batch in source.metadata.records.iter_records(100):
            readings = source.metadata.readings.as_stored(record.id for record, _, _ in batch)
            for record, pages, files in batch:
                if limit is not None and report.records >= limit:
                    return report
                if target.metadata.records.by_ids([record.id]):
                    report.already_there += 1
                    continue
                if record.final_state == "disposed":  # its files are gone: its sidecar
                    report.bytes += _copy_tombstone(source.objects, target.objects, record.id)
                    report.objects += 1
                else:
                    for f in files:
                        report.bytes += _copy(source.objects, target.objects, f, scratch)
                        report.objects += 1
                target.metadata.records.import_record(record, pages, files,
                                                      readings.get(record.id))  # fmt: skip
                _join_holds(source, target, hold_ids, record.id)
                report.records += 1
                if progress:
                    progress(1)
        report.dispositions = _dispositions(source, target, scratch)
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
    report.complete = True
    return report


def _users(source, target) -> int:
    copied = 0
    for user in source.metadata.users.list():
        tokens = source.metadata.users.live_tokens(user.id)
        copied += target.metadata.users.import_user(user, tokens)
    return copied


def _copy(src_store, dst_store, f: StoredFile, scratch: Path) -> int:
    fd, name = tempfile.mkstemp(dir=scratch)
    digest = hashlib.sha256()
    size = 0
    try:
        with src_store.open(f.key) as src, os.fdopen(fd, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        if digest.hexdigest() != f.sha256:
            raise TransferError(
                f"source object {f.key} does not match its recorded SHA-256: it was changed "
                "or damaged after ingest; run a fixity check and restore it before transferring"
            )
        dst_store.put_file(f.key, Path(name), content_type=f.content_type, sha256=f.sha256)
    finally:
        Path(name).unlink(missing_ok=True)
    return size


def _copy_tombstone(src_store, dst_store, record_id: str) -> int:
    """A destroyed record's sidecar (what it was, its checksums, who approved its
    destruction): the only object it has left. A small JSON document, read whole."""
    key = record_prefix(record_id) + "tombstone.json"
    try:
        with src_store.open(key) as src:
            data = src.read()
    except ObjectNotFound:
        raise TransferError(
            f"the destroyed record {record_id} has no tombstone sidecar ({key}) at the source; "
            "restore it from a backup before transferring"
        ) from None
    dst_store.put_bytes(key, data, content_type="application/json")
    return len(data)


def _dispositions(source, target, scratch: Path) -> int:
    """Every disposition list as it is at the source (proposed, decided or executed), with
    its items whose records are here and its report (berita acara), verified by SHA-256:
    what was approved for destruction or transfer, and the proof it was done, stay with
    the records. A list copied before takes what happened to it since. How many are new
    here; each new one is audited with the source's id, in its transaction."""
    origin, new_lists = source_id(source), 0
    for copied in sorted(source.metadata.dispositions.lists(), key=lambda d: d.id):
        if copied.report_key:  # before the list that names it
            report = StoredFile("report", copied.report_key, copied.report_sha256, 0,
                                "application/pdf")  # fmt: skip
            _copy(source.objects, target.objects, report, scratch)
        list_id, new = target.metadata.dispositions.import_list(
            copied,
            lambda here, copied=copied: audit_entry(
                "system", "disposition.transfer", f"disposition:{here}",
                source_list=copied.id, origin=origin,
            ),
        )  # fmt: skip
        new_lists += new
        after = ""
        while items := source.metadata.dispositions.item_rows(copied.id, after=after):
            here = target.metadata.records.by_ids([i[0] for i in items])
            target.metadata.dispositions.import_items(list_id, [i for i in items if i[0] in here])
            after = items[-1][0]
    return new_lists


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
