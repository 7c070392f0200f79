"""Retention dashboard and record lists: where the archive's records stand, and what is due.

Counts and lists come from the cached state in the records table (kept current by the
retention service); the state and dates shown per record are computed live.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from flask import Blueprint, Response, abort, render_template, request

from archive_app import audit
from archive_app.domain import spreadsheet
from archive_app.domain.roles import Permission
from archive_app.http import csv_headers, cursors
from archive_app.http.links import with_query
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.recordkeeping import retention
from archive_app.web import chart_data
from archive_app.web.labels import retention_label
from search.interfaces import RETENTION_STATES
from vocabulary.numbers import whole_number

bp = Blueprint("retention", __name__, url_prefix="/retention")

PLACE_FILTERS = ("election", "form_type", "province", "regency", "district")
DUE_ACTIONS = ("destroy", "transfer", "review")
PER_PAGE = 100
COUNT_CAP = 10_000  # beyond this the page says "more than", the CSV still has them all
BATCH = 2000  # records a query of the CSV export (500: 4.4 s for 37,514 at 12M; 2,000: 3.3 s)
CSV_COLUMNS = (
    "id", "form_type", "election", "year", "province", "regency", "district", "village", "tps",
    "state", "state_label", "action", "series", "active_until", "inactive_until", "changes_at",
    "holds",
)  # fmt: skip


@bp.get("")
@requires(Permission.READ_AUDIT)
def dashboard():
    counts = retention.dashboard(services())
    return render_template(
        "retention_dashboard.html",
        counts=counts,
        states=RETENTION_STATES,
        by_election=_pivot(counts["by_election"]),
        by_province=_pivot(counts["by_province"]),
        by_regency=_pivot(counts["by_regency"]),
        schedule=retention.schedule(services()),
        state_chart=chart_data.retention_by_state(counts["by_state"]),
        due_chart=chart_data.due_by_quarter(services().metadata.statistics),
    )


def _pivot(counts: dict) -> list[tuple[str, dict, int]]:
    """{(value, state): n} as table rows: (value, {state: n}, total), by value."""
    rows: dict[str, dict] = {}
    for (value, state), n in counts.items():
        rows.setdefault(value, {})[state] = n
    return [(value, by_state, sum(by_state.values())) for value, by_state in sorted(rows.items())]


def list_filters(args) -> dict:
    """The list's filters from the query string; anything unknown is refused, not ignored,
    so an export never silently covers more records than the person asked for."""
    state = args.get("state", "")
    action = args.get("action", "")
    within = args.get("due_within", "")
    if state and state not in RETENTION_STATES:
        abort(400, description=f"state must be one of {', '.join(RETENTION_STATES)}")
    if action and action not in DUE_ACTIONS:
        abort(400, description=f"action must be one of {', '.join(DUE_ACTIONS)}")
    if within and not 0 < (whole_number(within) or 0) <= 36500:
        abort(400, description="due_within must be a number of days")
    return {
        "state": state,
        "action": action,
        "due_within": within,
        **{name: args.get(name, "").strip() for name in PLACE_FILTERS},
    }


def _selection(chosen: dict) -> dict:
    within = chosen["due_within"]
    return {
        "state": chosen["state"] or None,
        "action": chosen["action"] or None,
        "due_by": date.today() + timedelta(days=int(within)) if within else None,
        "filters": {name: chosen[name] for name in PLACE_FILTERS if chosen[name]},
    }


def matching_ids(svc, chosen: dict, limit: int, after=None) -> list[str]:
    return svc.metadata.lifecycle.retention_ids(**_selection(chosen), limit=limit, after=after)


@bp.get("/records")
@requires(Permission.READ_AUDIT)
def records():
    chosen = list_filters(request.args)
    svc = services()
    after = (cursors.lenient(request.args.get("cursor"), "str") or (None,))[0]
    shown = matching_ids(svc, chosen, PER_PAGE + 1, after)
    more, shown = len(shown) > PER_PAGE, shown[:PER_PAGE]
    total = svc.metadata.lifecycle.retention_count(**_selection(chosen), cap=COUNT_CAP)
    found = svc.metadata.records.by_ids(shown)
    page = [found[i] for i in shown if i in found]
    states = retention.states_of(svc, page)
    query = {k: v for k, v in chosen.items() if v}
    next_url = None
    if more and shown:
        next_url = with_query("retention.records", {**query, "cursor": cursors.encode(shown[-1])})
    return render_template(
        "retention_records.html",
        rows=[(record, states[record.id]) for record in page],
        total=min(total, COUNT_CAP),
        capped=total > COUNT_CAP,
        chosen=chosen,
        states=RETENTION_STATES,
        due_actions=DUE_ACTIONS,
        export_url=with_query("retention.export", {**query, **csv_headers.LABELLED}),
        next_url=next_url,
        first_url=with_query("retention.records", query) if after else None,
    )


@bp.get("/records.csv")
@requires(Permission.READ_AUDIT)
def export():
    chosen = list_filters(request.args)
    try:
        header = csv_headers.header_row(CSV_COLUMNS, csv_headers.RETENTION)
    except csv_headers.HeaderChoiceError as exc:
        return Response(str(exc), status=400, mimetype="text/plain")
    svc = services()
    audit.record(svc, actor(), "retention.export", "", client_ip(),
                 filters={k: v for k, v in chosen.items() if v})  # fmt: skip
    return Response(
        _csv_rows(svc, _batches(svc, chosen), header),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=retensi.csv"},
    )


def _batches(svc, chosen: dict):
    """Needs no request context: the response is streamed after the view has returned."""
    after = None
    while ids := matching_ids(svc, chosen, BATCH, after):
        yield ids
        after = ids[-1]


def _csv_rows(svc, batches, header: list[str]):
    """Streamed batch by batch: an export of a whole province must not sit in memory."""
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(header)
    yield out.getvalue()
    labels: dict[tuple[str, str | None], str] = {}  # a few states and actions, each worded once
    for ids in batches:
        out.seek(0)
        out.truncate()
        records = svc.metadata.records.by_ids(ids)
        page = [records[i] for i in ids if i in records]
        states = retention.states_of(svc, page)
        for record in page:
            r = states[record.id]
            m = record.metadata
            kind = (r.state.value, r.action)
            if kind not in labels:
                labels[kind] = retention_label(*kind)
            writer.writerow([
                record.id, m.form_type, m.election, m.year, m.province, m.regency, m.district,
                m.village, m.tps, r.state.value, labels[kind],
                r.action or "", r.series, _day(r.active_until), _day(r.inactive_until),
                _day(r.changes_at), "; ".join(h.case_ref for h in r.holds),
            ])  # fmt: skip
        yield out.getvalue()


def _day(value) -> str:
    return value.isoformat() if value else ""
