"""The archive's Flask application factory."""

from __future__ import annotations

import logging

from flask import Flask

from config.settings import Settings, load_settings


def create_app(settings: Settings | None = None, services=None) -> Flask:
    """Build the web app on the given settings (default: the ARCHIVE_* environment)."""
    from archive_app.services import build_services
    from archive_app.web import init_web

    settings = settings or load_settings()
    logging.basicConfig(level=settings.log_level)
    app = Flask(__name__, template_folder="web/templates", static_folder="web/static")
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=settings.max_upload_mb * 1024 * 1024 + 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookies_secure,
        REMEMBER_COOKIE_SECURE=settings.cookies_secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in web.security, skipping bearer-token calls
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.extensions["archive"] = services or build_services(settings)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    init_web(app)
    return app
