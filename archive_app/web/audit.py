"""The audit trail for auditors: filter by actor, action and target; export as CSV.

Exporting is itself recorded, so the trail shows who took a copy of it and of which part.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from archive_app import audit
from archive_app.domain.roles import Permission
from archive_app.http import cursors
from archive_app.http.links import with_query
from archive_app.http.security import actor, client_ip, requires, services
from vocabulary.numbers import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = ("actor", "action", "target")
PER_PAGE = 100


def _filters(args) -> dict:
    return {name: args.get(name, "").strip() for name in FILTERS}


@bp.get("")
@requires(Permission.READ_AUDIT)
def index():
    chosen = _filters(request.args)
    before = (cursors.lenient(request.args.get("cursor"), "int") or (None,))[0]
    page = 1 if before else page_number(request.args.get("page"))
    entries = services().metadata.audit.list(
        **{k: v or None for k, v in chosen.items()},
        limit=PER_PAGE + 1,
        offset=(page - 1) * PER_PAGE,
        before=before,
    )
    query = {k: v for k, v in chosen.items() if v}
    more, entries = len(entries) > PER_PAGE, entries[:PER_PAGE]
    return render_template(
        "audit.html",
        entries=entries,
        chosen=chosen,
        export_url=with_query("audit.export", query),
        first_url=with_query("audit.index", query) if before or page > 1 else None,
        next_url=with_query("audit.index", {**query, "cursor": cursors.encode(entries[-1]["id"])})
        if more
        else None,
    )


@bp.get("/export.csv")
@requires(Permission.READ_AUDIT)
def export():
    chosen = {k: v or None for k, v in _filters(request.args).items()}
    svc = services()
    audit.record(svc, actor(), "audit.export", "", client_ip(),
                 filters={k: v for k, v in chosen.items() if v})  # fmt: skip
    return Response(
        audit.csv_chunks(svc, **chosen),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=jejak-audit.csv"},
    )
