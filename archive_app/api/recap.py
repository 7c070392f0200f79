"""The recapitulation check over JSON: a region's comparison, its exports.

``GET /api/v1/recap?election=&year=&level=&province=&regency=&district=&village=`` (or
``region=``, one code, as the page takes it) answers
``{"region", "level", "coverage": {"expected", "archived", "missing"}, "rows": [{"candidate",
"from_forms", "unsure", "recap_form", "published"}], "differences": [...], "missing_tps":
[...]}``: codes, not labels (the pages show the labels).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for

from archive_app import audit
from archive_app.domain.roles import Permission
from archive_app.http import csv_headers
from archive_app.http.links import with_query
from archive_app.http.problems import INVALID_PARAMETER, invalid, problem
from archive_app.http.security import actor, client_ip, requires, services
from archive_app.recap import comparison, exports
from archive_app.recap.comparison import Comparison, Item, Place, RegionError
from vocabulary import regions
from vocabulary.numbers import NumberError, bounded

bp = Blueprint("recap", __name__)


def _comparison() -> tuple[Comparison | None, Response | None]:
    try:
        asked = comparison.asked(services(), request.args)
        limit = bounded(request.args.get("limit"), "limit", 1, 500, default=100)
    except (RegionError, NumberError) as exc:
        return None, _bad(str(exc))
    found = comparison.build(
        services(), asked.election, asked.year, asked.region, differences=limit, missing=limit
    )
    return found, None


def _bad(message: str) -> Response:
    return problem(400, INVALID_PARAMETER, message)


@bp.get("/recap")
@requires(Permission.READ_AUDIT)
def recap():
    found, error = _comparison()
    if found is None:
        return error
    audit.record(
        services(),
        actor(),
        "recap.view",
        f"region:{found.region}",
        client_ip(),
        election=found.election,
        year=found.year,
        via="api",
    )
    return jsonify(recap_json(found))


def recap_json(c: Comparison) -> dict:
    return {
        "region": regions.dotted(c.region),
        "level": c.level,
        "coverage": {
            "expected": c.coverage.expected,
            "archived": c.coverage.archived,
            "missing": c.coverage.missing,
        },
        "rows": [
            {
                "candidate": r.candidate,
                "from_forms": r.from_forms,
                "unsure": r.unsure,
                "recap_form": r.recap_form,
                "published": r.published,
            }
            for r in c.rows
        ],
        "differences": [_difference(c, d) for d in c.differences],
        "missing_tps": [{"code": code, "name": name} for code, name in c.missing_tps],
    }


def _difference(c: Comparison, d: Item) -> dict:
    return {
        "region": regions.dotted(d.region),
        "name": d.name,
        "level": d.level,
        "kind": d.kind,
        "size": d.size,
        "impact": d.impact,
        "explained_by_missing": d.explained,
        "missing_tps": d.missing,
        "candidates": [
            {
                "candidate": code,
                "first": first,
                "second": second,
                "difference": delta,
                "crops": [_crop(p) for p in d.places.get(code, [])],
            }
            for code, _, first, second, delta in d.values
        ],
        "drill_down": drill_down(c.election, c.year, d.region),
    }


def drill_down(election: str, year: int, code: str) -> str:
    params = {"election": election, "year": year, **_params(code)}
    return with_query("api.recap.recap", params)


def _params(code: str) -> dict[str, str]:
    out = {}
    for level in ("province", "regency", "district", "village", "tps"):
        width = regions.DIGITS[level]
        if len(code) >= width:
            out[level] = regions.dotted(code[:width])
    return out


def _crop(p: Place) -> dict:
    box = ",".join(f"{v:.4f}" for v in p.box) if p.box else None
    return {
        "document_id": p.record_id,
        "page": p.page,
        "crop": url_for("api.records.page_crop", record_id=p.record_id, number=p.page, box=box)
        if box
        else None,
    }


@bp.get("/recap/comparison.csv")
@requires(Permission.READ_AUDIT)
def comparison_csv():
    """The region's three columns and its children's, one line per candidate."""
    return _csv("comparison")


@bp.get("/recap/differences.csv")
@requires(Permission.READ_AUDIT)
def differences_csv():
    """The differences, the ones that could change the result most first."""
    return _csv("differences")


_CSV_LABELS = {
    "comparison": csv_headers.RECAP_COMPARISON,
    "differences": csv_headers.RECAP_DIFFERENCES,
    "missing": csv_headers.RECAP_MISSING,
}


def _csv(table: str):
    try:
        header = csv_headers.header_row(exports.CSV_COLUMNS[table], _CSV_LABELS[table])
    except csv_headers.HeaderChoiceError as exc:
        return invalid(exc)
    found, error = _comparison()
    if found is None:
        return error
    _audit_export(found, f"{table}.csv")
    return Response(
        exports.csv_text(found, table, header),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={_stem(found, table)}.csv"},
    )


@bp.get("/recap/export.xlsx")
@requires(Permission.READ_AUDIT)
def export_xlsx():
    """The three sheets; ``header`` names their columns as for the CSV downloads."""
    sheets = exports.SHEET_COLUMNS
    try:
        headers = {t: csv_headers.header_row(sheets[t], _CSV_LABELS[t]) for t in sheets}
    except csv_headers.HeaderChoiceError as exc:
        return invalid(exc)
    found, error = _comparison()
    if found is None:
        return error
    _audit_export(found, "xlsx")
    return Response(
        exports.xlsx_bytes(found, headers),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={_stem(found, 'rekap')}.xlsx"},
    )


@bp.get("/recap/laporan-selisih.pdf")
@requires(Permission.READ_AUDIT)
def report_pdf():
    found, error = _comparison()
    if found is None:
        return error
    _audit_export(found, "pdf")
    return Response(
        exports.pdf_bytes(services(), found),
        mimetype="application/pdf",
        headers={"Content-Disposition": f"attachment; filename={_stem(found, 'selisih')}.pdf"},
    )


def _audit_export(c: Comparison, what: str) -> None:
    audit.record(
        services(),
        actor(),
        "recap.export",
        f"region:{c.region}",
        client_ip(),
        election=c.election,
        year=c.year,
        format=what,
    )


def _stem(c: Comparison, what: str) -> str:
    return f"rekap-{what}-{c.election}-{c.year}-{c.region or 'nasional'}"
