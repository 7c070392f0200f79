"""User administration (admins only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive_app import accounts
from archive_app.domain.roles import LEAST_PRIVILEGED, Permission, Role
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/users")
@requires(Permission.MANAGE_USERS)
def users():
    return render_template(
        "admin_users.html", users=services().metadata.users.list(), roles=Role,
        default_role=LEAST_PRIVILEGED,
    )  # fmt: skip


@bp.post("/users")
@requires(Permission.MANAGE_USERS)
def create_user():
    form = request.form
    try:
        accounts.create_user(
            services(),
            form.get("username", ""),
            form.get("password", ""),
            form.get("role", ""),
            actor(),
            client_ip(),
        )
        name = form.get("username", "").strip().lower()
        flash(_("Pengguna %(name)s dibuat.", name=name), "success")
    except (accounts.AccountError, ValueError) as exc:
        flash(said(exc), "error")
        return render_template(
            "admin_users.html",
            users=services().metadata.users.list(),
            roles=Role,
            form=form,
            default_role=LEAST_PRIVILEGED,
        ), 400
    return redirect(url_for("admin.users"))


@bp.post("/users/<username>")
@requires(Permission.MANAGE_USERS)
def update_user(username: str):
    form = request.form
    if username == actor() and (form.get("active") == "0" or form.get("role", "admin") != "admin"):
        flash(_("Anda tidak dapat menonaktifkan atau menurunkan peran akun Anda sendiri."), "error")
        return redirect(url_for("admin.users"))
    try:
        accounts.update_user(
            services(),
            username,
            actor(),
            client_ip(),
            role=form.get("role") or None,
            active={"1": True, "0": False}.get(form.get("active", "")),
            password=form.get("password") or None,
        )
        flash(_("Pengguna %(name)s diperbarui.", name=username), "success")
    except (accounts.AccountError, ValueError) as exc:
        flash(said(exc), "error")
        return redirect(url_for("admin.users"))
    return redirect(url_for("admin.users"))
