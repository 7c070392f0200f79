"""Logging in and out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from archive_app import accounts, audit
from archive_app.web.security import LoginUser, client_ip, public, services

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip().lower()
        user = accounts.authenticate(services(), username, request.form.get("password", ""))
        if user is None:
            audit.record(services(), username or "?", "login.failed", "", client_ip())
            flash("Nama pengguna atau kata sandi salah.", "error")
            return render_template("login.html", username=username), 401
        login_user(LoginUser(user))
        services().metadata.users.record_login(user.id)
        audit.record(services(), user.username, "login", f"user:{user.username}", client_ip())
        return redirect(_safe_next(request.args.get("next")))
    if current_user.is_authenticated:
        return redirect(url_for("web.search"))
    return render_template("login.html", username="")


@bp.post("/logout")
@login_required
@public
def logout():
    audit.record(services(), current_user.username, "logout", "", client_ip())
    logout_user()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only redirect within this site (no open redirect through ?next=)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("web.search")
