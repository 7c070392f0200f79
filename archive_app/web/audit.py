"""The audit trail for auditors: filter by actor, action, target and dates; export as CSV.

Exporting is itself recorded, so the trail shows who took a copy of it and of which part.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request

from archive_app import audit
from archive_app.audit import readable
from archive_app.domain.roles import Permission
from archive_app.http import csv_headers, cursors
from archive_app.http.links import with_query
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said
from vocabulary.numbers import page_number

bp = Blueprint("audit", __name__, url_prefix="/audit")

FILTERS = ("actor", "action", "target", "from", "to")
PER_PAGE = 100


def _filters(args) -> dict:
    return {name: args.get(name, "").strip()[:200] for name in FILTERS}


def _query(chosen: dict) -> dict:
    """The store's filters: the dates as UTC bounds (DateRangeError for a bad one)."""
    since, until = readable.date_range(chosen["from"], chosen["to"])
    plain = {k: chosen[k] or None for k in ("actor", "action", "target")}
    return {**plain, "since": since, "until": until}


@bp.get("")
@requires(Permission.READ_AUDIT)
def index():
    chosen = _filters(request.args)
    query = {k: v for k, v in chosen.items() if v}
    try:
        filters = _query(chosen)
    except readable.DateRangeError as exc:
        return _page([], chosen, query, error=(exc.field, said(exc))), 400
    before = (cursors.lenient(request.args.get("cursor"), "int") or (None,))[0]
    page = 1 if before else page_number(request.args.get("page"))
    entries = services().metadata.audit.list(
        **filters, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE, before=before
    )
    more, entries = len(entries) > PER_PAGE, entries[:PER_PAGE]
    next_url = None
    if more:
        next_url = with_query("audit.index", {**query, "cursor": cursors.encode(entries[-1]["id"])})
    return _page(
        entries, chosen, query, next_url=next_url,
        first_url=with_query("audit.index", query) if before or page > 1 else None,
    )  # fmt: skip


def _page(entries, chosen, query, *, error=None, next_url=None, first_url=None):
    return render_template(
        "audit.html",
        entries=entries,
        targets=readable.targets(services(), [e["target"] for e in entries if e["target"]]),
        details={e["id"]: readable.details(e["details"]) for e in entries},
        actions={code: readable.action_label(code) for code in readable.ACTION_LABELS},
        chosen=chosen,
        error=error,
        export_url=with_query("audit.export", {**query, **csv_headers.LABELLED}),
        first_url=first_url,
        next_url=next_url,
    )


@bp.get("/export.csv")
@requires(Permission.READ_AUDIT)
def export():
    chosen = _filters(request.args)
    try:
        filters = _query(chosen)
        header = csv_headers.header_row(audit.COLUMNS, csv_headers.AUDIT)
    except (readable.DateRangeError, csv_headers.HeaderChoiceError) as exc:
        return Response(said(exc), status=400, mimetype="text/plain")
    svc = services()
    audit.record(svc, actor(), "audit.export", "", client_ip(),
                 filters={k: v for k, v in chosen.items() if v})  # fmt: skip
    return Response(
        audit.csv_chunks(svc, header=header, **filters),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=jejak-audit.csv"},
    )
