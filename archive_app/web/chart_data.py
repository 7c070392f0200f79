"""The charts each page shows, built from the statistics repository's grouped numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from archive_app.domain.clock import utcnow
from archive_app.http.links import with_query
from archive_app.web import charts
from archive_app.web.labels import RETENTION_LABELS
from search.interfaces import RETENTION_STATES

STATE_TONES = {"active": "ok", "inactive": "muted", "due": "warn", "on_hold": "bad",
               "disposed": "ink", "transferred": "blue"}  # fmt: skip
QUARTERS = 40  # ten years
HOURS = 48


def retention_by_state(by_state: dict[str, int]) -> charts.Chart:
    return charts.rows(
        _("Arsip menurut status retensi"),
        [(RETENTION_LABELS[s], by_state.get(s, 0)) for s in RETENTION_STATES],
        unit=_("arsip"),
        tones=[STATE_TONES.get(s, "ink") for s in RETENTION_STATES],
        hrefs=[url_for("retention.records", state=s) for s in RETENTION_STATES],
    )


def due_by_quarter(statistics, today: date | None = None) -> charts.Chart:
    """Records coming due per quarter, from this quarter on, for ten years."""
    today = today or date.today()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    starts = [_add_quarters(first, i) for i in range(QUARTERS + 1)]
    by_day = statistics.due_by_day(first, starts[-1] - timedelta(days=1))
    counts = [0] * QUARTERS
    for day, n in by_day.items():
        counts[((day.year - first.year) * 12 + day.month - first.month) // 3] += n
    series = [
        (_("%(year)s K%(quarter)s", year=s.year, quarter=(s.month - 1) // 3 + 1), counts[i])
        for i, s in enumerate(starts[:-1])
    ]
    chart = charts.columns(_("Arsip yang jatuh tempo per triwulan, 10 tahun ke depan"), series,
                           unit=_("arsip"), label_every=4, tones=["warn"] * QUARTERS)  # fmt: skip
    # Axis labels: the year alone, under each year's first quarter.
    return charts.Chart(**{**vars(chart), "labels": [(x, t[:4]) for x, t in chart.labels]})


def _add_quarters(day: date, n: int) -> date:
    months = day.month - 1 + 3 * n
    return date(day.year + months // 12, months % 12 + 1, 1)


def ingest(statistics, now: datetime | None = None) -> dict:
    """Pages read per hour and failures per hour over the last two days, and the backlog."""
    now = now or utcnow()
    start = (now - timedelta(hours=HOURS - 1)).replace(minute=0, second=0, microsecond=0)
    hours = [start + timedelta(hours=i) for i in range(HOURS)]
    keys = [h.strftime("%Y-%m-%d %H") for h in hours]
    processed = statistics.processed_by_hour(start)
    failed = statistics.failed_by_hour(start)
    labels = [h.strftime("%H.00") for h in hours]
    backlog = statistics.backlog()
    return {
        "pages": charts.columns(
            _("Halaman dibaca per jam, 48 jam terakhir (UTC)"),
            [(label, processed.get(k, (0, 0))[1]) for label, k in zip(labels, keys, strict=True)],
            unit=_("halaman"), label_every=6, tones=["ok"] * HOURS,
        ),
        "failures": charts.columns(
            _("Arsip gagal diproses per jam, 48 jam terakhir (UTC)"),
            [(label, failed.get(k, 0)) for label, k in zip(labels, keys, strict=True)],
            unit=_("arsip"), label_every=6, tones=["bad"] * HOURS, height=140,
        ),
        "backlog": charts.rows(
            _("Antrean sekarang"),
            [(_("Dalam antrean"), backlog.get("queued", (0, 0))[0]),
             (_("Sedang diproses"), backlog.get("processing", (0, 0))[0])],
            unit=_("arsip"), tones=["warn", "blue"],
            hrefs=[url_for("web.record_list", status="queued"),
                   url_for("web.record_list", status="processing")],
        ),
        "backlog_pages": sum(pages for _, pages in backlog.values()),
        "total_failures": sum(failed.values()),
    }  # fmt: skip


def tally_flags(statistics, level: str = "province", limit: int = 15) -> charts.Chart:
    """Records whose tally needs a second look (sums that do not add up, doubtful
    numbers), per region, most first."""
    found = statistics.tally_flags_by(level)[:limit]
    return charts.rows(
        _("Hitungan suara yang perlu diperiksa, menurut wilayah"),
        [(region or _("(belum diisi)"), a + b) for region, a, b in found],
        unit=_("arsip"),
        tones=["bad" if a else "warn" for _, a, _b in found],
        hrefs=[
            url_for("web.search", **{level: region}, flag="inconsistent" if a else "low_confidence")
            for region, a, _b in found
        ],  # fmt: skip
    )


def _flag_search(level: str, region: str, inconsistent: int) -> str:
    args = {level: region, "flag": "inconsistent" if inconsistent else "low_confidence"}
    return with_query("web.search", args)
