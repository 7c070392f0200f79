"""How many wrong passwords a login name or a client address may send before it must wait.

Each key (one login name, one client address) has a leaky bucket of failures: every wrong
password adds one, and the bucket drains at ``policy.free`` per ``policy.drain``. When a
failure brings it past ``policy.free``, the key is locked, for a time that doubles with
each further failure up to ``policy.longest``. Quick guessing fills the bucket within
seconds; people mistyping now and then, even many people behind one office address, never
do. While a key is locked, no password is even checked, so the right one does not work
either: that is what turns guessing from thousands of tries an hour into a handful.

Per login name, to protect an account from a spread-out attack; per client address, so
that one machine cannot try one password on every account. A correct login empties only
its own name's bucket, never the address's: an attacker holding one account must not be
able to reset the count between guesses at others.
"""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    free: int  # failures the bucket holds before the first lock
    first: timedelta  # the first lock; each later failure doubles it
    longest: timedelta
    drain: timedelta  # how long a full bucket takes to drain


# Six quick wrong passwords lock a name; one an hour for ever never does.
ACCOUNT = Policy(free=5, first=timedelta(seconds=30), longest=timedelta(minutes=15),
                 drain=timedelta(hours=1))  # fmt: skip
# An office behind one NAT address shares this bucket, so it drains fast (two failures a
# minute); a machine trying names one after another is slowed after 30 quick failures.
ADDRESS = Policy(free=30, first=timedelta(seconds=60), longest=timedelta(minutes=15),
                 drain=timedelta(minutes=15))  # fmt: skip


@dataclass(frozen=True)
class Attempts:
    """What is remembered about one key."""

    level: float = 0.0  # failures in the bucket as of ``as_of``
    as_of: datetime | None = None
    locked_until: datetime | None = None

    def current(self, now: datetime, policy: Policy) -> Attempts:
        """The same record with the bucket drained up to ``now``."""
        if self.as_of is None:
            return self
        elapsed = max((now - self.as_of).total_seconds(), 0.0)
        drained = elapsed * policy.free / policy.drain.total_seconds()
        return replace(self, level=max(0.0, self.level - drained), as_of=now)

    def wait(self, now: datetime) -> int:
        """Seconds until this key may try again; 0 when it may now."""
        if self.locked_until is None or self.locked_until <= now:
            return 0
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


def after_failure(state: Attempts, now: datetime, policy: Policy) -> tuple[Attempts, bool]:
    """The key's record after one more failure, and whether that failure began a lock
    (the moment worth one audit entry: the burst, not each try inside it)."""
    state = state.current(now, policy)
    level = state.level + 1
    locked_until = state.locked_until
    began = False
    if level > policy.free:
        doubling = min(max(math.ceil(level - policy.free) - 1, 0), 20)
        began = state.wait(now) == 0
        locked_until = now + min(policy.first * (2**doubling), policy.longest)
    return replace(state, level=level, as_of=now, locked_until=locked_until), began


def account_key(username: str) -> str:
    return "user:" + username.strip().lower()[:64]


def address_key(address: str) -> str:
    """One key per IPv4 address, and per /64 for IPv6 (one subscriber's whole network, so
    that rotating through its addresses does not reset the count)."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return "ip:" + address[:64]
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return "ip:" + str(parsed.ipv4_mapped)
        return "ip:" + str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return "ip:" + str(parsed)
