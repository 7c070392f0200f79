"""The TPS master list: the polling stations expected on a voting day, region names, and
what follows from them (how many TPS each region expects, which forms name a TPS that is
not on the list). An import is one transaction: all of it, or nothing."""

from __future__ import annotations

import builtins
from collections.abc import Iterable

from sqlalchemy import case, delete, func, insert, literal, select, update

from archive_app.db.models import ExpectedRow, RecapFormRow, RecapSumRow, RegionRow, TpsRow
from archive_app.db.recap_diffs import refresh_differences
from archive_app.db.recap_rows import upsert
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.recap_types import ListImport, Station
from vocabulary import regions

BATCH = 5000


class SqlTpsRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep):
        self._s = sessions
        self._upkeep = upkeep

    def import_list(
        self, poll: str, stations: Iterable[Station], names: Iterable[tuple[str, str]] = ()
    ) -> ListImport:
        """Add or update stations (by code) and region names; then count what each region
        expects and which archived forms are on the list, and compare again."""
        now = utcnow()
        count = new = 0
        with self._s.write() as s:
            before = s.scalar(select(func.count()).select_from(TpsRow).where(TpsRow.poll == poll))
            batch: list[dict] = []
            for station in stations:
                batch.append(
                    {"poll": poll, "code": station.code, "dpt": station.dpt, "imported_at": now}
                )
                if len(batch) == BATCH:
                    upsert(s, TpsRow, batch, ("poll", "code"), replace=("dpt", "imported_at"))
                    count += len(batch)
                    batch = []
            upsert(s, TpsRow, batch, ("poll", "code"), replace=("dpt", "imported_at"))
            count += len(batch)
            named = [{"code": c, "name": n[:100]} for c, n in dict(names).items()]
            upsert(s, RegionRow, named, ("code",), replace=("name",))
            after = s.scalar(select(func.count()).select_from(TpsRow).where(TpsRow.poll == poll))
            new = (after or 0) - (before or 0)
            _expected(s, poll)
            for election, year in _listed_again(s, poll):
                codes = set(
                    s.scalars(
                        select(RecapSumRow.region).where(
                            RecapSumRow.election == election,
                            RecapSumRow.year == year,
                            RecapSumRow.candidate == "_forms",
                        )
                    ).all()
                ) | set(s.scalars(select(ExpectedRow.region).where(ExpectedRow.poll == poll)).all())
                refresh_differences(
                    s, election, year, codes, self._upkeep.max_voters, self._upkeep.days
                )
        return ListImport(stations=count, new=new, regions=len(named))

    def polls(self) -> builtins.list[tuple[str, int]]:
        """(voting day, stations) of every list imported."""
        with self._s.read() as s:
            rows = s.execute(
                select(ExpectedRow.poll, ExpectedRow.tps)
                .where(ExpectedRow.region == "")
                .order_by(ExpectedRow.poll)
            )
            return [(r[0], r[1]) for r in rows]

    def station(self, poll: str, code: str) -> Station | None:
        with self._s.read() as s:
            row = s.get(TpsRow, (poll, code))
            return Station(row.code, row.dpt) if row is not None else None


def _expected(s, poll: str) -> None:
    """How many TPS (and DPT voters) each region expects, counted again from the list."""
    s.execute(delete(ExpectedRow).where(ExpectedRow.poll == poll))
    for width in (0, 2, 4, 6, 10):
        part = func.substr(TpsRow.code, 1, width) if width else literal("")
        query = (
            select(literal(poll), part, func.count(), func.coalesce(func.sum(TpsRow.dpt), 0))
            .where(TpsRow.poll == poll)
            .group_by(part)
        )
        if not width:
            query = select(
                literal(poll), literal(""), func.count(), func.coalesce(func.sum(TpsRow.dpt), 0)
            ).where(TpsRow.poll == poll)
        s.execute(insert(ExpectedRow).from_select(["poll", "region", "tps", "dpt"], query))


def _listed_again(s, poll: str) -> builtins.list[tuple[str, int]]:
    """Mark each form of the voting day on or off the list, and count them again."""
    on_list = select(TpsRow.code).where(TpsRow.poll == poll)
    s.execute(
        update(RecapFormRow)
        .where(RecapFormRow.poll == poll, RecapFormRow.level == "tps", RecapFormRow.place != "")
        .values(listed=RecapFormRow.place.in_(on_list))
    )
    elections = s.execute(
        select(RecapFormRow.election, RecapFormRow.year).where(RecapFormRow.poll == poll).distinct()
    ).all()
    for election, year in elections:
        s.execute(
            delete(RecapSumRow).where(
                RecapSumRow.election == election,
                RecapSumRow.year == year,
                RecapSumRow.candidate.in_(["_listed", "_unlisted"]),
            )
        )
        kind = case((RecapFormRow.listed.is_(True), "_listed"), else_="_unlisted")
        for width in (0, 2, 4, 6, 10):
            part = func.substr(RecapFormRow.place, 1, width) if width else literal("")
            level = regions.LEVELS.index(regions.LEVEL_OF[width])
            query = (
                select(
                    literal(election),
                    literal(year),
                    part,
                    kind,
                    literal(level),
                    literal(""),
                    literal(0),
                    literal(0),
                    literal(0),
                    literal(0),
                    func.count(),
                )
                .where(
                    RecapFormRow.election == election,
                    RecapFormRow.year == year,
                    RecapFormRow.level == "tps",
                    RecapFormRow.counted.is_(True),
                    RecapFormRow.listed.isnot(None),
                )
                .group_by(*([part] if width else []), kind)
            )
            s.execute(
                insert(RecapSumRow).from_select(
                    [
                        "election",
                        "year",
                        "region",
                        "candidate",
                        "level",
                        "label",
                        "confirmed",
                        "read",
                        "unsure",
                        "unread",
                        "forms",
                    ],
                    query,
                )
            )
    return [(e, y) for e, y in elections]
