"""The JSON API's refusals, built in one place: ``{"error": <code>, "message": <text>}``.

The code is stable (clients branch on it); the message is for people, in the request's
language (``http.i18n``): callers pass it through gettext. Extra fields (``fields``,
``problems``, ``id`` ...) ride along unchanged.
"""

from __future__ import annotations

from flask import jsonify


def problem(status: int, code: str, message: object, **extra):
    response = jsonify(error=code, message=str(message), **extra)
    response.status_code = status
    return response
