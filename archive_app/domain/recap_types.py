"""Plain values the recapitulation check passes between its store and its services.

Codes are digits (vocabulary/regions.py); ``poll`` is the voting day a TPS list serves
(``poll_of``): every election held that day shares its polling stations, so the 2024
general election's five ballots share one list and the regional elections of November
2024 have another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from archive_app.domain.recap import Figure, Part

FORM_LEVELS = {  # which forms the recap reads, and the level of the place each is filed for
    "C.HASIL": "tps",
    "C.HASIL.SALINAN": "tps",
    "D.HASIL.KECAMATAN": "district",
    "D.HASIL.KABKOTA": "regency",
}
SERIES = ("hitung", "rekap")  # published: the count per TPS (Sirekap), the recapitulation


class ElectionDays(Protocol):
    def election_day(self, code: str, year: int) -> Any: ...


def poll_of(election: str, year: int, days: ElectionDays) -> str:
    """The voting day of an election as ISO text, or ``year:ELECTION`` when the vocabulary
    does not know it (that election then has a TPS list of its own)."""
    day = days.election_day(election, year)
    return day.isoformat() if day is not None else f"{year}:{election}"


@dataclass(frozen=True)
class Station:
    """A polling station on the master list."""

    code: str  # 13 digits
    dpt: int | None = None


@dataclass(frozen=True)
class ListImport:
    """What a master-list import did."""

    stations: int
    new: int
    regions: int


@dataclass(frozen=True)
class Coverage:
    """Polling stations expected under a region and archived (a counted C.Hasil whose TPS is
    on the list), forms naming a TPS not on the list, and forms counted at all."""

    expected: int = 0
    archived: int = 0
    unlisted: int = 0
    forms: int = 0
    empty: int = 0  # counted forms on which no number could be read
    dpt: int = 0
    listed: bool = False  # a master list exists for the election's voting day

    @property
    def missing(self) -> int:
        return max(self.expected - self.archived, 0)


@dataclass(frozen=True)
class FormEntry:
    """A form as the recap sees it."""

    record_id: str
    form_type: str
    level: str  # tps | district | regency
    place: str  # code digits, "" when the record gives no code to place it by
    counted: bool
    listed: bool | None
    figures: dict[str, Any]  # tps: {code: Figure}; recap: {column: {code: Figure}}
    findings: list[dict[str, Any]] = field(default_factory=list)
    header: str = ""
    created_at: datetime | None = None

    def tps_figures(self) -> dict[str, Figure]:
        return {c: f for c, f in self.figures.items() if isinstance(f, Figure)}


@dataclass(frozen=True)
class RecapValue:
    """A figure a counted recap form prints for a region (its own total or a child's
    column), and where on the page."""

    record_id: str
    region: str
    candidate: str
    stage: str  # the form's level: district (D.Hasil Kecamatan) or regency (Kabupaten/Kota)
    own: bool
    votes: int | None
    status: str = ""
    page: int = 0
    box: tuple[float, ...] | None = None


@dataclass(frozen=True)
class PublishedFigure:
    series: str
    region: str
    candidate: str
    votes: int
    ts: str = ""
    import_id: int = 0


@dataclass(frozen=True)
class PublishedBatch:
    """Figures of one import, validated: (region, candidate) -> (votes, publisher's time)."""

    series: str
    election: str
    year: int
    source: str
    sha256: str
    figures: dict[tuple[str, str], tuple[int, str]]


@dataclass(frozen=True)
class PublishedImport:
    id: int
    series: str
    election: str
    year: int
    source: str
    imported_at: datetime
    imported_by: str
    figures: int
    changed: int
    sha256: str = ""


@dataclass(frozen=True)
class PublishedChange:
    series: str
    region: str
    candidate: str
    old_votes: int
    new_votes: int
    old_import: int
    new_import: int
    old_ts: str
    new_ts: str
    old_at: datetime | None = None
    new_at: datetime | None = None


@dataclass(frozen=True)
class StoredDifference:
    """A difference as kept (domain/recap_compare.py ``Difference`` plus where it is)."""

    region: str
    kind: str
    deltas: dict[str, tuple[int, int]]  # code -> (first, second)
    swing: int
    size: int
    missing: int
    explained: bool


@dataclass(frozen=True)
class RegionSums:
    """The forms' sums of one region, per candidate code (counters included)."""

    region: str
    parts: dict[str, Part]

    def votes(self) -> dict[str, int]:
        return {c: p.total for c, p in self.parts.items() if not c.startswith("_")}


@dataclass(frozen=True)
class RegionFigures:
    """Everything a comparison page reads about a region and its children, read together
        (``RecapRepository.figures``): the forms' sums (regions), the coverage (regions and
        TPS), the published figures, the counted recap forms' figures, the differences under
        each child, the master list's stations among the codes (``code -> DPT``), and the names
    of the regions asked to be named."""

    sums: dict[str, RegionSums]
    coverage: dict[str, Coverage]
    published: list[PublishedFigure]
    recap_values: list[RecapValue]
    weights: dict[str, dict[str, tuple[int, int]]]
    stations: dict[str, int | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # the regions ``named``: code -> name
