"""The differences of some regions made again from the sums, the recap forms' figures and
the published ones (rules in domain/recap_compare.py), in bulk: a few queries per few
hundred regions."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Integer, cast, delete, insert, union_all
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
from archive_app.db.recap_figures import shape as _shape
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
    for batch in chunks(sorted(set(codes))):
        found: list[Difference] = []
        tps = [c for c in batch if len(c) == 13]
        areas = [c for c in batch if len(c) != 13]
        read = _read(s, election, year, poll, areas, tps)
        published, recaps, listed = read.published, read.recaps, read.listed
        for code in tps:
            forms = read.tps_forms.get(code)
            pub = published.get(code, {}).get("hitung")  # a TPS: the count per TPS
            found += _compare(code, forms, None, None, pub, 0, {}, 0)
        for code in areas:
            parts = read.sums.get(code, {})
            forms = {c: p["total"] for c, p in parts.items() if not c.startswith("_")}
            empty = parts.get("_empty", {}).get("forms", 0)
            unread = {c: p["unread"] + empty for c, p in parts.items() if not c.startswith("_")}
            on_list = parts.get("_listed", {}).get("forms", 0)
            missing = max(read.expected.get(code, 0) - on_list, 0) if listed else 0
            own, stages = recap_figure(code, recaps.get(code, {}))
            series = published.get(code, {})
            chosen = published_series(code, series)
            pub = series[chosen] if chosen else None
            found += _compare(code, forms or None, own, stages, pub, missing, unread, max_voters)
        # Core statements on the tables (recap_rows.core_table says why).
        t = core_table(DifferenceRow)
        s.execute(
            delete(t).where(t.c.election == election, t.c.year == year, t.c.region.in_(batch))
        )
        if found:
            s.execute(insert(t), [_row(election, year, d) for d in found])
        _totals(s, election, year, read.old, [(d.region, d.kind, d.size) for d in found])


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


@dataclass
class _Read:
    """What the differences of a batch are made from, as the seven reads gave it."""

    listed: bool = False
    published: dict[str, dict] = field(default_factory=dict)  # region -> series -> figures
    recaps: dict[str, dict] = field(default_factory=dict)  # region -> (stage, own) -> figures
    tps_forms: dict[str, dict] = field(default_factory=dict)  # TPS -> its counted figures
    sums: dict[str, dict] = field(default_factory=dict)  # region -> candidate -> counts
    expected: dict[str, int] = field(default_factory=dict)  # region -> TPS on the list
    old: list[tuple[str, str, int]] = field(default_factory=list)  # differences kept now


def _read(
    s: Session, election: str, year: int, poll: str, areas: list[str], tps: list[str]
) -> _Read:
    """The published and recap figures, the TPS' counted forms, the regions' sums and
    expected TPS, and the differences kept now, in one statement (recap_figures.py's
    shape). Seven statements before: of a corrected form's 21, seven were these reads."""
    p, v, f, m, e, d = (
        PublishedRow,
        RecapValueRow,
        RecapFormRow,
        RecapSumRow,
        ExpectedRow,
        DifferenceRow,
    )
    codes = areas + tps
    branches = [
        _shape("listed", e.region).where(e.poll == poll, e.region == ""),
        _shape("published", p.region, (p.series, p.candidate), (p.votes,)).where(
            p.election == election, p.year == year, p.region.in_(codes)
        ),
        _shape("value", v.region, (v.stage, v.candidate), (cast(v.own, Integer), v.votes))
        .join(f, f.record_id == v.record_id)
        .where(v.election == election, v.year == year, v.region.in_(codes), f.counted.is_(True)),
        _shape("old", d.region, (d.kind,), (d.size,)).where(
            d.election == election, d.year == year, d.region.in_(codes)
        ),
    ]
    if tps:
        branches.append(
            _shape("counted", f.place, (f.figures,)).where(
                f.election == election, f.year == year, f.place.in_(tps), f.counted.is_(True)
            )
        )
    if areas:
        total = m.confirmed + m.read + m.unsure
        branches.append(
            _shape("sum", m.region, (m.candidate,), (total, m.unread, m.forms)).where(
                m.election == election, m.year == year, m.region.in_(areas)
            )
        )
        branches.append(
            _shape("expected", e.region, (), (e.tps,)).where(e.poll == poll, e.region.in_(areas))
        )
    out = _Read()
    for row in s.execute(union_all(*branches)):
        _add(out, row)
    return out


def _add(out: _Read, row: Any) -> None:
    tag, region, t1, t2, _, _, _, n1, n2, n3, _, _ = row
    if tag == "listed":
        out.listed = True
    elif tag == "published":
        out.published.setdefault(region, {}).setdefault(t1, {})[t2] = n1
    elif tag == "value":
        out.recaps.setdefault(region, {}).setdefault((t1, bool(n1)), {})[t2] = n2
    elif tag == "old":
        out.old.append((region, t1, n1))
    elif tag == "counted":
        out.tps_forms[region] = {c: fig.votes for c, fig in tps_figures(t1).items()}
    elif tag == "sum":
        out.sums.setdefault(region, {})[t1] = {"total": n1, "unread": n2, "forms": n3}
    elif tag == "expected":
        out.expected[region] = n1
