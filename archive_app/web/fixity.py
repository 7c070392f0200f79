"""The fixity page: the last checks of every stored file's checksum, and what failed."""

from __future__ import annotations

from flask import Blueprint, render_template

from archive_app.domain.roles import Permission
from archive_app.http.security import requires, services

bp = Blueprint("fixity", __name__, url_prefix="/fixity")

RUNS = 20
PROBLEMS = 50


@bp.get("")
@requires(Permission.READ_AUDIT)
def index():
    log = services().metadata.audit
    problems = sorted(
        log.list(action="fixity.missing", limit=PROBLEMS)
        + log.list(action="fixity.changed", limit=PROBLEMS),
        key=lambda e: e["id"],
        reverse=True,
    )[:PROBLEMS]
    return render_template(
        "fixity.html", runs=log.list(action="fixity.run", limit=RUNS), problems=problems
    )
