"""Users and their passwords: the rules shared by the admin UI and the CLI.

Refusals are said in the request's language (Indonesian, the default, on the CLI)."""

from __future__ import annotations

import re

from flask_babel import gettext
from werkzeug.security import generate_password_hash

from archive_app import audit
from archive_app.db.interfaces import LastAdminError
from archive_app.domain.entities import User
from archive_app.domain.roles import Role, parse_role

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10


class AccountError(ValueError):
    pass


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            gettext("Kata sandi harus paling sedikit %(n)s karakter.", n=MIN_PASSWORD)
        )


def create_user(
    services, username: str, password: str, role: str | Role, actor: str, ip: str = ""
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            gettext(
                "Nama pengguna 3-64 karakter: huruf kecil, angka, titik, tanda hubung, garis bawah."
            )
        )
    role = parse_role(role) if isinstance(role, str) else role
    check_new_password(password)
    users = services.metadata.users
    if users.by_name(username):
        raise AccountError(gettext("Pengguna %(name)r sudah ada.", name=username))
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
    except LastAdminError:
        # Nobody could then manage users, on the web or through the API, and only the
        # database could give the role back. The store decides, in its write: checked
        # here before it, two admins demoting each other at once both passed.
        raise AccountError(
            gettext(
                "%(name)s adalah satu-satunya administrator aktif: jadikan pengguna lain"
                " administrator lebih dulu.",
                name=username,
            )
        ) from None
    except LookupError:
        raise AccountError(gettext("Tidak ada pengguna %(name)r.", name=username)) from None
    shown = {k: (v.value if isinstance(v, Role) else v) for k, v in changes.items()}
    if "password_hash" in shown:
        # A new password is most often set because the old one may be known to someone
        # else, who may have made tokens with it: they all stop working (docs/security.md).
        shown["password_hash"] = "changed"
        shown["tokens_revoked"] = services.metadata.users.revoke_tokens(user.id)
    audit.record(services, actor, "user.update", f"user:{username}", ip, **shown)
    return user
