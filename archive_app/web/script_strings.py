"""The words our own scripts show, translated on the server and handed to them as JSON.

The scripts (static/archive*.js) are not translated separately: base.html puts this table
in a ``<script type="application/json" id="strings">`` block (data, never run, so the CSP
stays ``script-src 'self'``), and each script reads its words from there. ``%(name)s``
placeholders are filled in by the script.
"""

from __future__ import annotations

from flask_babel import gettext as _

from archive_app.http.i18n import current_language


def script_strings() -> dict:
    from archive_app.web import STATUS_LABELS
    from archive_app.web.labels import BATCH_LABELS

    return {
        "language": current_language(),
        "status": dict(STATUS_LABELS),
        "batch": dict(BATCH_LABELS),
        "chosen": _("%(n)s berkas dipilih: %(names)s"),
        "one_file": _(
            "Hanya satu berkas untuk formulir ini; gunakan Unggah massal untuk banyak berkas."
        ),
        "viewer": _("Halaman pindaian; panah kiri/kanan berpindah halaman, + dan − memperbesar"),
        "page_of": _("Halaman %(page)s dari %(pages)s"),
        "connection_lost": _("Koneksi ke server terputus; unggah ulang berkas ini."),
        "uploading": _("Sedang mengunggah…"),
        "batch_failed": _("Batch tidak dapat dibuat: %(why)s"),
    }
