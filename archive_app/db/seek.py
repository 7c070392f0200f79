"""A page number's jump turned into a keyset position (issue 18: keyset pages everywhere).

OFFSET over whole rows reads every row it skips; a list's ``?page=N`` read that way grows
with N (1.6 s at page 2,000 of a 1M-page archive's document list). Skipping over the
list's key columns alone lets the database walk an index that holds them without reading
a table row, and the page is then read after the key it landed on, in index order.
"""

from __future__ import annotations

from sqlalchemy import Select
from sqlalchemy.orm import Session


def seek(s: Session, keys: Select, offset: int) -> tuple | None:
    """The key of the row a page skipping ``offset`` rows starts after, None past the end.

    ``keys`` selects a list's key columns (unique together) with the list's filter and
    ORDER BY; the rows after the returned key, in that order, are the rows OFFSET would
    have given."""
    found = s.execute(keys.offset(offset - 1).limit(1)).first()
    return tuple(found) if found else None
