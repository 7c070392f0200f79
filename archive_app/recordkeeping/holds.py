"""Legal holds: records in dispute (e.g. a Constitutional Court case) must not be disposed of.

A hold names its records, or a search whose matches it covers now and later: every record
processed afterwards is checked against the active query-scoped holds. A held record is
refused by every disposition path, and where the object store supports S3 Object Lock legal
holds, the hold is mirrored onto the record's objects so the store itself refuses deletion.

A hold on a search may name 100,000 records, so placing one is set-based: the index's
matches stream into the hold's rows a chunk at a time, one statement marks them all on
hold, the objects are mirrored a batch of records at a time, and one audit entry says the
scope (the query and how many records). Record by record it took minutes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from archive_app import audit
from archive_app.domain.iteration import batched
from archive_app.domain.records import searchable_fields
from archive_app.recordkeeping import retention
from search.query import parse_search, record_matches

log = logging.getLogger(__name__)


class HoldError(ValueError):
    """The hold request is incomplete or names unknown records."""


def place(
    services, *, reason: str, case_ref: str, document_ids=None, query: dict | None = None,
    actor: str, ip: str = "",
) -> int:  # fmt: skip
    reason, case_ref = (reason or "").strip(), (case_ref or "").strip()
    if not reason or not case_ref:
        raise HoldError("A hold needs a reason and a case reference.")
    if bool(document_ids) == bool(query):
        raise HoldError("Give either document_ids or a query, not both or neither.")
    scope: Iterable[str]
    if document_ids:
        scope = list(dict.fromkeys(document_ids))
        found = services.metadata.records.by_ids(scope)
        missing = [i for i in scope if i not in found]
        if missing:
            raise HoldError(f"Unknown records: {', '.join(missing[:10])}")
    else:
        query = {k: str(v) for k, v in (query or {}).items() if v not in (None, "")}
        parsed = parse_search(query)  # QueryError for bad parameters
        if parsed.is_empty and not parsed.filters:
            raise HoldError("A query-scoped hold needs at least one search term or filter.")
        # The matches are gathered before the hold's write transaction opens: on SQLite that
        # transaction locks out every other writer (workers, uploads, audit) for as long as it
        # lasts, and walking the index and the unindexed records takes seconds to minutes.
        # Ids only, sorted for the inserts: ~10 MB for 100,000 records.
        scope = sorted(set(matching_ids(services, query)))
    hold_id = services.metadata.holds.place(reason, case_ref, query, scope, actor)
    # Audited as soon as it is in force, before the slower steps that follow (state, object
    # locks), so a failure there cannot leave a hold that no audit entry names.
    hold = services.metadata.holds.get(hold_id)
    audit.record(services, actor, "hold.place", f"hold:{hold_id}", ip, reason=reason,
                 case_ref=case_ref, query=query, records=hold.records if hold else 0)  # fmt: skip
    services.metadata.lifecycle.hold_state(hold_id)
    _mirror(services, _hold_records(services, hold_id), on=True)
    return hold_id


def release(services, hold_id: int, reason: str, actor: str, ip: str = "") -> bool:
    if not (reason or "").strip():
        raise HoldError("Releasing a hold needs a reason.")
    ids = services.metadata.holds.document_ids(hold_id)
    if not services.metadata.holds.release(hold_id, reason.strip(), actor):
        return False
    released(services, ids)
    audit.record(services, actor, "hold.release", f"hold:{hold_id}", ip, reason=reason.strip(),
                 records=len(ids))  # fmt: skip
    return True


def released(services, record_ids: list[str]) -> None:
    """After a hold on these records ended (here, or at the archive it was copied from):
    their states computed again, and the object lock lifted where no other hold keeps it."""
    retention.refresh(services, ids=record_ids)
    still_held = services.metadata.holds.held(record_ids)
    _mirror(services, [i for i in record_ids if i not in still_held], on=False)


def matching_ids(services, params: dict) -> Iterator[str]:
    """Every record matching the search now, streamed (possibly with repeats): the
    index's matches, then records it has not indexed yet, checked one by one."""
    query = parse_search(params)
    for batch in services.index.ids(query):
        yield from batch
    for batch in services.metadata.records.iter_records(200, unindexed=True):
        for record, pages, _ in batch:
            text = "\n".join(p.text for p in pages)
            if record_matches(query, _as_indexed(record), text):
                yield record.id


def _as_indexed(record) -> dict:
    """A hold filtered on the retention state or a flag takes a record the index has not
    seen yet as it takes one it has; with the place alone, none matched."""
    return searchable_fields(record.metadata.as_dict(), record.retention_state, record.flags)


def _hold_records(services, hold_id: int, batch: int = 1000) -> Iterator[str]:
    """The hold's records, read a page of ids at a time."""
    after = ""
    while ids := services.metadata.holds.document_ids(hold_id, limit=batch, after=after):
        yield from ids
        after = ids[-1]


def apply_query_holds(services, record_id: str) -> list[int]:
    """Called when a record's text or metadata becomes known: join matching query holds."""
    record = services.metadata.records.get(record_id)
    if record is None:
        return []
    text = "\n".join(p.text for p in services.metadata.records.pages(record_id))
    joined = []
    metadata = _as_indexed(record)
    for hold in services.metadata.holds.list(active=True):
        if not hold.query or not record_matches(parse_search(hold.query), metadata, text):
            continue
        if services.metadata.holds.add_records(hold.id, [record_id]):
            joined.append(hold.id)
            audit.record(services, "system", "hold.extend", f"hold:{hold.id}", document=record_id)
    if joined:
        retention.refresh(services, ids=[record_id])
        _mirror(services, [record_id], on=True)
    return joined


def mirror_active(services) -> int:
    """Put the object-lock hold back on the objects of every active hold (a restore into a
    new bucket brings the holds back in the database only); how many holds."""
    active = services.metadata.holds.list(active=True)
    for hold in active:
        _mirror(services, _hold_records(services, hold.id), on=True)
    return len(active)


def _mirror(services, record_ids: Iterable[str], *, on: bool) -> None:
    """Object Lock legal hold on every object of the records, where the store supports it;
    the records' keys are read 500 records at a time, and a store that cannot is asked once."""
    for chunk in batched(record_ids, 500):
        for key in services.metadata.records.file_keys(chunk):
            try:
                if not services.objects.set_legal_hold(key, on):
                    return  # the store cannot: nothing to mirror
            except Exception:  # the database hold is authoritative; the mirror is extra
                log.warning("could not set the object-lock hold on %s", key, exc_info=True)
