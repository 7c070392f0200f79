"""The JSON API under /api/v1: one blueprint per feature, registered by ``init_app``.

Errors are ``{"error": <stable code>, "message": <in the asked language>}`` (http.problems)
with a status that says which kind of refusal it is.
"""

from __future__ import annotations


def init_app(app) -> None:
    from flask import Blueprint

    from archive_app.api import (
        audit,
        batches,
        dispositions,
        recap,
        recordkeeping,
        records,
        saved_searches,
        search,
        tallies,
        uploads,
    )
    from archive_app.http.problems import problem, refusal
    from archive_app.intake.resumable import UploadError

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for module in (
        search,
        saved_searches,
        uploads,
        batches,
        tallies,
        recordkeeping,
        records,
        dispositions,
        audit,
        recap,
    ):
        api.register_blueprint(module.bp)

    @api.errorhandler(UploadError)
    def upload_error(exc: UploadError):
        response = problem(exc.status, "upload.refused", refusal(exc.message))
        response.headers.update(uploads.TUS)
        return response

    app.register_blueprint(api)
