"""/api/v1/saved-searches: list, save and delete named searches (the page's rules)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from archive_app.domain.roles import Permission
from archive_app.domain.saved_searches import SavedSearch, SavedSearchError
from archive_app.http.problems import BAD_REQUEST, invalid, problem
from archive_app.http.security import client_ip, requires, services
from archive_app.records import saved_searches
from search.query import QueryError

bp = Blueprint("saved_searches", __name__, url_prefix="/saved-searches")


def _json(saved: SavedSearch) -> dict:
    return {
        "id": saved.id, "name": saved.name, "owner": saved.owner, "shared": saved.shared,
        "query": saved.params, "created_at": saved.created_at.isoformat() + "Z",
        "deletable": saved_searches.deletable(saved, current_user),
    }  # fmt: skip


@bp.get("")
@requires(Permission.READ)
def listed():
    found = services().metadata.saved_searches.visible_to(current_user.username)
    return jsonify(saved_searches=[_json(s) for s in found])


@bp.post("")
@requires(Permission.READ)
def save():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query", {}), dict):
        expected = '{"name", "query": {...}, "shared"}'
        return problem(400, BAD_REQUEST, _("yang diharapkan: %(shape)s", shape=expected))
    name, query = body.get("name"), body.get("query") or {}
    try:
        saved = saved_searches.save(
            services(), current_user, name if isinstance(name, str) else "",
            {k: v for k, v in query.items() if isinstance(v, str | int)},
            shared=body.get("shared") is True, ip=client_ip(),
        )  # fmt: skip
    except SavedSearchError as exc:
        return invalid(exc, "name")
    except QueryError as exc:
        return invalid(exc)
    return jsonify(_json(saved)), 201


@bp.delete("/<int:search_id>")
@requires(Permission.READ)
def delete(search_id: int):
    try:
        saved_searches.delete(services(), current_user, search_id, client_ip())
    except saved_searches.NotVisible:
        return problem(404, "saved_search.not_found", _("Pencarian tersimpan tidak ditemukan."))
    except SavedSearchError as exc:
        return problem(403, "saved_search.forbidden", exc)
    return "", 204
