"""The languages the archive speaks, and which one a request gets.

Indonesian is the source language (every message is written in Indonesian first) and the
default; English is the second. The choice is a person's stored preference, else what
their browser asks for, else Indonesian: the rule lives here so the pages and the API
agree, and it needs nothing but the standard library.
"""

from __future__ import annotations

from collections.abc import Callable

from vocabulary.messages import N_ as N_  # re-exported: the domain marks its labels with it

DEFAULT = "id"
LANGUAGES: tuple[str, ...] = ("id", "en")
# Each language named in itself: what the switcher offers, never translated.
ENDONYMS = {"id": "Bahasa Indonesia", "en": "English"}


def parse_language(value: str | None) -> str | None:
    """A supported language code, or None for anything else (stored or sent)."""
    code = (value or "").strip().lower()
    return code if code in LANGUAGES else None


def choose(
    preference: str | None, session_choice: str | None, best_match: Callable[[], str | None]
) -> str:
    """The stored preference wins, then a choice made before logging in, then the browser's
    ``Accept-Language`` (``best_match`` is only asked when needed), then Indonesian."""
    return (
        parse_language(preference)
        or parse_language(session_choice)
        or parse_language(best_match())
        or DEFAULT
    )
