"""Reading the audit trail: filters, CSV export, a record's timeline."""

from __future__ import annotations

import json

from archive_app.domain import spreadsheet

COLUMNS = ("id", "at", "actor", "action", "target", "ip", "details")


def write_csv(services, out, *, actor=None, action=None, target=None, limit=1_000_000) -> int:
    writer = spreadsheet.writer(out)
    writer.writerow(COLUMNS)
    rows = services.metadata.audit.list(actor=actor, action=action, target=target, limit=limit)
    for row in rows:
        details = json.dumps(row["details"], ensure_ascii=False, sort_keys=True)
        at = row["at"].isoformat() + "Z"
        writer.writerow(
            [row["id"], at, row["actor"], row["action"], row["target"], row["ip"], details]
        )
    return len(rows)


def timeline(services, record_id: str, limit: int = 200) -> list[dict]:
    """Everything that happened to one record, newest first."""
    return services.metadata.audit.list(target=f"document:{record_id}", limit=limit)
