"""Vote counts read from result forms, as CSV for a region (filters as in search)."""

from __future__ import annotations

from flask import Blueprint, Response, request, stream_with_context

from archive_app import audit
from archive_app.domain.roles import Permission
from archive_app.http import csv_headers
from archive_app.http.problems import invalid
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.records import tally_export
from search.query import QueryError, normalize_filter

bp = Blueprint("tallies", __name__)


@bp.get("/tally.csv")
@requires(Permission.READ)
def tally_csv():
    """Vote counts read from the result forms of a region (filters as in search)."""
    filters = {}
    try:
        for name in tally_export.FILTERS:
            if request.args.get(name):
                filters[name] = normalize_filter(name, request.args[name])
        header = csv_headers.header_row(tally_export.COLUMNS, csv_headers.TALLY)
    except (QueryError, csv_headers.HeaderChoiceError) as exc:
        return invalid(exc)
    audit.record(services(), actor(), "tally.export", "", client_ip(), filters=filters)
    return Response(
        stream_with_context(tally_export.csv_lines(services(), filters, header)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=hitungan-suara.csv"},
    )
