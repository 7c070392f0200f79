"""GET /healthz: is each backend reachable? Public, and says nothing secret."""

from __future__ import annotations

from flask import Blueprint, jsonify

from archive_app.web.security import public, services

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
    states = backend_states(services())
    ok = all(s.get("ok") for s in states.values())
    return jsonify(status="ok" if ok else "degraded", backends=states), 200 if ok else 503
