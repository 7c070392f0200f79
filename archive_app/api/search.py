"""GET /api/v1/search: full text plus exact metadata filters, with facet counts."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from archive_app.api.representations import hit_json
from archive_app.domain.roles import Permission
from archive_app.http.audit_reads import noting_search
from archive_app.http.problems import invalid
from archive_app.http.security import requires, services
from archive_app.records import search_results
from search.query import QueryError, corrected, parse_search

bp = Blueprint("search", __name__)


@bp.get("/search")
@requires(Permission.READ)
def search():
    try:
        query = parse_search(request.args)
    except QueryError as exc:
        return invalid(exc)
    with noting_search(request.args, via="api") as note:
        try:
            found = search_results.run(services(), query, answered=note.start)
        except QueryError as exc:
            return invalid(exc)
        return _answer(query, found)


def _answer(query, found: search_results.Found):
    return jsonify(
        total=found.total,
        page=query.page,
        per_page=query.per_page,
        sort=query.sort,
        hits=[hit_json(record, hit.score, hit.highlights) for record, hit in found.hits],
        facets=found.facets,
        next_cursor=found.next_cursor or None,
        suggestions=[{"word": w, "suggestion": c} for w, c in found.suggestions.items()],
        suggested_q=corrected(request.args.get("q", ""), found.suggestions)
        if found.suggestions
        else None,
    )
