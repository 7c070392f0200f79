"""Users and their API tokens."""

from __future__ import annotations

import builtins
import functools
from datetime import datetime, timedelta

from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from archive_app.db.interfaces import LastAdminError
from archive_app.db.models import ApiTokenRow, UserRow
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.domain.entities import ApiToken, StoredToken, User
from archive_app.domain.roles import Role


def _user(row) -> User:
    """From a ``UserRow`` or a result row with the same columns."""
    return User(
        id=row.id,
        username=row.username,
        role=Role(row.role),
        active=row.active,
        password_hash=row.password_hash,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        session_epoch=row.session_epoch or 0,
        language=row.language,
    )


@functools.cache
def _live_token() -> Select:
    """A token's user and the token's id and last use, if the token is neither revoked
    nor expired; built on first use (nothing at import time), then reused."""
    users, tokens = UserRow.__table__.c, ApiTokenRow.__table__.c
    return (
        select(*users, tokens.id.label("token_id"), tokens.last_used_at)
        .select_from(UserRow.__table__.join(ApiTokenRow.__table__, tokens.user_id == users.id))
        .where(
            tokens.token_hash == bindparam("hash"),
            tokens.revoked_at.is_(None),
            or_(tokens.expires_at.is_(None), tokens.expires_at > bindparam("now")),
        )
    )


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        user_id=row.user_id,
        name=row.name,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked=row.revoked_at is not None,
        expires_at=row.expires_at,
    )


def _keep_an_admin(s: Session, username: str) -> UserRow | None:
    """The user's row, locked, unless they are the last active administrator
    (``LastAdminError``).

    Checked before the write, two admins demoting each other at once could both see the
    other still active and leave none. On PostgreSQL the active admins' rows and the user's
    are locked in id order (two such writes queue instead of deadlocking) and read again as
    committed once the lock is granted: an admin demoted meanwhile no longer counts, and a
    role given to the user meanwhile is seen. SQLite has no ``FOR UPDATE`` and needs none:
    its writes begin with BEGIN IMMEDIATE (db/engine.py), one at a time."""
    admin = and_(UserRow.role == Role.ADMIN.value, UserRow.active)
    rows = s.scalars(
        select(UserRow)
        .where(or_(admin, UserRow.username == username))
        .order_by(UserRow.id)
        .with_for_update()
    ).all()
    row = next((r for r in rows if r.username == username), None)
    if row is not None and row.active and row.role == Role.ADMIN.value and len(rows) == 1:
        raise LastAdminError(username)
    return row


class SqlUserRepository:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def create(self, username: str, password_hash: str, role: Role) -> User:
        with self._s.write() as s:
            row = UserRow(
                username=username.lower(),
                password_hash=password_hash,
                role=Role(role).value,
                active=True,
                created_at=utcnow(),
            )
            s.add(row)
            s.flush()
            return _user(row)

    def get(self, user_id: int) -> User | None:
        with self._s.read() as s:
            row = s.get(UserRow, user_id)
            return _user(row) if row else None

    def by_name(self, username: str) -> User | None:
        with self._s.read() as s:
            row = s.scalar(select(UserRow).where(UserRow.username == username.lower()))
            return _user(row) if row else None

    def list(self) -> builtins.list[User]:
        with self._s.read() as s:
            return [_user(r) for r in s.scalars(select(UserRow).order_by(UserRow.username))]

    def count(self) -> int:
        with self._s.read() as s:
            return s.scalar(select(func.count()).select_from(UserRow)) or 0

    def update(self, username: str, **changes) -> User:
        allowed = {"role", "active", "password_hash"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
        if "role" in changes:
            changes["role"] = Role(changes["role"]).value
        name = username.lower()
        demotes = (
            changes.get("active") is False
            or changes.get("role", Role.ADMIN.value) != Role.ADMIN.value
        )
        with self._s.write() as s:
            if demotes:
                row = _keep_an_admin(s, name)
            else:
                row = s.scalar(select(UserRow).where(UserRow.username == name))
            if row is None:
                raise LookupError(f"no user {username!r}")
            for key, value in changes.items():
                setattr(row, key, value)
            if changes:  # every change of who may do what ends the sessions already open
                row.session_epoch = (row.session_epoch or 0) + 1
            s.flush()
            return _user(row)

    def set_language(self, user_id: int, language: str | None) -> None:
        """Unlike ``update``, no session ends: a language says nothing of who may do what."""
        with self._s.write() as s:
            row = s.get(UserRow, user_id)
            if row:
                row.language = language

    def end_sessions(self, user_id: int) -> None:
        with self._s.write() as s:
            row = s.get(UserRow, user_id)
            if row:
                row.session_epoch = (row.session_epoch or 0) + 1

    def record_login(self, user_id: int) -> None:
        with self._s.write() as s:
            row = s.get(UserRow, user_id)
            if row:
                row.last_login_at = utcnow()

    def import_user(self, user: User, tokens: builtins.list[StoredToken]) -> bool:
        with self._s.write() as s:
            if s.scalar(select(UserRow).where(UserRow.username == user.username)) is not None:
                return False
            row = UserRow(
                username=user.username, password_hash=user.password_hash, role=user.role.value,
                active=user.active, created_at=user.created_at or utcnow(),
                last_login_at=user.last_login_at, language=user.language,
            )  # fmt: skip
            s.add(row)
            s.flush()
            s.add_all(
                ApiTokenRow(
                    user_id=row.id,
                    name=t.name,
                    token_hash=t.token_hash,
                    created_at=t.created_at,
                    expires_at=t.expires_at,
                    last_used_at=t.last_used_at,
                )  # fmt: skip
                for t in tokens
            )
            return True

    def live_tokens(self, user_id: int) -> builtins.list[StoredToken]:
        """The user's tokens that still work (not revoked, not expired), as stored."""
        now = utcnow()
        with self._s.read() as s:
            rows = s.scalars(
                select(ApiTokenRow).where(
                    ApiTokenRow.user_id == user_id,
                    ApiTokenRow.revoked_at.is_(None),
                    or_(ApiTokenRow.expires_at.is_(None), ApiTokenRow.expires_at > now),
                )
            )
            return [
                StoredToken(r.name, r.token_hash, r.created_at, r.expires_at, r.last_used_at)
                for r in rows
            ]

    def create_token(
        self, user_id: int, name: str, token_hash: str, expires_at: datetime | None = None
    ) -> ApiToken:
        with self._s.write() as s:
            row = ApiTokenRow(
                user_id=user_id, name=name, token_hash=token_hash, created_at=utcnow(),
                expires_at=expires_at,
            )  # fmt: skip
            s.add(row)
            s.flush()
            return _token(row)

    def user_for_token(self, token_hash: str) -> User | None:
        """The live token's user; its ``last_used_at`` is kept to the minute (one write a
        minute per token, not one per request).

        Asked on every API call, so it reads plain columns through one statement built
        once: building the ORM join and loading a ``UserRow`` took ~5 ms of a search's
        ~30 ms in one web worker on the loaded 2-core VM (cProfile, 300 searches)."""
        now = utcnow()
        with self._s.read() as s:
            row = s.connection().execute(_live_token(), {"hash": token_hash, "now": now}).first()
        if row is None:
            return None
        if row.last_used_at is None or now - row.last_used_at >= timedelta(minutes=1):
            with self._s.write() as s:
                token = s.get(ApiTokenRow, row.token_id)
                if token is not None:
                    token.last_used_at = now
        return _user(row)

    def revoke_tokens(self, user_id: int) -> int:
        """Revoke every live token of the user; how many were live."""
        with self._s.write() as s:
            rows = list(
                s.scalars(
                    select(ApiTokenRow).where(
                        ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None)
                    )
                )
            )
            for row in rows:
                row.revoked_at = utcnow()
            return len(rows)

    def tokens(self, user_id: int) -> builtins.list[ApiToken]:
        with self._s.read() as s:
            rows = s.scalars(select(ApiTokenRow).where(ApiTokenRow.user_id == user_id))
            return [_token(r) for r in rows]

    def revoke_token(self, user_id: int, token_id: int) -> bool:
        with self._s.write() as s:
            row = s.get(ApiTokenRow, token_id)
            if row is None or row.user_id != user_id or row.revoked_at is not None:
                return False
            row.revoked_at = utcnow()
            return True
