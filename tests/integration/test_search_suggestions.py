""" "Mungkin maksud Anda": a misspelt place or name gets the word the archive knows."""

from __future__ import annotations

import re

from sqlalchemy import update

from archive_app.db.models import RecordRow
from archive_app.db.session import Sessions
from archive_app.records import indexing
from tests.conftest import bearer
from tests.integration.records_helpers import add


def _kelapamuda(services) -> None:
    ids = [add(services, n, village="Kelapamuda", tps=n) for n in (1, 2)]
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id.in_(ids)).values(status="ready"))
    assert indexing.index_records(services, ids)


def test_the_api_suggests_a_corrected_query(client, services, tokens):
    """GIVEN records from Kelapamuda WHEN the API is asked for "Kelapmuda" THEN
    nothing matches and it suggests "kelapamuda", with the query to ask instead."""
    _kelapamuda(services)
    answer = client.get("/api/v1/search?q=Kelapmuda", headers=bearer(tokens["auditor"]))
    body = answer.get_json()
    assert body["total"] == 0
    assert body["suggestions"] == [{"word": "kelapmuda", "suggestion": "kelapamuda"}]
    assert body["suggested_q"] == "kelapamuda"


def test_a_search_that_finds_plenty_gets_no_suggestion(client, services, tokens):
    _kelapamuda(services)
    body = client.get("/api/v1/search?q=kelapamuda", headers=bearer(tokens["auditor"])).get_json()
    assert body["total"] == 2 and body["suggestions"] == [] and body["suggested_q"] is None


def test_the_page_links_to_the_corrected_search_keeping_filters_and_order(client, services, tokens):
    """GIVEN a misspelt village in a filtered, sorted search WHEN the page is read THEN it
    says "Mungkin maksud Anda: kelapamuda" and the link keeps the filter and the order."""
    _kelapamuda(services)
    page = client.get(
        "/?q=Kelapmuda&election=PPWP&sort=tps&page=3", headers=bearer(tokens["auditor"])
    ).get_data(as_text=True)
    link = re.search(r'Mungkin maksud Anda: <a href="([^"]+)"[^>]*>kelapamuda</a>', page)
    assert link
    href = link.group(1).replace("&amp;", "&")
    assert "q=kelapamuda" in href and "election=PPWP" in href and "sort=tps" in href
    assert "page=" not in href
    followed = client.get(href, headers=bearer(tokens["auditor"])).get_data(as_text=True)
    assert "2 dokumen ditemukan" in followed and "Mungkin maksud Anda" not in followed
