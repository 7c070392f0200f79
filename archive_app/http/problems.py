"""The JSON API's refusals, built in one place: ``{"error": <code>, "message": <text>}``.

The code is stable (clients branch on it, and it never changes with the language); the
message is for people, in the request's language (``http.i18n``): callers pass it through
gettext. Extra fields (``fields``, ``problems``, ``id`` ...) ride along unchanged, and a
refusal that already had a ``code`` field keeps it.
"""

from __future__ import annotations

from flask import jsonify

from archive_app.domain.languages import N_
from archive_app.http.i18n import Labels
from archive_app.http.service_messages import said
from archive_app.intake import reasons

# Parameters a client got wrong: the message is the rule's own (part of the field's check).
INVALID_PARAMETER = "invalid_parameter"
BAD_REQUEST = "bad_request"

# The disposition rules' refusals by their stable code (domain/disposition.py), for the
# pages and the API alike.
DISPOSITION_MESSAGES = Labels(
    {
        "disposition.own_list": N_(
            "Pengusul tidak boleh menyetujui atau menolak daftarnya sendiri (prinsip empat mata)."
        ),
        "disposition.comment_required": N_("Keputusan memerlukan catatan."),
        "disposition.wrong_status": N_("Status daftar tidak mengizinkan langkah ini."),
        "disposition.not_found": N_("Daftar tidak ditemukan."),
        "disposition.not_confirmed": N_(
            "Ketik nomor daftar untuk menegaskan pemusnahan; tidak ada arsip yang dimusnahkan."
        ),
    }
)


def problem(status: int, error: str, message: object, **extra):
    """``error`` is the stable code; ``message`` is in the request's language already, or
    an exception whose (English) sentence is said in it here."""
    text = said(message) if isinstance(message, Exception) else str(message)
    response = jsonify(error=error, message=text, **extra)
    response.status_code = status
    return response


def invalid(exc: Exception, field: str | None = None):
    """A parameter refused by its check (``exc.field`` names it): 400 with ``fields``."""
    name = field or getattr(exc, "field", "") or ""
    return problem(400, INVALID_PARAMETER, exc, fields={name: said(exc)})


def refusal(message: str) -> str:
    """An upload refusal as intake words it (in English), in the request's language."""
    return reasons.translated(message)
