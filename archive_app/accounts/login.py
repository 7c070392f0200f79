"""Logging in and out: passwords checked at an even cost, guessing throttled."""

from __future__ import annotations

from functools import lru_cache

from flask_babel import gettext
from werkzeug.security import check_password_hash, generate_password_hash

from archive_app import audit
from archive_app.accounts.users import AccountError
from archive_app.domain import throttle
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import User


class Throttled(Exception):
    """Too many wrong passwords lately for this name or address: try again later."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed log-ins; try again in {retry_after} s")
        self.retry_after = retry_after


def log_in(services, username: str, password: str, ip: str) -> User | None:
    """The user when the password is right; None when it is wrong; Throttled while the name
    or the client address must wait (the password is not even checked then).

    A failure is audited under the fixed actor "anonymous", with the name typed kept short
    in the details: a typed name is not an identity, and 200 KB names once filled the trail.
    """
    name = username.strip().lower()[:64]
    keys = {
        throttle.account_key(name): throttle.ACCOUNT,
        throttle.address_key(ip): throttle.ADDRESS,
    }
    attempts, now = services.metadata.login_attempts, utcnow()
    wait = attempts.wait(keys, now)
    if wait:
        raise Throttled(wait)
    user = authenticate(services, name, password)
    if user is not None:
        attempts.clear(throttle.account_key(name))
        return user
    locked = attempts.fail(keys, now)
    audit.record(services, "anonymous", "login.failed", "", ip, username=name)
    for key in locked:  # once per burst, when the lock begins
        audit.record(services, "anonymous", "login.throttled", "", ip, key=key)
    return None


def unlock(services, username: str, address: str, actor: str) -> None:
    """Forget the failures of a login name and/or a client address (an administrator's
    answer to a lock-out, say of an office behind one address). A name that is no user is
    refused: a typo would otherwise be told it was unlocked, and the user stays locked."""
    if username and services.metadata.users.by_name(username.strip().lower()) is None:
        raise AccountError(gettext("Tidak ada pengguna %(name)r.", name=username))
    attempts = services.metadata.login_attempts
    keys = [throttle.account_key(username)] if username else []
    keys += [throttle.address_key(address)] if address else []
    for key in keys:
        attempts.clear(key)
    audit.record(services, actor, "login.unlock", f"user:{username}" if username else "",
                 keys=keys)  # fmt: skip


def log_out(services, user: User, ip: str = "") -> None:
    """End every session of the user, on every device (the session epoch moves on)."""
    services.metadata.users.end_sessions(user.id)
    audit.record(services, user.username, "logout", f"user:{user.username}", ip)


def authenticate(services, username: str, password: str) -> User | None:
    user = services.metadata.users.by_name(username.strip())
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)  # same cost whether or not the user exists
        return None
    return user if check_password_hash(user.password_hash, password) else None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
