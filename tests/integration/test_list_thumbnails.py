"""The document list shows each record's first page small, at a fixed size and loaded only
when scrolled to; a record with no page images yet shows a placeholder instead."""

from __future__ import annotations

import re

from tests.conftest import bearer
from tests.factories import mark_processed
from tests.integration.records_helpers import add


def test_a_processed_record_shows_its_first_page_and_a_queued_one_a_placeholder(
    client, services, tokens
):
    """GIVEN a processed record and one still queued WHEN /documents is opened THEN the first
    row has a lazy, fixed-size thumbnail of page 1 with alt text, served by the record
    page's own thumbnail route; the second a placeholder named for screen readers."""
    processed, queued = add(services, 1, tps=7), add(services, 2)
    mark_processed(services, processed, review=False)
    page = client.get("/documents", headers=bearer(tokens["auditor"])).get_data(as_text=True)

    row = re.compile(r'<tr>\s*<td class="thumb-cell">.*?/documents/([0-9a-f]{32})".*?</tr>', re.S)
    rows = {m.group(1): m.group(0) for m in row.finditer(page)}
    img = re.search(r"<img [^>]+>", rows[processed])
    assert img, rows[processed]
    tag = img.group(0)
    assert f'src="/api/v1/documents/{processed}/pages/1/thumb"' in tag
    for attribute in (
        'loading="lazy"',
        'width="48"',
        'height="64"',
        'alt="Halaman 1 dari C.KEJADIAN TPS 007"',
    ):
        assert attribute in tag, tag
    assert "<img" not in rows[queued]
    assert 'role="img" aria-label="Belum ada gambar halaman"' in rows[queued]
