"""Logging in and out."""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from archive_app import accounts, audit
from archive_app.domain.roles import Permission
from archive_app.http.security import LoginUser, client_ip, public, requires, services

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()[:64]
        try:
            user = accounts.log_in(
                services(), username, request.form.get("password", ""), client_ip()
            )
        except accounts.Throttled as exc:
            wait = exc.retry_after
            flash(
                _(
                    "Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(wait)s detik.",
                    wait=wait,
                ),
                "error",
            )
            page = render_template("login.html", username=username)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        if user is None:
            flash(_("Nama pengguna atau kata sandi salah."), "error")
            return render_template("login.html", username=username), 401
        chosen = session.get("language")  # picked on the login page: becomes the preference
        session.clear()  # a new session for the new login (no fixation)
        if chosen and not user.language:
            services().metadata.users.set_language(user.id, chosen)
            user = replace(user, language=chosen)
        login_user(LoginUser(user))
        services().metadata.users.record_login(user.id)
        audit.record(services(), user.username, "login", f"user:{user.username}", client_ip())
        return redirect(safe_next(request.args.get("next")))
    if current_user.is_authenticated:
        return redirect(url_for("web.search"))
    return render_template("login.html", username="")


@bp.post("/logout")
@requires(Permission.READ)
def logout():
    accounts.log_out(services(), current_user.user, client_ip())
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def safe_next(target: str | None) -> str:
    """Only redirect within this site (no open redirect through ?next=)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("web.search")
