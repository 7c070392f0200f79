"""The security rules that are plain functions: numbers from outside, login throttling,
audit checkpoints and CSV formula defusing."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from archive_app.domain import spreadsheet
from archive_app.domain.audit import Checkpoint, compare_to_checkpoint
from archive_app.domain.throttle import ACCOUNT, Attempts, after_failure
from vocabulary.numbers import NumberError, bounded, page_number, whole_number

NOW = datetime(2026, 12, 6, 10, 0, 0)


@pytest.mark.parametrize("text", ["²", "¹", "①", "٣", "-1", "+1", " 1", "1_000", "1e3", "", "x"])
def test_given_unicode_or_signed_digits_when_parsed_then_they_are_not_numbers(text):
    assert whole_number(text) is None
    with pytest.raises(NumberError):
        bounded(text or "x", "page", 1, 10)


@given(st.text(max_size=30))
def test_given_any_text_when_parsed_then_it_never_raises_anything_but_number_error(text):
    value = whole_number(text)
    assert value is None or (text.isascii() and text.isdigit() and value == int(text))
    assert 1 <= page_number(text, last=50) <= 50


def test_given_a_huge_number_when_parsed_then_it_is_refused_not_overflowed():
    assert whole_number("9" * 19) is None
    with pytest.raises(NumberError):
        bounded(str(2**64), "offset", 0, 10**12)


def test_given_five_failures_when_the_sixth_fails_then_the_account_locks_once():
    state, began_any = Attempts(), []
    for n in range(1, 7):
        state, began = after_failure(state, NOW + timedelta(seconds=n), ACCOUNT)
        began_any.append(began)
    assert began_any == [False] * 5 + [True]
    assert state.wait(NOW + timedelta(seconds=6)) == 30
    # a further failure while locked doubles the lock but starts no new burst
    state, began = after_failure(state, NOW + timedelta(seconds=7), ACCOUNT)
    assert not began and state.wait(NOW + timedelta(seconds=7)) == 60


def test_given_locks_when_failures_go_on_then_the_wait_is_capped():
    state = Attempts()
    for n in range(40):
        state, _ = after_failure(state, NOW + timedelta(seconds=n), ACCOUNT)
    assert state.wait(NOW + timedelta(seconds=40)) <= ACCOUNT.longest.total_seconds()


def test_given_an_hour_of_quiet_when_it_fails_again_then_it_is_not_locked():
    state = Attempts(level=9, as_of=NOW, locked_until=NOW + timedelta(minutes=5))
    later = NOW + ACCOUNT.drain
    state, began = after_failure(state, later, ACCOUNT)
    assert state.level == 5 and not began and state.wait(later) == 0


def test_given_one_wrong_password_an_hour_when_it_goes_on_for_a_week_then_no_lock():
    state = Attempts()
    for hour in range(24 * 7):
        state, began = after_failure(state, NOW + timedelta(hours=hour), ACCOUNT)
        assert not began


def _checkpoint(**changes) -> Checkpoint:
    values = dict(seq=3, last_id=120, entries=120, head="a" * 64, at="2026-12-06T10:00:00Z")
    return Checkpoint(**{**values, **changes}).signed(b"key")


def test_given_a_signed_checkpoint_when_any_field_changes_then_its_signature_fails():
    good = _checkpoint()
    assert good.signature_ok(b"key") and not good.signature_ok(b"other key")
    line = good.to_line().replace('"entries":120', '"entries":100')
    assert not Checkpoint.from_line(line).signature_ok(b"key")
    assert Checkpoint.from_line("{torn") is None


def test_given_a_checkpoint_when_the_trail_lost_its_newest_entries_then_truncation_is_named():
    cp = _checkpoint()
    assert compare_to_checkpoint(cp, 150, "a" * 64, 120) is None
    assert "truncated" in compare_to_checkpoint(cp, 110, None, 110)
    assert "rewritten" in compare_to_checkpoint(cp, 150, "b" * 64, 120)
    assert "removed" in compare_to_checkpoint(cp, 150, "a" * 64, 119)


def test_given_cells_that_spreadsheets_would_run_when_written_then_they_are_text():
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "Papahan", 5])
    assert out.getvalue().strip() == (
        '"\'=HYPERLINK(""http://x"",""y"")",\'+1,\'-2,\'@SUM(A1),\'\tx,Papahan,5'
    )


def test_given_an_office_behind_one_address_when_people_mistype_all_day_then_it_never_locks():
    from archive_app.domain.throttle import ADDRESS

    state, locked = Attempts(), []
    for minute in range(0, 10 * 60, 6):  # a typo every 6 minutes, 08:00 to 18:00
        now = NOW + timedelta(minutes=minute)
        locked.append(state.current(now, ADDRESS).wait(now) > 0)
        state, _ = after_failure(state, now, ADDRESS)
    assert not any(locked)


@pytest.mark.parametrize(
    ("address", "key"),
    [("10.0.0.7", "ip:10.0.0.7"), ("2001:db8::1", "ip:2001:db8::/64"),
     ("2001:db8::ffff:1", "ip:2001:db8::/64"), ("::ffff:10.0.0.7", "ip:10.0.0.7"),
     ("not an address", "ip:not an address")],
)  # fmt: skip
def test_given_client_addresses_when_keyed_then_one_ipv6_network_is_one_key(address, key):
    from archive_app.domain.throttle import address_key

    assert address_key(address) == key
