"""Preservation copies in the archive: made after processing, stored with their checksum,
checked by fixity, listed in the sidecar, downloadable, carried by transfers and transfer
packages, and made for records that have none by `archive preserve --missing`."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import bagit
import pikepdf

from archive_app import accounts
from archive_app.domain.records import FileRole
from archive_app.intake import uploads
from archive_app.operations.transfer import transfer
from archive_app.recordkeeping import disposition, retention
from archive_app.records import processing
from archive_app.services import build_services
from tests.conftest import bearer, make_settings
from tests.factories import metadata
from tests.formgen import make_form

META = metadata(form_type="C.KEJADIAN", year=2014, tps="7")  # due for transfer or destruction


def upload(services, path: Path, **changes) -> str:
    with open(path, "rb") as fh:
        return uploads.receive(services, fh, path.name, {**META, **changes}, "archivist").id


def wait_for_copy(services, record_id: str, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while True:
        files = {f.role: f for f in services.metadata.records.files(record_id)}
        if FileRole.PDFA.value in files:
            return files
        assert time.monotonic() < deadline, "no PDF/A copy was made"
        time.sleep(0.3)


def cli(settings, *args):
    env = {**os.environ, "ARCHIVE_DATA_DIR": str(settings.data_dir)}
    return subprocess.run([sys.executable, "-m", "archive_app", *args], env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip


def test_given_an_upload_when_workers_process_it_then_a_checked_pdfa_copy_is_kept(
    services, settings, worker, client, tokens, tmp_path, verapdf
):
    record_id = upload(services, make_form(tmp_path / "scan.jpg", fmt="jpeg", tps=7))
    files = wait_for_copy(services, record_id)
    copy = files[FileRole.PDFA.value]
    assert copy.key.endswith("/preservation.pdf") and copy.content_type == "application/pdf"
    stored = settings.objects_dir / copy.key
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == copy.sha256

    # the metadata.json sidecar lists it, with its checksum, and its own checksum still holds
    sidecar = files[FileRole.METADATA.value]
    body = json.loads((settings.objects_dir / sidecar.key).read_bytes())
    listed = {f["role"]: f for f in body["files"]}
    assert listed["pdfa"]["sha256"] == copy.sha256 and "readings" in body
    assert cli(settings, "verify").returncode == 0

    # downloadable by any reader, and a PDF/A-2b file veraPDF passes, the record in its XMP
    answer = client.get(f"/api/v1/documents/{record_id}/pdfa", headers=bearer(tokens["auditor"]))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert ".pdfa.pdf" in answer.headers["Content-Disposition"]
    (tmp_path / "download.pdf").write_bytes(answer.data)
    [verdict] = verapdf.validate([tmp_path / "download.pdf"])
    assert verdict.compliant, verdict.failures
    with pikepdf.open(tmp_path / "download.pdf") as pdf:
        meta = pdf.open_metadata()
        assert meta["dc:identifier"] == record_id and "tps: 007" in meta["dc:subject"]
    links = client.get(f"/api/v1/documents/{record_id}", headers=bearer(tokens["auditor"]))
    assert links.json["links"]["pdfa"].endswith("/pdfa")
    assert services.metadata.audit.list(action="preserve.made")[0]["target"] == (
        f"document:{record_id}"
    )

    # fixity re-reads it like every stored file
    stored.write_bytes(stored.read_bytes()[:-10] + b"0123456789")
    result = cli(settings, "verify")
    assert result.returncode == 1 and f"CHANGED\t{record_id}\t{copy.key}" in result.stdout


def test_given_records_without_a_copy_when_preserve_missing_runs_then_each_gets_one(
    services, settings, tmp_path, verapdf
):
    """Records processed before copies existed (here: processed with no worker to run the
    copy task) get theirs from `archive preserve --missing`; a second run has nothing to do."""
    ids = []
    for n in (1, 2):
        record_id = upload(services, make_form(tmp_path / f"s{n}.png", tps=n, seed=n))
        processing.process(services, record_id)
        ids.append(record_id)
    assert services.metadata.records.missing_role(FileRole.PDFA.value) == sorted(ids)
    result = cli(settings, "preserve", "--missing")
    assert result.returncode == 0, result.stderr
    assert "made 2 PDF/A copies" in result.stdout
    assert services.metadata.records.missing_role(FileRole.PDFA.value) == []
    copies = [wait_for_copy(services, i, timeout=1)[FileRole.PDFA.value] for i in ids]
    verdicts = verapdf.validate([settings.objects_dir / c.key for c in copies])
    assert all(v.compliant for v in verdicts), [v.failures for v in verdicts]
    again = cli(settings, "preserve", "--missing")
    assert again.returncode == 0 and "made 0 PDF/A copies" in again.stdout


def test_given_an_approved_transfer_then_bagit_1_0_packages_carry_the_copy_and_list_only_what_is_in_them(  # noqa: E501
    services, worker, tmp_path, verapdf
):
    retention.ensure_schedule(services, "test")
    for name, role in (("pengelola", "records_officer"), ("pejabat", "approver")):
        accounts.create_user(services, name, "a long password", role, "test")
    forms = [make_form(tmp_path / f"t{n}.png", tps=n, seed=n) for n in (1, 2)]
    ids = [upload(services, form, form_type="C.HASIL") for form in forms]  # due for transfer
    for record_id in ids:
        wait_for_copy(services, record_id)
    list_id = disposition.propose(services, "transfer", ids, "serah ke LKD", "pengelola")
    disposition.decide(services, list_id, True, "Setuju diserahkan", "pejabat")
    disposition.execute(services, list_id, "pengelola")
    [package] = services.metadata.dispositions.get(list_id).packages
    bag = bagit.Bag(package["path"])
    bag.validate()
    assert (Path(package["path"]) / "bagit.txt").read_text().startswith("BagIt-Version: 1.0\n")
    assert bag.version_info == (1, 0)
    for record_id in ids:
        folder = Path(package["path"]) / "data" / record_id
        names = {p.name for p in folder.iterdir()}
        assert names == {"original.png", "searchable.pdf", "preservation.pdf", "text.txt",
                         "metadata.json"}  # fmt: skip
        listed = json.loads((folder / "metadata.json").read_text())["files"]
        assert {f["path"] for f in listed} == names - {"metadata.json"}
        assert all(f["sha256"] == bag.entries[f"data/{record_id}/{f['path']}"]["sha256"]
                   for f in listed)  # fmt: skip
    verdicts = verapdf.validate(
        [Path(package["path"]) / "data" / i / "preservation.pdf" for i in ids]
    )
    assert all(v.compliant for v in verdicts)


def test_given_a_transfer_to_other_backends_then_the_copy_goes_along_verified(services, tmp_path):
    record_id = upload(services, make_form(tmp_path / "scan.png", tps=3))
    processing.process(services, record_id)
    from archive_app.recordkeeping import preservation

    made = preservation.preserve(services, record_id)
    assert made is not None
    target = build_services(make_settings(tmp_path / "target"))
    try:
        report = transfer(services, target)
        assert report.complete and report.records == 1
        there = {f.role: f for f in target.metadata.records.files(record_id)}
        assert there[FileRole.PDFA.value].sha256 == made.sha256
        with target.objects.open(made.key) as fh:
            assert fh.read(5) == b"%PDF-"
    finally:
        target.close()


def test_given_a_record_being_processed_again_then_no_copy_is_recorded(services, tmp_path):
    """The copy is recorded only while the record is ready: a retry replaces every derived
    file, and processing enqueues a new copy when it is done."""
    from archive_app.domain.entities import StoredFile
    from archive_app.recordkeeping import preservation

    record_id = upload(services, make_form(tmp_path / "scan.png", tps=4))
    assert preservation.preserve(services, record_id) is None  # queued: nothing to copy yet
    assert services.metadata.jobs.claim(record_id, "someone", 60) is not None
    late = StoredFile("pdfa", f"records/{record_id[:2]}/{record_id}/preservation.pdf", "0" * 64, 1)
    assert services.metadata.records.put_file(record_id, late) is False
    assert all(f.role != "pdfa" for f in services.metadata.records.files(record_id))


def test_given_two_copies_made_at_once_then_the_row_says_what_the_object_holds(services, tmp_path):
    """GIVEN a ready record WHEN two workers make its copy at the same moment (the task and a
    transfer, say) THEN the recorded checksums of the copy and of metadata.json are those of
    the stored bytes, and a fixity check finds nothing changed."""
    import threading

    from archive_app.recordkeeping import fixity, preservation

    record_id = upload(services, make_form(tmp_path / "f.png", seed=71))
    processing.process(services, record_id)
    errors = []

    def make():
        try:
            preservation.preserve(services, record_id, again=True)
        except Exception as exc:  # a failure is what this test is about
            errors.append(exc)

    for _ in range(3):
        threads = [threading.Thread(target=make) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    for f in services.metadata.records.files(record_id):
        assert fixity.object_sha256(services.objects, f.key) == f.sha256, f.role
    assert fixity.verify(services).ok
