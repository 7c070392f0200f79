"""Error pages and JSON errors, and the headers every answer carries.

A backend that is away is a 503 with a plain message, never a traceback: the record is
safe in the system of record, and trying again later works. Storage that is full (the
data folder's disk, SQLite's or PostgreSQL's, MinIO's) is a 507 that says so: every write
is all-or-nothing, so nothing of the refused request was kept.
"""

from __future__ import annotations

import errno
import sqlite3

from flask import jsonify, render_template, request

from archive_app.db.interfaces import MetadataUnavailable
from archive_app.http.security import wants_json
from archive_app.intake.uploads import BeingReceived
from archive_app.storage.interfaces import StoreUnavailable
from search.interfaces import IndexUnavailable

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)

MESSAGES = {
    400: "Permintaan tidak valid.",
    403: "Peran Anda tidak mengizinkan tindakan ini.",
    404: "Halaman atau dokumen tidak ditemukan.",
    405: "Metode tidak diizinkan.",
    413: "Berkas terlalu besar.",
}

UNAVAILABLE = {
    BeingReceived: "The same file is being received by another upload, or an attempt was cut "
    "short; it is not archived yet. Try again later.",
    IndexUnavailable: "The search index is unavailable right now; try again shortly.",
    StoreUnavailable: "The object store is unavailable right now; try again shortly.",
    MetadataUnavailable: "The metadata database is unavailable right now; try again shortly.",
}


FULL = (
    "Penyimpanan arsip penuh, jadi tidak ada yang disimpan; coba lagi setelah ruang "
    "dikosongkan. (The archive's storage is full, so nothing was kept; try again once space "
    "is freed.)"
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


def _answer(code: int, message: str):
    if wants_json():
        return jsonify(error=message), code
    return render_template("error.html", code=code, message=message), code


def init_app(app) -> None:
    for code, message in MESSAGES.items():

        def handler(exc, code=code, message=message):
            if wants_json():
                return jsonify(error=getattr(exc, "description", message)), code
            return render_template("error.html", code=code, message=message), code

        app.register_error_handler(code, handler)

    for exc_type, message in UNAVAILABLE.items():

        def unavailable(exc, message=message):
            if storage_full(exc):
                app.logger.error("storage full: %s", exc)
                return _answer(507, FULL)
            app.logger.warning("backend unavailable: %s", exc)
            return _answer(503, message)

        app.register_error_handler(exc_type, unavailable)

    def os_error(exc):
        if not storage_full(exc):
            raise exc  # any other: the 500 it always was, with its traceback in the log
        app.logger.error("storage full: %s", exc)
        return _answer(507, FULL)

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
