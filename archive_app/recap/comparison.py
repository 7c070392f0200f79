"""The comparison of one region, as the page, the API and the exports show it.

For the region: per candidate the sum of the forms under it (how much rests on unsure
readings), the recap form's figure and the published one; its coverage; its children
with the same three columns and how many differences sit under each; the differences under
it, the ones that could change the result most first (the margin between the two leading
candidates); the TPS that are missing, and forms that name a TPS not on the list, share a
page with another TPS, or say in their header that they belong elsewhere. Every read is
bounded (domain/recap_compare.py explains the ordering; db/recap.py the reads).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from archive_app.domain import recap_compare as rules
from archive_app.domain.recap import TOTALS, Figure, Part
from archive_app.domain.recap_compare import Difference, Finding
from archive_app.domain.recap_types import (
    Coverage,
    FormEntry,
    PublishedChange,
    PublishedImport,
    RecapValue,
    RegionFigures,
    StoredDifference,
)
from vocabulary import regions
from vocabulary.messages import N_
from vocabulary.numbers import whole_number
from vocabulary.places import FIRST_YEAR

BATCH = 200  # differences read at a time while looking for the largest impacts
SHOWN_TOTALS = (*TOTALS, "users.total.JML", "voters.dpt.JML")


class RegionError(ValueError):
    """The region asked for is not a code of a level (a message for a 400)."""


@dataclass(frozen=True)
class Place:
    """Where a number stands: on a page of a record, inside a box (shares of the page)."""

    record_id: str
    page: int
    box: tuple[float, ...] | None


@dataclass(frozen=True)
class Row:
    """One candidate (or total) of the region, its three figures side by side."""

    candidate: str
    label: str
    from_forms: int | None
    unsure: int
    confirmed: int = 0
    read: int = 0
    unread: int = 0
    recap_form: int | None = None
    recap_place: Place | None = None
    published: int | None = None
    series: str = ""
    form_place: Place | None = None  # a TPS: where the form prints it

    @property
    def contest(self) -> bool:
        return rules.contest(self.candidate)


@dataclass(frozen=True)
class Item:
    """A difference as shown: its region, its candidates with both figures, the size and
    the impact on the leading margin, and where to look."""

    region: str
    name: str
    kind: str
    values: list[tuple[str, str, int, int, int]]  # candidate, label, first, second, delta
    size: int
    swing: int
    impact: int
    missing: int
    explained: bool
    places: dict[str, list[Place]] = field(default_factory=dict)  # candidate -> crops

    @property
    def level(self) -> str:
        return regions.level_of(self.region)


@dataclass(frozen=True)
class Child:
    code: str
    name: str
    coverage: Coverage
    figures: dict[str, tuple[int | None, int | None, int | None]]  # forms, recap, published
    weights: dict[str, tuple[int, int]]  # kind -> (differences, size)
    form: FormEntry | None = None  # a TPS: its counted form
    copies: int = 0  # a TPS: forms archived for it besides the counted one
    findings: list[Finding] = field(default_factory=list)

    @property
    def unexplained(self) -> int:
        return sum(size for _, size in self.weights.values())


@dataclass
class Comparison:
    election: str
    year: int
    region: str
    level: str
    name: str
    trail: list[tuple[str, str]]  # (code, name) from the nation down to the region
    coverage: Coverage
    rows: list[Row]
    leaders: tuple[str, str] | None
    margin: int | None
    differences: list[Item]
    children: list[Child]
    missing_tps: list[tuple[str, str]]  # (code, "village name TPS 001")
    forms: list[FormEntry] = field(default_factory=list)  # a TPS: every copy of its form
    findings: list[Finding] = field(default_factory=list)  # a TPS: its own checks
    flagged: list[FormEntry] = field(default_factory=list)  # misfiled, duplicate page
    unlisted: list[FormEntry] = field(default_factory=list)
    changes: list[PublishedChange] = field(default_factory=list)
    imports: list[PublishedImport] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)

    @property
    def labels(self) -> dict[str, str]:
        return {r.candidate: r.label for r in self.rows}


def region_code(args: dict[str, str], level: str | None = None) -> str:
    """The region asked for by ``province``/``regency``/``district``/``village`` (and
    ``tps``) parameters, each a full code (33.13) or the part below its parent (13); the
    deepest one given wins. ``level``, when given, must be that region's level."""
    code = ""
    for name in ("province", "regency", "district", "village", "tps"):
        raw = (args.get(name) or "").strip()
        if not raw:
            continue
        width = regions.DIGITS[name]
        plain = "".join(ch for ch in raw if ch not in ". -/")
        if not plain.isascii() or not plain.isdigit():
            raise RegionError(f"{name} must be a code (digits), e.g. {_example(name)}")
        if len(plain) == width:
            if not plain.startswith(code):
                raise RegionError(f"{name} {raw} is not inside {regions.dotted(code)}")
            code = plain
        elif len(plain) == width - len(code) and code:
            code += plain
        else:
            raise RegionError(f"{name} must be a {width}-digit code, e.g. {_example(name)}")
    if level:
        if level not in regions.LEVELS:
            raise RegionError(f"level must be one of {', '.join(regions.LEVELS)}")
        if regions.level_of(code) != level:
            found = regions.level_of(code)
            raise RegionError(
                f"level {level} needs the codes down to the {level}; the codes given name a {found}"
            )
    return code


def _example(level: str) -> str:
    return regions.dotted("3313052001005"[: regions.DIGITS[level]])


def build(
    services,
    election: str,
    year: int,
    region: str,
    *,
    differences: int = 100,
    missing: int = 100,
) -> Comparison:
    """The comparison of a region: some twenty reads, in one read transaction."""
    with services.metadata.one_read():
        return _build(services, election, year, region, differences, missing)


def _build(
    services, election: str, year: int, region: str, differences: int, missing: int
) -> Comparison:
    repo = services.metadata.recap
    level = regions.level_of(region)
    trail_codes = regions.ancestors(region[:10])
    child_codes = repo.children(election, year, region) if level != "tps" else []
    missing_codes = repo.missing_tps(election, year, region, missing)
    # The sums of the region and its children (not TPS: a TPS's figures are its form's),
    # their coverage, published and recap figures, differences and names: one statement.
    named = trail_codes + child_codes + [c[:10] for c in missing_codes]
    figures = repo.figures(election, year, [region, *child_codes], named)
    names = figures.names
    sums, coverage = figures.sums, figures.coverage
    published = _published(figures.published)
    recaps = _recaps(figures.recap_values)
    if level == "tps":
        forms = repo.forms(election, year, region, limit=50)
        counted = next((f for f in forms if f.counted), None)
        rows = _tps_rows(counted, published.get(region, NOTHING))
    else:
        forms, counted = [], None
        rows = _rows(sums[region].parts, recaps.get(region, {}), published.get(region, NOTHING))
    best = {r.candidate: (r.published if r.published is not None else r.from_forms) for r in rows}
    pair = rules.leaders({c: v for c, v in best.items() if v is not None})
    labels = {r.candidate: r.label for r in rows}
    children = _children(
        services,
        election,
        year,
        region,
        child_codes,
        names,
        figures,
        published,
        recaps,
        None if level == "tps" else sums,
    )
    found = top_differences(repo, election, year, region, pair, differences)
    items = _items(services, election, year, found, pair, labels, names)
    comparison = Comparison(
        election=election,
        year=year,
        region=region,
        level=level,
        name=_name(region, names),
        trail=[(c, _name(c, names)) for c in trail_codes],
        coverage=coverage[region],
        rows=rows,
        leaders=pair,
        margin=rules.margin({c: v for c, v in best.items() if v is not None}),
        differences=items,
        children=children,
        missing_tps=[(c, _name(c, names)) for c in missing_codes],
        names=names,
    )
    if level == "tps":
        comparison.forms = forms
        comparison.findings = _tps_findings(
            counted, published.get(region, NOTHING), figures.stations.get(region)
        )
    else:
        comparison.flagged, comparison.unlisted = repo.flagged_and_unlisted(
            election, year, region, limit=100
        )
    comparison.changes = services.metadata.published.changes(election, year, region, limit=50)
    comparison.imports = services.metadata.published.imports(election, year)[:20]
    return comparison


def _name(code: str, names: dict[str, str]) -> str:
    if not code:
        return "Indonesia"
    if len(code) == 13:
        village, number = regions.split_tps(code)
        return f"{names.get(village, regions.dotted(village))} TPS {number:03d}"
    return names.get(code, regions.dotted(code))


Published = tuple[str, dict[str, int]]  # the series a column shows, and its figures
NOTHING: Published = ("", {})


def _published(found) -> dict[str, Published]:
    """region -> (the series its column shows, its figures)."""
    by_region: dict[str, dict[str, dict[str, int]]] = {}
    for f in found:
        by_region.setdefault(f.region, {}).setdefault(f.series, {})[f.candidate] = f.votes
    out = {}
    for region, series in by_region.items():
        chosen = rules.published_series(region, series)
        if chosen:
            out[region] = (chosen, series[chosen])
    return out


def _recaps(values: list[RecapValue]) -> dict[str, dict[str, RecapValue]]:
    """region -> the figures of the recap column it shows (the lowest stage)."""
    out: dict[str, dict[tuple[str, bool], dict[str, RecapValue]]] = {}
    for v in values:
        out.setdefault(v.region, {}).setdefault((v.stage, v.own), {})[v.candidate] = v
    chosen: dict[str, dict[str, RecapValue]] = {}
    for region, stages in out.items():
        figures = {k: {c: v.votes for c, v in vs.items()} for k, vs in stages.items()}
        own, _ = rules.recap_figure(region, figures)
        if own is not None:
            key = next(k for k, vs in figures.items() if vs is own)
            chosen[region] = stages[key]
    return chosen


def _order(code: str) -> tuple:
    if rules.contest(code):
        return (0, int(code) if code.isdigit() else 10**9, code)
    if "." in code and code.split(".")[0].isdigit() and code not in SHOWN_TOTALS:
        head, _, tail = code.partition(".")
        return (1, int(head), int(tail) if tail.isdigit() else 0, code)
    return (2, SHOWN_TOTALS.index(code) if code in SHOWN_TOTALS else 99, code)


def _rows(parts: dict[str, Part], recap: dict, published: Published) -> list[Row]:
    series, pub = published
    codes = {c for c in parts if not c.startswith("_")} | set(recap) | set(pub)
    codes = {c for c in codes if not c.startswith("_") and _shown(c)}
    rows = []
    for code in sorted(codes, key=_order):
        part = parts.get(code)
        value = recap.get(code)
        rows.append(
            Row(
                candidate=code,
                label=(part.label if part else "") or _label(code),
                from_forms=part.total if part else None,
                unsure=part.unsure if part else 0,
                confirmed=part.confirmed if part else 0,
                read=part.read if part else 0,
                unread=part.unread if part else 0,
                recap_form=value.votes if value else None,
                recap_place=Place(value.record_id, value.page, value.box) if value else None,
                published=pub.get(code),
                series=series if code in pub else "",
            )
        )
    return rows


def _tps_rows(form: FormEntry | None, published: Published) -> list[Row]:
    figures: dict[str, Figure] = form.tps_figures() if form else {}
    series, pub = published
    codes = {c for c in set(figures) | set(pub) if not c.startswith("_") and _shown(c)}
    rows = []
    for code in sorted(codes, key=_order):
        f = figures.get(code)
        sure = f.sureness if f else "unread"
        votes = f.votes if f else None
        rows.append(
            Row(
                candidate=code,
                label=(f.label if f else "") or _label(code),
                from_forms=votes,
                unsure=votes if sure == "unsure" and votes else 0,
                confirmed=votes if sure == "confirmed" and votes else 0,
                read=votes if sure == "read" and votes else 0,
                unread=int(f is not None and votes is None),
                published=pub.get(code),
                series=series if code in pub else "",
                form_place=Place(form.record_id, f.page, f.box) if form and f and f.page else None,
            )
        )
    return rows


def _shown(code: str) -> bool:
    return rules.contest(code) or code in SHOWN_TOTALS or "." in code and code[0].isdigit()


# A row's label when no form named it (Indonesian; the page translates it, see row_label).
LABELS = {
    "valid": N_("Jumlah suara sah"),
    "invalid": N_("Suara tidak sah"),
    "ballots_used": N_("Jumlah suara sah dan tidak sah"),
    "users.total.JML": N_("Pengguna hak pilih"),
    "voters.dpt.JML": N_("Pemilih dalam DPT"),
}
BALLOT_NUMBER = N_("Nomor urut %(n)s")


def _label(code: str) -> str:
    if code in LABELS:
        return LABELS[code]
    if rules.contest(code):
        return BALLOT_NUMBER % {"n": code}
    return code


def row_label(code: str, label: str, translate) -> str:
    """``label`` through ``translate`` when it is one of ours (``_label``'s), not a name read
    from a form (a candidate's or a party's name stays as written)."""
    if label != _label(code):
        return label
    if code in LABELS:
        return translate(LABELS[code])
    return translate(BALLOT_NUMBER) % {"n": code} if rules.contest(code) else label


def _children(
    services, election, year, region, codes, names, read: RegionFigures, published, recaps, sums
) -> list[Child]:
    """The children's columns, from the figures read with the region's (a TPS's DPT
    from the stations read with them: no statement per TPS)."""
    repo = services.metadata.recap
    coverage, weights = read.coverage, read.weights
    forms: dict[str, list[FormEntry]] = {}
    if regions.level_of(region) == "village":
        for form in repo.forms(election, year, region, limit=2000):
            forms.setdefault(form.place, []).append(form)
    out = []
    for code in codes:
        pub = published.get(code, NOTHING)[1]
        recap = {c: v.votes for c, v in recaps.get(code, {}).items()}
        copies = forms.get(code, [])
        counted = next((f for f in copies if f.counted), None)
        if sums is not None and len(code) < 13:
            own = {c: p.total for c, p in sums[code].parts.items() if not c.startswith("_")}
        else:
            own = {c: f.votes for c, f in (counted.tps_figures() if counted else {}).items()}
        figures = {
            c: (own.get(c), recap.get(c), pub.get(c))
            for c in set(own) | set(recap) | set(pub)
            if _shown(c)
        }
        findings: list[Finding] = []
        if len(code) == 13:
            findings = _tps_findings(counted, published.get(code, NOTHING), read.stations.get(code))
        out.append(
            Child(
                code,
                _name(code, names),
                coverage.get(code, Coverage()),
                figures,
                weights.get(code, {}),
                counted,
                max(len(copies) - 1, 0),
                findings,
            )
        )
    return out


def _tps_findings(form: FormEntry | None, published: Published, dpt: int | None) -> list[Finding]:
    votes = {c: f.votes for c, f in (form.tps_figures() if form else {}).items()}
    found = rules.tps_findings(votes, published[1], dpt)
    for raw in form.findings if form else []:
        found.append(Finding(str(raw.get("code")), dict(raw.get("params") or {})))
    return found


def top_differences(
    repo, election: str, year: int, region: str, pair, limit: int
) -> list[StoredDifference]:
    """The ``limit`` differences under a region that matter most: those the missing forms
    cannot explain first, then by impact on the leading margin. Read by swing, largest
    first, and stopped once no later one can beat the ones kept (impact <= swing). The
    first batch of each kind is read in one statement (``leading_differences``)."""
    first = repo.leading_differences(election, year, region, BATCH)
    out: list[StoredDifference] = []
    for explained in (False, True):
        need = limit - len(out)
        if need <= 0:
            break
        kept: list[tuple[int, int, int, StoredDifference]] = []  # (impact, size, n, diff)
        after: StoredDifference | None = None
        n = 0
        while True:
            batch = (
                first[explained]
                if after is None
                else repo.differences(
                    election, year, region, explained=explained, limit=BATCH, after=after
                )
            )
            for d in batch:
                n += 1
                entry = (_impact(d, pair), d.size, -n, d)
                if len(kept) < need:
                    heapq.heappush(kept, entry)
                elif entry[:3] > kept[0][:3]:
                    heapq.heapreplace(kept, entry)
            after = batch[-1] if batch else after
            if len(batch) < BATCH or (len(kept) >= need and batch[-1].swing < kept[0][0]):
                break
        out += [e[3] for e in sorted(kept, key=lambda e: e[:3], reverse=True)]
    return out


def _impact(d: StoredDifference, pair) -> int:
    deltas = {c: b - a for c, (a, b) in d.deltas.items()}
    return Difference(d.region, d.kind, deltas).impact(pair)


def _items(services, election, year, found: list[StoredDifference], pair, labels, names):
    """Differences as shown, with where to look: a TPS's form numbers, a recap form's."""
    repo = services.metadata.recap
    codes = {d.region for d in found}
    more = repo.names({c for d in found for c in regions.ancestors(d.region[:10])} - set(names))
    names = {**names, **more}
    forms = repo.counted_forms(election, year, [c for c in codes if len(c) == 13])
    recaps = _recaps(repo.recap_values(election, year, sorted(codes)))
    out = []
    for d in found:
        values = [(c, labels.get(c) or _label(c), a, b, b - a) for c, (a, b) in d.deltas.items()]
        places: dict[str, list[Place]] = {}
        for c, *_ in values:
            spots = []
            form = forms.get(d.region)
            figure = form.tps_figures().get(c) if form else None
            if form and figure and figure.page:
                spots.append(Place(form.record_id, figure.page, figure.box))
            value = recaps.get(d.region, {}).get(c)
            if value and d.kind != "published_forms" and value.page:
                spots.append(Place(value.record_id, value.page, value.box))
            if spots:
                places[c] = spots
        out.append(
            Item(
                d.region,
                _name(d.region, names),
                d.kind,
                values,
                d.size,
                d.swing,
                _impact(d, pair),
                d.missing,
                d.explained,
                places,
            )
        )
    return out


@dataclass(frozen=True)
class Asked:
    """What a request asks for: an election, a year and a region (code digits)."""

    election: str
    year: int
    region: str


def asked(services, args, *, region_param: bool = False) -> Asked:
    """The election, year and region of a request's parameters; RegionError (a 400 with
    its message) for anything not understood. The year defaults to the newest with forms or
    published figures for the election (else its newest voting day)."""
    vocabulary = services.settings.vocabulary
    term = vocabulary.election(str(args.get("election") or ""))
    if term is None:
        codes = ", ".join(t.code for t in vocabulary.elections)
        raise RegionError(f"election must be one of {codes}")
    raw_year = str(args.get("year") or "").strip()
    if raw_year:
        year = whole_number(raw_year)
        if year is None or not FIRST_YEAR <= year <= 2100:
            raise RegionError("year must be an election year, e.g. 2024")
    else:
        years = [y for e, y in services.metadata.recap.elections() if e == term.code]
        years = years or [y for y, _ in term.dates]
        if not years:
            raise RegionError("year is required for this election")
        year = max(years)
    if region_param or "region" in args:
        code = _region_param(args)
    else:
        code = region_code({k: str(v) for k, v in args.items()}, str(args.get("level") or ""))
    return Asked(term.code, year, code)


def _region_param(args) -> str:
    """The page's ``region`` (one code, dotted or not), which the API takes as well: there it
    was ignored, and region=1 answered the nation's recap where the page refused it."""
    if any(str(args.get(name) or "").strip() for name in regions.LEVELS if name in args):
        raise RegionError("give region or the province ... tps codes, not both")
    raw = str(args.get("region") or "").strip()
    code = "" if raw in ("", "0") else regions.digits(raw)
    if code is None:
        raise RegionError("region must be a region or TPS code, e.g. 33.13.05")
    return code
