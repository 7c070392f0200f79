"""The append-only, hash-chained audit trail."""

from __future__ import annotations

import json

from sqlalchemy import select, text

from archive_app.db.models import AuditRow
from archive_app.db.session import Sessions
from archive_app.domain.audit import GENESIS, AuditEntry, entry_hash

# Any constant works: it only has to be the same for every writer of the chain.
_CHAIN_LOCK = 7_042_024


class SqlAuditLog:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def append(self, entry: AuditEntry) -> int:
        """Append under a lock so two writers never link to the same previous entry."""
        with self._s.write() as s:
            if s.get_bind().dialect.name == "postgresql":
                s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK})
            # SQLite: the write transaction began IMMEDIATE, so it already holds the lock.
            prev = s.scalar(select(AuditRow.hash).order_by(AuditRow.id.desc()).limit(1))
            prev = prev or GENESIS
            row = AuditRow(
                at=entry.at,
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                ip=entry.ip,
                details=json.dumps(entry.details, sort_keys=True, ensure_ascii=False),
                prev_hash=prev,
                hash=entry_hash(entry, prev),
            )
            s.add(row)
            s.flush()
            return row.id

    def list(
        self,
        *,
        target: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[dict]:
        query = select(AuditRow)
        if target:
            query = query.where(AuditRow.target == target)
        if actor:
            query = query.where(AuditRow.actor == actor)
        if action:
            query = query.where(AuditRow.action == action)
        query = query.order_by(AuditRow.id.desc()).limit(limit).offset(offset)
        with self._s.read() as s:
            return [
                {
                    "id": r.id,
                    "at": r.at,
                    "actor": r.actor,
                    "action": r.action,
                    "target": r.target,
                    "ip": r.ip,
                    "details": json.loads(r.details or "{}"),
                }
                for r in s.scalars(query)
            ]
