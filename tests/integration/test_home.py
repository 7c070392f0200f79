"""Beranda: each role's start page lists the work that waits for it, the menu shows the
counts and marks the current page, and the counts stop at a cap instead of counting all."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from sqlalchemy import update

from archive_app.db.models import RecordRow
from archive_app.db.session import Sessions
from archive_app.intake import uploads
from archive_app.recordkeeping import fixity, retention
from tests.conftest import bearer
from tests.integration.records_helpers import META, add, set_retention, tiny_png


def _set(services, record_id: str, **values) -> None:
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id == record_id).values(**values))


def _tile(page: str, key: str) -> str:
    """The count on the tile of ``key``."""
    found = re.search(rf'data-waiting="{key}">\s*<span class="tile-count">([^<]+)<', page)
    assert found, f"no {key} tile"
    return found.group(1)


def test_an_archivist_sees_reviews_and_failures_waiting(client, services, tokens):
    """GIVEN two records for review and one failed WHEN an archivist opens Beranda THEN the
    tiles count them, the menu shows the review count, and Beranda is the current page."""
    ids = [add(services, n) for n in (1, 2, 3)]
    for record_id in ids[:2]:
        _set(services, record_id, status="ready", needs_review=True)
    _set(services, ids[2], status="failed", error="OCR crashed")
    page = client.get("/beranda", headers=bearer(tokens["archivist"])).get_data(as_text=True)
    assert _tile(page, "review") == "2"
    assert _tile(page, "failed") == "1"
    assert 'data-waiting="due"' not in page  # retention is not an archivist's work
    assert re.search(r'href="/beranda" aria-current="page"', page)
    assert re.search(r'href="/review">Tinjauan <span class="menu-count"[^>]*>2</span>', page)
    assert 'class="skip-link" href="#isi"' in page and 'id="isi"' in page
    assert "Aktivitas terbaru Anda" in page and "upload" in page


def test_a_records_officer_sees_due_lists_holds_and_fixity(client, services, tokens):
    """GIVEN a due record, one coming due, a proposed list, a hold and a fixity run WHEN a
    records officer opens Beranda THEN each has its count."""
    retention.ensure_schedule(services, "test")
    due, soon, held = (add(services, n) for n in (4, 5, 6))
    retention.refresh(services, ids=[due, soon, held])
    set_retention(services, soon, state="active", due_at=date.today() + timedelta(days=30))
    officer = bearer(tokens["records_officer"])
    hold = {"case_ref": "1/PHPU", "reason": "sengketa", "document_ids": [held]}
    assert client.post("/api/v1/holds", headers=officer, json=hold).status_code == 201
    proposal = {"action": "destroy", "document_ids": [due], "comment": "x"}
    assert client.post("/api/v1/dispositions", headers=officer, json=proposal).status_code == 201
    fixity.verify(services)
    page = client.get("/beranda", headers=officer).get_data(as_text=True)
    assert _tile(page, "coming_due") == "1"
    assert _tile(page, "holds") == "1"
    assert _tile(page, "proposed") == "1"
    assert _tile(page, "fixity") == "0"
    assert int(_tile(page, "due")) >= 1
    assert "Aktivitas terbaru" in page


def test_counts_stop_at_the_cap(services):
    """GIVEN more records for review than the cap WHEN counted THEN the count is the cap."""
    for n in range(7, 12):
        record_id = uploads.receive(
            services, io.BytesIO(tiny_png(n)), f"c{n}.png", META, "archivist"
        ).id
        _set(services, record_id, status="ready", needs_review=True)
    assert services.metadata.worklist.to_review(3) == 3
    assert services.metadata.worklist.to_review(100) == 5


def test_beranda_needs_a_login(client):
    assert client.get("/beranda").status_code in (302, 401)


def test_the_menu_counts_are_counted_once_a_page(client, services, tokens):
    """GIVEN a record for review WHEN a page with the menu is read THEN the review count is
    asked of the database once, not once per menu link (14 times: ~55 ms a page at 12M)."""
    from sqlalchemy import event

    _set(services, add(services, 1), status="ready", needs_review=True)
    counted = []

    def seen(conn, cursor, statement, *args):
        if "needs_review" in statement and "count(" in statement.lower():
            counted.append(statement)

    engine = services.metadata.engines.read
    event.listen(engine, "before_cursor_execute", seen)
    try:
        page = client.get("/holds", headers=bearer(tokens["admin"])).get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert re.search(r'href="/review">Tinjauan <span class="menu-count"[^>]*>1</span>', page)
    assert len(counted) == 1
