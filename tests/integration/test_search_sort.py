"""Search results in a chosen order: a select on the page, ``sort=`` in the API."""

from __future__ import annotations

import re

import pytest
import tantivy
from sqlalchemy import update

from archive_app.db.models import RecordRow
from archive_app.db.session import Sessions
from archive_app.records import indexing
from search.interfaces import IndexUnavailable
from search.query import parse_search
from search.tantivy_index import TantivyIndex
from tests.conftest import bearer
from tests.contract.test_search_index import SORTED
from tests.integration.records_helpers import add


def _archive(services, tps_numbers) -> dict[str, int]:
    ids = {add(services, n, tps=tps): tps for n, tps in enumerate(tps_numbers, start=1)}
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id.in_(ids)).values(status="ready"))
    assert indexing.index_records(services, list(ids))
    return ids


def test_the_api_lists_hits_by_tps_and_pages_on_in_that_order(client, services, tokens):
    """GIVEN records at TPS 7, 2, 5 WHEN the API is asked for sort=tps two at a time THEN
    the hits come by TPS number, and the next cursor continues that order."""
    tps_of = _archive(services, [7, 2, 5])
    auth = bearer(tokens["auditor"])
    first = client.get("/api/v1/search?sort=tps&per_page=2", headers=auth).get_json()
    assert first["sort"] == "tps"
    cursor = first["next_cursor"]
    rest = client.get(f"/api/v1/search?sort=tps&per_page=2&cursor={cursor}", headers=auth)
    order = [tps_of[h["id"]] for h in first["hits"] + rest.get_json()["hits"]]
    assert order == [2, 5, 7]


def test_a_cursor_from_another_order_is_refused(client, services, tokens):
    """GIVEN a cursor given out for sort=tps WHEN it is handed back with sort=newest THEN the
    answer is a 400 naming the cursor (it would continue another list)."""
    _archive(services, [7, 2, 5])
    auth = bearer(tokens["auditor"])
    cursor = client.get("/api/v1/search?sort=tps&per_page=2", headers=auth).get_json()[
        "next_cursor"
    ]
    answer = client.get(f"/api/v1/search?sort=newest&per_page=2&cursor={cursor}", headers=auth)
    assert answer.status_code == 400 and "cursor" in answer.get_json()["fields"]


def test_an_unknown_sort_is_a_400_with_a_message(client, tokens):
    english = {**bearer(tokens["auditor"]), "Accept-Language": "en"}
    answer = client.get("/api/v1/search?sort=acak", headers=english)
    assert answer.status_code == 400
    assert "sort must be one of relevance, newest" in answer.get_json()["fields"]["sort"]


def test_the_page_offers_the_orders_and_keeps_the_filters(client, services, tokens):
    """GIVEN a filtered search sorted by region WHEN the page is read THEN the select shows
    that order, and the chips and page links keep it."""
    _archive(services, [1, 2, 3])
    page = client.get(
        "/?province=Jawa+Tengah&sort=region&per_page=2", headers=bearer(tokens["auditor"])
    ).get_data(as_text=True)
    assert re.search(r'<option value="region" selected>', page)
    assert {"relevance", "newest", "oldest", "region", "tps"} <= set(
        re.findall(r'<option value="(\w+)"', page)
    )
    chip = re.search(r'<a class="chip" href="([^"]+)"', page).group(1)
    assert "sort=region" in chip
    pager = page[page.index('aria-label="Halaman hasil"') :]
    assert all("sort=region" in href for href in re.findall(r'href="([^"]+)"', pager)[:3])


def test_a_bad_sort_on_the_page_says_why(client, tokens):
    answer = client.get("/?sort=acak", headers=bearer(tokens["auditor"]))
    said = answer.get_data(as_text=True)  # in the page's language, Indonesian by default
    assert answer.status_code == 400 and "Urutan harus salah satu dari relevance" in said


def test_an_index_from_before_the_sort_keys_is_upgraded_by_reindex(tmp_path):
    """GIVEN an embedded index written with an older schema WHEN it is searched THEN the
    answer is "unavailable, run archive reindex"; AFTER a rebuild it sorts."""
    old = tantivy.SchemaBuilder()
    old.add_text_field("id", stored=True, tokenizer_name="raw")
    (tmp_path / "v-old").mkdir()
    tantivy.Index(old.build(), path=str(tmp_path / "v-old"))
    (tmp_path / "CURRENT").write_text("v-old")
    index = TantivyIndex(tmp_path)
    with pytest.raises(IndexUnavailable, match="archive reindex"):
        index.search(parse_search({}))
    assert index.rebuild([SORTED]) == 4
    hits = index.search(parse_search({"sort": "tps"})).hits
    assert [h.id[-1] for h in hits] == ["2", "4", "1", "3"]
