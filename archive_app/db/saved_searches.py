"""SqlSavedSearches: saved searches in the metadata database."""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import delete, or_, select

from archive_app.db.models import SavedSearchRow
from archive_app.db.session import Sessions, changed
from archive_app.domain.saved_searches import SavedSearch


class SqlSavedSearches:
    def __init__(self, sessions: Sessions):
        self._s = sessions

    def save(
        self, owner: str, name: str, params: dict[str, str], shared: bool, now: datetime
    ) -> SavedSearch:
        """Store under (owner, name); one of the same name is replaced."""
        with self._s.write() as s:
            row = s.scalars(
                select(SavedSearchRow)
                .where(SavedSearchRow.owner == owner, SavedSearchRow.name == name)
                .with_for_update()
            ).first()
            if row is None:
                row = SavedSearchRow(owner=owner, name=name)
                s.add(row)
            row.params, row.shared, row.created_at = json.dumps(params), shared, now
            s.flush()
            return _saved(row)

    def visible_to(self, username: str) -> list[SavedSearch]:
        """The user's own and those shared with everyone, by name."""
        with self._s.read() as s:
            rows = s.scalars(
                select(SavedSearchRow)
                .where(or_(SavedSearchRow.owner == username, SavedSearchRow.shared))
                .order_by(SavedSearchRow.name, SavedSearchRow.id)
            )
            return [_saved(r) for r in rows]

    def get(self, search_id: int) -> SavedSearch | None:
        with self._s.read() as s:
            row = s.get(SavedSearchRow, search_id)
            return _saved(row) if row else None

    def delete(self, search_id: int) -> bool:
        with self._s.write() as s:
            return (
                changed(s.execute(delete(SavedSearchRow).where(SavedSearchRow.id == search_id))) > 0
            )


def _saved(row: SavedSearchRow) -> SavedSearch:
    return SavedSearch(row.id, row.name, row.owner, bool(row.shared), json.loads(row.params),
                       row.created_at)  # fmt: skip
