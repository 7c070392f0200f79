"""Bulk ingest: batches over the API, resumable uploads, ZIPs that cannot hurt us, the CLI
with a manifest (idempotent), and the hot folder."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import zipfile

import pytest

from tests.conftest import bearer
from tests.factories import without
from tests.formgen import make_form
from tests.integration.records_helpers import tiny_png

SHARED = without("village", "tps")  # what a batch shares; each file names its own


def make_zip(path, entries: dict[str, bytes], symlink: str | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries.items():
            z.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            z.writestr(info, "/etc/passwd")
    return path


def new_batch(client, token, **metadata) -> int:
    response = client.post("/api/v1/batches", json={"label": "kotak 3", "metadata": metadata},
                           headers=bearer(token))  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def add(client, token, batch_id, name, data, **fields):
    response = client.post(
        f"/api/v1/batches/{batch_id}/files", headers=bearer(token),
        data={"file": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 200, response.get_json()
    return response.get_json()["outcomes"]


def test_a_zip_is_checked_entry_by_entry_and_bad_entries_are_named(client, tokens, tmp_path):
    inner = make_zip(tmp_path / "inner.zip", {"a.png": tiny_png(1)}).read_bytes()
    archive = make_zip(tmp_path / "box.zip", {
        "TPS001.png": tiny_png(2), "sub/TPS002.png": tiny_png(3), "../../evil.png": tiny_png(4),
        "nested.zip": inner, "catatan.txt": b"bukan pindaian",
    }, symlink="link.png")  # fmt: skip
    batch = new_batch(client, tokens["archivist"], **SHARED)
    outcomes = {
        o["name"]: o
        for o in add(
            client,
            tokens["archivist"],
            batch,
            "box.zip",
            archive.read_bytes(),
            village="Papahan",
            tps="1",
        )
    }
    assert outcomes["box.zip/TPS001.png"]["outcome"] == "accepted"
    assert outcomes["box.zip/sub/TPS002.png"]["outcome"] == "accepted"
    assert "zip-slip" in outcomes["box.zip/../../evil.png"]["message"]
    assert "inside the archive" in outcomes["box.zip/nested.zip"]["message"]
    assert "symbolic link" in outcomes["box.zip/link.png"]["message"]
    assert outcomes["box.zip/catatan.txt"]["outcome"] == "rejected"
    body = client.get(f"/api/v1/batches/{batch}", headers=bearer(tokens["auditor"])).get_json()
    assert body["counts"]["accepted"] == 2 and body["counts"]["rejected"] == 4
    assert not any("evil" in p.name for p in tmp_path.parent.rglob("evil.png"))


def test_zip_bombs_and_oversized_archives_are_refused_whole(client, services, tokens, tmp_path):
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.png", b"\0" * (50 * 1024 * 1024))
    batch = new_batch(client, tokens["archivist"], **SHARED)
    [outcome] = add(client, tokens["archivist"], batch, "bomb.zip", bomb.read_bytes())
    assert outcome["outcome"] == "rejected" and "zip bomb" in outcome["message"]
    many = make_zip(tmp_path / "many.zip", {f"f{i}.png": tiny_png(i) for i in range(12)})
    from archive_app.intake import batches

    small = services.settings.with_overrides(max_zip_files=10)
    services.settings = small
    [outcome] = batches.add_file(services, batch, many, "many.zip", "test")
    assert outcome.outcome == "rejected" and "at most 10" in outcome.message


def damaged_zip(path):
    """A ZIP whose first entry has a corrupt deflate stream, whose second claims Deflate64
    (method 9, which Python cannot unpack) and whose third is fine."""
    noise = bytes(range(256)) * 64
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("corrupt.png", tiny_png(1) + noise)
        z.writestr("deflate64.png", tiny_png(2), compress_type=zipfile.ZIP_STORED)
        z.writestr("good.png", tiny_png(3))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        corrupt, deflate64, _ = z.infolist()
    start = corrupt.header_offset + 30 + len(corrupt.filename) + len(corrupt.extra)
    data[start + 2 : start + 40] = b"\xff" * 38
    data[deflate64.header_offset + 8] = 9  # the local header's method field
    for at in _central_entries(data):  # and the central directory's
        if data[at + 46 : at + 46 + len(b"deflate64.png")] == b"deflate64.png":
            data[at + 10] = 9
    path.write_bytes(data)
    return path


def _central_entries(data: bytearray):
    at = data.find(b"PK\x01\x02")
    while at != -1:
        yield at
        at = data.find(b"PK\x01\x02", at + 4)


def test_a_damaged_zip_entry_is_refused_alone(client, tokens, tmp_path):
    batch = new_batch(client, tokens["archivist"], **SHARED, village="Papahan", tps="4")
    archive = damaged_zip(tmp_path / "damaged.zip")
    outcomes = {o["name"]: o for o in add(client, tokens["archivist"], batch, "damaged.zip",
                                          archive.read_bytes())}  # fmt: skip
    assert outcomes["damaged.zip/good.png"]["outcome"] == "accepted"
    for name in ("corrupt.png", "deflate64.png"):
        refused = outcomes[f"damaged.zip/{name}"]
        assert refused["outcome"] == "rejected" and "could not be read" in refused["message"]


def test_the_same_file_twice_is_a_duplicate_not_an_error(client, tokens):
    batch = new_batch(client, tokens["archivist"], **SHARED, village="Papahan", tps="2")
    first = add(client, tokens["archivist"], batch, "a.png", tiny_png(7))[0]
    again = add(client, tokens["archivist"], batch, "a-copy.png", tiny_png(7))[0]
    assert again["outcome"] == "duplicate" and again["document_id"] == first["document_id"]


def test_a_resumable_upload_continues_after_a_dropped_connection(client, tokens):
    token = tokens["archivist"]
    data = tiny_png(9) + b""  # a real PNG
    create = client.post("/api/v1/uploads", headers={**bearer(token), "Tus-Resumable": "1.0.0",
                         "Upload-Length": str(len(data)),
                         "Upload-Metadata": "filename VFBTMDA5LnBuZw=="})  # fmt: skip
    assert create.status_code == 201
    url = create.headers["Location"]
    patch = {**bearer(token), "Tus-Resumable": "1.0.0",
             "Content-Type": "application/offset+octet-stream"}  # fmt: skip
    first = client.patch(url, data=data[:40], headers={**patch, "Upload-Offset": "0"})
    assert first.status_code == 204 and first.headers["Upload-Offset"] == "40"
    # the connection dropped; the client asks where to continue
    head = client.head(url, headers={**bearer(token), "Tus-Resumable": "1.0.0"})
    assert head.headers["Upload-Offset"] == "40"
    wrong = client.patch(url, data=data[10:], headers={**patch, "Upload-Offset": "10"})
    assert wrong.status_code == 409
    rest = client.patch(url, data=data[40:], headers={**patch, "Upload-Offset": "40"})
    assert rest.headers["Upload-Offset"] == str(len(data))
    not_theirs = {**bearer(tokens["admin"]), "Tus-Resumable": "1.0.0"}
    assert client.head(url, headers=not_theirs).status_code == 404
    batch = new_batch(client, token, **SHARED, village="Papahan", tps="9")
    done = client.post(f"/api/v1/batches/{batch}/files", json={"upload_id": url.rsplit("/", 1)[1]},
                       headers=bearer(token))  # fmt: skip
    [outcome] = done.get_json()["outcomes"]
    assert outcome["outcome"] == "accepted" and outcome["name"] == "TPS009.png"


def test_a_finished_upload_sent_to_a_batch_at_once_many_times_is_added_once(app, client, tokens):
    """The probe sent one finished upload (a damaged PNG) four times at once: the batch
    listed it three times. One request adds it now; the others are told it is busy or
    gone."""
    from concurrent.futures import ThreadPoolExecutor

    token = tokens["archivist"]
    data = tiny_png(11)[:-20]  # cut short: refused, which is an outcome too
    tus = {**bearer(token), "Tus-Resumable": "1.0.0"}
    url = client.post("/api/v1/uploads", headers={**tus, "Upload-Length": str(len(data))}).location
    chunk = {**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    assert client.patch(url, data=data, headers=chunk).status_code == 204
    batch = new_batch(client, token, **SHARED, village="Papahan", tps="11")

    def send(_):
        answer = app.test_client().post(f"/api/v1/batches/{batch}/files", headers=bearer(token),
                                        json={"upload_id": url.rsplit("/", 1)[1]})  # fmt: skip
        return answer.status_code

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    assert answers.count(200) == 1 and set(answers) <= {200, 404, 423}, answers
    items = client.get(f"/api/v1/batches/{batch}", headers=bearer(token)).get_json()["items"]
    assert len(items) == 1 and items[0]["outcome"] == "rejected"


def test_an_abandoned_resumable_upload_is_swept_after_a_day(client, services, tokens):
    from archive_app.intake import resumable
    from archive_app.operations import sweeping

    token = tokens["archivist"]
    tus = {**bearer(token), "Tus-Resumable": "1.0.0"}
    url = client.post("/api/v1/uploads", headers={**tus, "Upload-Length": "1000"}).location
    chunk = {**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    client.patch(url, data=b"x" * 100, headers=chunk)
    upload_id = url.rsplit("/", 1)[1]
    folder = resumable.data_path(services.settings, upload_id).parent
    assert {p.suffix for p in folder.glob(f"{upload_id}.*")} == {".bin", ".json", ".lock"}
    assert sweeping.sweep(services)["resumable_removed"] == 0  # touched just now
    day_ago = time.time() - resumable.ABANDONED_SECONDS - 60
    for path in folder.glob(f"{upload_id}.*"):
        os.utime(path, (day_ago, day_ago))
    assert sweeping.sweep(services)["resumable_removed"] == 1
    assert list(folder.glob(f"{upload_id}.*")) == []
    assert client.head(url, headers=tus).status_code == 404
    made_up = client.patch("/api/v1/uploads/abc123", data=b"x", headers=chunk)
    assert made_up.status_code == 404 and not (folder / "abc123.lock").exists()


@pytest.mark.parametrize(
    ("method", "url", "kwargs", "message"),
    [
        ("post", "/api/v1/uploads", {"headers": {"Upload-Length": "²"}}, "Upload-Length"),
        ("post", "/api/v1/batches", {"json": ["not", "an", "object"]}, "JSON object"),
        ("post", "/api/v1/batches", {"json": {"metadata": {"year": "1200"}}}, "Invalid metadata"),
        ("post", "/api/v1/batches/{batch}/files", {"json": [1]}, "JSON object"),
        ("post", "/api/v1/batches/{batch}/files", {"json": {"upload_id": "../etc"}}, "No such"),
    ],
)
def test_bad_bulk_requests_get_a_clear_4xx(client, tokens, method, url, kwargs, message):
    batch = new_batch(client, tokens["archivist"], **SHARED)
    headers = {**bearer(tokens["archivist"]), "Tus-Resumable": "1.0.0", "Accept-Language": "en",
               **kwargs.pop("headers", {})}  # fmt: skip
    response = getattr(client, method)(url.format(batch=batch), headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    body = response.get_json()
    assert message in body["message"] and body["error"] and " " not in body["error"]


def archive_cli(settings, *args, cwd=None):
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir), "ARCHIVE_WORKERS": "2"}
    return subprocess.run([sys.executable, "-m", "archive_app", *args], env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=600)  # fmt: skip


def test_cli_ingests_a_folder_with_a_manifest_and_a_second_run_skips_what_is_archived(
    settings, tmp_path
):
    folder = tmp_path / "scans"
    folder.mkdir()
    for tps, word in ((1, "Mangga"), (2, "Rambutan")):
        make_form(folder / f"tps{tps:03d}.png", tps=tps, unique_word=word, seed=tps)
    (folder / "notes.txt").write_text("bukan formulir")
    manifest = tmp_path / "manifest.csv"
    with open(manifest, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "village", "tps"])
        writer.writerow(["tps001.png", "Papahan", "1"])
        writer.writerow(["tps002.png", "Suruh", "2"])
        writer.writerow(["tps00three.png", "Suruh", "3"])  # a typo: matches no file
    shared = [f"--{k.replace('_', '-')}={v}" for k, v in SHARED.items()]
    first = archive_cli(settings, "ingest", str(folder), "--manifest", str(manifest), *shared)
    assert first.returncode == 1, first.stderr  # notes.txt was refused
    lines = {line.split("\t")[2]: line.split("\t") for line in first.stdout.splitlines()}
    assert lines["tps001.png"][1] == "ready" and lines["tps002.png"][1] == "ready"
    assert lines["notes.txt"][1] == "rejected"
    assert "manifest row 'tps00three.png' matched no file" in first.stderr
    (folder / "notes.txt").unlink()
    second = archive_cli(settings, "ingest", str(folder), "--manifest", str(manifest), *shared)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("duplicate") == 2
    from archive_app.services import build_services

    services = build_services(settings)
    villages = {d.metadata.village for d in services.metadata.records.list()}
    assert villages == {"Papahan", "Suruh"}


def test_the_hot_folder_takes_complete_files_and_files_them_away(settings, tmp_path):
    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "TPS005.png").write_bytes(tiny_png(5))
    (hot / "rusak.pdf").write_bytes(b"%PDF-1.7 terpotong")
    (hot / "sedang.pdf.part").write_bytes(b"%PDF- still being written")
    shared = [f"--{k.replace('_', '-')}={v}" for k, v in SHARED.items()]
    result = archive_cli(
        settings,
        "watch",
        str(hot),
        "--once",
        "--settle",
        "0.5",
        "--interval",
        "0.2",
        "--village",
        "Papahan",
        "--tps",
        "5",
        *shared,
    )
    assert result.returncode == 0, result.stderr
    assert (hot / "done" / "TPS005.png").exists()
    assert (hot / "failed" / "rusak.pdf").exists()
    assert "damaged" in (hot / "failed" / "rusak.pdf.error.txt").read_text()
    assert (hot / "sedang.pdf.part").exists()  # still being written: left alone


@pytest.mark.parametrize("name", ["../x.png", "/abs/x.png", "C:/x.png", "a/../../x.png"])
def test_unsafe_zip_names_are_recognised(name):
    from archive_app.intake.zips import _unsafe_name

    assert _unsafe_name(name)
