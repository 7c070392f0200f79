"""API tokens: random, stored only as hashes, optionally expiring."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext

from archive_app import audit
from archive_app.accounts.users import AccountError
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import User

TOKEN_PREFIX = "arc_"
MAX_TOKEN_DAYS = 3650
MAX_TOKEN_NAME = 100  # the column's length (api_tokens.name)


def create_token(
    services, username: str, name: str, actor: str, ip: str = "", days: int | None = None
) -> str:
    """Create an API token and return it; only its hash is stored, so show it once.

    ``days``: the token stops working that many days from now (None: until revoked).
    """
    user = services.metadata.users.by_name(username)
    if user is None:
        raise AccountError(gettext("Tidak ada pengguna %(name)r.", name=username))
    if len(name) > MAX_TOKEN_NAME:  # SQLite would keep all of it, PostgreSQL would fail
        raise AccountError(gettext("Nama token paling banyak %(n)s karakter.", n=MAX_TOKEN_NAME))
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise AccountError(
            gettext("Masa berlaku token 1 sampai %(days)s hari.", days=MAX_TOKEN_DAYS)
        )
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
