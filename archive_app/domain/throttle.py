"""How many wrong passwords a login name or a client address may send before it must wait.

Each key (one login name, one client address) counts its recent failures. Past a
``policy.free`` number of them, every further failure locks the key for a time that
doubles with each failure, up to ``policy.longest``; a quiet ``policy.forget`` after the
last failure wipes the slate. While a key is locked, no password is even checked, so the
right one does not work either: that is what turns guessing from thousands of tries an
hour into a handful.

Per login name, to protect an account from a spread-out attack; per client address, so
that one machine cannot try one password on every account. A correct login clears only
its own name's count, never the address's: an attacker holding one account must not be
able to reset the counter between guesses at others.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed before the first lock
    first: timedelta  # the first lock; each later failure doubles it
    longest: timedelta
    forget: timedelta  # failures older than this (since the last one) no longer count


ACCOUNT = Policy(free=5, first=timedelta(seconds=30), longest=timedelta(minutes=15),
                 forget=timedelta(hours=1))  # fmt: skip
ADDRESS = Policy(free=20, first=timedelta(seconds=60), longest=timedelta(hours=1),
                 forget=timedelta(hours=1))  # fmt: skip


@dataclass(frozen=True)
class Attempts:
    """What is remembered about one key."""

    failures: int = 0
    last_failure: datetime | None = None
    locked_until: datetime | None = None

    def current(self, now: datetime, policy: Policy) -> Attempts:
        """The same record with expired failures forgotten."""
        if self.last_failure is not None and now - self.last_failure >= policy.forget:
            return Attempts()
        return self

    def wait(self, now: datetime) -> int:
        """Seconds until this key may try again; 0 when it may now."""
        if self.locked_until is None or self.locked_until <= now:
            return 0
        return max(1, int((self.locked_until - now).total_seconds() + 0.999))


def after_failure(state: Attempts, now: datetime, policy: Policy) -> tuple[Attempts, bool]:
    """The key's record after one more failure, and whether that failure began a lock
    (the moment worth one audit entry: the burst, not each try inside it)."""
    state = state.current(now, policy)
    failures = state.failures + 1
    locked_until = state.locked_until
    began = False
    if failures > policy.free:
        doubling = min(failures - policy.free - 1, 20)
        lock = min(policy.first * (2**doubling), policy.longest)
        began = state.wait(now) == 0
        locked_until = now + lock
    return replace(state, failures=failures, last_failure=now, locked_until=locked_until), began


def account_key(username: str) -> str:
    return "user:" + username.strip().lower()[:64]


def address_key(address: str) -> str:
    return "ip:" + address[:64]
