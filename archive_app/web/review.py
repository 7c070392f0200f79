"""The review queue: records whose metadata a person must confirm, with the page in view."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission
from archive_app.http import cursors
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said, said_fields
from archive_app.records import review

bp = Blueprint("review", __name__)
PER_PAGE = 200


@bp.get("/review")
@requires(Permission.REVIEW)
def queue():
    readings = services().metadata.readings
    after = cursors.lenient(request.args.get("cursor"), "datetime", "str")
    records = readings.queue(limit=PER_PAGE + 1, after=after)
    more, records = len(records) > PER_PAGE, records[:PER_PAGE]
    read = readings.many(r.id for r in records)
    next_url = None
    if more:
        last = records[-1]
        next_url = url_for("review.queue", cursor=cursors.encode(last.created_at, last.id))
    return render_template(
        "review_queue.html", items=[(r, read.get(r.id, {})) for r in records],
        total=readings.queue_count(), next_url=next_url,
        first_url=url_for("review.queue") if after else None,
    )  # fmt: skip


@bp.route("/review/<record_id>", methods=["GET", "POST"])
@requires(Permission.REVIEW)
def record(record_id: str):
    records = services().metadata.records
    record = records.get(record_id) if len(record_id) == 32 else None
    if record is None:
        abort(404)
    values = {k: ("" if v in (None, 0) else v) for k, v in record.metadata.as_dict().items()}
    errors: dict[str, str] = {}
    officer = current_user.can(Permission.MANAGE_RETENTION)
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in ALL_FIELDS}
        try:
            review.confirm(
                services(), record_id, values, actor(), client_ip(), records_officer=officer
            )
        except MetadataError as exc:
            errors = said_fields(exc.fields)
        except review.NotReviewable as exc:
            errors = {"": _("Tidak dapat dikonfirmasi: %(why)s.", why=said(exc))}
        except review.NeedsRecordsOfficer as exc:
            errors = {"": _("Perlu Pengelola Arsip: %(why)s.", why=said(exc))}
        else:
            flash(_("Metadata dikonfirmasi."), "success")
            following = services().metadata.readings.queue(limit=1)
            if following:
                return redirect(url_for("review.record", record_id=following[0].id))
            return redirect(url_for("review.queue"))
    readings = services().metadata.readings.get(record_id)
    return render_template(
        "review.html",
        record=record,
        values=values,
        errors=errors,
        readings=readings,
        pages=records.pages(record_id),
        locked=said(review.editable(services(), record_id, officer)),
    ), (409 if "" in errors else 400 if errors else 200)
