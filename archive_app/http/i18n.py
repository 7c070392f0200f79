"""Languages: Flask-Babel on the app, the per-request choice, and catalogues built at start.

Indonesian is the source language: every message in the code and the templates is written
in Indonesian and passed through gettext; ``translations/en`` holds the English catalogue.
Only the ``.po`` text is kept in git; it is compiled to ``.mo`` with Babel's own API when
the app starts (if missing or older than the ``.po``), so a fresh clone needs no build step.
The choice of language is ``domain.languages.choose``: the user's stored preference, else
a choice made before logging in (kept in the session), else ``Accept-Language``.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import request, session
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user

from archive_app.db.interfaces import MetadataUnavailable
from archive_app.domain import languages

CATALOGUES = Path(__file__).resolve().parent.parent / "translations"
# Beyond gettext's own names (``_``, ``N_`` for a message translated where it is shown):
# Flask-Babel's lazy strings, for labels defined before any request. ``make translations``
# passes the same keywords.
KEYWORDS = {"lazy_gettext": None, "_l": None}


def compile_catalogues(source: Path = CATALOGUES) -> Path:
    """The folder whose ``<lang>/LC_MESSAGES/messages.mo`` are current: ``source`` itself
    when it is writable, else a private copy (an installed, read-only package)."""
    try:
        _compile_into(source, source)
        return source
    except OSError:
        target = Path(tempfile.mkdtemp(prefix="archive-translations-"))
        _compile_into(source, target)
        return target


def _compile_into(source: Path, target: Path) -> None:
    for po_path in sorted(source.glob("*/LC_MESSAGES/messages.po")):
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalogue = read_po(po)
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: workers starting together never read half a file.
        fd, partial = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.part")
        with os.fdopen(fd, "wb") as mo:
            write_mo(mo, catalogue, use_fuzzy=False)
        os.replace(partial, mo_path)


def select_language() -> str:
    """This request's language (see the module's docstring)."""
    try:
        preference = current_user.user.language if current_user.is_authenticated else None
    except MetadataUnavailable:
        # The error page saying the database is away is shown in the header's language:
        # the user it would have read the choice from cannot be loaded either.
        preference = None
    return languages.choose(
        preference,
        session.get("language"),
        lambda: request.accept_languages.best_match(languages.LANGUAGES),
    )


def current_language() -> str:
    return str(get_locale() or languages.DEFAULT)


def init_app(app) -> None:
    app.config["BABEL_DEFAULT_LOCALE"] = languages.DEFAULT
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(compile_catalogues())
    Babel(app, locale_selector=select_language)  # its state lives in app.extensions
    app.jinja_env.globals.update(
        current_language=current_language,
        LANGUAGES=languages.LANGUAGES,
        ENDONYMS=languages.ENDONYMS,
    )

    @app.after_request
    def content_language(response):
        response.headers.setdefault("Content-Language", current_language())
        response.vary.add("Accept-Language")
        return response


class Labels(Mapping[str, str]):
    """A table of codes to Indonesian labels (marked with ``N_``), read in the request's
    language: ``labels[code]``, ``.get``, ``.items()`` all translate."""

    def __init__(self, labels: dict[str, str]):
        self._labels = labels

    def __getitem__(self, key: str) -> str:
        return gettext(self._labels[key])

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)
