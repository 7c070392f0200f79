"""Saved searches on the search page: save the search shown, run one, delete one."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user

from archive_app.domain.roles import Permission
from archive_app.domain.saved_searches import KEPT, SavedSearchError
from archive_app.http.links import with_query
from archive_app.http.security import client_ip, requires, services
from archive_app.http.service_messages import said
from archive_app.records import saved_searches
from search.query import QueryError

bp = Blueprint("saved_searches", __name__, url_prefix="/saved-searches")
MAX_ADDRESS = 4_000  # a request line longer than ~4 KB is refused by web servers (gunicorn: 4,094)


@bp.post("")
@requires(Permission.READ)
def save():
    form = request.form
    params = {name: form.get(name, "") for name in KEPT}
    try:
        saved = saved_searches.save(
            services(), current_user, form.get("name", ""), params,
            shared=form.get("shared") == "1", ip=client_ip(),
        )  # fmt: skip
    except (SavedSearchError, QueryError) as exc:
        flash(_("Pencarian tidak disimpan: %(why)s", why=said(exc)), "error")
        back = with_query("web.search", params)  # the search as it was, if it can be an address
        return redirect(back if len(back) <= MAX_ADDRESS else with_query("web.search", {}), 303)
    flash(_("Pencarian \u201c%(name)s\u201d disimpan.", name=saved.name), "success")
    return redirect(with_query("web.search", saved.params), 303)


@bp.get("/<int:search_id>")
@requires(Permission.READ)
def run(search_id: int):
    try:
        saved = saved_searches.visible(services(), current_user, search_id)
    except saved_searches.NotVisible:
        abort(404)
    return redirect(with_query("web.search", saved.params))


@bp.post("/<int:search_id>/delete")
@requires(Permission.READ)
def delete(search_id: int):
    try:
        saved = saved_searches.delete(services(), current_user, search_id, client_ip())
    except saved_searches.NotVisible:
        abort(404)
    except SavedSearchError as exc:
        flash(said(exc), "error")
        return redirect(with_query("web.search", {}), 303)
    flash(_("Pencarian \u201c%(name)s\u201d dihapus.", name=saved.name), "success")
    return redirect(with_query("web.search", {}), 303)
