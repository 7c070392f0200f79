"""The archive's pages: search, upload, record lists and the record page."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_number
from flask_babel import gettext as _
from flask_login import current_user

from archive_app import accounts, audit
from archive_app.db.interfaces import DuplicateRecord
from archive_app.domain.languages import N_
from archive_app.domain.metadata import ALL_FIELDS, MetadataError
from archive_app.domain.roles import Permission
from archive_app.domain.saved_searches import kept_params
from archive_app.http import cursors
from archive_app.http.audit_reads import note_view, noting_search
from archive_app.http.csv_headers import LABELLED, PLACE_LABELS
from archive_app.http.i18n import Labels
from archive_app.http.links import with_query
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said, said_fields
from archive_app.intake import reasons, uploads
from archive_app.recordkeeping import retention
from archive_app.records import saved_searches, search_results
from ingest.models import RejectedFile
from search.interfaces import FILTER_FIELDS, PAGE_REACH
from search.query import QueryError, corrected, last_page_reached, parse_search
from vocabulary.numbers import NumberError, bounded, page_number

bp = Blueprint("web", __name__)
PER_PAGE = 50

# What a search-scoped hold can name (a hold on a retention state would drift as dates pass).
HOLD_FIELDS = ("q", *(f for f in FILTER_FIELDS if f != "retention"))

FIELD_LABELS = Labels(
    {
        **PLACE_LABELS,
        "region_code": N_("Kode wilayah (Kemendagri)"),
        "title": N_("Judul"),
        "notes": N_("Catatan"),
        "retention": N_("Retensi"),
    }
)


# Orders a search can be listed in (codes as in search.interfaces.SORTS and the API).
SORT_LABELS = Labels(
    {
        "relevance": N_("Paling relevan"),
        "newest": N_("Terbaru"),
        "oldest": N_("Terlama"),
        "region": N_("Wilayah (provinsi → desa)"),
        "tps": N_("Nomor TPS"),
    }
)

# The document list's tabs, in the order a record goes through them.
LIST_TABS = ("queued", "processing", "review", "ready", "failed")


@bp.app_context_processor
def labels():
    return {"FIELD_LABELS": FIELD_LABELS, "vocabulary": services().settings.vocabulary}


@bp.get("/")
@requires(Permission.READ)
def search():
    args = {k: v for k, v in request.args.items() if v}
    found, error, query = None, None, None
    with noting_search(args, via="web") as note:
        # the bare landing page is browsing, not a search: no entry
        answered = note.start if args else None
        try:
            query = parse_search(args)
            found = search_results.run(services(), query, answered=answered)
        except QueryError as exc:
            error, query = said(exc), None
    return render_template(
        "search.html",
        args=args,
        found=found,
        query=query,
        error=error,
        filter_fields=FILTER_FIELDS,
        sort_labels=SORT_LABELS,
        facet_url=lambda field, value: with_query("web.search", {**args, field: value, "page": 1}),
        hold_url=with_query("holds.new", {k: v for k, v in args.items() if k in HOLD_FIELDS}),
        page_url=lambda page: with_query("web.search", {**args, "page": page}),
        last_reached=last_page_reached(query.per_page) if query else 0,
        page_reach=PAGE_REACH,
        page_reach_text=format_number(PAGE_REACH),
        without_url=lambda name: with_query("web.search", _without(args, name)),
        tally_url=with_query("api.tallies.tally_csv", {**args, **LABELLED}),
        suggestion=_suggestion(args, found),
        saved=services().metadata.saved_searches.visible_to(current_user.username),
        deletable=lambda saved: saved_searches.deletable(saved, current_user),
        save_params=kept_params(args),
    ), (400 if error else 200)


def _suggestion(args: dict, found) -> tuple[str, str] | None:
    """("Mungkin maksud Anda") the corrected words and the link that searches for them."""
    if found is None or not found.suggestions:
        return None
    text = corrected(args.get("q", ""), found.suggestions)
    return text, with_query("web.search", {**_without(args, "page"), "q": text})


def _without(args: dict, name: str) -> dict:
    """The search without the filter ``name`` ("*": without every filter, the words and the
    order kept), from its first page."""
    if name == "*":
        return {k: v for k, v in args.items() if k in ("q", "sort")}
    return {k: v for k, v in args.items() if k not in (name, "page", "cursor")}


@bp.route("/upload", methods=["GET", "POST"])
@requires(Permission.UPLOAD)
def upload():
    values = {name: request.form.get(name, "") for name in ALL_FIELDS}
    errors: dict[str, str] = {}
    if request.method == "POST":
        file = request.files.get("file")
        if file is None or not file.filename:
            errors["file"] = _("Pilih berkas hasil pindaian.")
        else:
            try:
                accepted = uploads.receive(
                    services(), file.stream, file.filename, values, actor(), client_ip()
                )
                flash(_("Berkas diterima dan masuk antrean pemrosesan."), "success")
                return redirect(url_for("web.record_page", record_id=accepted.id))
            except MetadataError as exc:
                errors.update(said_fields(exc.fields))
            except RejectedFile as exc:
                errors["file"] = reasons.translated(exc.message)
            except DuplicateRecord as exc:
                flash(_("Berkas ini sudah ada di arsip."), "error")
                return redirect(url_for("web.record_page", record_id=exc.existing_id))
    status = 400 if errors else 200
    return render_template("upload.html", values=values, errors=errors), status


@bp.get("/documents")
@requires(Permission.READ)
def record_list():
    status = request.args.get("status") or None
    if status not in LIST_TABS:
        status = None
    shown = "confirmed" if status == "ready" else status  # "Siap" leaves out "Perlu ditinjau"
    after = cursors.lenient(request.args.get("cursor"), "datetime", "str")
    page = 1 if after else page_number(request.args.get("page"))
    records = services().metadata.records
    items = records.list(status=shown, limit=PER_PAGE + 1, offset=(page - 1) * PER_PAGE,
                         after=after)  # fmt: skip
    more, items = len(items) > PER_PAGE, items[:PER_PAGE]
    next_url = None
    if more:
        last = items[-1]
        next_url = with_query("web.record_list", {
            "status": status, "cursor": cursors.encode(last.created_at, last.id)})  # fmt: skip
    return render_template(
        "records.html", items=items, status=status, tabs=LIST_TABS,
        total=records.count(status=shown), next_url=next_url,
        first_url=with_query("web.record_list", {"status": status})
        if after or page > 1 else None,
    )  # fmt: skip


@bp.get("/documents/<record_id>")
@requires(Permission.READ)
def record_page(record_id: str):
    record = services().metadata.records.get(record_id) if len(record_id) == 32 else None
    if record is None:
        abort(404)
    note_view(record_id, via="web")
    svc = services()
    audited = current_user.can(Permission.READ_AUDIT)
    return render_template(
        "record.html",
        record=record,
        pages=svc.metadata.records.pages(record_id),
        retention=retention.state_of(svc, record),
        fixity=svc.metadata.lifecycle.fixity_of(record_id) if audited else None,
        lists=svc.metadata.dispositions.lists_for_record(record_id),
        timeline=audit.timeline(svc, record_id, limit=100) if audited else None,
        readings=svc.metadata.readings.get(record_id),
    )


@bp.post("/documents/<record_id>/retry")
@requires(Permission.UPLOAD)
def retry(record_id: str):
    if uploads.retry(services(), record_id, actor(), client_ip()):
        flash(_("Dokumen dimasukkan kembali ke antrean."), "success")
    else:
        flash(_("Hanya dokumen yang gagal yang dapat diproses ulang."), "error")
    return redirect(url_for("web.record_page", record_id=record_id))


@bp.route("/account/tokens", methods=["GET", "POST"])
@requires(Permission.READ)
def tokens():
    new_token, refused = None, False
    if request.method == "POST":
        name = request.form.get("name", "").strip() or "token"
        try:
            days = bounded(request.form.get("days", "").strip() or None, "days", 1,
                           accounts.MAX_TOKEN_DAYS, default=0) or None  # fmt: skip
            new_token = accounts.create_token(
                services(), current_user.username, name, actor(), client_ip(), days=days
            )
        except NumberError:
            refused = True
            flash(
                _("Masa berlaku token 1 sampai %(days)s hari.", days=accounts.MAX_TOKEN_DAYS),
                "error",
            )
        except accounts.AccountError as exc:
            refused = True
            flash(said(exc), "error")
    listed = services().metadata.users.tokens(current_user.user.id)
    page = render_template("tokens.html", tokens=listed, new_token=new_token)
    return page, (400 if refused else 200)


@bp.post("/account/tokens/<int:token_id>/revoke")
@requires(Permission.READ)
def revoke_token(token_id: int):
    if services().metadata.users.revoke_token(current_user.user.id, token_id):
        audit.record(
            services(), actor(), "token.revoke", f"user:{actor()}", client_ip(), token_id=token_id
        )
        flash(_("Token dicabut."), "success")
    return redirect(url_for("web.tokens"))
