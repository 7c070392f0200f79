"""BagIt 1.0 (RFC 8493) packages for transfers to the archives institution (penyerahan).

Each record is a folder of the payload: the original, the searchable PDF, the PDF/A-2b
preservation copy (made now if the record has none yet), the text, and a metadata.json that
is the record's sidecar with its file list cut down to the files in that folder (the stored
sidecar also lists page views and thumbnails, which are not transferred).

The ``bagit`` library writes version 0.97 and has no option for another: the bag is made with
it, its bagit.txt rewritten as 1.0 (the layout is the same; 1.0 mainly tightens what a
validator must check) and the tag manifests made again before it is validated.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import bagit

from archive_app.domain.records import FileRole
from archive_app.recordkeeping import fixity, preservation
from archive_app.storage.interfaces import CHUNK

BATCH = 500  # records per package: small enough to move and re-validate comfortably
PAYLOAD = (FileRole.ORIGINAL.value, FileRole.PDF.value, FileRole.PDFA.value,
           FileRole.TEXT.value)  # fmt: skip
BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


class PackageError(RuntimeError):
    """A package could not be written or did not validate; nothing was marked transferred."""


def write(services, record_ids: list[str], target: Path, disposition) -> dict:
    """Copy each record's files (checking their SHA-256), make the bag, validate it."""
    target.mkdir(parents=True)
    records = services.metadata.records
    size = 0
    for record_id in record_ids:
        folder = target / record_id
        folder.mkdir()
        files = records.files(record_id)
        if not any(f.role == FileRole.PDFA.value for f in files):
            try:
                preservation.preserve(services, record_id)
            except preservation.pdfa.PdfaError as exc:
                raise PackageError(f"{record_id}: no PDF/A copy could be made: {exc}") from exc
            files = records.files(record_id)
        carried = [f for f in files if f.role in PAYLOAD]
        for f in carried:
            size += _copy_verified(services, record_id, f, folder / Path(f.key).name)
        sidecar = next((f for f in files if f.role == FileRole.METADATA.value), None)
        if sidecar is not None:
            size += _describe(services, record_id, sidecar, carried, folder / "metadata.json")
    bag = bagit.make_bag(
        str(target),
        bag_info={
            "Source-Organization": "Komisi Pemilihan Umum (arsip formulir pemilu)",
            "External-Description": f"Penyerahan arsip statis, daftar disposisi {disposition.id}",
            "External-Identifier": f"disposition-{disposition.id}/{target.name}",
            "Internal-Sender-Description": disposition.comment or "",
            "Contact-Name": disposition.proposed_by,
        },
        checksums=["sha256", "sha512"],
    )
    (target / "bagit.txt").write_text(BAGIT_TXT, encoding="utf-8")
    bag = bagit.Bag(str(target))
    bag.save()  # the tag manifests again, over the new bagit.txt
    try:
        bag.validate()
    except bagit.BagValidationError as exc:
        raise PackageError(f"package {target} did not validate: {exc}") from exc
    return {"path": str(target), "records": len(record_ids), "bytes": size,
            "oxum": bag.info.get("Payload-Oxum", "")}  # fmt: skip


def _describe(services, record_id: str, sidecar, carried: list, dest: Path) -> int:
    """The stored metadata.json (checked against its SHA-256), listing only ``carried``."""
    for _ in range(3):  # the sidecar may be rewritten while we read it (a PDF/A copy listed)
        with services.objects.open(sidecar.key) as fh:
            data = fh.read()
        if fixity.settled(services, record_id, sidecar.key, hashlib.sha256(data).hexdigest()):
            break
    else:
        raise PackageError(f"{sidecar.key} does not match its recorded SHA-256; fix it first")
    body = json.loads(data)
    body["files"] = [
        {**vars(f), "path": Path(f.key).name} for f in carried
    ]  # as they lie in the record's folder of the bag
    out = json.dumps(body, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
    dest.write_bytes(out)
    return len(out)


def _copy_verified(services, record_id: str, f, dest: Path) -> int:
    for _ in range(3):  # a file being rewritten (the PDF/A copy) settles within moments
        digest, size = hashlib.sha256(), 0
        with services.objects.open(f.key) as src, open(dest, "wb") as out:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        if fixity.settled(services, record_id, f.key, digest.hexdigest()):
            return size
    raise PackageError(f"{f.key} does not match its recorded SHA-256; fix it before transfer")
