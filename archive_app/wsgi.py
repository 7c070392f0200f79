"""WSGI entry for servers given an app factory: ``gunicorn 'archive_app.wsgi:create'``."""

from archive_app import create_app


def create():
    return create_app()
