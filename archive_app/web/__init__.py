"""The web layer: blueprints, security and error pages, wired into the app by init_web."""

from __future__ import annotations

from flask import jsonify, render_template, request
from sqlalchemy.exc import OperationalError

from archive_app.domain.metadata import format_tps
from archive_app.domain.roles import Permission
from archive_app.storage.interfaces import StoreUnavailable
from archive_app.web.security import init_security, wants_json
from search.interfaces import IndexUnavailable

STATUS_LABELS = {
    "queued": "Dalam antrean",
    "processing": "Sedang diproses",
    "ready": "Siap",
    "failed": "Gagal",
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
)

UNAVAILABLE = {
    IndexUnavailable: "The search index is unavailable right now; try again shortly.",
    StoreUnavailable: "The object store is unavailable right now; try again shortly.",
    OperationalError: "The metadata database is unavailable right now; try again shortly.",
}


def init_web(app) -> None:
    from archive_app import health
    from archive_app.api import batches as _api_batches  # noqa: F401  (routes on api bp)
    from archive_app.api import dispositions as _api_dispositions  # noqa: F401  (routes on api bp)
    from archive_app.api import documents as api_documents
    from archive_app.api import records as _api_records  # noqa: F401  (routes on api bp)
    from archive_app.api import search as _api_search  # noqa: F401  (routes on api bp)
    from archive_app.web import (
        admin,
        audit,
        auth,
        batches,
        dispositions,
        holds,
        retention,
        review,
        schedule,
        views,
    )
    from archive_app.web.labels import JINJA_GLOBALS

    init_security(app)
    for module in (
        auth, views, admin, retention, schedule, holds, dispositions, audit, batches, review,
    ):  # fmt: skip
        app.register_blueprint(module.bp)
    app.register_blueprint(api_documents.bp)
    app.register_blueprint(health.bp)
    app.jinja_env.globals.update(
        Permission=Permission, STATUS_LABELS=STATUS_LABELS, format_tps=format_tps, **JINJA_GLOBALS
    )
    _error_pages(app)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CSP)
        if request.endpoint != "static":
            # Scans, pages and answers behind a login must not rest in a shared cache or in
            # the browser's, where the next person at the same desk would find them.
            response.headers["Cache-Control"] = "private, no-store"
            response.headers.pop("Expires", None)
        return response


def _error_pages(app) -> None:
    messages = {
        400: "Permintaan tidak valid.",
        403: "Peran Anda tidak mengizinkan tindakan ini.",
        404: "Halaman atau dokumen tidak ditemukan.",
        405: "Metode tidak diizinkan.",
        413: "Berkas terlalu besar.",
    }
    for code, message in messages.items():

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
