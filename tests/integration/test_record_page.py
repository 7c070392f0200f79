"""The record page and its downloads: HTTP Range so a large PDF opens at once, distinct file
names for the original and the searchable copy, and a record still waiting for review shown
as "Perlu ditinjau" with "Belum diisi" for what nobody filled in."""

from __future__ import annotations

import io

import pytest

from archive_app.intake import uploads
from tests.conftest import bearer
from tests.integration.records_helpers import META, tiny_png


@pytest.fixture
def original(services, tokens) -> str:
    return uploads.receive(services, io.BytesIO(tiny_png(7)), "scan.png", META, "archivist").id


def _get(client, tokens, record_id, range_header=None, **headers):
    if range_header:
        headers["Range"] = range_header
    return client.get(
        f"/api/v1/documents/{record_id}/original",
        headers={**bearer(tokens["auditor"]), **headers},
    )


def test_a_download_answers_ranges_with_206_and_content_range(client, tokens, original):
    """GIVEN an archived scan WHEN a viewer asks for a byte range THEN it gets 206 with
    Content-Range and exactly those bytes; a whole download says it accepts ranges."""
    whole = _get(client, tokens, original)
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    data = whole.data
    assert int(whole.headers["Content-Length"]) == len(data)

    part = _get(client, tokens, original, "bytes=10-19")
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert part.data == data[10:20]

    tail = _get(client, tokens, original, "bytes=-16")
    assert tail.status_code == 206
    assert tail.data == data[-16:]


def test_a_range_past_the_end_is_416_with_the_size(client, tokens, original):
    """GIVEN a scan of N bytes WHEN bytes N- are asked THEN 416 names the size (bytes */N)."""
    size = len(_get(client, tokens, original).data)
    answer = _get(client, tokens, original, f"bytes={size}-")
    assert answer.status_code == 416
    assert answer.headers["Content-Range"] == f"bytes */{size}"


def test_if_range_with_another_version_sends_the_whole_file(client, tokens, original):
    """GIVEN a client holding another version WHEN it resumes with If-Range THEN it gets 200."""
    answer = _get(client, tokens, original, "bytes=0-9", **{"If-Range": '"not-this-one"'})
    assert answer.status_code == 200


def test_if_range_with_a_date_sends_the_whole_file(client, tokens, original):
    """No Last-Modified is sent, so a date in If-Range cannot say the client's copy is this
    one (RFC 9110 §13.1.5): a range on it would be spliced into another version."""
    dated = {"If-Range": "Wed, 21 Oct 2015 07:28:00 GMT"}
    answer = _get(client, tokens, original, "bytes=0-9", **dated)
    assert answer.status_code == 200 and "Last-Modified" not in answer.headers
    etag = _get(client, tokens, original).headers["ETag"]
    assert _get(client, tokens, original, "bytes=0-9", **{"If-Range": etag}).status_code == 206


def test_a_viewers_range_requests_are_audited_once(client, tokens, services, original):
    """GIVEN a viewer reading a file in ranges WHEN it asks for later ranges THEN the audit
    trail holds one download, from the first request (byte 0), not one per range."""
    _get(client, tokens, original, "bytes=0-9")
    _get(client, tokens, original, "bytes=10-19")
    _get(client, tokens, original, "bytes=20-29")
    entries = services.metadata.audit.list(target=f"document:{original}", action="download")
    assert len(entries) == 1


def test_original_and_searchable_pdf_get_different_names(services):
    """GIVEN a PDF record WHEN its original and its searchable copy are named THEN the names
    differ and say which is which; an unknown TPS is left out, never written as 000."""
    from dataclasses import replace

    from archive_app.records.downloads import filename

    record = services.metadata.records.get(
        uploads.receive(services, io.BytesIO(tiny_png(8)), "x.png", META, "archivist").id
    )
    pdf = replace(record, kind="pdf")
    names = {what: filename(pdf, what) for what in ("original", "pdf", "pdfa", "text")}
    assert len(set(names.values())) == 4
    assert names["original"].endswith("_asli.pdf")
    assert names["pdf"].endswith("_teks.pdf")
    unknown = replace(pdf, metadata=replace(pdf.metadata, tps=0))
    assert "TPS" not in filename(unknown, "pdf")


def test_record_page_says_belum_diisi_and_perlu_ditinjau(client, services, tokens):
    """GIVEN a record uploaded without a TPS and marked for review WHEN its page is read
    THEN the TPS reads "Belum diisi" (never "TPS ?") and the status is "Perlu ditinjau"."""
    record_id = uploads.receive(
        services, io.BytesIO(tiny_png(9)), "y.png", {**META, "tps": ""}, "archivist"
    ).id
    _mark_ready_for_review(services, record_id)
    auditor = bearer(tokens["auditor"])
    page = client.get(f"/documents/{record_id}", headers=auditor).get_data(as_text=True)
    assert "TPS ?" not in page
    assert "Belum diisi" in page
    assert "Perlu ditinjau" in page
    listed = client.get("/documents?status=review", headers=auditor).get_data(as_text=True)
    assert record_id in listed


def _mark_ready_for_review(services, record_id: str) -> None:
    from sqlalchemy import update

    from archive_app.db.models import RecordRow
    from archive_app.db.session import Sessions

    with Sessions(services.metadata.engines).write() as s:
        s.execute(
            update(RecordRow)
            .where(RecordRow.id == record_id)
            .values(status="ready", needs_review=True)
        )


def test_only_the_archives_own_pdfs_open_inline(client, tokens, original):
    """GIVEN an uploaded original WHEN asked with inline=1 THEN it is still a download (an
    original is served as uploaded, never shown by the browser); text stays inline."""
    answer = client.get(
        f"/api/v1/documents/{original}/original?inline=1", headers=bearer(tokens["auditor"])
    )
    assert answer.headers["Content-Disposition"].startswith("attachment")
