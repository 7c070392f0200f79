"""A region's and its children's figures in one statement: the forms' sums, the expected
TPS, the published figures, the counted recap forms' figures, the differences under each
child (and, for TPS, the master list's stations and their counted forms).

Why one statement: on PostgreSQL every statement is a round trip to the server, and on a
saturated machine each cost 8-12 ms however cheap it was to execute (a district's
differences: 0.15 ms in EXPLAIN ANALYZE), so the ~17 statements of a district's page took
~160 ms. The seven reads below were seven of them. They are the same index reads as before
(each branch keeps its own ``WHERE``), joined by ``UNION ALL`` into rows of one shape: a tag
saying which read a row comes from, the region, five text and five number columns. The
names of the regions the page shows ride along (one statement more otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    String,
    bindparam,
    cast,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

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
from archive_app.db.recap_rows import chunks
from archive_app.domain.recap import Part
from archive_app.domain.recap_types import (
    Coverage,
    PublishedFigure,
    RecapValue,
    RegionFigures,
    RegionSums,
)

TEXTS, NUMBERS = 5, 5  # columns of each kind in every branch


def read_figures(
    s: Session, election: str, year: int, poll: str, codes: Iterable[str], named: Iterable[str]
) -> RegionFigures:
    """The figures of these regions and TPS (codes) and the names of the regions ``named``
    (``SqlRecapRepository.names``), one statement per 400 codes."""
    wanted = sorted(set(codes))
    found = _Found(wanted)
    batches = list(chunks(wanted))
    names = list(chunks(sorted({c[:10] for c in named if c})))
    for at in range(max(len(batches), len(names))):
        batch = batches[at] if at < len(batches) else []
        params = {
            "election": election,
            "year": year,
            "poll": poll,
            "codes": batch,
            "areas": [c for c in batch if len(c) != 13],
            "tps": [c for c in batch if len(c) == 13],
            "names": names[at] if at < len(names) else [],
        }
        shape_of = (bool(batch), bool(params["areas"]), bool(params["tps"]), bool(params["names"]))
        for row in s.execute(_statement(*shape_of), params):
            found.add(row)
    return found.figures()


# Built once per shape and run with parameters: built per request, the union's ~70 column
# expressions cost 4.7 ms of CPU a district page (cProfile at 20,000 TPS on SQLite), more
# than the round trips it saves on a quiet machine.
_P: dict[str, Any] = {
    name: bindparam(name, expanding=name in ("codes", "areas", "tps", "names"))
    for name in ("election", "year", "poll", "codes", "areas", "tps", "names")
}


@cache
def _statement(codes: bool, areas: bool, tps: bool, names: bool) -> Any:
    """The UNION ALL of the reads a batch needs (``_P``'s parameters)."""
    election, year, poll = _P["election"], _P["year"], _P["poll"]
    branches: list = []
    if codes:
        branches += [_listed(poll), *_by_code(election, year, _P["codes"])]
    if areas:
        branches += _area_reads(election, year, poll, _P["areas"])
    if tps:
        branches += _tps_reads(election, year, poll, _P["tps"])
    if names:
        r = RegionRow
        branches.append(shape("name", r.code, (r.name,)).where(r.code.in_(_P["names"])))
    return union_all(*branches)


def shape(tag: str, region: Any, texts: Sequence = (), numbers: Sequence = ()) -> Select:
    """A branch's columns: tag, region, t1..t5 (text), n1..n5 (numbers); NULLs typed, so
    PostgreSQL resolves the UNION's column types whatever the branches' order."""
    text_cols = [*texts, *[cast(null(), String) for _ in range(TEXTS - len(texts))]]
    number_cols = [*numbers, *[cast(null(), BigInteger) for _ in range(NUMBERS - len(numbers))]]
    columns = [literal_column(f"'{tag}'").label("tag"), region.label("region")]
    columns += [c.label(f"t{n}") for n, c in enumerate(text_cols, 1)]
    columns += [c.label(f"n{n}") for n, c in enumerate(number_cols, 1)]
    return select(*columns)


def _listed(poll: Any) -> Select:
    """Whether a master list was imported for the voting day (its nation row)."""
    e = ExpectedRow
    return shape("listed", e.region).where(e.poll == poll, e.region == "")


def _by_code(election: Any, year: Any, codes: Any) -> list[Select]:
    """Published figures and counted recap forms' figures of regions and TPS alike."""
    p, v, f = PublishedRow, RecapValueRow, RecapFormRow
    published = shape(
        "published", p.region, (p.candidate, p.series, p.ts), (p.votes, p.import_id)
    ).where(p.election == election, p.year == year, p.region.in_(codes))
    values = (
        shape(
            "value",
            v.region,
            (v.candidate, v.record_id, v.stage, v.status, v.box),
            (v.votes, cast(v.own, Integer), v.page),
        )
        .join(f, f.record_id == v.record_id)
        .where(v.election == election, v.year == year, v.region.in_(codes), f.counted.is_(True))
    )
    return [published, values]


def _area_reads(election: Any, year: Any, poll: Any, areas: Any) -> list[Select]:
    """Regions: their sums, the TPS the list expects, the differences under them."""
    m, e, d = RecapSumRow, ExpectedRow, DifferenceTotalRow
    sums = shape(
        "sum", m.region, (m.candidate, m.label), (m.confirmed, m.read, m.unsure, m.unread, m.forms)
    ).where(m.election == election, m.year == year, m.region.in_(areas))
    expected = shape("expected", e.region, (), (e.tps, e.dpt)).where(
        e.poll == poll, e.region.in_(areas)
    )
    totals = shape("weight", d.region, (d.kind,), (d.count, d.size)).where(
        d.election == election, d.year == year, d.region.in_(areas)
    )
    return [sums, expected, totals]


def _tps_reads(election: Any, year: Any, poll: Any, tps: Any) -> list[Select]:
    """TPS: on the list or not (and its DPT), its counted form, its own differences."""
    t, f, d = TpsRow, RecapFormRow, DifferenceRow
    stations = shape("station", t.code, (), (t.dpt,)).where(t.poll == poll, t.code.in_(tps))
    counted = shape("counted", f.place, (f.figures,), (cast(f.listed, Integer),)).where(
        f.election == election, f.year == year, f.place.in_(tps), f.counted.is_(True)
    )
    differences = shape("difference", d.region, (d.kind,), (d.size,)).where(
        d.election == election, d.year == year, d.region.in_(tps)
    )
    return [stations, counted, differences]


class _Found:
    """The rows of the statement, sorted back into what each read would have returned."""

    def __init__(self, wanted: list[str]):
        self.areas = [c for c in wanted if len(c) != 13]
        self.tps = [c for c in wanted if len(c) == 13]
        self.parts: dict[str, dict[str, Part]] = {c: {} for c in self.areas}
        self.expected: dict[str, tuple[int, int]] = {}
        self.listed = False
        self.published: list[PublishedFigure] = []
        self.values: list[RecapValue] = []
        self.weights: dict[str, dict[str, tuple[int, int]]] = {}
        self.stations: dict[str, int | None] = {}
        self.forms: dict[str, tuple[bool, bool | None]] = {}  # place -> (empty, listed)
        self.names: dict[str, str] = {}

    def add(self, row: Any) -> None:
        tag, region, t1, t2, t3, t4, t5, n1, n2, n3, n4, n5 = row
        if tag == "sum":
            self.parts[region][t1] = Part(n1, n2, n3, n4, n5, t2)
        elif tag == "expected":
            self.expected[region] = (n1, n2)
        elif tag == "listed":
            self.listed = True
        elif tag == "published":
            self.published.append(PublishedFigure(t2, region, t1, n1, t3, n2))
        elif tag == "value":
            box = tuple(float(x) for x in t5.split(",")) if t5 else None
            self.values.append(RecapValue(t2, region, t1, t3, bool(n2), n1, t4, n3, box))
        elif tag == "weight":
            self.weights.setdefault(region, {})[t1] = (n1, n2)
        elif tag == "difference":
            self.weights.setdefault(region, {})[t1] = (1, n1)
        elif tag == "station":
            self.stations[region] = n1
        elif tag == "counted":
            self.forms[region] = (t1 in ("", "{}"), None if n1 is None else bool(n1))
        elif tag == "name":
            self.names[region] = t1

    def figures(self) -> RegionFigures:
        sums = {c: RegionSums(c, parts) for c, parts in self.parts.items()}
        coverage = coverages(
            self.areas, self.tps, sums, self.expected, self.listed, self.stations, self.forms
        )
        return RegionFigures(
            sums, coverage, self.published, self.values, self.weights, self.stations, self.names
        )


def coverages(
    areas: list[str],
    tps: list[str],
    sums: dict[str, RegionSums],
    expected: dict[str, tuple[int, int]],
    listed: bool,
    stations: dict[str, int | None],
    forms: dict[str, tuple[bool, bool | None]],
) -> dict[str, Coverage]:
    """Coverage of regions (from their sums' counters and the TPS expected) and of TPS
    (on the list or not, with a counted form or not)."""
    out: dict[str, Coverage] = {}
    for code in areas:
        parts = sums[code].parts
        n, dpt = expected.get(code, (0, 0))
        out[code] = Coverage(
            expected=n,
            archived=parts.get("_listed", Part()).forms,
            unlisted=parts.get("_unlisted", Part()).forms,
            forms=parts.get("_forms", Part()).forms,
            empty=parts.get("_empty", Part()).forms,
            dpt=dpt,
            listed=listed,
        )
    for code in tps:
        on_list = code in stations
        form = forms.get(code)
        out[code] = Coverage(
            expected=int(on_list),
            archived=int(form is not None and on_list),
            unlisted=int(form is not None and not on_list and listed),
            forms=int(form is not None),
            empty=int(bool(form and form[0])),
            dpt=stations.get(code) or 0,
            listed=listed,
        )
    return out
