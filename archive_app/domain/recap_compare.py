"""The comparison: the sum of the forms, the recap form and the published figure of one
region, the differences between them, and how much each could change the result.

Three sources meet at every region: the sum of the C.Hasil forms under it (``forms``),
the figure a recapitulation form prints for it (``recap``: the D.Hasil Kecamatan's column
for a village and its total for the district, the D.Hasil Kabupaten/Kota's column for a
district and its total for the regency) and the figure an election body published
(``published``). A difference is always *second minus first*:

- ``recap_forms``: recap - forms;
- ``published_forms``: published - forms (a TPS: the published figure against the form);
- ``published_recap``: published - recap;
- ``recap_stages``: the regency's recap form - the district's, for one district (numbers
  that changed between two stages of the recapitulation).

Forms can only be missing, never extra: a recap or published figure *above* the forms'
sum by no more than what the missing forms (and the numbers left unread) could hold is
**explained** by them (and the missing forms are named); one below the sum, or above it
by more, is not. Differences are ordered by **impact**: how much they move the margin
between the two leading candidates, ``|d[leader] - d[runner-up]|``; ``swing`` (the most
they move any margin) bounds it, so the largest impacts can be found without reading
every difference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from archive_app.domain.recap import TOTALS, VOTER_KEYS
from vocabulary.messages import N_
from vocabulary.text import squash

KINDS = ("recap_forms", "published_forms", "published_recap", "recap_stages")
KIND_LABELS = {  # Indonesian; the pages translate them (vocabulary.messages)
    "recap_forms": N_("rekap ≠ jumlah formulir"),
    "published_forms": N_("publikasi ≠ formulir"),
    "published_recap": N_("publikasi ≠ rekap"),
    "recap_stages": N_("rekap kab/kota ≠ rekap kecamatan"),
}
FORMS_KINDS = ("recap_forms", "published_forms")


def contest(code: str) -> bool:
    """A code the result is decided on: a paslon or candidate, or a party's total."""
    return "." not in code and code not in TOTALS and code not in VOTER_KEYS and bool(code)


def leaders(values: Mapping[str, int]) -> tuple[str, str] | None:
    """The two leading contest codes (most votes first; ties by code), or None."""
    ranked = sorted(
        ((v, c) for c, v in values.items() if contest(c)), key=lambda x: (-x[0], _order(x[1]))
    )
    if len(ranked) < 2:
        return None
    return ranked[0][1], ranked[1][1]


def margin(values: Mapping[str, int]) -> int | None:
    pair = leaders(values)
    return None if pair is None else values[pair[0]] - values[pair[1]]


def _order(code: str) -> tuple[int, str]:
    return (int(code), code) if code.isdigit() else (10**9, code)


@dataclass(frozen=True)
class Difference:
    """Where two sources disagree for one region (or TPS), candidate by candidate."""

    region: str  # code digits; 13 digits: one TPS
    kind: str
    deltas: dict[str, int]  # candidate code -> second - first (only where they differ)
    first: dict[str, int] = field(default_factory=dict)
    second: dict[str, int] = field(default_factory=dict)
    missing: int = 0  # TPS under the region without a counted form (forms comparisons)
    explained: bool = False  # every delta is within what the missing forms could hold

    @property
    def swing(self) -> int:
        """The most this difference moves the margin between any two candidates."""
        values = [d for c, d in self.deltas.items() if contest(c)]
        if not values:
            return 0
        return max(max(values), 0) - min(min(values), 0)

    @property
    def size(self) -> int:
        """Votes in disagreement: over the candidates, or over the totals when only a
        total differs."""
        values = [abs(d) for c, d in self.deltas.items() if contest(c)]
        if values:
            return sum(values)
        return sum(abs(d) for c, d in self.deltas.items() if c in TOTALS)

    def impact(self, pair: tuple[str, str] | None) -> int:
        """How much this difference moves the margin between ``pair`` (leader, runner-up);
        with no pair known, its swing."""
        if pair is None:
            return self.swing
        return abs(self.deltas.get(pair[0], 0) - self.deltas.get(pair[1], 0))


def compare(
    region: str,
    kind: str,
    first: Mapping[str, int | None] | None,
    second: Mapping[str, int | None] | None,
    *,
    missing: int = 0,
    unread: Mapping[str, int] | None = None,
    max_voters: int = 0,
) -> Difference | None:
    """The difference ``second - first`` on the codes both give a number for, or None when
    they agree. Forms comparisons: ``missing`` forms and the numbers read as nothing
    (``unread``, per code) could each hold up to ``max_voters`` more votes."""
    if not first or not second:
        return None
    a = {c: v for c, v in first.items() if v is not None}
    b = {c: v for c, v in second.items() if v is not None}
    deltas = {c: b[c] - a[c] for c in sorted(set(a) & set(b), key=_order) if b[c] != a[c]}
    if not deltas:
        return None
    explained = False
    if kind in FORMS_KINDS and max_voters > 0:
        unread = unread or {}
        explained = all(
            0 < d <= (missing + unread.get(c, 0)) * max_voters for c, d in deltas.items()
        )
    return Difference(
        region,
        kind,
        deltas,
        {c: a[c] for c in deltas},
        {c: b[c] for c in deltas},
        missing,
        explained,
    )


def ranked(differences: Iterable[Difference], pair: tuple[str, str] | None) -> list[Difference]:
    """Unexplained differences first, then by impact on the leading margin, then size."""
    return sorted(differences, key=lambda d: (d.explained, -d.impact(pair), -d.size, d.region))


# --- which recap and published figure a region's column shows ---------------------------------

RecapFigures = Mapping[tuple[str, bool], Mapping[str, int | None]]


def recap_figure(
    code: str, values: RecapFigures
) -> tuple[Mapping[str, int | None] | None, tuple[Mapping[str, int | None], ...] | None]:
    """The recap figure of a region: the lowest stage that prints it (the D.Hasil
    Kecamatan's column for a village, its total for a district, the D.Hasil Kabupaten/
    Kota's total for a regency); for a district both stages side by side (its own form's
    total, the regency form's column) when both exist. ``values``: (stage, own) -> figures.
    """
    district_total = values.get(("district", True))
    regency_column = values.get(("regency", False))
    if len(code) == 10:
        return values.get(("district", False)), None
    if len(code) == 6:
        stages = (district_total, regency_column) if district_total and regency_column else None
        return district_total or regency_column, stages
    if len(code) == 4:
        return values.get(("regency", True)), None
    return None, None


def published_series(code: str, series: Mapping[str, object]) -> str | None:
    """Which published series a region's column shows: a TPS the count per TPS
    (``hitung``); a region the recapitulation (``rekap``) when it was published, else the
    count."""
    if len(code) == 13:
        return "hitung" if "hitung" in series else None
    for name in ("rekap", "hitung"):
        if name in series:
            return name
    return None


# --- per TPS: the published figure against the form, and impossible totals ----------------------

PUBLISHED_TOTAL_KEYS = ("ballots_used", "users.total.JML")


@dataclass(frozen=True)
class Finding:
    """One problem found at a TPS, as a stable code and its figures."""

    code: str  # published_differs | published_over_voters | form_over_voters
    params: dict[str, object]


def tps_findings(
    form: Mapping[str, int | None],
    published: Mapping[str, int],
    dpt: int | None,
) -> list[Finding]:
    """The published figures against the form, field by field, and totals above the
    voters the TPS can have (DPT + DPTb: its list and the voters moved to it).

    ``dpt`` is the master list's; without it the published or the form's own DPT is used.
    DPTb comes from the published figures or the form.
    """
    found = []
    for code in sorted(set(form) & set(published), key=_order):
        value = form[code]
        if value is not None and value != published[code]:
            found.append(
                Finding(
                    "published_differs",
                    {"candidate": code, "form": value, "published": published[code]},
                )
            )
    listed = dpt if dpt is not None else published.get("voters.dpt.JML", form.get("voters.dpt.JML"))
    moved = published.get("users.dptb.JML", form.get("users.dptb.JML")) or 0
    if listed is None:
        return found
    most = listed + moved
    for source, figures in (("published", published), ("form", form)):
        total = next((figures[k] for k in PUBLISHED_TOTAL_KEYS if figures.get(k) is not None), None)
        if total is not None and total > most:
            found.append(
                Finding(
                    f"{source}_over_voters",
                    {"total": total, "dpt": listed, "dptb": moved, "most": most},
                )
            )
    return found


FINDING_LABELS = {
    "published_differs": N_(
        "angka publikasi {published} berbeda dengan formulir {form} (calon {candidate})"
    ),
    "published_over_voters": N_("total publikasi {total} melebihi DPT {dpt} + DPTb {dptb}"),
    "form_over_voters": N_("total pada formulir {total} melebihi DPT {dpt} + DPTb {dptb}"),
    "duplicate_page": N_("halaman yang sama diunggah untuk TPS lain: {others}"),
    "misfiled": N_("kepala formulir menyebut {header}, tetapi diarsipkan sebagai {filed}"),
}


def describe(
    code: str, params: Mapping[str, object], translate: Callable[[str], str] = lambda s: s
) -> str:
    """The finding in Indonesian, or through ``translate`` (the pages pass gettext); the API
    gives the code."""
    template = translate(FINDING_LABELS[code]) if code in FINDING_LABELS else code
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return code


# --- a scan filed under a TPS other than the one its header names -------------------------------

SURE_READING = 0.8  # = ingest.extract.REVIEW_THRESHOLD: a header field read at least this surely


def misfiled(filed: Mapping[str, object], extracted: Mapping[str, Any]) -> Finding | None:
    """The header read surely names another TPS, village or code than the record is filed
    under. ``filed``: the record's metadata; ``extracted``: field -> {"value", "confidence",
    "source"} as processing read it."""
    said, kept = [], []
    for name in ("region_code", "village", "tps"):
        reading = extracted.get(name)
        if not isinstance(reading, Mapping) or float(reading.get("confidence") or 0) < SURE_READING:
            continue
        value, filed_value = reading.get("value"), filed.get(name)
        if value in (None, "") or filed_value in (None, "", 0):
            continue
        if name == "tps":
            differs = str(value).lstrip("0") != str(filed_value).lstrip("0")
            shown = (f"TPS {int(str(value)):03d}", f"TPS {int(str(filed_value)):03d}")
        elif name == "region_code":
            a, b = _plain(value), _plain(filed_value)
            differs = bool(a and b) and not (a.startswith(b) or b.startswith(a))
            shown = (str(value), str(filed_value))
        else:
            differs = squash(value) != squash(filed_value)
            shown = (str(value), str(filed_value))
        if differs:
            said.append(shown[0])
            kept.append(shown[1])
    if not said:
        return None
    return Finding("misfiled", {"header": ", ".join(said), "filed": ", ".join(kept)})


def _plain(code: object) -> str:
    return "".join(ch for ch in str(code) if ch.isdigit())
