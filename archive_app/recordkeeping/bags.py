"""BagIt (RFC 8493) packages for transfers to the archives institution (penyerahan)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import bagit

from archive_app.domain.records import FileRole
from archive_app.storage.interfaces import CHUNK

BATCH = 500  # records per package: small enough to move and re-validate comfortably
PAYLOAD = (FileRole.ORIGINAL.value, FileRole.PDF.value, FileRole.TEXT.value,
           FileRole.METADATA.value)  # fmt: skip


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
        for f in records.files(record_id):
            if f.role in PAYLOAD:
                size += _copy_verified(services.objects, f.key, f.sha256, folder / Path(f.key).name)
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
    try:
        bag.validate()
    except bagit.BagValidationError as exc:
        raise PackageError(f"package {target} did not validate: {exc}") from exc
    return {"path": str(target), "records": len(record_ids), "bytes": size,
            "oxum": bag.info.get("Payload-Oxum", "")}  # fmt: skip


def _copy_verified(objects, key: str, sha256: str, dest: Path) -> int:
    digest, size = hashlib.sha256(), 0
    with objects.open(key) as src, open(dest, "wb") as out:
        while chunk := src.read(CHUNK):
            digest.update(chunk)
            out.write(chunk)
            size += len(chunk)
    if digest.hexdigest() != sha256:
        raise PackageError(f"{key} does not match its recorded SHA-256; fix it before transfer")
    return size
