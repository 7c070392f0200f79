"""Bulk upload pages: start a batch, upload many files or ZIPs, watch every file live."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said_fields
from archive_app.intake import batches
from archive_app.web import chart_data

bp = Blueprint("batches", __name__)


@bp.get("/batches")
@requires(Permission.READ)
def index():
    return render_template(
        "batches.html",
        batches=services().metadata.batches.list(),
        ingest=chart_data.ingest(services().metadata.statistics),
    )


@bp.get("/batches/new")
@requires(Permission.UPLOAD)
def new():
    return render_template("batch_new.html", values={}, errors={})


@bp.post("/batches")
@requires(Permission.UPLOAD)
def create():
    """Without JavaScript: the files come with the form and are received in this request.
    (With JavaScript the page uploads each file resumably and watches it instead.)"""
    metadata = {k: request.form.get(k, "") for k in ALL_FIELDS}
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash(_("Pilih satu atau beberapa berkas (atau ZIP)."), "error")
        return render_template("batch_new.html", values=metadata, errors={}), 400
    try:
        batch_id = batches.start(services(), request.form.get("label", ""), "web", metadata,
                                 actor(), client_ip())  # fmt: skip
    except MetadataError as exc:
        return render_template(
            "batch_new.html", values=metadata, errors=said_fields(exc.fields)
        ), 400
    for file in files:
        batches.add_stream(services(), batch_id, file.stream, file.filename, actor(), client_ip())
    return redirect(url_for("batches.show", batch_id=batch_id))


@bp.get("/batches/<int:batch_id>")
@requires(Permission.READ)
def show(batch_id: int):
    batch = services().metadata.batches.get(batch_id)
    if batch is None:
        abort(404)
    items = services().metadata.batches.items(batch_id)
    return render_template("batch.html", batch=batch, items=items)
