"""Reading the recap: sums, coverage, forms, recap and published figures, differences.

Every read is bounded by a region's code (an indexed range of codes) and by a limit; the
nation's figures are rows like any region's, so no request scans the forms.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Iterable
from functools import cache
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, literal_column, or_, select, union, union_all
from sqlalchemy.orm import aliased

from archive_app.db.models import (
    DifferenceRow,
    DifferenceTotalRow,
    ExpectedRow,
    PublishedRow,
    RecapFormRow,
    RecapSumRow,
    RecapValueRow,
    RegionRow,
    TpsRow,
)
from archive_app.db.recap_figures import coverages, read_figures
from archive_app.db.recap_queries import (
    BOUND,
    child_codes,
    codes_below,
    differences_query,
    forms_query,
    in_region,
    region_params,
    swing_order,
)
from archive_app.db.recap_rows import chunks, counted_rows, form_entry
from archive_app.db.recap_upkeep import RecapUpkeep
from archive_app.db.session import Sessions
from archive_app.domain.recap import Part
from archive_app.domain.recap_types import (
    Coverage,
    FormEntry,
    PublishedFigure,
    RecapValue,
    RegionFigures,
    RegionSums,
    StoredDifference,
    poll_of,
)
from vocabulary import regions


class SqlRecapRepository:
    def __init__(self, sessions: Sessions, upkeep: RecapUpkeep):
        self._s = sessions
        self._upkeep = upkeep

    # -- what there is ------------------------------------------------------------------
    def elections(self) -> builtins.list[tuple[str, int]]:
        """(election, year) with forms or published figures, newest year first."""
        with self._s.read() as s:
            found = set(
                s.execute(
                    select(RecapSumRow.election, RecapSumRow.year).where(
                        RecapSumRow.region == "", RecapSumRow.candidate == "_forms"
                    )
                ).all()
            )
            found |= set(
                s.execute(select(PublishedRow.election, PublishedRow.year).distinct()).all()
            )
        return sorted(((e, y) for e, y in found), key=lambda p: (-p[1], p[0]))

    def names(self, codes: Iterable[str]) -> dict[str, str]:
        """Region names by code, as the master list or KPU's region lists give them."""
        out: dict[str, str] = {}
        with self._s.read() as s:
            for batch in chunks(sorted({c[:10] for c in codes if c})):
                rows = s.execute(
                    select(RegionRow.code, RegionRow.name).where(RegionRow.code.in_(batch))
                )
                out.update({r[0]: r[1] for r in rows})
        return out

    def children(self, election: str, year: int, region: str) -> builtins.list[str]:
        """The child regions of a region that the master list expects or that have forms,
        recap figures or published figures (TPS codes under a village)."""
        child = regions.child_level(regions.level_of(region))
        if child is None:
            return []
        width = regions.DIGITS[child]
        poll = poll_of(election, year, self._upkeep.days)
        with self._s.read() as s:
            sources = [
                (TpsRow.code, [TpsRow.poll == poll]),
                (ExpectedRow.region, [ExpectedRow.poll == poll]),
                (
                    RecapFormRow.place,
                    [RecapFormRow.election == election, RecapFormRow.year == year],
                ),
                (
                    PublishedRow.region,
                    [PublishedRow.election == election, PublishedRow.year == year],
                ),
                (
                    RecapValueRow.region,
                    [RecapValueRow.election == election, RecapValueRow.year == year],
                ),
            ]
            # Under a regency or deeper the codes below are few (a few thousand at most):
            # one range read per source beats one index seek per child per source. Above
            # it, the seeks. Either way all five sources are one statement (one round trip).
            near = len(region) >= regions.DIGITS["regency"]
            reads = [
                codes_below(column, where, region, width)
                if near
                else child_codes(column, where, region, width, f"seeks_{n}")
                for n, (column, where) in enumerate(sources)
            ]
            found = {c for c in s.scalars(union(*reads)) if c and len(c) == width}
        return sorted(found)

    # -- the forms' sums and coverage ---------------------------------------------------
    def sums(self, election: str, year: int, codes: Iterable[str]) -> dict[str, RegionSums]:
        wanted = sorted(set(codes))
        out: dict[str, dict[str, Part]] = {c: {} for c in wanted}
        with self._s.read() as s:
            for batch in chunks(wanted):
                rows = s.scalars(
                    select(RecapSumRow).where(
                        RecapSumRow.election == election,
                        RecapSumRow.year == year,
                        RecapSumRow.region.in_(batch),
                    )
                )
                for r in rows:
                    out[r.region][r.candidate] = Part(
                        r.confirmed, r.read, r.unsure, r.unread, r.forms, r.label
                    )
        return {c: RegionSums(c, parts) for c, parts in out.items()}

    def coverage(
        self,
        election: str,
        year: int,
        codes: Iterable[str],
        sums: dict[str, RegionSums] | None = None,
    ) -> dict[str, Coverage]:
        """Coverage of regions (codes up to a village's) or of TPS (13 digits). ``sums``:
        the regions' sums when the caller has read them already (the counts of forms are
        rows of the sums), so a page reads them once."""
        wanted = sorted(set(codes))
        poll = poll_of(election, year, self._upkeep.days)
        areas = [c for c in wanted if len(c) != 13]
        if sums is None or any(c not in sums for c in areas):
            sums = self.sums(election, year, areas)
        with self._s.read() as s:
            listed = s.get(ExpectedRow, (poll, "")) is not None
            expected: dict[str, tuple[int, int]] = {}
            for batch in chunks(areas):
                rows = s.execute(
                    select(ExpectedRow.region, ExpectedRow.tps, ExpectedRow.dpt).where(
                        ExpectedRow.poll == poll, ExpectedRow.region.in_(batch)
                    )
                )
                expected.update({r[0]: (r[1], r[2]) for r in rows})
            tps = [c for c in wanted if len(c) == 13]
            stations: dict[str, int | None] = {}
            forms: dict[str, tuple[bool, bool | None]] = {}  # place -> (empty, listed)
            for batch in chunks(tps):
                stations.update(
                    dict(
                        s.execute(
                            select(TpsRow.code, TpsRow.dpt).where(
                                TpsRow.poll == poll, TpsRow.code.in_(batch)
                            )
                        ).all()
                    )
                )
                counted = s.execute(
                    select(RecapFormRow.place, RecapFormRow.listed, RecapFormRow.figures).where(
                        RecapFormRow.election == election,
                        RecapFormRow.year == year,
                        RecapFormRow.place.in_(batch),
                        RecapFormRow.counted.is_(True),
                    )
                )
                forms.update({r[0]: (r[2] in ("", "{}"), r[1]) for r in counted})
        return coverages(areas, tps, sums, expected, listed, stations, forms)

    def figures(
        self, election: str, year: int, codes: Iterable[str], named: Iterable[str] = ()
    ) -> RegionFigures:
        """The sums, coverage, published and recap figures and differences of these
        regions (and TPS), and the names of the regions ``named``, in one statement
        (db/recap_figures.py says why)."""
        poll = poll_of(election, year, self._upkeep.days)
        with self._s.read() as s:
            return read_figures(s, election, year, poll, codes, named)

    def missing_tps(
        self, election: str, year: int, region: str, limit: int = 100
    ) -> builtins.list[str]:
        """TPS on the master list under a region without a counted form, in code order.
        Villages are found from the maintained counts first, so the nation does not walk
        820,000 stations to name its first hundred missing."""
        poll = poll_of(election, year, self._upkeep.days)
        if len(region) == 13:
            return [region] if self.coverage(election, year, [region])[region].missing else []
        with self._s.read() as s:
            archived = (
                select(RecapSumRow.forms)
                .where(
                    RecapSumRow.election == election,
                    RecapSumRow.year == year,
                    RecapSumRow.region == ExpectedRow.region,
                    RecapSumRow.candidate == "_listed",
                )
                .scalar_subquery()
            )
            villages = s.scalars(
                select(ExpectedRow.region)
                .where(
                    ExpectedRow.poll == poll,
                    func.length(ExpectedRow.region) == 10,
                    in_region(ExpectedRow.region, region),
                    ExpectedRow.tps > func.coalesce(archived, 0),
                )
                .order_by(ExpectedRow.region)
                .limit(limit)
            ).all()
            if not villages:
                return []
            # The stations of all those villages in one statement, not one statement per
            # village (100 round trips at the nation). The range from the first village to
            # the last is what the index reads (SQLite does not read an OR of ranges beside
            # the poll's equality as several index ranges: it walked every station); the
            # villages are a list the rows are checked against, not an OR of 100 ranges,
            # which PostgreSQL took 15 ms to plan (EXPLAIN ANALYZE at 50,000 TPS).
            counted = select(RecapFormRow.place).where(
                RecapFormRow.election == election,
                RecapFormRow.year == year,
                RecapFormRow.place == TpsRow.code,
                RecapFormRow.counted.is_(True),
            )
            out = s.scalars(
                select(TpsRow.code)
                .where(
                    TpsRow.poll == poll,
                    TpsRow.code >= villages[0],
                    TpsRow.code < regions.upper_bound(villages[-1]),
                    func.substr(TpsRow.code, 1, 10).in_(villages),  # stations: 13 digits
                    ~counted.exists(),
                )
                .order_by(TpsRow.code)
                .limit(limit)
            ).all()
        return list(out)

    # -- forms --------------------------------------------------------------------------
    def forms(
        self,
        election: str,
        year: int,
        region: str,
        *,
        level: str = "tps",
        limit: int = 500,
        listed: bool | None = None,
        with_findings: bool = False,
        unplaced: bool = False,
    ) -> builtins.list[FormEntry]:
        """Forms of an election under a region (every copy, counted or not), in code order;
        ``listed`` False: only forms naming a TPS not on the list; ``with_findings``: only
        forms with a finding; ``unplaced``: the forms that give no code to place them by."""
        query = forms_query(election, year, region, level, limit, listed, with_findings, unplaced)
        with self._s.read() as s:
            return [form_entry(r) for r in s.scalars(query)]

    def flagged_and_unlisted(
        self, election: str, year: int, region: str, limit: int = 100
    ) -> tuple[builtins.list[FormEntry], builtins.list[FormEntry]]:
        """``forms(with_findings=True)`` and ``forms(listed=False)`` of a region's C.Hasil,
        in one statement (a page shows both: one round trip, not two). Each read keeps its
        own order and limit; UNION ALL hands back the first read's rows, then the second's."""
        found: tuple[builtins.list[FormEntry], builtins.list[FormEntry]] = ([], [])
        params = {"election": election, "year": year, "limit": limit, **region_params(region)}
        with self._s.read() as s:
            for part, row in s.execute(_flagged_and_unlisted(not region), params):
                found[int(part)].append(form_entry(row))
        return found

    def counted_forms(
        self, election: str, year: int, places: Iterable[str]
    ) -> dict[str, FormEntry]:
        """The counted form of each of these places, read together (a page's differences
        name up to a hundred TPS: one statement, not one each)."""
        out: dict[str, FormEntry] = {}
        with self._s.read() as s:
            for batch in chunks(sorted(set(places))):
                out.update({r.place: form_entry(r) for r in counted_rows(s, election, year, batch)})
        return out

    def form(self, record_id: str) -> FormEntry | None:
        with self._s.read() as s:
            row = s.get(RecapFormRow, record_id)
            return form_entry(row) if row is not None else None

    def recap_values(
        self, election: str, year: int, codes: Iterable[str]
    ) -> builtins.list[RecapValue]:
        """Figures counted recap forms print for these regions."""
        out = []
        with self._s.read() as s:
            for batch in chunks(sorted(set(codes))):
                rows = s.scalars(
                    select(RecapValueRow)
                    .join(RecapFormRow, RecapFormRow.record_id == RecapValueRow.record_id)
                    .where(
                        RecapValueRow.election == election,
                        RecapValueRow.year == year,
                        RecapValueRow.region.in_(batch),
                        RecapFormRow.counted.is_(True),
                    )
                )
                for r in rows:
                    box = tuple(float(v) for v in r.box.split(",")) if r.box else None
                    out.append(
                        RecapValue(
                            r.record_id,
                            r.region,
                            r.candidate,
                            r.stage,
                            r.own,
                            r.votes,
                            r.status,
                            r.page,
                            box,
                        )
                    )
        return out

    def published(
        self, election: str, year: int, codes: Iterable[str]
    ) -> builtins.list[PublishedFigure]:
        out = []
        with self._s.read() as s:
            for batch in chunks(sorted(set(codes))):
                rows = s.scalars(
                    select(PublishedRow).where(
                        PublishedRow.election == election,
                        PublishedRow.year == year,
                        PublishedRow.region.in_(batch),
                    )
                )
                out += [
                    PublishedFigure(r.series, r.region, r.candidate, r.votes, r.ts, r.import_id)
                    for r in rows
                ]
        return out

    # -- differences --------------------------------------------------------------------
    def leading_differences(
        self, election: str, year: int, region: str, limit: int
    ) -> dict[bool, builtins.list[StoredDifference]]:
        """The first ``limit`` differences under a region not explained by missing forms
        and the first ``limit`` explained (``differences`` from the start, both), in one
        statement: a page reads both for most regions, so one round trip, not two."""
        found: dict[bool, builtins.list[StoredDifference]] = {False: [], True: []}
        params = {"election": election, "year": year, "limit": limit, **region_params(region)}
        with self._s.read() as s:
            for r in s.scalars(_leading_differences(not region), params):
                found[bool(r.explained)].append(_difference(r))
        return found

    def differences(
        self,
        election: str,
        year: int,
        region: str,
        *,
        explained: bool,
        limit: int = 500,
        after: StoredDifference | None = None,
        kinds: Iterable[str] | None = None,
    ) -> builtins.list[StoredDifference]:
        """Differences under a region (itself included), largest swing first; ``after``
        (the last one read) continues from it, a range on ix_recap_differences_order's
        swing where an offset read every difference before it again."""
        query = differences_query(election, year, region, explained, kinds)
        if after is not None:
            query = query.where(*_past(after))
        with self._s.read() as s:
            rows = s.scalars(query.limit(limit))
            return [_difference(r) for r in rows]

    def difference_weights(
        self, election: str, year: int, codes: Iterable[str]
    ) -> dict[str, dict[str, tuple[int, int]]]:
        """Per region (or TPS): per kind, how many differences sit under it and their
        size (kept counts: one row per region and kind)."""
        wanted = sorted(set(codes))
        out: dict[str, dict[str, tuple[int, int]]] = {}
        with self._s.read() as s:
            for batch in chunks([c for c in wanted if len(c) <= 10]):
                totals = s.scalars(
                    select(DifferenceTotalRow).where(
                        DifferenceTotalRow.election == election,
                        DifferenceTotalRow.year == year,
                        DifferenceTotalRow.region.in_(batch),
                    )
                )
                for t in totals:
                    out.setdefault(t.region, {})[t.kind] = (t.count, t.size)
            for batch in chunks([c for c in wanted if len(c) == 13]):
                rows = s.execute(
                    select(DifferenceRow.region, DifferenceRow.kind, DifferenceRow.size).where(
                        DifferenceRow.election == election,
                        DifferenceRow.year == year,
                        DifferenceRow.region.in_(batch),
                    )
                )
                for region, kind, size in rows:
                    out.setdefault(region, {})[kind] = (1, size)
        return out

    # -- upkeep -------------------------------------------------------------------------
    def refresh(self, record_ids: Iterable[str]) -> None:
        """Bring these records' parts up to date (one transaction each)."""
        for record_id in record_ids:
            with self._s.write() as s:
                self._upkeep.record_changed(s, record_id)

    def rebuild(self, progress: Any = None) -> dict[str, int]:
        from archive_app.db.recap_rebuild import rebuild

        with self._s.write() as s:
            return rebuild(s, self._upkeep, progress)


# The combined reads' statements, built once per shape and run with parameters: built per
# request, their subqueries' column collections and coercions cost more CPU (4.4 and 3.0 ms
# a district page, cProfile at 20,000 TPS on SQLite) than the round trip they save.
_ELECTION: Any = bindparam("election")
_YEAR: Any = bindparam("year")
_LIMIT: Any = bindparam("limit")


@cache
def _flagged_and_unlisted(nation: bool) -> Select:
    """``forms(with_findings=True)`` and ``forms(listed=False)`` in one statement; each keeps
    its order and limit, and UNION ALL hands back the first read's rows, then the second's."""
    region = "" if nation else BOUND
    queries = [
        forms_query(_ELECTION, _YEAR, region, "tps", _LIMIT, None, True, False),
        forms_query(_ELECTION, _YEAR, region, "tps", _LIMIT, False, False, False),
    ]
    parts = [q.subquery(f"part_{n}") for n, q in enumerate(queries)]
    both = union_all(
        *(select(literal_column(str(n)).label("part"), *p.c) for n, p in enumerate(parts))
    ).subquery("both_parts")
    return select(both.c.part, aliased(RecapFormRow, both))


@cache
def _leading_differences(nation: bool) -> Select:
    """The first differences of each kind (explained or not), in their order."""
    region = "" if nation else BOUND
    parts = [
        differences_query(_ELECTION, _YEAR, region, explained, None)
        .limit(_LIMIT)
        .subquery(f"part_{int(explained)}")
        for explained in (False, True)
    ]
    both = union_all(*(select(p) for p in parts)).subquery("both_parts")
    return select(aliased(DifferenceRow, both)).order_by(both.c.explained, *swing_order(both.c))


def _past(d: StoredDifference) -> tuple:
    """Differences after ``d`` in the list's order (swing and size falling, then region and
    kind rising): mixed directions, so spelt out rather than one row comparison."""
    r = DifferenceRow
    same_size = and_(r.swing == d.swing, r.size == d.size)
    return (
        r.swing <= d.swing,
        or_(
            r.swing < d.swing,
            and_(r.swing == d.swing, r.size < d.size),
            and_(same_size, r.region > d.region),
            and_(same_size, r.region == d.region, r.kind > d.kind),
        ),
    )


def _difference(r: DifferenceRow) -> StoredDifference:
    deltas = {c: (int(v[0]), int(v[1])) for c, v in json.loads(r.deltas).items()}
    return StoredDifference(r.region, r.kind, deltas, r.swing, r.size, r.missing, r.explained)
