"""Users, passwords and API tokens: the rules shared by the admin UI and the CLI."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from archive_app import audit
from archive_app.domain import throttle
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import User
from archive_app.domain.roles import Role, parse_role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10
TOKEN_PREFIX = "arc_"


class AccountError(ValueError):
    pass


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"The password must have at least {MIN_PASSWORD} characters.")


def create_user(
    services, username: str, password: str, role: str | Role, actor: str, ip: str = ""
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            "User names are 3-64 characters: lowercase letters, digits, dot, dash, underscore."
        )
    role = parse_role(role) if isinstance(role, str) else role
    check_new_password(password)
    users = services.metadata.users
    if users.by_name(username):
        raise AccountError(f"The user {username!r} already exists.")
    user = users.create(username, generate_password_hash(password), role)
    audit.record(services, actor, "user.create", f"user:{username}", ip, role=role.value)
    return user


def update_user(
    services,
    username: str,
    actor: str,
    ip: str = "",
    *,
    role: str | None = None,
    active: bool | None = None,
    password: str | None = None,
) -> User:
    changes: dict = {}
    if role is not None:
        changes["role"] = parse_role(role)
    if active is not None:
        changes["active"] = active
    if password:
        check_new_password(password)
        changes["password_hash"] = generate_password_hash(password)
    try:
        user = services.metadata.users.update(username, **changes)
    except LookupError:
        raise AccountError(f"There is no user {username!r}.") from None
    shown = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items()}
    if "password_hash" in shown:
        # A new password is most often set because the old one may be known to someone
        # else, who may have made tokens with it: they all stop working (docs/security.md).
        shown["password_hash"] = "changed"
        shown["tokens_revoked"] = services.metadata.users.revoke_tokens(user.id)
    audit.record(services, actor, "user.update", f"user:{username}", ip, **shown)
    return user


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


MAX_TOKEN_DAYS = 3650


def create_token(
    services, username: str, name: str, actor: str, ip: str = "", days: int | None = None
) -> str:
    """Create an API token and return it; only its hash is stored, so show it once.

    ``days``: the token stops working that many days from now (None: until revoked).
    """
    user = services.metadata.users.by_name(username)
    if user is None:
        raise AccountError(f"There is no user {username!r}.")
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(f"A token lasts 1 to {MAX_TOKEN_DAYS} days.")
    expires = utcnow() + timedelta(days=days) if days else None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    services.metadata.users.create_token(user.id, name or "token", hash_token(token), expires)
    audit.record(services, actor, "token.create", f"user:{user.username}", ip, name=name,
                 expires_at=expires.isoformat() + "Z" if expires else None)  # fmt: skip
    return token


def user_for_token(services, token: str) -> User | None:
    user = services.metadata.users.user_for_token(hash_token(token))
    return user if user and user.active else None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
