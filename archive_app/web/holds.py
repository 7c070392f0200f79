"""Legal holds (penahanan): list, place on chosen records or on a search, release.

A hold on a search also covers records archived later that match it (the service joins
them on ingest), so the form shows how many records match now rather than a fixed list.
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from archive_app.domain.roles import Permission
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said
from archive_app.recordkeeping import holds
from archive_app.recordkeeping.holds import HoldError
from archive_app.records import search_results
from search.query import QueryError, parse_search

bp = Blueprint("holds", __name__, url_prefix="/holds")

QUERY_FIELDS = ("q", "election", "form_type", "year", "province", "regency", "district",
                "village", "tps")  # fmt: skip
_ID = re.compile(r"[0-9a-f]{32}")
SHOWN = 500  # records listed on a hold's page (the count says how many it names)


@bp.get("")
@requires(Permission.READ_AUDIT)
def index():
    listed = services().metadata.holds.list()
    active = [h for h in listed if h.active]
    released = [h for h in listed if not h.active]
    return render_template("holds.html", active=active, released=released)


@bp.get("/new")
@requires(Permission.MANAGE_RETENTION)
def new():
    """Pre-filled from the record page (document_ids) or the search page (its parameters)."""
    values = {name: request.args.get(name, "") for name in ("reason", "case_ref", *QUERY_FIELDS)}
    values["document_ids"] = request.args.get("document_ids", "")
    return _form(values, None)


@bp.post("")
@requires(Permission.MANAGE_RETENTION)
def place():
    form = request.form
    values = {name: form.get(name, "").strip() for name in ("reason", "case_ref", *QUERY_FIELDS)}
    values["document_ids"] = form.get("document_ids", "")
    query = {name: values[name] for name in QUERY_FIELDS if values[name]}
    try:
        ids = parse_ids(values["document_ids"])
        hold_id = holds.place(
            services(), reason=values["reason"], case_ref=values["case_ref"],
            document_ids=ids or None, query=query or None, actor=actor(), ip=client_ip(),
        )  # fmt: skip
    except (HoldError, QueryError) as exc:
        return _form(values, said(exc)), 400
    hold = services().metadata.holds.get(hold_id)
    flash(_("Penahanan #%(id)s berlaku untuk %(n)s arsip.", id=hold_id, n=hold.records), "success")
    return redirect(url_for("holds.detail", hold_id=hold_id))


def parse_ids(text: str) -> list[str]:
    """Record ids pasted in any layout: one a line, or separated by commas or spaces. A
    token that is not an id is refused rather than dropped, so a typo never narrows a hold."""
    tokens = [t for t in re.split(r"[\s,;]+", text.strip().lower()) if t]
    wrong = [t for t in tokens if not _ID.fullmatch(t)]
    if wrong:
        raise HoldError(_("Bukan ID arsip: %(ids)s", ids=", ".join(wrong[:5])))
    return list(dict.fromkeys(tokens))


def _form(values: dict, error: str | None):
    query = {name: values[name] for name in QUERY_FIELDS if values.get(name)}
    matches = None
    if query and not values.get("document_ids", "").strip():
        try:
            matches = search_results.run(services(), parse_search({**query, "per_page": "1"})).total
        except QueryError as exc:
            error = error or said(exc)
    return render_template(
        "hold_new.html", values=values, error=error, matches=matches, query_fields=QUERY_FIELDS
    )


@bp.get("/<int:hold_id>")
@requires(Permission.READ_AUDIT)
def detail(hold_id: int):
    hold = services().metadata.holds.get(hold_id)
    if hold is None:
        abort(404)
    ids = services().metadata.holds.document_ids(hold_id, limit=SHOWN)
    records = services().metadata.records.by_ids(ids)
    return render_template(
        "hold.html", hold=hold, records=[records[i] for i in ids if i in records],
        total=hold.records,
    )  # fmt: skip


@bp.post("/<int:hold_id>/release")
@requires(Permission.MANAGE_RETENTION)
def release(hold_id: int):
    if services().metadata.holds.get(hold_id) is None:
        abort(404)
    try:
        released = holds.release(
            services(), hold_id, request.form.get("reason", ""), actor(), client_ip()
        )
    except HoldError:
        flash(_("Pencabutan penahanan memerlukan alasan."), "error")
        return redirect(url_for("holds.detail", hold_id=hold_id))
    if released:
        flash(_("Penahanan #%(id)s dicabut.", id=hold_id), "success")
    else:
        flash(_("Penahanan #%(id)s sudah dicabut sebelumnya.", id=hold_id), "error")
    return redirect(url_for("holds.detail", hold_id=hold_id))
