"""Records management over JSON: legal holds and the retention summary.

Routes hang under /api/v1. Bodies are JSON; every refusal is
``{"error": ...}`` with a status that says which kind of refusal it is.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _

from archive_app.api.representations import hold_json
from archive_app.domain.roles import Permission
from archive_app.http.problems import BAD_REQUEST, invalid, problem
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.recordkeeping import holds, retention
from archive_app.recordkeeping.holds import HoldError
from search.interfaces import FILTER_FIELDS
from search.query import QueryError

bp = Blueprint("recordkeeping", __name__)

HOLD_QUERY_KEYS = ("q", *(f for f in FILTER_FIELDS if f != "retention"))


def json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


@bp.get("/holds")
@requires(Permission.READ_AUDIT)
def list_holds():
    active = {"true": True, "false": False}.get(request.args.get("active", "").lower())
    return jsonify(holds=[hold_json(h) for h in services().metadata.holds.list(active=active)])


@bp.post("/holds")
@requires(Permission.MANAGE_RETENTION)
def place_hold():
    """``{"document_ids": [...]}`` or ``{"query": {search parameters}}``, with reason and
    case_ref; a query hold also covers matching records archived later."""
    body = json_body()
    ids, query = body.get("document_ids"), body.get("query")
    if ids is not None and not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        return problem(400, BAD_REQUEST, _("document_ids harus berupa daftar ID arsip"))
    if query is not None:
        unknown = sorted(set(query) - set(HOLD_QUERY_KEYS)) if isinstance(query, dict) else ["?"]
        if unknown:
            keys = ", ".join(HOLD_QUERY_KEYS)
            return problem(400, BAD_REQUEST, _("query hanya menerima %(keys)s", keys=keys))
    try:
        hold_id = holds.place(
            services(), reason=str(body.get("reason") or ""),
            case_ref=str(body.get("case_ref") or ""), document_ids=ids or None,
            query=query or None, actor=actor(), ip=client_ip(),
        )  # fmt: skip
    except HoldError as exc:
        return problem(400, "hold.invalid", exc)
    except QueryError as exc:
        return invalid(exc)
    return jsonify(id=hold_id, records=services().metadata.holds.get(hold_id).records), 201


@bp.get("/holds/<int:hold_id>")
@requires(Permission.READ_AUDIT)
def get_hold(hold_id: int):
    hold = services().metadata.holds.get(hold_id)
    if hold is None:
        return problem(404, "hold.not_found", _("Penahanan tidak ditemukan."))
    return jsonify(
        {**hold_json(hold), "document_ids": services().metadata.holds.document_ids(hold_id)}
    )


@bp.delete("/holds/<int:hold_id>")
@requires(Permission.MANAGE_RETENTION)
def release_hold(hold_id: int):
    """Release with ``{"reason": ...}`` (or ?reason= for clients that drop DELETE bodies)."""
    hold = services().metadata.holds.get(hold_id)
    if hold is None:
        return problem(404, "hold.not_found", _("Penahanan tidak ditemukan."))
    if not hold.active:
        return _released(hold_id)
    reason = str(json_body().get("reason") or request.args.get("reason") or "")
    try:
        released = holds.release(services(), hold_id, reason, actor(), client_ip())
    except HoldError as exc:
        return problem(400, "hold.invalid", exc)
    if not released:
        return _released(hold_id)
    return jsonify(hold_json(services().metadata.holds.get(hold_id)))


@bp.get("/retention/summary")
@requires(Permission.READ_AUDIT)
def retention_summary():
    counts = retention.dashboard(services())

    def nested(pairs: dict) -> dict:
        out: dict = {}
        for (value, state), n in sorted(pairs.items()):
            out.setdefault(value, {})[state] = n
        return out

    return jsonify(
        by_state=counts["by_state"],
        by_election=nested(counts["by_election"]),
        by_province=nested(counts["by_province"]),
        by_regency=nested(counts["by_regency"]),
        due_within_year=counts["due_within_year"],
        schedule_version=retention.schedule(services()).version,
    )


def _released(hold_id: int):
    message = _("Penahanan %(id)s sudah dicabut sebelumnya.", id=hold_id)
    return problem(409, "hold.already_released", message)
