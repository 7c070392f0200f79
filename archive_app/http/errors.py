"""Error pages and JSON errors, and the headers every answer carries.

A backend that is away is a 503 with a plain message, never a traceback: the record is
safe in the system of record, and trying again later works. Storage that is full (the
data folder's disk, SQLite's or PostgreSQL's, MinIO's) is a 507 that says so: every write
is all-or-nothing, so nothing of the refused request was kept.
"""

from __future__ import annotations

import errno
import sqlite3

from flask import render_template, request
from flask_babel import gettext

from archive_app.db.interfaces import MetadataUnavailable
from archive_app.domain.languages import N_
from archive_app.http.problems import problem
from archive_app.http.security import wants_json
from archive_app.intake.uploads import BeingReceived
from archive_app.storage.interfaces import StoreUnavailable
from search.interfaces import IndexUnavailable

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)

# Status -> the API's stable code and the message people read (translated when shown).
MESSAGES = {
    400: ("bad_request", N_("Permintaan tidak valid.")),
    403: ("forbidden", N_("Peran Anda tidak mengizinkan tindakan ini.")),
    404: ("not_found", N_("Halaman atau dokumen tidak ditemukan.")),
    405: ("method_not_allowed", N_("Metode tidak diizinkan.")),
    413: ("too_large", N_("Berkas terlalu besar.")),
}

UNAVAILABLE = {
    BeingReceived: (
        "upload.being_received",
        N_(
            "Berkas yang sama sedang diterima oleh unggahan lain, atau sebuah percobaan terputus; "
            "berkas itu belum diarsipkan. Coba lagi nanti."
        ),
    ),
    IndexUnavailable: (
        "unavailable.index",
        N_("Indeks pencarian sedang tidak tersedia; coba lagi sebentar lagi."),
    ),
    StoreUnavailable: (
        "unavailable.object_store",
        N_("Penyimpanan objek sedang tidak tersedia; coba lagi sebentar lagi."),
    ),
    MetadataUnavailable: (
        "unavailable.metadata",
        N_("Basis data metadata sedang tidak tersedia; coba lagi sebentar lagi."),
    ),
}

FULL = (
    "storage_full",
    N_(
        "Penyimpanan arsip penuh, jadi tidak ada yang disimpan; coba lagi setelah ruang "
        "dikosongkan."
    ),
)
FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
SQLITE_FULL = 13
POSTGRES_DISK_FULL = "53100"


def storage_full(exc: BaseException | None) -> bool:
    """Is a full disk behind this error, anywhere along its causes?"""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno in FULL_ERRNOS:
            return True
        if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", 0) == SQLITE_FULL:
            return True
        if getattr(exc, "sqlstate", None) == POSTGRES_DISK_FULL:
            return True
        if getattr(exc, "code", None) == "XMinioStorageFull":
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
        seen += 1
    return False


def _answer(status: int, code: str, message: str, description: str | None = None):
    """The page or the API's ``{"error", "message"}``; ``description`` is a view's own
    words for an abort (the API passes them on instead of the generic message)."""
    if wants_json():
        return problem(status, code, description or gettext(message))
    return render_template("error.html", code=status, message=gettext(message)), status


def _own_words(exc) -> str | None:
    """An abort's description when the view gave one (not werkzeug's default)."""
    description = getattr(exc, "description", None)
    return description if description and description != type(exc).description else None


def init_app(app) -> None:
    for status, (code, message) in MESSAGES.items():

        def handler(exc, status=status, code=code, message=message):
            return _answer(status, code, message, _own_words(exc))

        app.register_error_handler(status, handler)

    for exc_type, (code, message) in UNAVAILABLE.items():

        def unavailable(exc, code=code, message=message):
            if storage_full(exc):
                app.logger.error("storage full: %s", exc)
                return _answer(507, *FULL)
            app.logger.warning("backend unavailable: %s", exc)
            return _answer(503, code, message)

        app.register_error_handler(exc_type, unavailable)

    def os_error(exc):
        if not storage_full(exc):
            raise exc  # any other: the 500 it always was, with its traceback in the log
        app.logger.error("storage full: %s", exc)
        return _answer(507, *FULL)

    app.register_error_handler(OSError, os_error)

    app.after_request(security_headers)


def security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if request.endpoint != "static":
        # Scans, pages and answers behind a login must not rest in a shared cache or in the
        # browser's, where the next person at the same desk would find them.
        response.headers["Cache-Control"] = "private, no-store"
        response.headers.pop("Expires", None)
    return response
