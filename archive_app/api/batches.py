"""Batches over the API: many files archived together, each followed to the end.

A file comes as multipart ``file`` (a ZIP adds one outcome per entry) or as the
``upload_id`` of a finished resumable upload (api/uploads.py).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission, Role
from archive_app.http.problems import BAD_REQUEST, problem
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said_fields
from archive_app.intake import batches, reasons, resumable

bp = Blueprint("batches", __name__)


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise resumable.UploadError(400, "Send a JSON object.")
    return body


@bp.post("/batches")
@requires(Permission.UPLOAD)
def create_batch():
    body = _json_object()
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        return problem(400, BAD_REQUEST, _("metadata harus berupa objek nama kolom ke nilai"))
    try:
        batch_id = batches.start(services(), str(body.get("label", "")), "api", metadata,
                                 actor(), client_ip())  # fmt: skip
    except MetadataError as exc:
        return problem(
            400, "metadata.invalid", _("Metadata tidak valid."), fields=said_fields(exc.fields)
        )
    return jsonify(id=batch_id), 201


@bp.get("/batches")
@requires(Permission.READ)
def list_batches():
    return jsonify(batches=[_batch_json(b) for b in services().metadata.batches.list()])


@bp.get("/batches/<int:batch_id>")
@requires(Permission.READ)
def get_batch(batch_id: int):
    batch = services().metadata.batches.get(batch_id)
    if batch is None:
        return problem(404, "batch.not_found", _("Batch tidak ditemukan."))
    items = services().metadata.batches.items(batch_id)
    return jsonify({**_batch_json(batch), "items": [_item_json(i) for i in items]})


@bp.post("/batches/<int:batch_id>/files")
@requires(Permission.UPLOAD)
def add_batch_file(batch_id: int):
    """One file: multipart ``file`` (+ per-file metadata fields), or JSON ``{"upload_id"}``
    of a finished resumable upload. A ZIP adds one outcome per entry."""
    svc = services()
    batch = svc.metadata.batches.get(batch_id)
    if batch is None:
        return problem(404, "batch.not_found", _("Batch tidak ditemukan."))
    if batch.created_by != actor() and current_user.role != Role.ADMIN:
        return problem(
            403,
            "batch.not_owner",
            _("Hanya pengunggah batch (atau administrator) yang menambahkan berkas ke dalamnya."),
        )
    if request.is_json:
        body = _json_object()
        upload_id = str(body.get("upload_id", ""))
        resumable.get(svc.settings, upload_id, actor())  # 404 before any lock file is made
        with resumable.locked(svc.settings, upload_id):  # 423 for a second request meanwhile
            return _add_upload(svc, batch_id, upload_id, body)
    file = request.files.get("file")
    if file is None:
        return problem(
            400, "upload.no_file", _("Lampirkan pindaian sebagai kolom multipart 'file'.")
        )
    overrides = {k: request.form.get(k, "") for k in ALL_FIELDS}
    outcomes = batches.add_stream(svc, batch_id, file.stream, file.filename or "file", actor(),
                                  client_ip(), overrides)  # fmt: skip
    return jsonify(outcomes=[_outcome_json(o) for o in outcomes])


def _batch_json(batch) -> dict:
    return {
        "id": batch.id, "label": batch.label, "source": batch.source,
        "metadata": batch.metadata, "created_by": batch.created_by,
        "created_at": batch.created_at.isoformat() + "Z", "counts": batch.counts,
        "links": {"self": url_for("api.batches.get_batch", batch_id=batch.id)},
    }  # fmt: skip


def _messages(message: str) -> dict | None:
    """The refusal in English (``message``, as ever) and in Indonesian for the pages."""
    return {"en": message, "id": reasons.in_indonesian(message)} if message else None


def _outcome_json(outcome) -> dict:
    return {**vars(outcome), "messages": _messages(outcome.message)}


def _item_json(item) -> dict:
    return {
        "name": item.name, "outcome": item.outcome, "message": item.message or None,
        "messages": _messages(item.message),
        "document_id": item.document_id, "status": item.status or None,
        "review": item.needs_review,
        "progress": {"done": item.pages_done, "total": item.page_count},
    }  # fmt: skip


def _add_upload(svc, batch_id: int, upload_id: str, body: dict):
    """A finished resumable upload into the batch, under the upload's lock; read again
    there, as the request before may have added and removed it meanwhile (404)."""
    upload = resumable.get(svc.settings, upload_id, actor())
    if not upload.complete:
        return problem(
            409,
            "upload.incomplete",
            _(
                "Unggahan belum lengkap: %(offset)s/%(length)s bita.",
                offset=upload.offset,
                length=upload.length,
            ),
        )
    metadata, name = body.get("metadata") or {}, body.get("name") or upload.name
    if not isinstance(metadata, dict) or not isinstance(name, str):
        return problem(400, BAD_REQUEST, _("metadata harus berupa objek dan name berupa teks"))
    overrides = {k: v for k, v in metadata.items() if k in ALL_FIELDS}
    path = resumable.data_path(svc.settings, upload.id)
    # A backend failure raises past this line and keeps the upload: finishing it can be
    # tried again without sending the bytes again. Every outcome (even a refusal) is final.
    outcomes = batches.add_file(svc, batch_id, path, name, actor(), client_ip(), overrides)
    resumable.remove(svc.settings, upload.id)
    return jsonify(outcomes=[_outcome_json(o) for o in outcomes])
