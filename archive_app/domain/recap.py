"""What a result form contributes to the sums of its regions, and the sums themselves.

A form's tally (the JSON the tally reader stores, ``records/reconcile.py``) is turned into
**figures**: one per candidate or party, per total and per line of the voter data, each
keyed by a **candidate code** that is the same on every form of an election:

- paslon and individual candidates (PPWP, Pilkada, DPD): their ballot number, ``"1"``,
  ``"2"`` ... (the n-th candidate row of the form);
- party elections (DPR, DPRD): the party's number ``"3"`` for its total (party votes and
  its candidates' votes), ``"3.0"`` for the party's own votes, ``"3.2"`` for its second
  candidate;
- ``valid``, ``invalid``, ``ballots_used``, and the voter lines as the reader keys them
  (``voters.dpt.JML``, ``users.total.JML`` ...).

Each figure keeps how far it can be trusted. A sum is split the same way: **confirmed**
(two readings agree, the arithmetic holds on it, or a person confirmed it), **read** (one
sure reading, nothing to check it against), **unsure** (read with low confidence, or
disputed with one reading that fits the sums) and the count of numbers **unread**. The sum
from the forms is confirmed + read + unsure; ``unsure`` says how much rests on doubtful
readings.
"""

from __future__ import annotations

import base64
import functools
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

TOTALS = ("valid", "invalid", "ballots_used")
VOTER_KEYS = tuple(
    f"{part}.{row}.JML" for part in ("voters", "users") for row in ("dpt", "dptb", "dpk", "total")
)
ROW_KINDS = ("candidate", "party", "party_total")
# How the reader's statuses count in a sum.
SURENESS = {
    "confirmed": "confirmed",
    "read": "read",
    "unsure": "unsure",
    "disputed": "unsure",  # only when one reading fits the sums: ``votes`` is that reading
}
# Pseudo-candidates that count forms in a sum: all counted forms, those whose TPS is on the
# master list or not, and those on which no number could be read.
COUNTERS = ("_forms", "_listed", "_unlisted", "_empty")


@dataclass(frozen=True)
class Figure:
    """One number of a form, under its candidate code."""

    code: str
    votes: int | None
    status: str  # the reader's: confirmed, read, unsure, disputed, unread
    label: str = ""
    page: int = 0
    box: tuple[float, ...] | None = None
    key: str = ""  # the number's key in the form's tally

    @property
    def sureness(self) -> str:
        """confirmed, read, unsure, or unread (no value to add)."""
        if self.votes is None:
            return "unread"
        return SURENESS.get(self.status, "unread")

    def as_json(self) -> dict[str, Any]:
        return {
            "votes": self.votes,
            "status": self.status,
            "label": self.label,
            "page": self.page,
            "box": list(self.box) if self.box else None,
            "key": self.key,
        }

    @classmethod
    def from_json(cls, code: str, data: Mapping[str, Any]) -> Figure:
        box = data.get("box")
        return cls(
            code,
            data.get("votes"),
            str(data.get("status", "")),
            str(data.get("label", "")),
            int(data.get("page") or 0),
            tuple(float(v) for v in box) if box else None,
            str(data.get("key", "")),
        )


def party_election(numbers: Iterable[Mapping[str, Any]]) -> bool:
    return any(n.get("kind") in ("party", "party_total") for n in numbers)


def candidate_codes(numbers: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """{tally key: candidate code} for the table rows of one form (or one column of a
    recap form), in the order the form prints them."""
    rows = [n for n in numbers if n.get("kind") in ROW_KINDS]
    codes: dict[str, str] = {}
    if not party_election(rows):
        for at, number in enumerate(rows, 1):
            codes[str(number.get("key"))] = str(at)
        return codes
    party, candidate = 0, 0
    for number in rows:
        kind = number.get("kind")
        if kind == "party":
            party, candidate = party + 1, 0
            codes[str(number.get("key"))] = f"{party}.0"
        elif kind == "candidate":
            candidate += 1
            codes[str(number.get("key"))] = f"{max(party, 1)}.{candidate}"
        else:  # party_total: closes the party it follows
            codes[str(number.get("key"))] = str(max(party, 1))
    return codes


def figures_of(numbers: Sequence[Mapping[str, Any]]) -> dict[str, Figure]:
    """The figures of one form (or one column of a recap form) from its tally numbers."""
    codes = candidate_codes(numbers)
    out: dict[str, Figure] = {}
    for number in numbers:
        key = str(number.get("key", ""))
        code = codes.get(key) or (key if key in TOTALS or key in VOTER_KEYS else None)
        if code is None or code in out:
            continue
        box = number.get("box")
        votes = number.get("votes")
        out[code] = Figure(
            code,
            votes if isinstance(votes, int) and not isinstance(votes, bool) else None,
            str(number.get("status", "")),
            str(number.get("label", ""))[:200],
            int(number.get("page") or 0),
            tuple(float(v) for v in box) if box else None,
            key,
        )
    return out


def tally_numbers(tally: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The tally's numbers; a tally stored before numbers were kept has its rows and
    totals only (each with a status when the reader gave one)."""
    numbers = tally.get("numbers")
    if numbers:
        return [dict(n) for n in numbers]
    out: list[dict[str, Any]] = []
    for at, row in enumerate(tally.get("rows") or [], 1):
        out.append({**row, "key": row.get("key") or f"row{at}"})
    for name in TOTALS:
        if tally.get(name) is not None:
            out.append({"key": name, "kind": name, "votes": tally[name], "status": "read"})
    return out


def split_columns(numbers: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """A recap form's numbers by column: "" for its own total, a child's code (digits) for
    the column of that child (keys ``row3@3313052001``)."""
    columns: dict[str, list[dict[str, Any]]] = {}
    for number in numbers:
        key = str(number.get("key", ""))
        base, _, column = key.partition("@")
        columns.setdefault(column, []).append({**number, "key": base})
    return columns


# --- sums -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """What one form adds to one candidate's sum."""

    confirmed: int = 0
    read: int = 0
    unsure: int = 0
    unread: int = 0  # numbers that could not be read (nothing added)
    forms: int = 0  # forms that carry this figure at all
    label: str = ""

    def __add__(self, other: Part) -> Part:
        return Part(
            self.confirmed + other.confirmed,
            self.read + other.read,
            self.unsure + other.unsure,
            self.unread + other.unread,
            self.forms + other.forms,
            self.label or other.label,
        )

    def __neg__(self) -> Part:
        return Part(
            -self.confirmed, -self.read, -self.unsure, -self.unread, -self.forms, self.label
        )

    @property
    def total(self) -> int:
        return self.confirmed + self.read + self.unsure

    @property
    def empty(self) -> bool:
        return not (self.confirmed or self.read or self.unsure or self.unread or self.forms)


def contribution(figures: Mapping[str, Figure], listed: bool | None) -> dict[str, Part]:
    """What a counted form adds to every sum above it: its figures, and one form to the
    counters (``_listed`` when its TPS is on the master list, ``_unlisted`` when it is
    not; neither when the list is unknown for its election)."""
    out: dict[str, Part] = {"_forms": Part(forms=1)}
    if not figures:
        out["_empty"] = Part(forms=1)
    if listed is True:
        out["_listed"] = Part(forms=1)
    elif listed is False:
        out["_unlisted"] = Part(forms=1)
    for code, figure in figures.items():
        votes = figure.votes or 0
        sure = figure.sureness
        out[code] = Part(
            confirmed=votes if sure == "confirmed" else 0,
            read=votes if sure == "read" else 0,
            unsure=votes if sure == "unsure" else 0,
            unread=1 if sure == "unread" else 0,
            forms=1,
            label=figure.label,
        )
    return out


def delta(old: Mapping[str, Part], new: Mapping[str, Part]) -> dict[str, Part]:
    """new - old, per candidate code, leaving out what does not change."""
    out: dict[str, Part] = {}
    for code in set(old) | set(new):
        change = new.get(code, Part()) + -old.get(code, Part())
        if not change.empty:
            out[code] = replace(change, label=(new.get(code) or old.get(code) or Part()).label)
    return out


# --- which form counts for a TPS ---------------------------------------------------------------

FORM_PREFERENCE = ("C.HASIL", "C.HASIL.SALINAN")  # the officers' own copy first


def counted_first(candidates: list[tuple[str, str, str]]) -> str | None:
    """Of the forms archived for one TPS and election, (record id, form type, created at as
    ISO text), the one its sums count: the officers' C.Hasil before a witness's copy, then
    the earliest archived. The others are listed beside it, never added twice."""
    if not candidates:
        return None

    def rank(item: tuple[str, str, str]) -> tuple[int, str, str]:
        record_id, form_type, created = item
        order = FORM_PREFERENCE.index(form_type) if form_type in FORM_PREFERENCE else 9
        return order, created, record_id

    return min(candidates, key=rank)[0]


# --- the same page filed twice ------------------------------------------------------------------

SAME_PAGE_CELLS = 12  # most a cell of the fine print may differ by on the same page (see
# ingest/page_hash.py: the same page re-saved differs by <= 7, another form by >= 21)
NEAR_BITS = 6  # dHash bits two prints of the same page may differ by


def hash_bands(page_hash: str) -> tuple[int, int, int, int]:
    """The dHash's four 16-bit bands: two hashes within 3 bits share at least one."""
    value = int(page_hash, 16) if page_hash else 0
    return (value >> 48) & 0xFFFF, (value >> 32) & 0xFFFF, (value >> 16) & 0xFFFF, value & 0xFFFF


def hash_distance(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def same_page(hash_a: str, print_a: str, hash_b: str, print_b: str) -> bool:
    """Whether two pages are the same page (saved, scaled or compressed apart)."""
    if not (hash_a and hash_b and print_a and print_b):
        return False
    if hash_distance(hash_a, hash_b) > NEAR_BITS:
        return False
    try:
        cells_a = zlib.decompress(base64.b64decode(print_a))
        cells_b = zlib.decompress(base64.b64decode(print_b))
    except (ValueError, zlib.error):
        return False
    if len(cells_a) != len(cells_b):
        return False
    return cells_within(cells_a, cells_b, SAME_PAGE_CELLS)


def cells_within(cells_a: bytes, cells_b: bytes, limit: int) -> bool:
    """Whether no cell of two equally long byte strings differs by more than ``limit`` (< 256).

    Every new form is held against up to 200 earlier ones of the same layout, 3,264 cells
    each; cell by cell in Python that cost more CPU in a batch than the page's OCR. Here
    every cell is done at once in integer arithmetic: each byte gets a 16-bit lane of a big
    number (spread with a slice, at C speed), and ``a - b + limit + 1024`` lands in
    [1024, 2047] exactly when ``a - b >= -limit`` (else in [769, 1023]); no lane borrows
    from the next, so one mask tests every lane's bit 10. The same with a and b swapped
    checks ``a - b <= limit``."""
    a, b = _lanes(cells_a), _lanes(cells_b)
    bias, bit10 = _lane_constants(len(cells_a), limit)
    return ((a - b + bias) & bit10) == bit10 and ((b - a + bias) & bit10) == bit10


@functools.lru_cache(maxsize=8)
def _lane_constants(size: int, limit: int) -> tuple[int, int]:
    """(``limit + 1024`` in every lane, bit 10 of every lane) for ``size`` lanes."""
    bit10 = int.from_bytes(b"\x00\x04" * size, "little")
    return _lanes(bytes([limit]) * size) + bit10, bit10


def _lanes(data: bytes) -> int:
    """``data`` as a little-endian integer, each byte in a 16-bit lane of its own."""
    lanes = bytearray(2 * len(data))
    lanes[0::2] = data
    return int.from_bytes(lanes, "little")
