"""Whole numbers typed by people or sent by clients: ASCII digits only, within bounds.

``str.isdigit`` accepts superscripts and other Unicode digits ("²", "①") that ``int``
then refuses, and ``int`` itself accepts signs, spaces, underscores and Arabic-Indic
digits. A request parameter that reached ``int`` through ``isdigit`` answered 500, so
every number from outside goes through here.
"""

from __future__ import annotations

import re

_ASCII_DIGITS = re.compile(r"[0-9]{1,18}")  # 18 digits: always fits a 64-bit integer


class NumberError(ValueError):
    """A parameter is not a whole number within its bounds; ``field`` names it."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def whole_number(text: object) -> int | None:
    """The value of ``text`` when it is 1-18 ASCII digits, else None."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if text >= 0 else None
    if isinstance(text, str) and _ASCII_DIGITS.fullmatch(text):
        return int(text)
    return None


def bounded(text: object, field: str, low: int, high: int, default: int | None = None) -> int:
    """A whole number from ``low`` to ``high``; ``default`` when ``text`` is absent or blank.

    Raises NumberError (a ValueError) naming ``field`` for anything else.
    """
    if text is None or text == "":
        if default is None:
            raise NumberError(field, f"{field} is required")
        return default
    value = whole_number(text)
    if value is None or not low <= value <= high:
        raise NumberError(field, f"{field} must be a whole number from {low} to {high}")
    return value


def page_number(text: object, last: int = 1_000_000) -> int:
    """A list page asked for in a link: anything malformed or out of range is page 1 or the
    last page, because a mistyped page number in an address bar deserves a page, not 400."""
    value = whole_number(text)
    if value is None or value < 1:
        return 1
    return min(value, last)
