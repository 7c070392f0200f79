"""The language switch in the menu: stored on the user, or in the session before login.

A stored choice follows the person to every browser and to the API; a choice made on the
login page lasts the session and is kept as the preference once they log in.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, session
from flask_login import current_user

from archive_app.domain.languages import parse_language
from archive_app.http.security import public, services
from archive_app.web.auth import safe_next

bp = Blueprint("language", __name__)


@bp.post("/bahasa")
@public  # the login page offers it too; CSRF is checked for every form all the same
def choose():
    language = parse_language(request.form.get("language"))
    if current_user.is_authenticated:
        services().metadata.users.set_language(current_user.user.id, language)
    session["language"] = language
    return redirect(safe_next(request.form.get("next")))
