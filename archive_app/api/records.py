"""Records over JSON: upload, read, download, retry (under /api/v1/documents, the name
clients have always used)."""

from __future__ import annotations

import io

from flask import Blueprint, abort, jsonify, request, send_file
from flask_babel import gettext as _

from archive_app import audit
from archive_app.api.representations import record_json
from archive_app.db.interfaces import DuplicateRecord
from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission
from archive_app.http import cursors, ranges
from archive_app.http.audit_reads import note_view
from archive_app.http.problems import BAD_REQUEST, invalid, problem, refusal
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said_fields
from archive_app.intake import uploads
from archive_app.recordkeeping import retention
from archive_app.records import crops, downloads
from ingest.models import RejectedFile
from vocabulary.numbers import NumberError, bounded

bp = Blueprint("records", __name__)
PER_PAGE = 50


@bp.post("/documents")
@requires(Permission.UPLOAD)
def upload_record():
    upload = request.files.get("file")
    if upload is None:
        return problem(
            400,
            "upload.no_file",
            _("Lampirkan pindaian sebagai kolom multipart 'file'."),
            fields={"file": _("Kolom ini wajib diisi.")},
        )
    raw = {name: request.form.get(name, "") for name in ALL_FIELDS}
    try:
        accepted = uploads.receive(
            services(), upload.stream, upload.filename or "", raw, actor(), client_ip()
        )
    except MetadataError as exc:
        return problem(
            400,
            "metadata.invalid",
            _("Beberapa kolom metadata tidak valid."),
            fields=said_fields(exc.fields),
        )
    except RejectedFile as exc:
        status = uploads.REJECTION_STATUS[exc.code]
        return problem(status, exc.code, refusal(exc.message), code=exc.code)
    except DuplicateRecord as exc:
        return problem(
            409, "record.duplicate", _("Berkas ini sudah ada di arsip."), id=exc.existing_id
        )
    return jsonify(id=accepted.id, status=accepted.status, sha256=accepted.sha256), 202


@bp.get("/documents")
@requires(Permission.READ)
def list_records():
    status = request.args.get("status") or None
    if status and status not in {"queued", "processing", "ready", "failed"}:
        return problem(400, BAD_REQUEST, _("status harus queued, processing, ready atau failed"))
    try:
        page = bounded(request.args.get("page"), "page", 1, 1_000_000, default=1)
        after = cursors.decode(request.args.get("cursor"), "datetime", "str")
    except NumberError as exc:
        return invalid(exc)
    records = services().metadata.records
    offset = 0 if after else (page - 1) * PER_PAGE
    items = records.list(status=status, limit=PER_PAGE + 1, offset=offset, after=after)
    more, items = len(items) > PER_PAGE, items[:PER_PAGE]
    return jsonify(
        total=records.count(status=status),
        page=page,
        documents=[record_json(d) for d in items],
        next_cursor=cursors.encode(items[-1].created_at, items[-1].id) if more else None,
    )


def _record_or_404(record_id: str):
    record = services().metadata.records.get(record_id) if len(record_id) == 32 else None
    if record is None:
        abort(404)
    return record


@bp.get("/documents/<record_id>")
@requires(Permission.READ)
def get_record(record_id: str):
    record = _record_or_404(record_id)
    note_view(record_id, via="api")
    records = services().metadata.records
    state = retention.state_of(services(), record)
    return jsonify(
        record_json(
            record, records.pages(record_id), state, services().metadata.readings.get(record_id)
        )
    )


@bp.get("/documents/<record_id>/<any(original, pdf, pdfa, text):what>")
@requires(Permission.READ)
def download(record_id: str, what: str):
    record = _record_or_404(record_id)
    file = downloads.find(services(), record, what)
    if file is None:
        return problem(
            404,
            "record.file_unavailable",
            _("Berkas %(what)s arsip ini belum atau tidak tersedia.", what=what),
        )
    if ranges.starts_a_read():  # a viewer's later range requests are the same read
        audit.record(
            services(), actor(), "download", f"document:{record_id}", client_ip(), file=what
        )
    return ranges.send_stored(
        services().objects,
        file,
        download_name=downloads.filename(record, what),
        as_attachment=_as_attachment(what),
    )


def _as_attachment(what: str) -> bool:
    """Text opens in the browser unless ``download=1``; the PDFs the archive made open in
    the browser's PDF viewer with ``inline=1`` (which reads them by ranges, so a large one
    shows its first page at once). An original, as uploaded, is always a download."""
    if what == "text":
        return request.args.get("download") == "1"
    return not (what in ("pdf", "pdfa") and request.args.get("inline") == "1")


@bp.get("/documents/<record_id>/pages/<int:number>/<any(view, thumb):size>")
@requires(Permission.READ)
def page_image(record_id: str, number: int, size: str):
    record = _record_or_404(record_id)
    file = downloads.page_image(services(), record, number, size)
    if file is None:
        abort(404)
    return send_file(services().objects.open(file.key), mimetype="image/jpeg")


@bp.post("/documents/<record_id>/retry")
@requires(Permission.UPLOAD)
def retry(record_id: str):
    _record_or_404(record_id)
    if not uploads.retry(services(), record_id, actor(), client_ip()):
        return problem(
            409,
            "record.not_retryable",
            _(
                "Hanya arsip gagal yang tidak dibekukan penahanan atau daftar terbuka yang "
                "dapat diproses ulang."
            ),
        )
    return jsonify(id=record_id, status="queued"), 202


@bp.get("/documents/<record_id>/pages/<int:number>/crop")
@requires(Permission.READ)
def page_crop(record_id: str, number: int):
    """The place on a page a number was read from: ``box=left,top,right,bottom`` as shares
    of the page (0-1), as every number in a record's ``tally`` gives it."""
    record = _record_or_404(record_id)
    try:
        box = crops.parse_box(request.args.get("box"))
    except crops.BadBox as exc:
        return problem(400, "crop.bad_box", exc)
    file = downloads.page_image(services(), record, number, "view")
    if file is None:
        abort(404)
    with services().objects.open(file.key) as stream:
        view = stream.read()  # a view is small (~200 kB); Pillow wants to seek
    try:
        data = crops.crop(io.BytesIO(view), box)
    except OSError:  # the stored view could not be decoded
        return problem(
            404, "record.page_unreadable", _("Gambar halaman arsip ini tidak dapat dibaca.")
        )
    return send_file(io.BytesIO(data), mimetype="image/jpeg")
