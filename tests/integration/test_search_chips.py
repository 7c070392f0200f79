"""The search page's active filters as removable chips, and numbered result pages."""

from __future__ import annotations

import re

from sqlalchemy import update

from archive_app.db.models import RecordRow
from archive_app.db.session import Sessions
from archive_app.records import indexing
from tests.conftest import bearer
from tests.integration.records_helpers import add


def test_each_filter_is_a_chip_that_removes_it(client, services, tokens):
    """GIVEN a search filtered by province and election WHEN the page is read THEN each filter
    is a chip whose link keeps the words and the other filter, from page one."""
    page = client.get(
        "/?q=suara&province=Jawa+Tengah&election=PPWP&page=2&foo=bar",
        headers=bearer(tokens["auditor"]),
    ).get_data(as_text=True)
    chips = dict(
        re.findall(r'<a class="chip" href="([^"]+)" aria-label="Hapus saringan ([^"]+)"', page)
    )
    by_label = {label: href.replace("&amp;", "&") for href, label in chips.items()}
    assert set(by_label) == {"Provinsi: Jawa Tengah", "Pemilihan: PPWP"}
    assert by_label["Provinsi: Jawa Tengah"] == "/?q=suara&election=PPWP&foo=bar"
    assert "Hapus semua saringan" in page and 'href="/?q=suara">Hapus semua' in page


def test_results_have_numbered_pages(client, services, tokens):
    """GIVEN 7 records and 2 per page WHEN page 2 is read THEN pages 1-4 are links, 2 is the
    current one."""
    ids = [add(services, n) for n in range(1, 8)]
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id.in_(ids)).values(status="ready"))
    assert indexing.index_records(services, ids)
    page = client.get("/?per_page=2&page=2", headers=bearer(tokens["auditor"])).get_data(
        as_text=True
    )
    pager = page[page.index('aria-label="Halaman hasil"') :]
    pager = pager[: pager.index("</nav>")]
    assert re.search(r'aria-current="page" class="current">2<', pager)
    assert [int(n) for n in re.findall(r">(\d+)</a>", pager)] == [1, 2, 3, 4]
    assert 'rel="prev"' in pager and 'rel="next"' in pager


def test_a_page_past_the_first_100000_hits_is_refused_and_the_cursor_goes_on(
    client, services, tokens
):
    """GIVEN 7 records WHEN page 1,000 at 100 a page is asked for (past the first 100,000
    hits a page number reaches) THEN it is refused with the reason and the last page reached,
    on the page in Indonesian and in the API, while page 999 is answered; and the cursor
    still goes on to the 7th record."""
    ids = [add(services, n) for n in range(1, 8)]
    with Sessions(services.metadata.engines).write() as s:
        s.execute(update(RecordRow).where(RecordRow.id.in_(ids)).values(status="ready"))
    assert indexing.index_records(services, ids)
    auditor = bearer(tokens["auditor"])

    assert client.get("/?per_page=100&page=999", headers=auditor).status_code == 200
    refused = client.get("/?per_page=100&page=1000", headers=auditor)
    assert refused.status_code == 400
    assert "Nomor halaman menjangkau 100000 hasil pertama (halaman 999" in refused.get_data(
        as_text=True
    )
    api = client.get("/api/v1/search?per_page=100&page=1000", headers=auditor)
    assert api.status_code == 400 and "page" in str(api.get_json())

    seen, cursor = [], ""
    while True:
        found = client.get(f"/api/v1/search?per_page=3&cursor={cursor}", headers=auditor).get_json()
        seen += [hit["id"] for hit in found["hits"]]
        if not (cursor := found["next_cursor"]):
            break
    assert sorted(seen) == sorted(ids)
