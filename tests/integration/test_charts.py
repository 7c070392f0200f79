"""Charts drawn on the server from the database's grouped numbers: the retention dashboard
(records by state, due per quarter for ten years), ingest (pages per hour, backlog,
failures) and tally flags by region; no script is needed to read them."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import update

from archive_app.db.models import RecordRow
from archive_app.db.session import Sessions
from archive_app.domain.clock import utcnow
from archive_app.recordkeeping import retention
from archive_app.web import chart_data
from tests.conftest import bearer
from tests.integration.records_helpers import add, set_retention


def _set(services, record_id: str, **values) -> None:
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id == record_id).values(**values))


def _bars(page: str, chart_id: str) -> dict[str, int]:
    figure = page[page.index(f'id="{chart_id}"') :]
    figure = figure[: figure.index("</svg>")]
    return {
        label: int(value)
        for label, value in re.findall(r'data-label="([^"]*)" data-value="(\d+)"', figure)
    }


def test_the_due_timeline_puts_each_record_in_its_quarter(app, services):
    """GIVEN records due in three quarters WHEN the timeline is built THEN 40 quarters from
    this one each hold their records; records outside ten years are left out."""
    today = date.today()
    first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    days = [first, first + timedelta(days=1), first + timedelta(days=400),
            first + timedelta(days=365 * 11)]  # fmt: skip
    for n, day in enumerate(days):
        set_retention(services, add(services, 20 + n), state="active", due_at=day)
    with app.test_request_context():
        chart = chart_data.due_by_quarter(services.metadata.statistics, today=today)
    assert len(chart.bars) == 40
    assert chart.bars[0].value == 2
    assert chart.total == 3
    assert chart.bars[0].label == f"{first.year} K{(first.month - 1) // 3 + 1}"


def test_the_retention_dashboard_draws_its_charts(client, services, tokens):
    retention.ensure_schedule(services, "test")
    ids = [add(services, n) for n in (1, 2)]
    retention.refresh(services, ids=ids)
    page = client.get("/retention", headers=bearer(tokens["auditor"])).get_data(as_text=True)
    states = _bars(page, "grafik-status")
    assert states["jatuh tempo"] == 2 and states["aktif"] == 0
    assert len(_bars(page, "grafik-jatuh-tempo")) == 40
    assert "<script" not in page[page.index('id="grafik-status"') :]


def test_the_ingest_page_charts_pages_backlog_and_failures(client, services, tokens):
    """GIVEN a record read this hour (3 pages), one queued and one failed WHEN the batch page
    is read THEN the charts show them in the current hour."""
    done, waiting, broken = (add(services, n) for n in (3, 4, 5))
    now = utcnow()
    _set(services, done, status="ready", processed_at=now, page_count=3, pages_done=3)
    _set(services, waiting, status="queued", page_count=2, pages_done=0)
    _set(services, broken, status="failed", updated_at=now)
    page = client.get("/batches", headers=bearer(tokens["archivist"])).get_data(as_text=True)
    hour = now.strftime("%H.00")
    assert _bars(page, "grafik-halaman")[hour] == 3
    assert _bars(page, "grafik-gagal")[hour] == 1
    assert _bars(page, "grafik-antrean")["Dalam antrean"] >= 1
    assert re.search(r"data-failures>1<", page)


def test_tally_flags_are_counted_by_region(client, services, tokens):
    flagged = [add(services, n, province=p) for n, p in ((6, "Jawa Tengah"), (7, "Jawa Tengah"),
                                                        (8, "Bali"))]  # fmt: skip
    _set(services, flagged[0], tally_consistent=False)
    _set(services, flagged[1], tally_low_confidence=True)
    _set(services, flagged[2], tally_consistent=False)
    page = client.get("/beranda", headers=bearer(tokens["auditor"])).get_data(as_text=True)
    assert _bars(page, "grafik-hitungan") == {"Jawa Tengah": 2, "Bali": 1}
    archivist = client.get("/beranda", headers=bearer(tokens["archivist"])).get_data(as_text=True)
    assert "grafik-hitungan" not in archivist
