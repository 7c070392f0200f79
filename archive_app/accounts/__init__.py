"""Accounts: users and passwords (``users``), logging in (``login``), API tokens (``tokens``).

The names below are what the web, the API and the CLI call."""

from archive_app.accounts.login import Throttled, authenticate, log_in, log_out, unlock
from archive_app.accounts.tokens import (
    MAX_TOKEN_DAYS,
    MAX_TOKEN_NAME,
    create_token,
    hash_token,
    user_for_token,
)
from archive_app.accounts.users import (
    MIN_PASSWORD,
    AccountError,
    check_new_password,
    create_user,
    update_user,
)

__all__ = [
    "MAX_TOKEN_DAYS", "MAX_TOKEN_NAME", "MIN_PASSWORD", "AccountError", "Throttled", "authenticate",
    "check_new_password", "create_token", "create_user", "hash_token", "log_in", "log_out",
    "unlock", "update_user", "user_for_token",
]  # fmt: skip
