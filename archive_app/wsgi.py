"""Serving the app: the WSGI entry for servers given an app factory
(``gunicorn 'archive_app.wsgi:create'``), and gunicorn run from `archive serve`."""

from __future__ import annotations

import gc

from gunicorn.app.base import BaseApplication


def create():
    from archive_app import create_app

    return create_app()


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        """The app, with everything built so far moved out of the garbage collector's sight
        (``gc.freeze``): a full collection otherwise walks the app's ~150,000 long-lived
        objects (modules, templates, models) in the middle of some request, 15-40 ms here."""
        from archive_app import create_app

        app = create_app()
        gc.collect()
        gc.freeze()
        return app


def run_gunicorn(host: str, port: int, workers: int) -> None:
    _Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "timeout": 600,  # large uploads over slow links
            "accesslog": "-",
        }
    ).run()
