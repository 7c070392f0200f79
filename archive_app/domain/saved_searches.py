"""Saved searches: a named search (words, filters, order) a user keeps, maybe for everyone.

The rules live here so the page, the API and any later caller agree: what a name may be,
which parameters are kept, and who may delete one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

NAME_MAX = 80
# What a saved search keeps of a search's parameters: never a page or a cursor (a saved
# search always runs from its first page, in its order).
KEPT = (
    "q", "election", "form_type", "year", "province", "regency", "district", "village", "tps",
    "retention", "flag", "sort",
)  # fmt: skip


class SavedSearchError(ValueError):
    """A saved search cannot be stored or removed as asked; the message says why."""


@dataclass(frozen=True)
class SavedSearch:
    id: int
    name: str
    owner: str  # username
    shared: bool  # listed for every user, not only the owner
    params: dict[str, str]  # search parameters, as in the search page's address
    created_at: datetime


def clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise SavedSearchError("Beri nama pencarian ini (Give this search a name).")
    if len(name) > NAME_MAX:
        raise SavedSearchError(
            f"Nama paling panjang {NAME_MAX} karakter (a name has at most {NAME_MAX} characters)."
        )
    return name


def kept_params(params: dict[str, str]) -> dict[str, str]:
    kept = {k: str(params[k]).strip() for k in KEPT if str(params.get(k) or "").strip()}
    if kept.get("sort") == "relevance":
        del kept["sort"]  # the default order
    return kept


def may_delete(saved: SavedSearch, username: str, is_admin: bool) -> bool:
    """The owner may; an administrator may also remove one shared with everyone."""
    return saved.owner == username or (is_admin and saved.shared)


def may_run(saved: SavedSearch, username: str) -> bool:
    return saved.owner == username or saved.shared
