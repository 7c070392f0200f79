"""Resumable uploads over the API (tus 1.0: core, creation, termination).

A large scan over a weak connection arrives in chunks; the finished upload is handed to a
batch (``POST /api/v1/batches/<id>/files`` with ``{"upload_id"}``)."""

from __future__ import annotations

import base64
from functools import wraps

from flask import Blueprint, make_response, request, url_for
from flask_babel import gettext as _

from archive_app.domain.roles import Permission
from archive_app.http import requests
from archive_app.http.problems import problem
from archive_app.http.security import actor, public, requires, services
from archive_app.intake import resumable
from vocabulary.numbers import whole_number

bp = Blueprint("uploads", __name__)

TUS = {"Tus-Resumable": "1.0.0"}
TUS_CAPABILITIES = {"Tus-Version": "1.0.0", "Tus-Extension": "creation,termination"}


def _tus(response, status: int, **headers):
    response = make_response(response, status)
    response.headers.update({**TUS, **{k.replace("_", "-"): str(v) for k, v in headers.items()}})
    return response


def _whole_number(value: str) -> int | None:
    """A header's non-negative integer; None for anything else ("", "-1", "²", "1e3")."""
    return whole_number(value)


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


def _tus_version(view):
    """tus 1.0: every request but OPTIONS names the protocol version it speaks; any other
    (or none) gets 412 with the versions this server speaks. Checked after the role, so an
    anonymous client learns nothing but 401."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.headers.get("Tus-Resumable") != TUS["Tus-Resumable"]:
            message = _("Kirim Tus-Resumable: 1.0.0 (versi tus yang dipakai server ini).")
            return _tus(problem(412, "tus.version", message), 412, **TUS_CAPABILITIES)
        return view(*args, **kwargs)

    return wrapper


@bp.after_request
def tus_headers(response):
    """Every answer on the upload endpoints names the protocol, 401s and 403s included."""
    response.headers.setdefault("Tus-Resumable", TUS["Tus-Resumable"])
    return response


@bp.route("/uploads", methods=["OPTIONS"], provide_automatic_options=False)
@bp.route("/uploads/<upload_id>", methods=["OPTIONS"], provide_automatic_options=False)
@public
def upload_options(upload_id: str = ""):
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
    if requests.NUL in name:  # base64 in a header: past the NUL check every request text has
        return _tus(problem(400, "bad_request", _(requests.NUL_REFUSED)), 400)
    upload = resumable.create(services().settings, actor(), length, name)
    location = url_for("api.uploads.upload_state", upload_id=upload.id)
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
