"""Figures an election body published, kept as dated versions.

Each import is a row of ``published_imports``; every figure is kept as of the newest import
that gave it, and a figure that an import changes is written down with both values, both
imports and both of the publisher's time stamps (``published_changes``): figures were
changed silently between publications in 2024, and that must stay visible.
"""

from __future__ import annotations

import builtins

from sqlalchemy import func, select

from archive_app.db.models import PublishedChangeRow, PublishedImportRow, PublishedRow
from archive_app.db.recap_diffs import refresh_differences
from archive_app.db.recap_rows import chunks, upsert
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.recap_types import PublishedBatch, PublishedChange, PublishedImport
from vocabulary import regions

BATCH = 5000


class SqlPublishedRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep):
        self._s = sessions
        self._upkeep = upkeep

    def import_batch(self, batch: PublishedBatch, actor: str) -> PublishedImport:
        """Store an import as a new version (one transaction), note every changed figure,
        and compare the regions it touched again."""
        now = utcnow()
        with self._s.write() as s:
            row = PublishedImportRow(
                series=batch.series,
                election=batch.election,
                year=batch.year,
                source=batch.source[:255],
                sha256=batch.sha256,
                imported_at=now,
                imported_by=actor[:64],
                figures=len(batch.figures),
                changed=0,
            )
            s.add(row)
            s.flush()
            changed = 0
            keys = sorted(batch.figures)
            for start in range(0, len(keys), BATCH):
                part = keys[start : start + BATCH]
                changed += self._store(s, batch, row.id, part)
            row.changed = changed
            codes = {region for region, _ in keys}
            refresh_differences(
                s, batch.election, batch.year, codes, self._upkeep.max_voters, self._upkeep.days
            )
            return _import(row)

    def _store(self, s, batch: PublishedBatch, import_id: int, keys: list) -> int:
        stored = {}
        for codes in chunks(sorted({r for r, _ in keys})):
            rows = s.execute(
                select(
                    PublishedRow.region,
                    PublishedRow.candidate,
                    PublishedRow.votes,
                    PublishedRow.ts,
                    PublishedRow.import_id,
                ).where(
                    PublishedRow.series == batch.series,
                    PublishedRow.election == batch.election,
                    PublishedRow.year == batch.year,
                    PublishedRow.region.in_(codes),
                )
            )
            stored.update({(r[0], r[1]): (r[2], r[3], r[4]) for r in rows})
        changes = []
        values = []
        for key in keys:
            votes, ts = batch.figures[key]
            before = stored.get(key)
            if before is not None and before[0] != votes:
                changes.append(
                    PublishedChangeRow(
                        series=batch.series,
                        election=batch.election,
                        year=batch.year,
                        region=key[0],
                        candidate=key[1],
                        old_votes=before[0],
                        new_votes=votes,
                        old_import=before[2],
                        new_import=import_id,
                        old_ts=before[1][:32],
                        new_ts=ts[:32],
                    )
                )
            values.append(
                {
                    "series": batch.series,
                    "election": batch.election,
                    "year": batch.year,
                    "region": key[0],
                    "candidate": key[1],
                    "votes": votes,
                    "ts": ts[:32],
                    "import_id": import_id,
                }
            )
        upsert(
            s,
            PublishedRow,
            values,
            ("series", "election", "year", "region", "candidate"),
            replace=("votes", "ts", "import_id"),
        )
        s.add_all(changes)
        return len(changes)

    def imports(self, election: str, year: int) -> builtins.list[PublishedImport]:
        with self._s.read() as s:
            rows = s.scalars(
                select(PublishedImportRow)
                .where(PublishedImportRow.election == election, PublishedImportRow.year == year)
                .order_by(PublishedImportRow.id.desc())
            )
            return [_import(r) for r in rows]

    def changes(
        self, election: str, year: int, region: str = "", limit: int = 200
    ) -> builtins.list[PublishedChange]:
        """Figures changed between imports under a region, newest first."""
        with self._s.read() as s:
            query = select(PublishedChangeRow).where(
                PublishedChangeRow.election == election, PublishedChangeRow.year == year
            )
            if region:
                query = query.where(
                    PublishedChangeRow.region >= region,
                    PublishedChangeRow.region < regions.upper_bound(region),
                )
            rows = list(s.scalars(query.order_by(PublishedChangeRow.id.desc()).limit(limit)))
            if not rows:  # most regions have no changes: no second statement for nothing
                return []
            ids = {r.old_import for r in rows} | {r.new_import for r in rows}
            at = dict(
                s.execute(
                    select(PublishedImportRow.id, PublishedImportRow.imported_at).where(
                        PublishedImportRow.id.in_(ids)
                    )
                ).all()
            )
            return [
                PublishedChange(
                    r.series,
                    r.region,
                    r.candidate,
                    r.old_votes,
                    r.new_votes,
                    r.old_import,
                    r.new_import,
                    r.old_ts,
                    r.new_ts,
                    at.get(r.old_import),
                    at.get(r.new_import),
                )
                for r in rows
            ]

    def count_changes(self, election: str, year: int) -> int:
        with self._s.read() as s:
            return (
                s.scalar(
                    select(func.count())
                    .select_from(PublishedChangeRow)
                    .where(PublishedChangeRow.election == election, PublishedChangeRow.year == year)
                )
                or 0
            )


def _import(r: PublishedImportRow) -> PublishedImport:
    return PublishedImport(
        r.id,
        r.series,
        r.election,
        r.year,
        r.source,
        r.imported_at,
        r.imported_by,
        r.figures,
        r.changed,
        r.sha256,
    )
