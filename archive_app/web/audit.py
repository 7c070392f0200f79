"""The audit trail for auditors: filter by actor, action and target; export as CSV.

Exporting is itself recorded, so the trail shows who took a copy of it and of which part.
"""

from __future__ import annotations

import io

from flask import Blueprint, Response, render_template, request

from archive_app import audit
from archive_app.domain.roles import Permission
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
    page = page_number(request.args.get("page"))
    entries = services().metadata.audit.list(
        **{k: v or None for k, v in chosen.items()},
        limit=PER_PAGE + 1,
        offset=(page - 1) * PER_PAGE,
    )
    query = {k: v for k, v in chosen.items() if v}
    return render_template(
        "audit.html",
        entries=entries[:PER_PAGE],
        more=len(entries) > PER_PAGE,
        page=page,
        chosen=chosen,
        export_url=with_query("audit.export", query),
        page_url=lambda n: with_query("audit.index", {**query, "page": n}),
    )


@bp.get("/export.csv")
@requires(Permission.READ_AUDIT)
def export():
    chosen = {k: v or None for k, v in _filters(request.args).items()}
    audit.record(services(), actor(), "audit.export", "", client_ip(),
                 filters={k: v for k, v in chosen.items() if v})  # fmt: skip
    out = io.StringIO()
    audit.write_csv(services(), out, **chosen)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=jejak-audit.csv"},
    )
