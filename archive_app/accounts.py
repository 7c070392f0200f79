"""Users, passwords and API tokens: the rules shared by the admin UI and the CLI."""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache

from werkzeug.security import check_password_hash, generate_password_hash

from archive_app import audit
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
        shown["password_hash"] = "changed"
    audit.record(services, actor, "user.update", f"user:{username}", ip, **shown)
    return user


def authenticate(services, username: str, password: str) -> User | None:
    user = services.metadata.users.by_name(username.strip())
    if user is None or not user.active:
        check_password_hash(_dummy_hash(), password)  # same cost whether or not the user exists
        return None
    return user if check_password_hash(user.password_hash, password) else None


def create_token(services, username: str, name: str, actor: str, ip: str = "") -> str:
    """Create an API token and return it; only its hash is stored, so show it once."""
    user = services.metadata.users.by_name(username)
    if user is None:
        raise AccountError(f"There is no user {username!r}.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    services.metadata.users.create_token(user.id, name or "token", hash_token(token))
    audit.record(services, actor, "token.create", f"user:{user.username}", ip, name=name)
    return token


def user_for_token(services, token: str) -> User | None:
    user = services.metadata.users.user_for_token(hash_token(token))
    return user if user and user.active else None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return generate_password_hash("not-a-real-password")
