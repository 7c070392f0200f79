"""The audit trail over JSON, for auditors' own tools: filter by actor, action, target and
dates (``from`` / ``to``, YYYY-MM-DD in UTC, both days included)."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from archive_app.api.representations import audit_json
from archive_app.audit.readable import DateRangeError, date_range
from archive_app.domain.roles import Permission
from archive_app.http.problems import invalid
from archive_app.http.security import requires, services
from vocabulary.numbers import NumberError, bounded

bp = Blueprint("audit", __name__)


@bp.get("/audit")
@requires(Permission.READ_AUDIT)
def audit_trail():
    args = request.args
    try:
        limit = bounded(args.get("limit"), "limit", 1, 1000, default=100)
        offset = bounded(args.get("offset"), "offset", 0, 10**12, default=0)
        before = bounded(args.get("before"), "before", 1, 10**18, default=0) or None
        since, until = date_range(args.get("from"), args.get("to"))
    except (NumberError, DateRangeError) as exc:
        return invalid(exc)
    entries = services().metadata.audit.list(
        actor=args.get("actor") or None, action=args.get("action") or None,
        target=args.get("target") or None, limit=limit, offset=offset, before=before,
        since=since, until=until,
    )  # fmt: skip
    return jsonify(
        entries=[audit_json(e) for e in entries], limit=limit, offset=offset,
        next_before=entries[-1]["id"] if len(entries) == limit else None,
    )  # fmt: skip
