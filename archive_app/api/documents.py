"""Records: upload, read, download, retry."""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request, send_file

from archive_app import audit
from archive_app.api.representations import document_json
from archive_app.db.interfaces import DuplicateDocument
from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission
from archive_app.http.audit_reads import note_view
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.intake import uploads
from archive_app.recordkeeping import retention
from archive_app.records import downloads
from ingest.models import RejectedFile
from vocabulary.numbers import NumberError, bounded

bp = Blueprint("documents", __name__)


@bp.post("/documents")
@requires(Permission.UPLOAD)
def upload_document():
    upload = request.files.get("file")
    if upload is None:
        return jsonify(
            error="Attach the scan as the multipart field 'file'.",
            fields={"file": "This field is required."},
        ), 400
    raw = {name: request.form.get(name, "") for name in ALL_FIELDS}
    try:
        accepted = uploads.receive(
            services(), upload.stream, upload.filename or "", raw, actor(), client_ip()
        )
    except MetadataError as exc:
        return jsonify(error="Some metadata fields are invalid.", fields=exc.fields), 400
    except RejectedFile as exc:
        return jsonify(error=exc.message, code=exc.code), uploads.REJECTION_STATUS[exc.code]
    except DuplicateDocument as exc:
        return jsonify(error="This file is already in the archive.", id=exc.existing_id), 409
    return jsonify(id=accepted.id, status=accepted.status, sha256=accepted.sha256), 202


@bp.get("/documents")
@requires(Permission.READ)
def list_documents():
    status = request.args.get("status") or None
    if status and status not in {"queued", "processing", "ready", "failed"}:
        return jsonify(error="status must be queued, processing, ready or failed"), 400
    try:
        page = bounded(request.args.get("page"), "page", 1, 1_000_000, default=1)
    except NumberError as exc:
        return jsonify(error=str(exc), fields={exc.field: str(exc)}), 400
    docs = services().metadata.documents
    items = docs.list(status=status, limit=50, offset=(page - 1) * 50)
    return jsonify(
        total=docs.count(status=status), page=page, documents=[document_json(d) for d in items]
    )


def _document_or_404(doc_id: str):
    doc = services().metadata.documents.get(doc_id) if len(doc_id) == 32 else None
    if doc is None:
        abort(404)
    return doc


@bp.get("/documents/<doc_id>")
@requires(Permission.READ)
def get_document(doc_id: str):
    doc = _document_or_404(doc_id)
    note_view(doc_id, via="api")
    docs = services().metadata.documents
    state = retention.state_of(services(), doc)
    return jsonify(
        document_json(doc, docs.pages(doc_id), state, services().metadata.readings.get(doc_id))
    )


@bp.get("/documents/<doc_id>/<any(original, pdf, text):what>")
@requires(Permission.READ)
def download(doc_id: str, what: str):
    doc = _document_or_404(doc_id)
    file = downloads.find(services(), doc, what)
    if file is None:
        return jsonify(error=f"The {what} of this record is not available (yet)."), 404
    audit.record(services(), actor(), "download", f"document:{doc_id}", client_ip(), file=what)
    return send_file(
        services().objects.open(file.key),
        mimetype=file.content_type,
        as_attachment=what != "text" or request.args.get("download") == "1",
        download_name=downloads.filename(doc, what),
        conditional=False,
        max_age=0,
    )


@bp.get("/documents/<doc_id>/pages/<int:number>/<any(view, thumb):size>")
@requires(Permission.READ)
def page_image(doc_id: str, number: int, size: str):
    doc = _document_or_404(doc_id)
    file = downloads.page_image(services(), doc, number, size)
    if file is None:
        abort(404)
    return send_file(services().objects.open(file.key), mimetype="image/jpeg")


@bp.post("/documents/<doc_id>/retry")
@requires(Permission.UPLOAD)
def retry(doc_id: str):
    _document_or_404(doc_id)
    if not uploads.retry(services(), doc_id, actor(), client_ip()):
        return jsonify(
            error="Only failed records that no hold or open list freezes can be retried."
        ), 409
    return jsonify(id=doc_id, status="queued"), 202
