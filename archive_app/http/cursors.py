"""Where a list continues: the last row's sort key, carried by the "next" link (keyset pages).

A page after a cursor is read from the list's index starting at that key, so the millionth
page costs what the first does; ``page=N`` (an offset) stays for old links and clients, but
its cost grows with N. A cursor only says where to start reading (the filters are in the
link's other parameters), so one written by hand shows no more than the list itself: it
needs no signature, only strict parsing (anything malformed is a 400).
"""

from __future__ import annotations

import base64
import json
from datetime import date, datetime

from vocabulary.numbers import NumberError


class CursorError(NumberError):
    """The cursor is not one this list gives out."""

    def __init__(self) -> None:
        ValueError.__init__(self, "cursor is not one this list gave out")
        self.field = "cursor"


def encode(*values: datetime | date | str | int | None) -> str:
    plain = [v.isoformat() if isinstance(v, date | datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def decode(text: str | None, *kinds: str) -> tuple | None:
    """The values of ``kinds`` ("datetime", "date?", "str", "int"), or None without a cursor."""
    if not text:
        return None
    try:
        padded = text + "=" * (-len(text) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != len(kinds):
            raise CursorError()
        return tuple(_typed(v, kind) for v, kind in zip(values, kinds, strict=True))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise CursorError() from None


def lenient(text: str | None, *kinds: str) -> tuple | None:
    """For pages: a mangled cursor in an address bar gets the first page, not a 400."""
    try:
        return decode(text, *kinds)
    except CursorError:
        return None


def _typed(value, kind: str):
    if kind == "date?" and value is None:
        return None
    if kind in ("date", "date?") and isinstance(value, str):
        return date.fromisoformat(value)
    if kind == "datetime" and isinstance(value, str):
        return datetime.fromisoformat(value)
    if kind == "str" and isinstance(value, str) and len(value) <= 64:
        return value
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise CursorError()
