"""GET /api/v1/search: full text plus exact metadata filters, with facet counts."""

from __future__ import annotations

from flask import jsonify, request

from archive_app import searching
from archive_app.api.documents import bp
from archive_app.api.representations import hit_json
from archive_app.domain.roles import Permission
from archive_app.web.security import requires, services
from search.query import QueryError, parse_search


@bp.get("/search")
@requires(Permission.READ)
def search():
    try:
        query = parse_search(request.args)
    except QueryError as exc:
        return jsonify(error=str(exc), fields={exc.field: str(exc)}), 400
    found = searching.run(services(), query)
    return jsonify(
        total=found.total,
        page=query.page,
        per_page=query.per_page,
        hits=[hit_json(doc, hit.score, hit.highlights) for doc, hit in found.hits],
        facets=found.facets,
    )
