"""What every web and API request passes through: login, roles and CSRF (``security``), error
pages and headers (``errors``), the language of each answer (``i18n``), how path numbers
and JSON bodies are read (``requests``), the health check, links and the auditing of reads."""


def init_app(app) -> None:
    from archive_app.http import errors, health, i18n, requests, security

    requests.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    requests.init_checks(app)
    errors.init_app(app)
    app.register_blueprint(health.bp)
