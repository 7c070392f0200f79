"""Reading the audit trail: filters, CSV export, a record's timeline."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence

from archive_app.domain import spreadsheet

COLUMNS = ("id", "at", "actor", "action", "target", "ip", "details")
BATCH = 2000


def write_csv(
    services, out, *, actor=None, action=None, target=None, since=None, until=None
) -> int:
    """The trail (or the part matching the filters) as CSV, newest first, written as it is
    read: a batch of entries at a time, whatever the size of the trail."""
    writer = spreadsheet.writer(out)
    writer.writerow(COLUMNS)
    written = 0
    for rows in _batches(services, actor, action, target, since, until):
        writer.writerows(rows)
        written += len(rows)
    return written


def csv_chunks(
    services,
    *,
    header: Sequence[str] = COLUMNS,
    actor=None,
    action=None,
    target=None,
    since=None,
    until=None,
) -> Iterator[str]:
    """The same CSV in pieces of ``BATCH`` entries, for a streamed download; ``header`` is
    COLUMNS or their labels."""
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer)
    writer.writerow(header)
    yield buffer.getvalue()
    for rows in _batches(services, actor, action, target, since, until):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(rows)
        yield buffer.getvalue()


def _batches(services, actor, action, target, since, until) -> Iterator[list[list]]:
    before = None
    while True:
        entries = services.metadata.audit.list(
            actor=actor,
            action=action,
            target=target,
            limit=BATCH,
            before=before,
            since=since,
            until=until,
        )
        if entries:
            yield [
                [e["id"], e["at"].isoformat() + "Z", e["actor"], e["action"], e["target"], e["ip"],
                 json.dumps(e["details"], ensure_ascii=False, sort_keys=True)]
                for e in entries
            ]  # fmt: skip
        if len(entries) < BATCH:
            return
        before = entries[-1]["id"]


def timeline(services, record_id: str, limit: int = 200) -> list[dict]:
    """Everything that happened to one record, newest first."""
    return services.metadata.audit.list(target=f"document:{record_id}", limit=limit)
