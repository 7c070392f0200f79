"""The differences of some regions made again from the sums, the recap forms' figures and
the published ones (rules in domain/recap_compare.py), in bulk: a few queries per few
hundred regions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from archive_app.db.models import (
    DifferenceRow,
    DifferenceTotalRow,
    ExpectedRow,
    PublishedRow,
    RecapFormRow,
    RecapSumRow,
    RecapValueRow,
)
from archive_app.db.recap_rows import chunks, core_table, tps_figures, upsert
from archive_app.domain.recap_compare import (
    Difference,
    compare,
    published_series,
    recap_figure,
)
from archive_app.domain.recap_types import poll_of
from vocabulary import regions


def refresh_differences(
    s: Session, election: str, year: int, codes: Iterable[str], max_voters: int, days: Any
) -> None:
    """Make the differences of these regions and TPS (codes) again."""
    poll = poll_of(election, year, days)
    listed = s.get(ExpectedRow, (poll, "")) is not None
    for batch in chunks(sorted(set(codes))):
        found: list[Difference] = []
        tps = [c for c in batch if len(c) == 13]
        areas = [c for c in batch if len(c) != 13]
        published = _published(s, election, year, batch)
        recaps = _recap_values(s, election, year, batch)
        tps_forms = _tps_forms(s, election, year, tps) if tps else {}
        for code in tps:
            forms = tps_forms.get(code)
            pub = published.get(code, {}).get("hitung")  # a TPS: the count per TPS
            found += _compare(code, forms, None, None, pub, 0, {}, 0)
        sums = _sums(s, election, year, areas)
        expected = _expected(s, poll, areas) if listed else {}
        for code in areas:
            parts = sums.get(code, {})
            forms = {c: p["total"] for c, p in parts.items() if not c.startswith("_")}
            empty = parts.get("_empty", {}).get("forms", 0)
            unread = {c: p["unread"] + empty for c, p in parts.items() if not c.startswith("_")}
            on_list = parts.get("_listed", {}).get("forms", 0)
            missing = max(expected.get(code, 0) - on_list, 0) if listed else 0
            own, stages = recap_figure(code, recaps.get(code, {}))
            series = published.get(code, {})
            chosen = published_series(code, series)
            pub = series[chosen] if chosen else None
            found += _compare(code, forms or None, own, stages, pub, missing, unread, max_voters)
        old = s.execute(
            select(DifferenceRow.region, DifferenceRow.kind, DifferenceRow.size).where(
                DifferenceRow.election == election,
                DifferenceRow.year == year,
                DifferenceRow.region.in_(batch),
            )
        ).all()
        # Core statements on the tables (recap_rows.core_table says why).
        t = core_table(DifferenceRow)
        s.execute(
            delete(t).where(t.c.election == election, t.c.year == year, t.c.region.in_(batch))
        )
        if found:
            s.execute(insert(t), [_row(election, year, d) for d in found])
        _totals(s, election, year, old, [(d.region, d.kind, d.size) for d in found])


def _totals(s: Session, election: str, year: int, old: Iterable, new: Iterable) -> None:
    """Move the counts of differences under every region above the ones made again."""
    change: dict[tuple[str, str], list[int]] = {}
    for sign, rows in ((-1, old), (1, new)):
        for region, kind, size in rows:
            for area in regions.ancestors(region[:10]):
                counts = change.setdefault((area, kind), [0, 0])
                counts[0] += sign
                counts[1] += sign * size
    rows = [
        {"election": election, "year": year, "region": area, "kind": kind, "count": c, "size": z}
        for (area, kind), (c, z) in change.items()
        if c or z
    ]
    upsert(
        s, DifferenceTotalRow, rows, ("election", "year", "region", "kind"), add=("count", "size")
    )
    if rows:
        t = core_table(DifferenceTotalRow)
        s.execute(
            delete(t).where(
                t.c.election == election,
                t.c.year == year,
                t.c.region.in_(sorted({r["region"] for r in rows})),
                t.c.count == 0,
            )
        )


def _compare(code, forms, recap, stages, published, missing, unread, max_voters) -> list:
    out = [
        compare(
            code, "recap_forms", forms, recap, missing=missing, unread=unread, max_voters=max_voters
        ),
        compare(
            code,
            "published_forms",
            forms,
            published,
            missing=missing,
            unread=unread,
            max_voters=max_voters,
        ),
        compare(code, "published_recap", recap, published),
        compare(code, "recap_stages", stages[0], stages[1]) if stages else None,
    ]
    return [d for d in out if d is not None]


def _row(election: str, year: int, d: Difference) -> dict[str, Any]:
    return {
        "election": election,
        "year": year,
        "region": d.region,
        "kind": d.kind,
        "level": regions.LEVELS.index(regions.level_of(d.region)),
        "deltas": json.dumps({c: [d.first[c], d.second[c]] for c in d.deltas}),
        "swing": d.swing,
        "size": d.size,
        "missing": d.missing,
        "explained": d.explained,
    }


def _sums(s: Session, election: str, year: int, codes: list[str]) -> dict[str, dict]:
    if not codes:
        return {}
    t = RecapSumRow
    rows = s.execute(  # columns, not ORM objects: a corrected form reads a few hundred
        select(t.region, t.candidate, t.confirmed + t.read + t.unsure, t.unread, t.forms).where(
            t.election == election, t.year == year, t.region.in_(codes)
        )
    )
    out: dict[str, dict] = {}
    for region, candidate, total, unread, forms in rows:
        out.setdefault(region, {})[candidate] = {"total": total, "unread": unread, "forms": forms}
    return out


def _expected(s: Session, poll: str, codes: list[str]) -> dict[str, int]:
    if not codes:
        return {}
    rows = s.execute(
        select(ExpectedRow.region, ExpectedRow.tps).where(
            ExpectedRow.poll == poll, ExpectedRow.region.in_(codes)
        )
    )
    return {r[0]: r[1] for r in rows}


def _tps_forms(s: Session, election: str, year: int, codes: list[str]) -> dict[str, dict]:
    rows = s.execute(
        select(RecapFormRow.place, RecapFormRow.figures).where(
            RecapFormRow.election == election,
            RecapFormRow.year == year,
            RecapFormRow.place.in_(codes),
            RecapFormRow.counted.is_(True),
        )
    )
    return {place: {c: f.votes for c, f in tps_figures(raw).items()} for place, raw in rows}


def _recap_values(s: Session, election: str, year: int, codes: list[str]) -> dict[str, dict]:
    v = RecapValueRow
    rows = s.execute(
        select(v.region, v.stage, v.own, v.candidate, v.votes)
        .join(RecapFormRow, RecapFormRow.record_id == v.record_id)
        .where(
            v.election == election,
            v.year == year,
            v.region.in_(codes),
            RecapFormRow.counted.is_(True),
        )
    )
    out: dict[str, dict] = {}
    for region, stage, own, candidate, votes in rows:
        out.setdefault(region, {}).setdefault((stage, own), {})[candidate] = votes
    return out


def _published(s: Session, election: str, year: int, codes: list[str]) -> dict[str, dict]:
    rows = s.execute(
        select(
            PublishedRow.region, PublishedRow.series, PublishedRow.candidate, PublishedRow.votes
        ).where(
            PublishedRow.election == election,
            PublishedRow.year == year,
            PublishedRow.region.in_(codes),
        )
    )
    out: dict[str, dict] = {}
    for region, series, candidate, votes in rows:
        out.setdefault(region, {}).setdefault(series, {})[candidate] = votes
    return out
