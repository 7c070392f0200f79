"""GET /healthz: is each backend reachable? Public, and says nothing more than ok to the
public."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from archive_app.domain.roles import Permission
from archive_app.http.security import public, services

bp = Blueprint("health", __name__)


def backend_states(svc) -> dict:
    states = {}
    for name in ("metadata", "objects", "index", "queue"):
        try:
            states[name] = getattr(svc, name).health()
        except Exception as exc:  # any failure is a state to report, not to raise
            states[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return states


@bp.get("/healthz")
@public
def healthz():
    """Anyone (a load balancer) learns ok or not ok; what each backend says, with its
    addresses and errors, only a logged-in auditor or administrator."""
    states = backend_states(services())
    ok = all(s.get("ok") for s in states.values())
    body = {"status": "ok" if ok else "degraded"}
    if current_user.is_authenticated and current_user.can(Permission.READ_AUDIT):
        body["backends"] = states
    return jsonify(body), 200 if ok else 503
