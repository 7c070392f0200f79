"""Retention states are computed from the schedule and the dates, never typed in."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive_app.domain.retention import (
    Schedule,
    ScheduleError,
    State,
    add_years,
    compute,
    parse_schedule,
)

ROWS = [
    {
        "code": "HASIL",
        "title": "Hasil",
        "form_types": ["C.HASIL"],
        "active_years": 2,
        "inactive_years": 3,
        "disposition": "permanent",
    },
    {
        "code": "KEJADIAN",
        "title": "Kejadian",
        "form_types": ["C.KEJADIAN"],
        "active_years": 1,
        "inactive_years": 2,
        "disposition": "destroy",
    },
    {
        "code": "KEJADIAN-PILKADA",
        "title": "Kejadian Pilkada",
        "form_types": ["C.KEJADIAN"],
        "elections": ["PILBUP"],
        "active_years": 1,
        "inactive_years": 4,
        "disposition": "review",
    },
]
SCHEDULE = parse_schedule(ROWS)
E_DAY = date(2024, 2, 14)


def state(form="C.KEJADIAN", election="PPWP", today=date(2025, 1, 1), schedule=SCHEDULE, **kw):
    return compute(
        schedule,
        form_type=form,
        election=election,
        election_day=kw.pop("e_day", E_DAY),
        record_date=kw.pop("record_date", None),
        today=today,
        **kw,
    )


def test_a_record_is_active_then_inactive_then_due_for_its_disposition():
    assert state(today=date(2024, 6, 1)).state is State.ACTIVE
    assert state(today=date(2024, 6, 1)).changes_at == date(2025, 2, 14)
    assert state(today=date(2025, 2, 14)).state is State.INACTIVE
    assert state(today=date(2027, 2, 13)).state is State.INACTIVE
    due = state(today=date(2027, 2, 14))
    assert due.state is State.DUE and due.action == "destroy" and due.changes_at is None


def test_permanent_series_are_due_for_transfer_and_review_series_for_review():
    assert state(form="C.HASIL", today=date(2030, 1, 1)).action == "transfer"
    assert state(election="PILBUP", today=date(2030, 1, 1)).action == "review"


def test_the_series_naming_the_election_wins_over_the_general_one():
    assert state(election="PILBUP").series == "KEJADIAN-PILKADA"
    assert state(election="DPR").series == "KEJADIAN"


def test_a_hold_freezes_the_state_but_keeps_the_dates():
    held = state(today=date(2030, 1, 1), on_hold=True)
    assert held.state is State.ON_HOLD and held.action is None
    assert held.inactive_until == date(2027, 2, 14)


def test_missing_dates_keep_a_record_active_and_say_why():
    unknown = state(e_day=None, record_date=None, today=date(2100, 1, 1))
    assert (
        unknown.state is State.ACTIVE and unknown.changes_at is None and "unknown" in unknown.note
    )
    fallback = state(e_day=None, record_date=date(2020, 1, 1), today=date(2024, 1, 1))
    assert fallback.state is State.DUE


def test_a_schedule_change_changes_the_state_by_itself():
    longer = parse_schedule([{**r, "inactive_years": 10} for r in ROWS])
    assert state(today=date(2028, 1, 1)).state is State.DUE
    assert state(today=date(2028, 1, 1), schedule=longer).state is State.INACTIVE


def test_executed_dispositions_are_final():
    assert state(final="disposed").state is State.DISPOSED
    assert state(final="transferred").state is State.TRANSFERRED


def test_leap_day_triggers_end_on_the_28th_in_common_years():
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    leap = state(e_day=date(2024, 2, 29), today=date(2025, 2, 28))
    assert leap.state is State.INACTIVE


def test_records_without_a_series_stay_active():
    assert state(form="D.HASIL.KABKOTA").state is State.ACTIVE


@pytest.mark.parametrize(
    "rows,needle",
    [
        ([{**ROWS[0], "code": ""}], "unique code"),
        ([ROWS[0], ROWS[0]], "unique code"),
        ([{**ROWS[0], "disposition": "burn"}], "burn"),
        ([{**ROWS[0], "active_years": -1}], "between 0 and 200"),
        ([{**ROWS[0], "form_types": []}], "form type"),
        ([ROWS[0], {**ROWS[1], "code": "X", "form_types": ["C.HASIL"]}], "both cover"),
    ],
)
def test_bad_schedules_are_refused_naming_the_series(rows, needle):
    with pytest.raises(ScheduleError, match=needle):
        parse_schedule(rows)


dates = st.dates(min_value=date(1955, 1, 1), max_value=date(2150, 12, 31))
years = st.integers(min_value=0, max_value=60)


@given(trigger=dates, today=dates, active=years, inactive=years)
def test_states_follow_the_dates_in_order(trigger, today, active, inactive):
    schedule = parse_schedule([{**ROWS[1], "active_years": active, "inactive_years": inactive}])
    r = compute(
        schedule,
        form_type="C.KEJADIAN",
        election="PPWP",
        election_day=trigger,
        record_date=None,
        today=today,
    )
    assert r.active_until <= r.inactive_until
    if today < r.active_until:
        assert r.state is State.ACTIVE and r.changes_at == r.active_until
    elif today < r.inactive_until:
        assert r.state is State.INACTIVE and r.changes_at == r.inactive_until
    else:
        assert r.state is State.DUE and r.action == "destroy"


@given(trigger=dates, active=years, inactive=years)
def test_a_record_is_never_due_before_its_full_retention(trigger, active, inactive):
    schedule = parse_schedule([{**ROWS[1], "active_years": active, "inactive_years": inactive}])
    end = add_years(add_years(trigger, active), inactive)
    before = compute(
        schedule,
        form_type="C.KEJADIAN",
        election="X",
        election_day=trigger,
        record_date=None,
        today=end - timedelta(days=1),
    )
    assert before.state is not State.DUE or end - timedelta(days=1) < trigger
    at_end = compute(
        schedule,
        form_type="C.KEJADIAN",
        election="X",
        election_day=trigger,
        record_date=None,
        today=end,
    )
    assert at_end.state is State.DUE
    assert (end - trigger).days >= 365 * (active + inactive) - 2 * (active + inactive) // 4 - 2


def test_an_empty_schedule_is_valid():
    assert parse_schedule([]) == Schedule(())


def test_given_a_record_date_near_9999_then_its_retention_never_comes_due():
    """GIVEN a record dated 9999-12-31, stored before record dates were bounded, WHEN its
    retention is computed THEN it ends at the last representable day instead of raising
    (one such record broke every retention list for the whole archive)."""
    assert add_years(date(9999, 12, 31), 5) == date.max
    assert add_years(date(9995, 6, 30), 3) == date(9998, 6, 30)
    by_record_date = parse_schedule([{**ROWS[1], "trigger": "record_date"}])
    r = state(record_date=date(9999, 12, 31), schedule=by_record_date)
    assert r.state is State.ACTIVE
    assert r.active_until == r.inactive_until == r.changes_at == date.max


any_date = st.one_of(st.dates(), st.dates(min_value=date(9600, 1, 1)))  # the end needs help


@given(trigger=any_date, today=dates, active=st.integers(0, 200), inactive=st.integers(0, 200))
def test_any_stored_date_gets_a_state_never_an_error(trigger, today, active, inactive):
    """GIVEN any date a row may hold and any schedule the editor accepts WHEN the state is
    computed THEN it is one, with the dates in order; past 9999-12-31 nothing comes due."""
    schedule = parse_schedule(
        [{**ROWS[1], "active_years": active, "inactive_years": inactive, "trigger": "record_date"}]
    )
    r = state(record_date=trigger, today=today, schedule=schedule)
    assert trigger <= r.active_until <= r.inactive_until
    if trigger.year + active + inactive > date.max.year:
        assert r.inactive_until == date.max and r.state is not State.DUE
