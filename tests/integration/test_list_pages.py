"""Long lists page by keyset: each "next" link (or next_cursor / next_before on the API)
continues after the last row shown, so following them visits every row once, in order,
whatever the depth. The document list, the retention records list and the audit trail, on
the pages and over the API; a cursor that is not one the list gave out."""

from __future__ import annotations

import html
import re

import pytest

from archive_app.recordkeeping import retention
from tests.conftest import bearer
from tests.integration.records_helpers import add

RECORDS = 130  # more than two pages of the document list (50), one of retention (100)
RECORD_LINK = re.compile(r'href="/documents/([0-9a-f]{32})"')
NEXT_LINK = re.compile(r'<a href="([^"]+)">[Bb]erikutnya »</a>')


@pytest.fixture
def filled(services, tokens):
    retention.ensure_schedule(services, "test")
    ids = [add(services, n) for n in range(1, RECORDS + 1)]
    return services, ids


def follow(client, headers, path: str, pattern: re.Pattern) -> tuple[list[str], int]:
    """Every id the pages show, following "Berikutnya »" from ``path``; and how many pages."""
    seen: list[str] = []
    pages = 0
    while path:
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        seen += list(dict.fromkeys(pattern.findall(text)))
        pages += 1
        found = NEXT_LINK.search(text)
        path = html.unescape(found.group(1)) if found else ""
        assert pages <= 10
    return seen, pages


def test_the_document_list_pages_visit_every_record_once_newest_first(client, filled, tokens):
    """GIVEN 130 archived records WHEN an auditor follows "berikutnya" from /documents, and
    next_cursor from GET /api/v1/documents THEN each shows all 130 once, newest first, in
    pages of 50 (3 of them), with the total from the kept counts."""
    services, ids = filled
    headers = bearer(tokens["auditor"])
    newest_first = [r.id for r in services.metadata.records.list(limit=RECORDS)]
    assert sorted(newest_first) == sorted(ids)

    seen, pages = follow(client, headers, "/documents", RECORD_LINK)
    assert (seen, pages) == (newest_first, 3)

    api, cursor, totals = [], None, set()
    while True:
        query = f"?cursor={cursor}" if cursor else ""
        body = client.get(f"/api/v1/documents{query}", headers=headers).get_json()
        api += [d["id"] for d in body["documents"]]
        totals.add(body["total"])
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert api == newest_first and totals == {RECORDS}


def test_the_retention_list_continues_after_the_last_record_shown(client, filled, tokens):
    """GIVEN 130 records due for destruction WHEN a records officer follows "Berikutnya" on
    the due records THEN two pages show all 130 once, in the order of the CSV export."""
    services, ids = filled
    headers = bearer(tokens["records_officer"])
    seen, pages = follow(client, headers, "/retention/records?state=due", RECORD_LINK)
    assert pages == 2 and sorted(seen) == sorted(ids) and len(seen) == len(set(seen))
    exported = client.get("/retention/records.csv?state=due", headers=headers)
    rows = exported.get_data(as_text=True).splitlines()[1:]
    assert [line.split(",")[0] for line in rows] == seen


def test_the_audit_trail_pages_go_back_in_time_without_gaps(client, filled, tokens):
    """GIVEN the 130 uploads' entries and more WHEN an auditor follows next_before on
    GET /api/v1/audit (50 at a time) and "Lebih lama" on /audit THEN both list every entry
    once, newest first, down to the first."""
    services, _ = filled
    headers = bearer(tokens["auditor"])
    everything = [e["id"] for e in services.metadata.audit.list(limit=10_000)]
    assert len(everything) > RECORDS

    api, before = [], None
    while True:
        query = "limit=50" + (f"&before={before}" if before else "")
        body = client.get(f"/api/v1/audit?{query}", headers=headers).get_json()
        api += [e["id"] for e in body["entries"]]
        before = body["next_before"]
        if before is None:
            break
    # reading the trail over the API is itself recorded: compare with the trail as it was
    assert api[-len(everything) :] == everything

    pages, path, shown = 0, "/audit", []
    while path:
        text = client.get(path, headers=headers).get_data(as_text=True)
        shown += [int(i) for i in re.findall(r"<tr>\s*<td>(\d+)</td>", text)]
        found = re.search(r'<a href="([^"]+)">Lebih lama »</a>', text)
        path = html.unescape(found.group(1)) if found else ""
        pages += 1
        assert pages <= 10
    assert shown[-len(everything) :] == everything and pages >= 2


def test_a_cursor_the_list_did_not_give_is_refused_by_the_api_and_ignored_by_a_page(
    client, filled, tokens
):
    """GIVEN a mangled cursor WHEN it is sent THEN the API answers 400 naming the field and
    the page shows the first page (an address bar is not a client to correct)."""
    headers = bearer(tokens["auditor"])
    for bad in ("bm90LWpzb24", "WzFd", "%%%"):
        response = client.get(f"/api/v1/documents?cursor={bad}", headers=headers)
        assert response.status_code == 400
        assert "cursor" in response.get_json()["fields"]
        page = client.get(f"/documents?cursor={bad}", headers=headers)
        assert page.status_code == 200
        assert len(RECORD_LINK.findall(page.get_data(as_text=True))) >= 50
