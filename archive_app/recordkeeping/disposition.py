"""Disposition (penyusutan) with four-eyes approval.

A records officer proposes a list of records that are due (none on hold); a different user
with approval rights approves or rejects it, with a comment. Only an approved list can be
executed, and execution only ever touches the records on it: each record is checked for a
hold again at that moment (a held record is skipped, never deleted, and so is one whose
steps after ready, which join query holds, are not done yet), processed, and marked
done, so an interrupted run, started again, finishes the rest and repeats nothing harmful.

destroy:  every stored object of the record (every version) and its index entry are
          deleted; a tombstone row (metadata, checksums, approval trail) and a tombstone
          sidecar in the store remain; a destruction report (berita acara pemusnahan) PDF
          listing the records is stored in the archive itself.
transfer: records are packed into BagIt packages (originals, searchable PDFs, text,
          metadata, checksums), each validated after writing, then marked transferred.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from archive_app import audit
from archive_app.domain import disposition as rules
from archive_app.domain.clock import utcnow
from archive_app.domain.disposition import Action, DispositionError, ItemState, ListStatus
from archive_app.domain.records import Status, record_prefix, tombstone_key
from archive_app.recordkeeping import reports

__all__ = ["DispositionError", "decide", "execute", "propose"]

log = logging.getLogger(__name__)


def propose(services, action: str, record_ids: list[str], comment: str, actor: str,
            ip: str = "") -> int:  # fmt: skip
    from archive_app.recordkeeping import retention

    kind = rules.parse_action(action)
    ids = list(dict.fromkeys(record_ids))
    if not ids:
        raise DispositionError("A disposition list needs at least one record.")
    records = services.metadata.records.by_ids(ids)
    owed = services.metadata.jobs.steps_owed(ids)
    problems = {}
    for record_id in ids:
        record = records.get(record_id)
        if record is None:
            problems[record_id] = "no such record"
            continue
        state = retention.state_of(services, record)
        listed = any(status in rules.OPEN for _, status, _ in
                     services.metadata.dispositions.lists_for_record(record_id))  # fmt: skip
        problem = rules.proposal_problem(
            state.state.value, state.action, kind, listed, record_id in owed
        )
        if problem:
            problems[record_id] = problem
    if problems:
        shown = "; ".join(f"{k}: {v}" for k, v in list(problems.items())[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise rules.NotProposable(f"Some records cannot be proposed: {shown}{more}.", problems)
    list_id = services.metadata.dispositions.propose(kind.value, ids, comment.strip(), actor)
    audit.record(services, actor, "disposition.propose", f"disposition:{list_id}", ip,
                 kind=kind.value, records=len(ids), comment=comment.strip())  # fmt: skip
    return list_id


def _busy(services, record_ids: list[str]) -> list[str]:
    """The records a worker is processing: it would write their files and pages back after
    the destruction or transfer. A queued one may go: the worker that takes it up finds its
    original gone and fails it before writing anything."""
    found = services.metadata.records.by_ids(record_ids)
    return [d for d in record_ids if d in found and found[d].status is Status.PROCESSING]


def _skip_busy(services, list_id: int, record_id: str, actor: str, ip: str) -> None:
    services.metadata.dispositions.mark_item(
        list_id, record_id, ItemState.SKIPPED, f"at execution: {rules.BUSY}"
    )
    audit.record(services, actor, "disposition.skip", f"document:{record_id}", ip,
                 list=list_id, reason="still being processed")  # fmt: skip


def _get(services, list_id: int):
    current = services.metadata.dispositions.get(list_id)
    if current is None:
        raise rules.ListNotFound("No such disposition list.")
    return current


def decide(services, list_id: int, approve: bool, comment: str, actor: str,
           ip: str = "") -> ListStatus:  # fmt: skip
    """Approve or reject; the proposer can never decide on their own list."""
    current = _get(services, list_id)
    comment = (comment or "").strip()
    rules.check_decision(current.status, current.proposed_by, actor, comment)
    new = ListStatus.APPROVED if approve else ListStatus.REJECTED
    moved = services.metadata.dispositions.transition(
        list_id, ListStatus.PROPOSED, new, decided_by=actor, decided_at=utcnow(),
        decision_comment=comment,
    )  # fmt: skip
    if not moved:  # someone decided in the meantime
        raise rules.WrongStatus("The list was decided meanwhile; only a proposed list is.")
    audit.record(services, actor, f"disposition.{'approve' if approve else 'reject'}",
                 f"disposition:{list_id}", ip, comment=comment)  # fmt: skip
    return new


def execute(services, list_id: int, actor: str, ip: str = "", progress=None) -> dict:
    """Carry out an approved list (or finish an interrupted run); returns a summary."""
    dispositions = services.metadata.dispositions
    current = _get(services, list_id)
    rules.check_execution(current.status)
    if current.status is ListStatus.APPROVED:
        rules.check_move(current.status, ListStatus.EXECUTING)
        if not dispositions.transition(
            list_id, ListStatus.APPROVED, ListStatus.EXECUTING, executed_by=actor
        ):
            raise rules.WrongStatus("Another run started executing this list.")
        audit.record(services, actor, "disposition.execute", f"disposition:{list_id}", ip)
    pending = [
        record_id for record_id, _, _ in dispositions.items(list_id, state=ItemState.PENDING)
    ]
    held = services.metadata.holds.held(pending)
    for record_id in held:
        dispositions.mark_item(list_id, record_id, ItemState.SKIPPED, rules.ON_HOLD)
        audit.record(services, actor, "disposition.skip", f"document:{record_id}", ip,
                     list=list_id, reason="on hold")  # fmt: skip
    owed = set(services.metadata.jobs.steps_owed(d for d in pending if d not in held))
    for record_id in sorted(owed):
        dispositions.mark_item(list_id, record_id, ItemState.SKIPPED, f"at execution: {rules.OWED}")
        audit.record(services, actor, "disposition.skip", f"document:{record_id}", ip,
                     list=list_id, reason="steps after ready owed")  # fmt: skip
    busy = _busy(services, [d for d in pending if d not in held and d not in owed])
    for record_id in busy:
        _skip_busy(services, list_id, record_id, actor, ip)
    todo = [d for d in pending if d not in held and d not in owed and d not in busy]
    if current.action == Action.DESTROY:
        for record_id in todo:
            if _busy(services, [record_id]):  # claimed since the list was read: next list
                _skip_busy(services, list_id, record_id, actor, ip)
                continue
            _destroy(services, current, record_id, actor, ip)
            if progress:
                progress(1)
    else:
        _transfer(services, current, todo, actor, ip, progress)
    report = reports.store_disposition_report(services, dispositions.get(list_id))
    dispositions.set_outputs(list_id, report_key=report.key, report_sha256=report.sha256)
    dispositions.transition(
        list_id, ListStatus.EXECUTING, ListStatus.EXECUTED, executed_at=utcnow()
    )
    items = dispositions.items(list_id)
    summary = {
        "done": sum(1 for _, s, _ in items if s == ItemState.DONE),
        "skipped": sum(1 for _, s, _ in items if s == ItemState.SKIPPED),
        "report": report.key,
    }
    audit.record(services, actor, "disposition.executed", f"disposition:{list_id}", ip, **summary)
    return summary


def _destroy(services, current, record_id: str, actor: str, ip: str) -> None:
    """Idempotent: a run killed half-way through a record repeats it harmlessly."""
    records = services.metadata.records
    record = records.get(record_id)
    files = records.files(record_id)
    tombstone = {
        "schema": "election-archive/tombstone/1", "id": record_id,
        "sha256": record.sha256 if record else "",
        "metadata": record.metadata.as_dict() if record else {},
        "files": [vars(f) for f in files], "disposition_list": current.id,
        "proposed_by": current.proposed_by, "approved_by": current.decided_by,
        "approval_comment": current.decision_comment,
    }  # fmt: skip
    delete_content(services, record_id, files)
    services.objects.put_bytes(
        tombstone_key(record_id),
        json.dumps(tombstone, indent=2, ensure_ascii=False, sort_keys=True).encode(),
        content_type="application/json",
    )
    services.metadata.lifecycle.tombstone(record_id)
    services.metadata.dispositions.mark_item(current.id, record_id, ItemState.DONE)
    audit.record(services, actor, "disposition.destroyed", f"document:{record_id}", ip,
                 list=current.id, sha256=tombstone["sha256"], files=len(files))  # fmt: skip


def delete_content(services, record_id: str, files: list | None = None) -> int:
    """Every stored object of the record but its sidecar (every version: a versioned bucket
    keeps old ones), and its index entry; how many objects. Here and when a transfer
    follows a destruction made at another archive."""
    if files is None:  # the caller's list when it has one (a destruction read it already)
        files = services.metadata.records.files(record_id)
    keys = {f.key for f in files}
    keys |= set(services.objects.list(record_prefix(record_id)))
    keys.discard(tombstone_key(record_id))
    for key in sorted(keys):
        services.objects.delete_all_versions(key)
    services.index.delete([record_id])
    return len(keys)


def _transfer(services, current, todo: list[str], actor: str, ip: str, progress) -> None:
    """One BagIt package per batch; records are marked only after their bag validated."""
    from archive_app.recordkeeping import bags

    out = services.settings.data_dir / "exports" / f"disposition-{current.id}"
    out.mkdir(parents=True, exist_ok=True)
    packages = list(current.packages)
    for start in range(0, len(todo), bags.BATCH):
        batch = todo[start : start + bags.BATCH]
        target = out / f"bag-{len(packages) + 1:03d}"
        if target.exists():
            shutil.rmtree(target)  # an interrupted, never-validated attempt
        info = bags.write(services, batch, target, current)
        packages.append(info)
        services.metadata.dispositions.set_outputs(current.id, packages=packages)
        for record_id in batch:
            services.metadata.lifecycle.mark_transferred(record_id)
            services.metadata.dispositions.mark_item(current.id, record_id, ItemState.DONE)
            audit.record(services, actor, "disposition.transferred", f"document:{record_id}", ip,
                         list=current.id, package=info["path"])  # fmt: skip
            if progress:
                progress(1)
    _note_exports(out)


def _note_exports(out: Path) -> None:
    log.info("transfer packages written under %s", out)
