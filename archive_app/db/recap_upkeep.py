"""Keeping the sums current, inside the transaction that changes a record.

Called with the open session wherever a record's part in the recap can change: its readings
stored by processing (``jobs.finish``), its metadata corrected in review
(``readings.confirm``), its counts confirmed in review (``readings.correct_counts``), its
content destroyed (``lifecycle.tombstone``). Nothing is recomputed by scanning: the record's
old part is taken off the sums of its five regions and its new part added, so one form
costs a few dozen small writes whatever the archive's size.

Of several forms archived for one TPS and election, one is counted (domain/recap.py
``counted_first``); the others are kept beside it. On PostgreSQL two workers finishing forms
of the same TPS at once would each see only its own; a transaction-scoped advisory lock on
the place makes them take turns (SQLite writes one transaction at a time anyway).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, text
from sqlalchemy.orm import Session

from archive_app.db.models import (
    RecapFormRow,
    RecapSumRow,
    RecapValueRow,
    RecordRow,
    TpsRow,
)
from archive_app.db.recap_diffs import refresh_differences
from archive_app.db.recap_rows import (
    core_table,
    entry_values,
    has_list,
    sum_row,
    tps_figures,
    upsert,
)
from archive_app.domain import recap
from archive_app.domain.recap import Part
from vocabulary import regions
from vocabulary.elections import load_vocabulary

ADDED = ("confirmed", "read", "unsure", "unread", "forms")
CANDIDATES = 200  # most forms a page hash is compared with (see FINDINGS in docs)


@dataclass(frozen=True)
class _Snapshot:
    """A record's recap row as it was before the change."""

    election: str
    year: int
    level: str
    place: str
    counted: bool
    listed: bool | None
    figures: str

    @property
    def key(self) -> tuple[str, int, str, str]:
        return self.election, self.year, self.level, self.place


class RecapUpkeep:
    """What the record repositories call to keep the recap tables current."""

    def __init__(self, max_voters: int = 300, vocabulary: Any = None):
        self.max_voters = max_voters
        self.days = vocabulary if vocabulary is not None else load_vocabulary()

    def record_changed(self, s: Session, record_id: str) -> None:
        """Bring the record's part in the recap up to date with its row."""
        row = s.get(RecordRow, record_id)
        new = entry_values(row, self.days) if row is not None else None
        old = s.get(RecapFormRow, record_id)
        if new is None and old is None:
            return
        before = _snapshot(old) if old is not None else None
        keys = {k for k in (before.key if before else None, _key(new)) if k is not None}
        for key in sorted(keys):
            _lock(s, key)
        partners = _partners(s, old) if old is not None else set()
        touched: set[str] = set()
        if new is None:
            s.execute(_values_of(record_id))
            s.delete(old)
            s.flush()
        else:
            self._write(s, old, before, new)
        changes: dict[tuple[str, int], dict[str, dict[str, Part]]] = {}
        found = _forms_at(s, keys)
        for key in sorted(keys):
            touched |= self._recount(s, key, record_id, before, changes, found.get(key, []))
        for (election, year), by_place in sorted(changes.items()):
            apply_sums(s, election, year, by_place)
        if before is not None and before.level != "tps" and before.place:
            touched |= {before.place} | {c for c in json.loads(before.figures or "{}") if c}
        if new is not None:
            partners |= self._findings(s, record_id)
        for partner in sorted(partners - {record_id}):
            self._findings(s, partner)
        for election, year in {(k[0], k[1]) for k in keys}:
            regions_here = {r for r in touched if r}
            refresh_differences(s, election, year, regions_here, self.max_voters, self.days)

    def _write(
        self, s: Session, old: RecapFormRow | None, before: _Snapshot | None, new: dict
    ) -> None:
        findings = new.pop("findings")
        counted = bool(before and before.counted and before.key == _key(new))
        listed = None
        if new["level"] == "tps" and new["place"] and has_list(s, new["poll"]):
            listed = s.get(TpsRow, (new["poll"], new["place"])) is not None
        bands = recap.hash_bands(new["page_hash"])
        values = new | {
            "counted": counted,
            "listed": listed,
            "findings": json.dumps(findings, ensure_ascii=False),
            "hash_a": bands[0],
            "hash_b": bands[1],
            "hash_c": bands[2],
            "hash_d": bands[3],
        }
        if old is None:
            s.add(RecapFormRow(**values))
        else:
            for name, value in values.items():
                setattr(old, name, value)
        s.execute(_values_of(new["record_id"]))
        if new["level"] != "tps":
            s.add_all(_value_rows(new))
        s.flush()

    def _recount(
        self,
        s: Session,
        key: tuple[str, int, str, str],
        record_id: str,
        before: _Snapshot | None,
        changes: dict[tuple[str, int], dict[str, dict[str, Part]]],
        rows: list[RecapFormRow],
    ) -> set[str]:
        """Choose the form counted for one place (``rows``: its forms); note in ``changes``
        how its sums move if the counted part changed. Returns the regions (and TPS) whose
        comparison may have changed."""
        election, year, level, place = key
        if not place:
            return set()
        chosen = recap.counted_first(
            [(r.record_id, r.form_type, r.created_at.isoformat()) for r in rows]
        )
        if level != "tps":
            _mark_counted(rows, chosen)
            return _recap_regions(s, rows, place)
        if before is not None and before.counted and before.key == key:
            old = recap.contribution(tps_figures(before.figures), before.listed)
        else:
            counted = next((r for r in rows if r.counted and r.record_id != record_id), None)
            old = (
                recap.contribution(tps_figures(counted.figures), counted.listed) if counted else {}
            )
        chosen_row = next((r for r in rows if r.record_id == chosen), None)
        new = (
            recap.contribution(tps_figures(chosen_row.figures), chosen_row.listed)
            if chosen_row
            else {}
        )
        _mark_counted(rows, chosen)
        change = recap.delta(old, new)
        if change:
            by_place = changes.setdefault((election, year), {})
            merged = by_place.setdefault(place, {})
            for code, part in change.items():
                merged[code] = merged[code] + part if code in merged else part
        return set(regions.ancestors(place[:10])) | {place}

    def _findings(self, s: Session, record_id: str) -> set[str]:
        """The record's findings (misfiled, and the same page filed for another TPS) made
        again; returns the records whose page it shares, so theirs are made again too."""
        row = s.get(RecapFormRow, record_id)
        if row is None:
            return set()
        kept = [f for f in json.loads(row.findings or "[]") if f.get("code") != "duplicate_page"]
        partners = _partners(s, row)
        if partners:
            places = sorted(
                regions.dotted(r.place) if r.place else "?"
                for r in s.scalars(select(RecapFormRow).where(RecapFormRow.record_id.in_(partners)))
            )
            others = ", ".join(places)
            kept.append(
                {
                    "code": "duplicate_page",
                    "params": {"others": others, "records": sorted(partners)},
                }
            )
        row.findings = json.dumps(kept, ensure_ascii=False)
        return partners


def apply_sums(
    s: Session, election: str, year: int, changes: Mapping[str, Mapping[str, Part]]
) -> None:
    """Add each place's change to the sums of every region above it (a TPS: its village up
    to the nation): one upsert for all of them, and one delete of the rows that may have
    fallen back to nothing. The places a correction moves a form between are added up
    first, so a region above both (the village when only the TPS number was wrong, always
    the nation) is written once, and not at all where the two cancel out."""
    by_row: dict[tuple[str, str], Part] = {}
    for place, change in changes.items():
        for region in regions.ancestors(place[:10]):
            for code, part in change.items():
                found = by_row.get((region, code))
                by_row[(region, code)] = found + part if found is not None else part
    moved = {k: p for k, p in by_row.items() if not p.empty}
    if not moved:
        return
    rows = [
        sum_row(election, year, region, _LEVEL[len(region)], code, part)
        for (region, code), part in moved.items()
    ]
    upsert(s, RecapSumRow, rows, ("election", "year", "region", "candidate"), add=ADDED)
    # Sums never go below zero, so only a row that something was taken from can reach
    # nothing: a form added somewhere needs no delete at all.
    taken = [
        k for k, p in moved.items() if min(p.confirmed, p.read, p.unsure, p.unread, p.forms) < 0
    ]
    if taken:
        t = core_table(RecapSumRow)
        s.execute(
            delete(t).where(
                t.c.election == election,
                t.c.year == year,
                t.c.region.in_(sorted({r for r, _ in taken})),
                t.c.candidate.in_(sorted({c for _, c in taken})),
                *(t.c[c] == 0 for c in ADDED),
            )
        )


_LEVEL = {width: regions.LEVELS.index(level) for level, width in regions.DIGITS.items()}


def _values_of(record_id: str) -> Any:
    """Delete a record's recap figures (a Core statement: recap_rows.core_table)."""
    t = core_table(RecapValueRow)
    return delete(t).where(t.c.record_id == record_id)


def _snapshot(row: RecapFormRow) -> _Snapshot:
    return _Snapshot(
        row.election, row.year, row.level, row.place, row.counted, row.listed, row.figures
    )


def _key(values: dict | None) -> tuple[str, int, str, str] | None:
    if values is None:
        return None
    return values["election"], values["year"], values["level"], values["place"]


def _forms_at(
    s: Session, keys: set[tuple[str, int, str, str]]
) -> dict[tuple[str, int, str, str], list[RecapFormRow]]:
    """The forms of each place (election, year, level, place) a change touches: the places
    of one election and level in one statement (a form moved between two TPS read both
    places' forms in two)."""
    groups: dict[tuple[str, int, str], list[str]] = {}
    for election, year, level, place in sorted(keys):
        if place:
            groups.setdefault((election, year, level), []).append(place)
    out: dict[tuple[str, int, str, str], list[RecapFormRow]] = {}
    for (election, year, level), places in groups.items():
        rows = s.scalars(
            select(RecapFormRow).where(
                RecapFormRow.election == election,
                RecapFormRow.year == year,
                RecapFormRow.level == level,
                RecapFormRow.place.in_(places),
            )
        )
        for row in rows:
            out.setdefault((election, year, level, row.place), []).append(row)
    return out


def _lock(s: Session, key: tuple[str, int, str, str]) -> None:
    if s.get_bind().dialect.name != "postgresql" or not key[3]:
        return
    name = "recap:" + ":".join(str(k) for k in key)
    s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(name.encode())})


def _mark_counted(rows: list[RecapFormRow], chosen: str | None) -> None:
    for row in rows:
        counted = row.record_id == chosen
        if row.counted != counted:
            row.counted = counted


def _value_rows(new: dict) -> list[RecapValueRow]:
    return [RecapValueRow(**values) for values in value_dicts(new)]


def value_dicts(new: dict) -> list[dict]:
    """The figures a recap form prints, one row each (its own region's and each column's),
    as plain values: the rebuild inserts them in bulk without making ORM objects."""
    out = []
    figures = json.loads(new["figures"])
    for column, values in figures.items():
        region = column or new["place"]
        if not region:
            continue
        for code, figure in values.items():
            box = figure.get("box")
            out.append(
                {
                    "record_id": new["record_id"],
                    "region": region,
                    "candidate": code,
                    "election": new["election"],
                    "year": new["year"],
                    "stage": new["level"],
                    "own": not column,
                    "votes": figure.get("votes"),
                    "status": figure.get("status", ""),
                    "page": figure.get("page") or 0,
                    "box": ",".join(f"{v:.4f}" for v in box) if box else "",
                }
            )
    return out


def _recap_regions(s: Session, rows: list[RecapFormRow], place: str) -> set[str]:
    """A recap form touches its own region and every child it prints a column for."""
    out = {place}
    for row in rows:
        out |= {c for c in json.loads(row.figures or "{}") if c}
    return out


def _partners(s: Session, row: RecapFormRow) -> set[str]:
    """Other forms whose first page is this one's page, filed for another place."""
    if not row.page_hash or not row.page_print:
        return set()
    bands = (row.hash_a, row.hash_b, row.hash_c, row.hash_d)
    query = (
        select(
            RecapFormRow.record_id,
            RecapFormRow.page_hash,
            RecapFormRow.page_print,
            RecapFormRow.place,
        )
        .where(
            or_(
                RecapFormRow.hash_a == bands[0],
                RecapFormRow.hash_b == bands[1],
                RecapFormRow.hash_c == bands[2],
                RecapFormRow.hash_d == bands[3],
            ),
            RecapFormRow.record_id != row.record_id,
            RecapFormRow.page_hash != "",
        )
        .order_by(RecapFormRow.created_at.desc())
        .limit(CANDIDATES)
    )
    found = set()
    for other_id, other_hash, other_print, other_place in s.execute(query):
        if other_place == row.place and row.place:
            continue  # the same TPS filed twice is a second copy, not a misfiled page
        if recap.same_page(row.page_hash, row.page_print, other_hash, other_print):
            found.add(other_id)
    return found
