"""The retention schedule (JRA) in force, its history, and the form records officers edit.

Every save is a new version with a required comment (the service audits it and recomputes
every record); versions are never edited, so the history shows who changed what and why.
"""

from __future__ import annotations

import hashlib
import json

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive_app.domain.retention import Disposition, ScheduleError, Trigger
from archive_app.domain.roles import Permission
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said
from archive_app.recordkeeping import retention
from vocabulary.numbers import whole_number

bp = Blueprint("schedule", __name__, url_prefix="/retention/schedule")

MAX_ROWS = 200


@bp.get("")
@requires(Permission.READ_AUDIT)
def show():
    return render_template(
        "schedule.html",
        schedule=retention.schedule(services()),
        history=services().metadata.schedules.history(),
    )


@bp.get("/edit")
@requires(Permission.MANAGE_RETENTION)
def edit():
    rows = retention.schedule_rows(retention.schedule(services()))
    return _form(rows, comment="", error=None)


@bp.post("")
@requires(Permission.MANAGE_RETENTION)
def save():
    rows = rows_from_form(request.form)
    comment = request.form.get("comment", "").strip()
    if not comment:
        return _form(rows, comment, _("Tuliskan alasan perubahan jadwal (wajib).")), 400
    try:
        if request.form.get("previewed") != _digest(rows):
            # Never saved unseen: first what the change would do to the records now.
            moves = retention.preview(services(), rows)
            return _form(rows, comment, None, preview=moves, digest=_digest(rows))
        version = retention.save_schedule(services(), rows, comment, actor(), client_ip())
    except ScheduleError as exc:
        return _form(rows, comment, _("Jadwal tidak disimpan: %(why)s", why=said(exc))), 400
    flash(
        _(
            "Jadwal retensi versi %(version)s berlaku; status setiap arsip dihitung ulang.",
            version=version,
        ),
        "success",
    )
    return redirect(url_for("schedule.show"))


def _digest(rows: list[dict]) -> str:
    """The rows a preview was shown for: a save after editing them again previews again."""
    return hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()


def _form(rows: list[dict], comment: str, error: str | None, *, preview=None, digest=""):
    vocabulary = services().settings.vocabulary
    return render_template(
        "schedule_edit.html",
        rows=rows,
        comment=comment,
        error=error,
        preview=preview,
        digest=digest,
        form_types=[t.code for t in vocabulary.form_types],
        elections=[t.code for t in vocabulary.elections],
        dispositions=[d.value for d in Disposition],
        triggers=[t.value for t in Trigger],
        version=retention.schedule(services()).version,
    )


def rows_from_form(form) -> list[dict]:
    """Rows are numbered fields (code-0, form_types-0 ...) because a multi-select cannot be
    paired with its row otherwise; a ticked "hapus" or an entirely blank row is dropped."""
    count = form.get("rows", "0")
    count = min(whole_number(count) or 0, MAX_ROWS)
    rows = []
    for n in range(count):
        get = lambda name, n=n: form.get(f"{name}-{n}", "").strip()  # noqa: E731
        row = {
            "code": get("code"),
            "title": get("title"),
            "form_types": form.getlist(f"form_types-{n}"),
            "elections": form.getlist(f"elections-{n}"),
            "active_years": get("active_years"),
            "inactive_years": get("inactive_years"),
            "disposition": get("disposition"),
            "trigger": get("trigger") or Trigger.ELECTION_DAY.value,
        }
        blank = not (row["code"] or row["title"] or row["form_types"])
        if form.get(f"remove-{n}") or blank:
            continue
        rows.append(row)
    return rows
