"""Saved searches as the page and the API use them: checked, stored, audited."""

from __future__ import annotations

from flask_babel import gettext

from archive_app import audit
from archive_app.domain.clock import utcnow
from archive_app.domain.roles import Role
from archive_app.domain.saved_searches import (
    SavedSearch,
    SavedSearchError,
    clean_name,
    kept_params,
    may_delete,
    may_run,
)
from search.query import parse_search

MAX_ID = 2**31 - 1  # larger ids are not ours (and overflow the databases' integers)


class NotVisible(LookupError):
    """No saved search of that id that this user may see."""


def save(services, user, name: str, params: dict, shared: bool, ip: str = "") -> SavedSearch:
    """Keep the search parameters under ``name`` for ``user`` (QueryError for parameters the
    search would refuse, SavedSearchError for a bad name)."""
    name = clean_name(name)
    kept = kept_params(params)
    parse_search(kept)
    saved = services.metadata.saved_searches.save(user.username, name, kept, shared, utcnow())
    audit.record(
        services, user.username, "saved_search.save", f"saved_search:{saved.id}", ip,
        name=name, shared=shared, query=kept,
    )  # fmt: skip
    return saved


def visible(services, user, search_id: int) -> SavedSearch:
    saved = services.metadata.saved_searches.get(search_id) if 0 < search_id <= MAX_ID else None
    if saved is None or not may_run(saved, user.username):
        raise NotVisible(search_id)
    return saved


def delete(services, user, search_id: int, ip: str = "") -> SavedSearch:
    saved = visible(services, user, search_id)
    if not deletable(saved, user):
        raise SavedSearchError(gettext("Hanya pemiliknya yang dapat menghapus pencarian ini."))
    services.metadata.saved_searches.delete(saved.id)
    audit.record(
        services, user.username, "saved_search.delete", f"saved_search:{saved.id}", ip,
        name=saved.name, owner=saved.owner, shared=saved.shared,
    )  # fmt: skip
    return saved


def deletable(saved: SavedSearch, user) -> bool:
    return may_delete(saved, user.username, is_admin=user.role == Role.ADMIN)
