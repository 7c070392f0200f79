"""Bulk ingest over the API: resumable uploads (tus 1.0) and batches of files."""

from __future__ import annotations

import base64
from functools import wraps

from flask import jsonify, make_response, request, url_for
from flask_login import current_user

from archive_app import batches, resumable
from archive_app.api.documents import bp
from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.numbers import whole_number
from archive_app.domain.roles import Permission, Role
from archive_app.web.security import actor, client_ip, public, requires, services

TUS = {"Tus-Resumable": "1.0.0"}
TUS_CAPABILITIES = {"Tus-Version": "1.0.0", "Tus-Extension": "creation,termination"}


def _tus(response, status: int, **headers):
    response = make_response(response, status)
    response.headers.update({**TUS, **{k.replace("_", "-"): str(v) for k, v in headers.items()}})
    return response


def _whole_number(value: str) -> int | None:
    """A header's non-negative integer; None for anything else ("", "-1", "²", "1e3")."""
    return whole_number(value)


def _json_object() -> dict:
    body = request.get_json(silent=True)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise resumable.UploadError(400, "Send a JSON object.")
    return body


def _metadata_header(value: str) -> dict[str, str]:
    """tus Upload-Metadata: ``key base64value,key2 base64value2``."""
    found = {}
    for pair in filter(None, (p.strip() for p in value.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            found[key] = base64.b64decode(encoded).decode("utf-8") if encoded else ""
        except (ValueError, UnicodeDecodeError):
            continue
    return found


@bp.errorhandler(resumable.UploadError)
def upload_error(exc: resumable.UploadError):
    return _tus(jsonify(error=exc.message), exc.status)


def _tus_version(view):
    """tus 1.0: every request but OPTIONS names the protocol version it speaks; any other
    (or none) gets 412 with the versions this server speaks. Checked after the role, so an
    anonymous client learns nothing but 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get("Tus-Resumable") != TUS["Tus-Resumable"]:
            message = "Send Tus-Resumable: 1.0.0 (the tus version this server speaks)."
            return _tus(jsonify(error=message), 412, **TUS_CAPABILITIES)
        return view(*args, **kwargs)

    return wrapper


@bp.after_app_request
def tus_headers(response):
    """Every answer on the upload endpoints names the protocol, 401s and 403s included."""
    if request.path.startswith("/api/v1/uploads"):
        response.headers.setdefault("Tus-Resumable", TUS["Tus-Resumable"])
    return response


@bp.route("/uploads", methods=["OPTIONS"], provide_automatic_options=False)
@public
def upload_options():
    """What this server speaks (tus discovery, asked before any login)."""
    limit = services().settings.max_upload_mb * 1024 * 1024
    return _tus("", 204, Tus_Max_Size=limit, **TUS_CAPABILITIES)


@bp.post("/uploads")
@requires(Permission.UPLOAD)
@_tus_version
def create_upload():
    length = _whole_number(request.headers.get("Upload-Length", ""))
    if length is None:
        raise resumable.UploadError(400, "Send the file size in Upload-Length.")
    name = _metadata_header(request.headers.get("Upload-Metadata", "")).get("filename", "")
    upload = resumable.create(services().settings, actor(), length, name)
    location = url_for("api.upload_state", upload_id=upload.id)
    return _tus("", 201, Location=location, Upload_Offset=0)


@bp.route("/uploads/<upload_id>", methods=["HEAD"])
@requires(Permission.UPLOAD)
@_tus_version
def upload_state(upload_id: str):
    upload = resumable.get(services().settings, upload_id, actor())
    return _tus("", 200, Upload_Offset=upload.offset, Upload_Length=upload.length,
                Cache_Control="no-store")  # fmt: skip


@bp.route("/uploads/<upload_id>", methods=["PATCH"])
@requires(Permission.UPLOAD)
@_tus_version
def upload_chunk(upload_id: str):
    if request.mimetype != "application/offset+octet-stream":
        raise resumable.UploadError(415, "Send chunks as application/offset+octet-stream.")
    offset = _whole_number(request.headers.get("Upload-Offset", ""))
    if offset is None:
        raise resumable.UploadError(400, "Send the chunk's position in Upload-Offset.")
    upload = resumable.append(services().settings, upload_id, actor(), offset, request.stream)
    return _tus("", 204, Upload_Offset=upload.offset)


@bp.route("/uploads/<upload_id>", methods=["DELETE"])
@requires(Permission.UPLOAD)
@_tus_version
def cancel_upload(upload_id: str):
    resumable.get(services().settings, upload_id, actor())
    resumable.remove(services().settings, upload_id)
    return _tus("", 204)


@bp.post("/batches")
@requires(Permission.UPLOAD)
def create_batch():
    body = _json_object()
    metadata = body.get("metadata") or {}
    if not isinstance(metadata, dict):
        return jsonify(error="metadata must be an object of field names to values"), 400
    try:
        batch_id = batches.start(services(), str(body.get("label", "")), "api", metadata,
                                 actor(), client_ip())  # fmt: skip
    except MetadataError as exc:
        return jsonify(error="Invalid metadata.", fields=exc.fields), 400
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
        return jsonify(error="No such batch."), 404
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
        return jsonify(error="No such batch."), 404
    if batch.created_by != actor() and current_user.role != Role.ADMIN:
        return jsonify(
            error="Only the batch's uploader (or an administrator) adds files to it."
        ), 403
    if request.is_json:
        body = _json_object()
        upload = resumable.get(svc.settings, str(body.get("upload_id", "")), actor())
        if not upload.complete:
            return jsonify(error=f"Upload incomplete: {upload.offset}/{upload.length} bytes."), 409
        metadata, name = body.get("metadata") or {}, body.get("name") or upload.name
        if not isinstance(metadata, dict) or not isinstance(name, str):
            return jsonify(error="metadata must be an object and name a string"), 400
        overrides = {k: v for k, v in metadata.items() if k in ALL_FIELDS}
        path = resumable.data_path(svc.settings, upload.id)
        # A backend failure raises past this line and keeps the upload: finishing it can be
        # tried again without sending the bytes again. Every outcome (even a refusal) is final.
        outcomes = batches.add_file(svc, batch_id, path, name, actor(), client_ip(), overrides)
        resumable.remove(svc.settings, upload.id)
        return jsonify(outcomes=[vars(o) for o in outcomes])
    file = request.files.get("file")
    if file is None:
        return jsonify(error="Attach the scan as the multipart field 'file'."), 400
    overrides = {k: request.form.get(k, "") for k in ALL_FIELDS}
    outcomes = batches.add_stream(svc, batch_id, file.stream, file.filename or "file", actor(),
                                  client_ip(), overrides)  # fmt: skip
    return jsonify(outcomes=[vars(o) for o in outcomes])


def _batch_json(batch) -> dict:
    return {
        "id": batch.id, "label": batch.label, "source": batch.source,
        "metadata": batch.metadata, "created_by": batch.created_by,
        "created_at": batch.created_at.isoformat() + "Z", "counts": batch.counts,
        "links": {"self": url_for("api.get_batch", batch_id=batch.id)},
    }  # fmt: skip


def _item_json(item) -> dict:
    return {
        "name": item.name, "outcome": item.outcome, "message": item.message or None,
        "document_id": item.document_id, "status": item.status or None,
        "review": item.needs_review,
        "progress": {"done": item.pages_done, "total": item.page_count},
    }  # fmt: skip


@bp.get("/tally.csv")
@requires(Permission.READ)
def tally_csv():
    """Vote counts read from the result forms of a region (filters as in search)."""
    from flask import Response, stream_with_context

    from archive_app import audit, tallies
    from search.query import QueryError, normalize_filter

    filters = {}
    try:
        for name in tallies.FILTERS:
            if request.args.get(name):
                filters[name] = normalize_filter(name, request.args[name])
    except QueryError as exc:
        return jsonify(error=str(exc), fields={exc.field: str(exc)}), 400
    audit.record(services(), actor(), "tally.export", "", client_ip(), filters=filters)
    return Response(
        stream_with_context(tallies.csv_lines(services(), filters)),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=hitungan-suara.csv"},
    )
