"""The Rekapitulasi page: a region's forms, recap form and published figures side by side,
its children as a tree to walk down, its coverage, where the differences sit, and every
difference down to the TPS form and the crop of the number."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext
from markupsafe import Markup

from archive_app import audit
from archive_app.domain.recap_compare import KIND_LABELS, describe
from archive_app.domain.roles import Permission
from archive_app.http.csv_headers import LABELLED
from archive_app.http.i18n import Labels
from archive_app.http.links import with_query
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.http.service_messages import said
from archive_app.recap import chart, comparison
from archive_app.recap.comparison import RegionError
from vocabulary import regions

bp = Blueprint("recap", __name__)


@bp.get("/rekapitulasi")
@requires(Permission.READ_AUDIT)
def page():
    svc = services()
    elections = svc.metadata.recap.elections()
    args = dict(request.args)
    if not args.get("election") and elections:
        args["election"] = elections[0][0]
    found, error = None, None
    if args.get("election"):
        try:
            asked = comparison.asked(svc, args, region_param=True)
            found = comparison.build(svc, asked.election, asked.year, asked.region)
        except RegionError as exc:
            error = said(exc)
    if found is not None:
        audit.record(
            svc,
            actor(),
            "recap.view",
            f"region:{found.region}",
            client_ip(),
            election=found.election,
            year=found.year,
            via="web",
        )
    return render_template(
        "recap.html",
        c=found,
        error=error,
        args=args,
        elections=elections,
        chart=Markup(chart.svg(found.children)) if found else "",  # the SVG escapes its text
        link=lambda code: with_query(
            "recap.page",
            {"election": found.election, "year": found.year, "region": regions.dotted(code)},
        ),
        export=lambda endpoint, **path: with_query(endpoint, _api_params(found), **path),
        csv_export=lambda endpoint: with_query(endpoint, {**_api_params(found), **LABELLED}),
        dotted=regions.dotted,
        level_label=Labels(regions.LEVEL_LABELS),
        kind_label=Labels(KIND_LABELS),
        finding=lambda code, params: describe(code, params, gettext),
        row_label=lambda code, label: comparison.row_label(code, label, gettext),
        child_level=_child_level(found),
        polls=svc.metadata.tps.polls(),
    ), (400 if error else 200)


def _api_params(c) -> dict:
    if c is None:
        return {}
    params: dict = {"election": c.election, "year": c.year}
    for level in ("province", "regency", "district", "village", "tps"):
        width = regions.DIGITS[level]
        if len(c.region) >= width:
            params[level] = regions.dotted(c.region[:width])
    return params


def _child_level(c) -> str:
    if c is None or c.level == "tps":
        return ""
    return regions.child_level(c.level) or ""
