"""Records: upload, read, download, retry."""

from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, request, send_file

from archive_app import audit, crops, downloads, retention, uploads
from archive_app.api.representations import document_json
from archive_app.db.interfaces import DuplicateDocument
from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission
from archive_app.web.security import actor, client_ip, requires, services
from archive_app.web.trail import note_view
from ingest.models import RejectedFile

bp = Blueprint("api", __name__, url_prefix="/api/v1")


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
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and int(page) > 0 else 1
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
    return send_file(services().objects.open(file.key), mimetype="image/jpeg", max_age=3600)


@bp.post("/documents/<doc_id>/retry")
@requires(Permission.UPLOAD)
def retry(doc_id: str):
    _document_or_404(doc_id)
    if not uploads.retry(services(), doc_id, actor(), client_ip()):
        return jsonify(error="Only failed records can be retried."), 409
    return jsonify(id=doc_id, status="queued"), 202


@bp.get("/documents/<doc_id>/pages/<int:number>/crop")
@requires(Permission.READ)
def page_crop(doc_id: str, number: int):
    """The place on a page a number was read from: ``box=left,top,right,bottom`` as shares
    of the page (0-1), as every number in a record's ``tally`` gives it."""
    doc = _document_or_404(doc_id)
    try:
        box = crops.parse_box(request.args.get("box"))
    except crops.BadBox as exc:
        return jsonify(error=str(exc)), 400
    file = downloads.page_image(services(), doc, number, "view")
    if file is None:
        abort(404)
    with services().objects.open(file.key) as stream:
        view = stream.read()  # a view is small (~200 kB); Pillow wants to seek
    try:
        data = crops.crop(io.BytesIO(view), box)
    except OSError:  # the stored view could not be decoded
        return jsonify(error="The page image of this record could not be read."), 404
    response = send_file(io.BytesIO(data), mimetype="image/jpeg", max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response
