"""The objects of the synthetic national archive: generated on reading, never stored.

Twelve million pages of scans do not fit this machine's disk (about 5 TB as real scans; even
as tiny files, the 256 folders of the local store would hold millions of folders). So the
object store of the national benchmark makes each object's bytes when it is opened, from
the key's last part (every ``original.pdf`` holds the same 512 kB, every
``searchable.pdf`` the same 256 kB ...; bench/national_data.py records their SHA-256 in
``stored_files``). What `archive verify` and `archive transfer` cost around the store (the
database pages of files to check, the hashing, the bookkeeping, writing the copies) is
measured at full scale; what reading a real disk or MinIO costs is fixity_bench's and
objectstore_bench's (``verify`` reads at 0.98x of the raw medium there).

Only what those jobs call is implemented; anything that would write is refused.
"""

from __future__ import annotations

import io

from archive_app.storage.interfaces import ObjectInfo, ObjectNotFound
from bench.national_data import BLOB_SIZES, blob_bytes, blob_for


class SyntheticObjectStore:
    def __init__(self) -> None:
        self._bytes = {name: blob_bytes(name) for name in BLOB_SIZES}

    def _name(self, key: str) -> str:
        name = key.rsplit("/", 1)[-1]
        if name not in self._bytes:
            raise ObjectNotFound(key)
        return name

    def open(self, key: str):
        return io.BytesIO(self._bytes[self._name(key)])

    def stat(self, key: str) -> ObjectInfo:
        blob = blob_for(self._name(key))
        return ObjectInfo(key, blob.size, blob.sha256)

    def exists(self, key: str) -> bool:
        return key.rsplit("/", 1)[-1] in self._bytes

    def set_legal_hold(self, key: str, on: bool) -> bool:
        return False  # as the local store: the database hold is the hold

    def health(self) -> dict:
        return {"backend": "synthetic", "ok": True}

    def _refused(self, *args, **kwargs):
        raise PermissionError("the synthetic national archive is read-only")

    put_file = put_bytes = delete = delete_all_versions = list = _refused
