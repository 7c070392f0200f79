"""Who may do what. Every route names the permission it needs; roles grant permissions."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    ARCHIVIST = "archivist"
    AUDITOR = "auditor"
    RECORDS_OFFICER = "records_officer"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class Permission(StrEnum):
    READ = "read"  # search, open records, download
    UPLOAD = "upload"  # add records, retry failed processing
    MANAGE_USERS = "manage_users"
    MAINTAIN = "maintain"  # reindex and other operator work


ROLE_LABELS = {
    Role.ADMIN: "Administrator",
    Role.ARCHIVIST: "Arsiparis / Operator",
    Role.AUDITOR: "Auditor / Pemeriksa",
    Role.RECORDS_OFFICER: "Pengelola Arsip",
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ARCHIVIST: frozenset({Permission.READ, Permission.UPLOAD}),
    Role.AUDITOR: frozenset({Permission.READ}),
    Role.RECORDS_OFFICER: frozenset({Permission.READ}),
}


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"Unknown role {value!r}; choose one of {names}.") from None


def can(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
