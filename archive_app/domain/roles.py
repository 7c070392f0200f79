"""Who may do what. Every route names the permission it needs; roles grant permissions."""

from __future__ import annotations

from enum import StrEnum

from archive_app.domain.languages import N_


class Role(StrEnum):
    ADMIN = "admin"
    ARCHIVIST = "archivist"
    AUDITOR = "auditor"
    RECORDS_OFFICER = "records_officer"
    APPROVER = "approver"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


class Permission(StrEnum):
    READ = "read"  # search, open records, download
    UPLOAD = "upload"  # add records, retry failed processing
    REVIEW = "review"  # confirm or correct metadata of records waiting for review
    MANAGE_USERS = "manage_users"
    MAINTAIN = "maintain"  # reindex and other operator work
    READ_AUDIT = "read_audit"  # the audit trail and fixity results
    MANAGE_RETENTION = "manage_retention"  # schedules, holds, proposing and executing lists
    APPROVE_DISPOSITION = "approve_disposition"  # never a list one proposed (four eyes)


ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.ARCHIVIST: N_("Arsiparis / Operator"),
    Role.AUDITOR: N_("Auditor / Pemeriksa"),
    Role.RECORDS_OFFICER: N_("Pengelola Arsip"),
    Role.APPROVER: N_("Pejabat Berwenang"),
}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.ARCHIVIST: frozenset({Permission.READ, Permission.UPLOAD, Permission.REVIEW}),
    Role.AUDITOR: frozenset({Permission.READ, Permission.READ_AUDIT}),
    Role.RECORDS_OFFICER: frozenset(
        {
            Permission.READ,
            Permission.READ_AUDIT,
            Permission.REVIEW,  # to move a record to another series, which archivists may not
            Permission.MANAGE_RETENTION,
            Permission.APPROVE_DISPOSITION,
        }
    ),  # fmt: skip
    Role.APPROVER: frozenset(
        {Permission.READ, Permission.READ_AUDIT, Permission.APPROVE_DISPOSITION}
    ),
}


# What a new account gets unless someone chooses more: it can read, and change nothing.
LEAST_PRIVILEGED = Role.AUDITOR


def parse_role(value: str) -> Role:
    try:
        return Role(value.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise ValueError(f"Unknown role {value!r}; choose one of {names}.") from None


def can(role: Role | str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS[Role(role)]
