"""Error pages and JSON errors, and the headers every answer carries.

A backend that is away is a 503 with a plain message, never a traceback: the record is
safe in the system of record, and trying again later works.
"""

from __future__ import annotations

from flask import jsonify, render_template, request

from archive_app.db.interfaces import MetadataUnavailable
from archive_app.http.security import wants_json
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
    IndexUnavailable: "The search index is unavailable right now; try again shortly.",
    StoreUnavailable: "The object store is unavailable right now; try again shortly.",
    MetadataUnavailable: "The metadata database is unavailable right now; try again shortly.",
}


def init_app(app) -> None:
    for code, message in MESSAGES.items():

        def handler(exc, code=code, message=message):
            if wants_json():
                return jsonify(error=getattr(exc, "description", message)), code
            return render_template("error.html", code=code, message=message), code

        app.register_error_handler(code, handler)

    for exc_type, message in UNAVAILABLE.items():

        def unavailable(exc, message=message):
            app.logger.warning("backend unavailable: %s", exc)
            if wants_json():
                return jsonify(error=message), 503
            return render_template("error.html", code=503, message=message), 503

        app.register_error_handler(exc_type, unavailable)

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
