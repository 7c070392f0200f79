"""Retention: which series a record belongs to and where it stands in its life.

A retention schedule (JRA, Jadwal Retensi Arsip) maps form types, optionally per election,
to a series with an active period, an inactive period and a final disposition. A record's
state is computed from the schedule and its trigger date, never typed in by hand, so it
changes by itself when the dates pass or the schedule changes. Without a trigger date the
record stays active: nothing is ever due for destruction on a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any


class Disposition(StrEnum):
    DESTROY = "destroy"  # Musnah
    PERMANENT = "permanent"  # Permanen: transfer to the archives institution
    REVIEW = "review"  # Dinilai kembali


class Trigger(StrEnum):
    ELECTION_DAY = "election_day"
    RECORD_DATE = "record_date"


class State(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DUE = "due"
    ON_HOLD = "on_hold"
    DISPOSED = "disposed"
    TRANSFERRED = "transferred"


# What a due record is due for: destroy it, transfer it, or appraise it again.
ACTION_FOR = {
    Disposition.DESTROY: "destroy",
    Disposition.PERMANENT: "transfer",
    Disposition.REVIEW: "review",
}


class ScheduleError(ValueError):
    """The schedule is not usable; the message says which series and why."""


@dataclass(frozen=True)
class Series:
    code: str
    title: str
    form_types: tuple[str, ...]
    active_years: int
    inactive_years: int
    disposition: Disposition
    trigger: Trigger = Trigger.ELECTION_DAY
    elections: tuple[str, ...] = ()  # empty: any election

    def applies_to(self, form_type: str, election: str) -> bool:
        return form_type in self.form_types and (not self.elections or election in self.elections)


@dataclass(frozen=True)
class Schedule:
    series: tuple[Series, ...]
    version: int = 0

    def series_for(self, form_type: str, election: str) -> Series | None:
        """The most specific series: one naming the election wins over one for any election."""
        matches = [s for s in self.series if s.applies_to(form_type, election)]
        matches.sort(key=lambda s: not s.elections)
        return matches[0] if matches else None


@dataclass(frozen=True)
class Retention:
    state: State
    series: str = ""
    action: str | None = None  # when due: destroy | transfer | review
    changes_at: date | None = None  # next date the state changes by itself
    trigger_date: date | None = None
    active_until: date | None = None
    inactive_until: date | None = None
    holds: tuple[Any, ...] = field(default=())
    note: str = ""


def add_years(start: date, years: int) -> date:
    """Same day ``years`` later; 29 February becomes 28 February in common years.

    Past 9999 it is ``date.max``, the day that never comes: rows stored before record dates
    were bounded hold dates like 9999-12-31, and one error here broke the retention lists
    of the whole archive.
    """
    year = start.year + years
    if year > date.max.year:
        return date.max
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


def compute(
    schedule: Schedule,
    *,
    form_type: str,
    election: str,
    election_day: date | None,
    record_date: date | None,
    today: date,
    on_hold: bool = False,
    final: str = "",  # "disposed" or "transferred" once executed
) -> Retention:
    if final:
        return Retention(State(final))
    series = schedule.series_for(form_type, election)
    if series is None:
        return _held(Retention(State.ACTIVE, note="no series in the schedule"), on_hold)
    trigger = election_day if series.trigger is Trigger.ELECTION_DAY else record_date
    if series.trigger is Trigger.ELECTION_DAY and trigger is None:
        trigger = record_date  # the election has no known date: fall back to the record's
    if trigger is None:
        note = "trigger date unknown: kept active until a date is recorded"
        return _held(Retention(State.ACTIVE, series=series.code, note=note), on_hold)
    active_until = add_years(trigger, series.active_years)
    inactive_until = add_years(active_until, series.inactive_years)
    base = Retention(
        State.ACTIVE, series=series.code, trigger_date=trigger, active_until=active_until,
        inactive_until=inactive_until,
    )  # fmt: skip
    if today < active_until:
        result = replace(base, changes_at=active_until)
    elif today < inactive_until:
        result = replace(base, state=State.INACTIVE, changes_at=inactive_until)
    else:
        result = replace(base, state=State.DUE, action=ACTION_FOR[series.disposition])
    return _held(result, on_hold)


def _held(result: Retention, on_hold: bool) -> Retention:
    """A hold freezes the record whatever its dates say; the dates stay visible."""
    if not on_hold:
        return result
    return Retention(
        State.ON_HOLD, series=result.series, action=None, changes_at=None,
        trigger_date=result.trigger_date, active_until=result.active_until,
        inactive_until=result.inactive_until, note=result.note,
    )  # fmt: skip


CODE_MAX = 32  # characters of a series code


def parse_schedule(rows: list[dict[str, Any]], version: int = 0) -> Schedule:
    """Build a Schedule from plain rows (TOML, JSON or a form), checking every field."""
    series, seen = [], set()
    for n, row in enumerate(rows, start=1):
        code = str(row.get("code", "")).strip()
        where = f"series {code or n}" if len(code) <= CODE_MAX else f"series {n}"
        if not code or code in seen:
            raise ScheduleError(f"{where}: every series needs a unique code")
        if len(code) > CODE_MAX:  # a record keeps its series' code in a column of this size
            raise ScheduleError(f"{where}: a series code has at most {CODE_MAX} characters")
        seen.add(code)
        try:
            active, inactive = int(row["active_years"]), int(row["inactive_years"])
        except (KeyError, ValueError, TypeError):  # blank, "1.5": not Python's words
            raise ScheduleError(f"{where}: retention years must be between 0 and 200") from None
        try:
            disposition = Disposition(row["disposition"])
            trigger = Trigger(row.get("trigger", Trigger.ELECTION_DAY.value))
        except (KeyError, ValueError) as exc:
            raise ScheduleError(f"{where}: {exc}") from None
        if not 0 <= active <= 200 or not 0 <= inactive <= 200:
            raise ScheduleError(f"{where}: retention years must be between 0 and 200")
        form_types = tuple(str(f).strip().upper() for f in row.get("form_types", ()) if f)
        if not form_types:
            raise ScheduleError(f"{where}: name at least one form type")
        elections = tuple(str(e).strip().upper() for e in row.get("elections", ()) if e)
        series.append(Series(code, str(row.get("title", code)), form_types, active, inactive,
                             disposition, trigger, elections))  # fmt: skip
    _check_overlaps(series)
    return Schedule(tuple(series), version)


def _check_overlaps(series: list[Series]) -> None:
    """Two series claiming the same form type for the same elections would be ambiguous."""
    claims: dict[tuple[str, str], str] = {}
    for s in series:
        for form in s.form_types:
            for election in s.elections or ("*",):
                other = claims.setdefault((form, election), s.code)
                if other != s.code:
                    raise ScheduleError(
                        f"series {s.code} and {other} both cover {form} for election {election}"
                    )


def schedule_rows(schedule: Schedule) -> list[dict[str, Any]]:
    """The inverse of parse_schedule: plain rows for storage, forms and TOML."""
    return [
        {
            "code": s.code,
            "title": s.title,
            "form_types": list(s.form_types),
            "elections": list(s.elections),
            "active_years": s.active_years,
            "inactive_years": s.inactive_years,
            "disposition": s.disposition.value,
            "trigger": s.trigger.value,
        }  # fmt: skip
        for s in schedule.series
    ]


# -- what the metadata store keeps per record, and what it is told to keep --------------


@dataclass(frozen=True)
class RetentionInput:
    """What retention is computed from, plus the cached result to compare against."""

    id: str
    form_type: str
    election: str
    year: int
    record_date: date | None
    final_state: str
    held: bool
    cached: tuple[Any, ...]  # (state, series, action, changes_at, due_at)


@dataclass(frozen=True)
class RetentionUpdate:
    id: str
    state: str
    series: str
    action: str
    changes_at: date | None
    due_at: date | None
