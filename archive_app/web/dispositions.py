"""Disposition lists (penyusutan) with four eyes: propose, approve or reject, execute.

The pages only offer what the rules allow (no approve button for the proposer, no execute
button before approval), but the service is what refuses: a forged form gets its error.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from archive_app.domain.disposition import (
    OPEN,
    Action,
    DispositionError,
    ListStatus,
    check_confirmation,
)
from archive_app.domain.roles import Permission
from archive_app.http.problems import DISPOSITION_MESSAGES
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said
from archive_app.recordkeeping import disposition
from vocabulary.numbers import whole_number

bp = Blueprint("dispositions", __name__, url_prefix="/dispositions")

FILTERS = ("election", "form_type", "year", "province", "regency", "district")
SHOWN = 500  # records listed for picking; "all" covers every match whatever the count
ITEMS_SHOWN = 1000


@bp.get("")
@requires(Permission.READ_AUDIT)
def index():
    return render_template("dispositions.html", lists=services().metadata.dispositions.lists())


def _chosen(values) -> tuple[str, dict]:
    action = values.get("action", "destroy")
    if action not in set(Action):
        abort(400, description="action must be destroy or transfer")
    filters = {name: values.get(name, "").strip() for name in FILTERS}
    if filters["year"] and whole_number(filters["year"]) is None:
        abort(400, description="year must be a number")
    return action, filters


def due_ids(action: str, filters: dict) -> list[str]:
    """Due for this action and not already on an open list (those would be refused)."""
    lifecycle = services().metadata.lifecycle
    given = {k: (int(v) if k == "year" else v) for k, v in filters.items() if v}
    ids = lifecycle.retention_ids(state="due", action=action, filters=given, limit=10_000_000)
    busy = on_open_lists()
    return [i for i in ids if i not in busy]


def on_open_lists() -> set[str]:
    """Records on a list still proposed, approved or executing: few lists, one query each."""
    repo = services().metadata.dispositions
    return {i for d in repo.lists() if d.status in OPEN for i, _, _ in repo.items(d.id)}


@bp.get("/new")
@requires(Permission.MANAGE_RETENTION)
def new():
    action, filters = _chosen(request.args)
    return _propose_page(action, filters, comment="", error=None, problems={})


def _propose_page(action, filters, comment, error, problems, checked=None):
    ids = due_ids(action, filters)
    records = services().metadata.records.by_ids(ids[:SHOWN])
    return render_template(
        "disposition_new.html",
        action=action,
        filters=filters,
        records=[records[i] for i in ids[:SHOWN] if i in records],
        total=len(ids),
        comment=comment,
        error=error,
        problems=problems,
        checked=checked,
    )


@bp.post("")
@requires(Permission.MANAGE_RETENTION)
def propose():
    action, filters = _chosen(request.form)
    comment = request.form.get("comment", "").strip()
    picked = request.form.getlist("record_id")
    ids = due_ids(action, filters) if request.form.get("scope") == "all" else picked
    try:
        list_id = disposition.propose(services(), action, ids, comment, actor(), client_ip())
    except DispositionError as exc:
        page = _propose_page(action, filters, comment, _indonesian(exc), exc.problems, set(picked))
        return page, 400
    message = _("Daftar usul #%(id)s (%(n)s arsip) menunggu persetujuan pejabat.", id=list_id,
                n=len(ids))  # fmt: skip
    flash(message, "success")
    return redirect(url_for("dispositions.detail", list_id=list_id))


@bp.get("/<int:list_id>")
@requires(Permission.READ_AUDIT)
def detail(list_id: int):
    current = services().metadata.dispositions.get(list_id)
    if current is None:
        abort(404)
    items = services().metadata.dispositions.items(list_id)
    records = services().metadata.records.by_ids(i for i, _, _ in items[:ITEMS_SHOWN])
    me = current_user.username
    return render_template(
        "disposition.html",
        d=current,
        items=items[:ITEMS_SHOWN],
        records=records,
        may_decide=current_user.can(Permission.APPROVE_DISPOSITION)
        and current.status is ListStatus.PROPOSED
        and current.proposed_by != me,
        is_proposer=current.proposed_by == me,
        may_execute=current_user.can(Permission.MANAGE_RETENTION)
        and current.status in (ListStatus.APPROVED, ListStatus.EXECUTING),
    )


@bp.post("/<int:list_id>/decision")
@requires(Permission.APPROVE_DISPOSITION)
def decide(list_id: int):
    if services().metadata.dispositions.get(list_id) is None:
        abort(404)
    approve = request.form.get("decision") == "approve"
    try:
        new = disposition.decide(services(), list_id, approve, request.form.get("comment", ""),
                                 actor(), client_ip())  # fmt: skip
    except DispositionError as exc:
        flash(_indonesian(exc), "error")
    else:
        done = _("Daftar #%(id)s disetujui.") if new == "approved" else _("Daftar #%(id)s ditolak.")
        flash(done % {"id": list_id}, "success")
    return redirect(url_for("dispositions.detail", list_id=list_id))


@bp.post("/<int:list_id>/execute")
@requires(Permission.MANAGE_RETENTION)
def execute(list_id: int):
    current = services().metadata.dispositions.get(list_id)
    if current is None:
        abort(404)
    try:
        check_confirmation(current.action, list_id, request.form.get("confirm"))
        summary = disposition.execute(services(), list_id, actor(), client_ip())
    except DispositionError as exc:
        flash(_indonesian(exc), "error")
    else:
        flash(_("Daftar #%(id)s dilaksanakan: %(done)s arsip, %(skipped)s dikecualikan karena "
                "ditahan.", id=list_id, done=summary["done"], skipped=summary["skipped"]),
              "success")  # fmt: skip
    return redirect(url_for("dispositions.detail", list_id=list_id))


def _indonesian(exc: DispositionError) -> str:
    return DISPOSITION_MESSAGES.get(exc.code) or said(exc)
