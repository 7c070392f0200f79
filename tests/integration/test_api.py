"""The JSON API end to end on real backends, real workers and real Tesseract:
upload → queued → ready → searchable → downloadable, and every refusal path."""

from __future__ import annotations

import hashlib
import struct
import time
import zlib

import pymupdf
import pytest

from tests.conftest import bearer
from tests.formgen import make_form, make_text_pdf
from tests.integration.api_helpers import (
    leftovers,
    settings_for,
    upload,
    wait_searchable,
    wait_settled,
)


@pytest.fixture(params=["embedded", "scaleout"])
def settings(request, tmp_path):
    """Every test here runs twice: on the embedded adapters and on the scale-out ones."""
    return settings_for(request, tmp_path)


def test_archivist_uploads_and_auditor_finds_reads_and_downloads(client, tokens, worker, form):
    """GIVEN an archivist's scan WHEN uploaded THEN it is queued, processed, searchable by TPS
    and by a word only OCR knows, and every download matches what was stored."""
    response = upload(client, tokens["archivist"], form)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert body["status"] == "queued"
    assert body["sha256"] == hashlib.sha256(form.read_bytes()).hexdigest()

    record = wait_settled(client, tokens["auditor"], body["id"])
    assert record["status"] == "ready", record["error"]
    assert record["pages"] == 1 and record["ocr_confidence"] > 70
    assert record["metadata"]["tps"] == 5 and record["metadata"]["tps_label"] == "TPS 005"
    assert record["created_by"] == "archivist"
    assert record["page_details"][0]["source"] == "ocr"

    auditor = tokens["auditor"]
    found = wait_searchable(client, auditor, {"q": "kelapamuda"})
    assert [h["id"] for h in found["hits"]] == [body["id"]]
    assert "<mark>" in found["hits"][0]["highlights"][0]
    assert "text" not in found["hits"][0]
    for params in ({"tps": "5"}, {"tps": "005", "village": "PAPAHAN"}, {"q": "TPS 005 Papahan"}):
        result = client.get("/api/v1/search", query_string=params, headers=bearer(auditor))
        assert [h["id"] for h in result.get_json()["hits"]] == [body["id"]], params
    assert found["facets"]["province"] == {"Jawa Tengah": 1}
    drill = client.get(
        "/api/v1/search",
        query_string={"q": "kelapamuda", "district": "jaten"},
        headers=bearer(auditor),
    ).get_json()
    assert drill["facets"]["village"] == {"Papahan": 1}

    original = client.get(f"/api/v1/documents/{body['id']}/original", headers=bearer(auditor))
    assert original.status_code == 200 and original.data == form.read_bytes()
    pdf = client.get(f"/api/v1/documents/{body['id']}/pdf", headers=bearer(auditor))
    assert pdf.mimetype == "application/pdf"
    with pymupdf.open(stream=pdf.data, filetype="pdf") as searchable:
        assert "Kelapamuda" in searchable[0].get_text()
    text = client.get(f"/api/v1/documents/{body['id']}/text", headers=bearer(auditor))
    assert "Kelapamuda" in text.get_data(as_text=True)
    thumb = client.get(record["page_details"][0]["thumb"], headers=bearer(auditor))
    assert thumb.mimetype == "image/jpeg" and thumb.data[:3] == b"\xff\xd8\xff"


def test_every_stored_file_has_its_checksum_and_a_sidecar_describes_the_record(
    client, services, tokens, worker, form
):
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    wait_settled(client, tokens["archivist"], record_id)
    # The PDF/A copy follows the record being ready, made by its own task; its audit entry
    # comes last, once the copy is stored and listed in the sidecar.
    deadline = time.monotonic() + 180
    target = f"document:{record_id}"
    while not services.metadata.audit.list(target=target, action="preserve.made", limit=1):
        assert time.monotonic() < deadline, "no PDF/A copy was made"
        time.sleep(0.3)
    files = services.metadata.records.files(record_id)
    roles = {f.role for f in files}
    assert roles == {"original", "pdf", "pdfa", "text", "view", "thumb", "metadata"}
    for f in files:
        with services.objects.open(f.key) as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == f.sha256, f.key
    import json

    sidecar = next(f for f in files if f.role == "metadata")
    with services.objects.open(sidecar.key) as fh:
        described = json.load(fh)
    assert described["id"] == record_id and described["status"] == "ready"
    assert described["metadata"]["village"] == "Papahan"
    assert {f["key"] for f in described["files"]} == {f.key for f in files if f.role != "metadata"}


def test_the_same_bytes_again_is_409_with_the_existing_id(client, tokens, form):
    first = upload(client, tokens["archivist"], form).get_json()
    again = upload(client, tokens["archivist"], form, tps="7")
    assert again.status_code == 409 and again.get_json()["id"] == first["id"]


def test_invalid_metadata_is_400_naming_the_fields_and_stores_nothing(
    client, services, tokens, form
):
    response = upload(client, tokens["archivist"], form, tps="1000", election="PEMILU", year="20x4")
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"tps", "election", "year"}
    assert leftovers(services) == {"rows": 0, "uploading": [], "objects": [], "tmp": []}


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
        + struct.pack(">I", zlib.crc32(chunk)) + b"\x00" * 64
    )  # fmt: skip


@pytest.mark.parametrize(
    "name,content,status",
    [
        ("empty.pdf", lambda p: b"", 400),
        ("notes.pdf", lambda p: b"Ini hanya teks biasa, bukan PDF.\n" * 20, 415),
        ("truncated.pdf", lambda p: p.read_bytes()[: len(p.read_bytes()) // 2], 422),
        ("bomb.png", lambda p: _png_header(100_000, 100_000), 413),
    ],
)
def test_bad_files_get_a_clear_4xx_and_leave_nothing_behind(
    client, services, tokens, tmp_path, name, content, status
):
    real_pdf = make_form(tmp_path / "real.pdf", fmt="pdf")
    bad = tmp_path / name
    bad.write_bytes(content(real_pdf))
    response = upload(client, tokens["archivist"], bad)
    assert response.status_code == status
    assert response.get_json()["error"]
    assert leftovers(services) == {"rows": 0, "uploading": [], "objects": [], "tmp": []}


def test_a_pdf_with_a_text_layer_keeps_it_without_ocr(client, tokens, worker, tmp_path):
    pdf = make_text_pdf(
        tmp_path / "born-digital.pdf",
        "Rekapitulasi hasil penghitungan suara Kecamatan Jaten\f"
        "Halaman kedua: daftar saksi dan tanda tangan penyelenggara",
    )
    record_id = upload(client, tokens["archivist"], pdf).get_json()["id"]
    record = wait_settled(client, tokens["archivist"], record_id)
    assert record["status"] == "ready" and record["pages"] == 2
    assert [p["source"] for p in record["page_details"]] == ["text", "text"]
    assert record["ocr_confidence"] is None


def test_a_failed_record_shows_its_error_and_a_retry_completes_it(
    client, services, tokens, form, settings
):
    """GIVEN processing that fails (an OCR language that is not installed) WHEN the cause is
    fixed and the record retried THEN it completes."""
    from archive_app.services import build_services

    broken = build_services(settings.with_overrides(ocr_languages="xxx", job_max_attempts=1))
    record_id = upload(client, tokens["archivist"], form).get_json()["id"]
    local = broken.queue.start_local(1)
    try:
        record = wait_settled(client, tokens["archivist"], record_id)
    finally:
        local.stop()
        broken.close()
    assert record["status"] == "failed" and "xxx" in record["error"]
    assert (
        client.post(
            f"/api/v1/documents/{record_id}/retry", headers=bearer(tokens["auditor"])
        ).status_code
        == 403
    )
    retried = client.post(
        f"/api/v1/documents/{record_id}/retry", headers=bearer(tokens["archivist"])
    )
    assert retried.status_code == 202
    local = services.queue.start_local(1)
    try:
        assert wait_settled(client, tokens["archivist"], record_id)["status"] == "ready"
    finally:
        local.stop()


def test_search_parameters_are_checked(client, tokens):
    bad = client.get("/api/v1/search", query_string={"tps": "x"}, headers=bearer(tokens["auditor"]))
    assert bad.status_code == 400 and "tps" in bad.get_json()["fields"]
    weird = client.get(
        "/api/v1/search", query_string={"q": 'AND OR ( " : *'}, headers=bearer(tokens["auditor"])
    )
    assert weird.status_code == 200


def test_healthz_reports_every_backend(client, tokens):
    """The public learns ok or not ok; an auditor what each backend says."""
    assert client.get("/healthz").get_json() == {"status": "ok"}
    body = client.get("/healthz", headers=bearer(tokens["auditor"])).get_json()
    assert body["status"] == "ok"
    assert set(body["backends"]) == {"metadata", "objects", "index", "queue"}


@pytest.mark.parametrize(
    "name,word",
    [("linn.png", "polyphonic"), ("c02-22.pdf", "kitchen"), ("skew.pdf", "polyphonic")],
)
def test_real_scans_become_searchable_by_words_only_ocr_could_know(
    client, tokens, worker, real_scans, name, word
):
    """GIVEN real scanned pages (no text layer) WHEN archived THEN their words are found."""
    record_id = upload(client, tokens["archivist"], real_scans / name, tps="9").get_json()["id"]
    record = wait_settled(client, tokens["archivist"], record_id)
    assert record["status"] == "ready", record["error"]
    found = wait_searchable(client, tokens["auditor"], {"q": word, "tps": "9"})
    assert [h["id"] for h in found["hits"]] == [record_id]
