"""Disposition lists over JSON: propose, decide (four eyes), execute, fetch the minutes.

The service decides every rule; these views only turn its refusals into statuses: 404 for
an unknown list, 403 when the proposer tries to decide, 409 when the list is in the wrong
state, 400 for anything else wrong with the request.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, send_file
from flask_babel import gettext as _

from archive_app import audit
from archive_app.api.recordkeeping import json_body
from archive_app.api.representations import disposition_json
from archive_app.domain.disposition import DispositionError, http_status
from archive_app.domain.roles import Permission
from archive_app.http.problems import BAD_REQUEST, DISPOSITION_MESSAGES, problem
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.recordkeeping import disposition


def _missing():
    code = "disposition.not_found"
    return problem(404, code, DISPOSITION_MESSAGES[code], code=code)


def _refused(exc: DispositionError):
    """Every refusal of a disposition rule, with its stable code and the status the rule's
    kind calls for (domain/disposition.py's one table)."""
    message = DISPOSITION_MESSAGES.get(exc.code) or str(exc)
    return problem(http_status(exc), exc.code, message, code=exc.code, problems=exc.problems)


bp = Blueprint("dispositions", __name__)


@bp.get("/dispositions")
@requires(Permission.READ_AUDIT)
def list_dispositions():
    lists = services().metadata.dispositions.lists(request.args.get("status") or None)
    return jsonify(dispositions=[disposition_json(d) for d in lists])


@bp.post("/dispositions")
@requires(Permission.MANAGE_RETENTION)
def propose_disposition():
    body = json_body()
    ids = body.get("document_ids")
    if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids)):
        return problem(400, BAD_REQUEST, _("document_ids harus berupa daftar ID arsip"))
    try:
        list_id = disposition.propose(
            services(), str(body.get("action") or ""), ids, str(body.get("comment") or ""),
            actor(), client_ip(),
        )  # fmt: skip
    except DispositionError as exc:
        return _refused(exc)
    return jsonify(id=list_id, status="proposed"), 201


@bp.get("/dispositions/<int:list_id>")
@requires(Permission.READ_AUDIT)
def get_disposition(list_id: int):
    current = services().metadata.dispositions.get(list_id)
    if current is None:
        return _missing()
    return jsonify(disposition_json(current, services().metadata.dispositions.items(list_id)))


@bp.post("/dispositions/<int:list_id>/decision")
@requires(Permission.APPROVE_DISPOSITION)
def decide_disposition(list_id: int):
    body = json_body()
    if not isinstance(body.get("approve"), bool):
        return problem(400, BAD_REQUEST, _("approve harus true atau false"))
    try:
        status = disposition.decide(
            services(), list_id, body["approve"], str(body.get("comment") or ""), actor(),
            client_ip(),
        )  # fmt: skip
    except DispositionError as exc:
        return _refused(exc)
    return jsonify(id=list_id, status=status)


@bp.post("/dispositions/<int:list_id>/execute")
@requires(Permission.MANAGE_RETENTION)
def execute_disposition(list_id: int):
    try:
        summary = disposition.execute(services(), list_id, actor(), client_ip())
    except DispositionError as exc:
        return _refused(exc)
    current = services().metadata.dispositions.get(list_id)
    return jsonify({**disposition_json(current), **summary})


@bp.get("/dispositions/<int:list_id>/report")
@requires(Permission.READ_AUDIT)
def disposition_report(list_id: int):
    """The stored minutes (berita acara), served from the object store as written."""
    current = services().metadata.dispositions.get(list_id)
    if current is None:
        return _missing()
    if not current.report_key:
        return problem(
            404,
            "disposition.no_minutes",
            _("Daftar ini belum punya berita acara: belum dilaksanakan."),
        )
    audit.record(services(), actor(), "download", f"disposition:{list_id}", client_ip(),
                 file="berita-acara", sha256=current.report_sha256)  # fmt: skip
    kind = "pemusnahan" if current.action == "destroy" else "penyerahan"
    return send_file(
        services().objects.open(current.report_key),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=f"berita-acara-{kind}-daftar-{list_id}.pdf",
        conditional=False,
        max_age=0,
    )
