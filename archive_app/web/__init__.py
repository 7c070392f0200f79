"""The pages people use, one blueprint per feature, registered on the app by ``init_app``."""

from __future__ import annotations

from archive_app.domain.roles import Permission
from vocabulary.places import format_tps

STATUS_LABELS = {
    "queued": "Dalam antrean",
    "processing": "Sedang diproses",
    "ready": "Siap",
    "failed": "Gagal",
}


def init_app(app) -> None:
    from archive_app.web import (
        admin,
        audit,
        auth,
        batches,
        dispositions,
        holds,
        recap,
        retention,
        review,
        schedule,
        views,
    )
    from archive_app.web.labels import JINJA_GLOBALS

    for module in (
        auth, views, admin, retention, schedule, holds, dispositions, audit, batches, review,
        recap,
    ):  # fmt: skip
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(
        Permission=Permission, STATUS_LABELS=STATUS_LABELS, format_tps=format_tps, **JINJA_GLOBALS
    )
