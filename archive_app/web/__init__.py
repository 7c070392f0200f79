"""The pages people use, one blueprint per feature, registered on the app by ``init_app``."""

from __future__ import annotations

from flask_babel import gettext

from archive_app.domain.languages import N_
from archive_app.domain.roles import Permission
from archive_app.http.i18n import Labels
from vocabulary.places import format_tps

STATUS_LABELS = Labels(
    {
        "queued": N_("Dalam antrean"),
        "processing": N_("Sedang diproses"),
        "review": N_("Perlu ditinjau"),
        "ready": N_("Siap"),
        "failed": N_("Gagal"),
    }
)


def tps_label(number: int) -> str:
    """The TPS as people read it ("TPS 005"), or words for one nobody filled in yet,
    never "TPS ?"."""
    return format_tps(number) if number else gettext("TPS belum diisi")


def init_app(app) -> None:
    from archive_app.web import (
        admin,
        audit,
        auth,
        batches,
        dispositions,
        fixity,
        holds,
        home,
        language,
        recap,
        retention,
        review,
        saved_searches,
        schedule,
        views,
    )
    from archive_app.web.charts import TONES
    from archive_app.web.labels import JINJA_GLOBALS
    from archive_app.web.script_strings import script_strings

    for module in (
        auth, home, views, admin, retention, schedule, holds, dispositions, audit, batches, review,
        fixity, recap, saved_searches, language,
    ):  # fmt: skip
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(
        Permission=Permission,
        STATUS_LABELS=STATUS_LABELS,
        tps_label=tps_label,
        TONES=TONES,
        script_strings=script_strings,
        **JINJA_GLOBALS,
    )
