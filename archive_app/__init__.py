"""The archive's Flask application factory.

Nothing is imported here at module level: a worker process that imports
``archive_app.domain`` or a service must not pull in Flask with it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask

    from archive_app.services import Services
    from config.settings import Settings


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """Build the web app on the given settings (default: the ARCHIVE_* environment)."""
    from flask import Flask

    from archive_app import api, http, web
    from archive_app.services import build_services
    from config.settings import load_settings

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
        WTF_CSRF_CHECK_DEFAULT=False,  # checked in http.security, skipping bearer-token calls
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    app.extensions["archive"] = services or build_services(settings)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = settings.proxy_hops
        wrapped = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        app.wsgi_app = wrapped  # type: ignore[method-assign]  # Flask's documented way
    http.init_app(app)
    web.init_app(app)
    api.init_app(app)
    return app
