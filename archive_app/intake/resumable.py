"""Resumable uploads (the tus 1.0 protocol, core + creation + termination).

A large scan over a weak connection arrives in chunks; when the connection drops, the
client asks how much arrived (HEAD) and continues from there instead of starting again.
The browser side is the well-kept tus-js-client; this module is the server's bookkeeping:
a partial file and a small JSON state per upload under the data folder, owned by the user
who started it, removed when it is archived, cancelled or abandoned for a day.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

CHUNK = 1024 * 1024
ABANDONED_SECONDS = 24 * 3600


class UploadError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class Upload:
    id: str
    owner: str
    length: int
    offset: int
    name: str
    created: float

    @property
    def complete(self) -> bool:
        return self.offset == self.length


def _folder(settings) -> Path:
    folder = settings.tmp_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def data_path(settings, upload_id: str) -> Path:
    return _folder(settings) / f"{upload_id}.bin"


def _state_path(settings, upload_id: str) -> Path:
    if not upload_id.isalnum() or len(upload_id) > 64:
        raise UploadError(404, "No such upload.")
    return _folder(settings) / f"{upload_id}.json"


def create(settings, owner: str, length: int, name: str) -> Upload:
    if length < 0:
        raise UploadError(400, "Upload-Length must be a whole number of bytes.")
    limit = settings.max_upload_mb * 1024 * 1024
    if length > limit:
        raise UploadError(413, f"The file is larger than {settings.max_upload_mb} MB.")
    upload = Upload(secrets.token_hex(16), owner, length, 0, name[:500], time.time())
    data_path(settings, upload.id).touch()
    _save(settings, upload)
    return upload


def _save(settings, upload: Upload) -> None:
    path = _state_path(settings, upload.id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(upload)))
    os.replace(tmp, path)


def get(settings, upload_id: str, owner: str) -> Upload:
    path = _state_path(settings, upload_id)
    try:
        upload = Upload(**json.loads(path.read_text()))
    except FileNotFoundError:
        raise UploadError(404, "No such upload (it may have expired).") from None
    if upload.owner != owner:
        raise UploadError(404, "No such upload (it may have expired).")
    return upload


@contextmanager
def locked(settings, upload_id: str):
    """One writer per upload: two PATCHes racing would interleave bytes, and two requests
    adding the same finished upload to a batch would each add it."""
    if not _state_path(settings, upload_id).exists():  # no lock files for made-up ids
        raise UploadError(404, "No such upload (it may have expired).")
    with open(_folder(settings) / f"{upload_id}.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise UploadError(423, "Another request is writing this upload.") from None
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def append(settings, upload_id: str, owner: str, offset: int, body: IO[bytes]) -> Upload:
    with locked(settings, upload_id):
        upload = get(settings, upload_id, owner)
        if offset != upload.offset:
            raise UploadError(409, f"Upload-Offset is {upload.offset}, not {offset}.")
        path = data_path(settings, upload_id)
        with open(path, "r+b") as out:
            out.truncate(upload.offset)  # drop the tail of a chunk that was cut off mid-way
            out.seek(upload.offset)
            try:
                while chunk := body.read(CHUNK):
                    if upload.offset + len(chunk) > upload.length:
                        raise UploadError(400, "More bytes than Upload-Length.")
                    out.write(chunk)
                    upload.offset += len(chunk)
            finally:  # a dropped connection keeps what arrived: the client resumes from it
                out.flush()
                os.fsync(out.fileno())
                _save(settings, upload)
        return upload


def remove(settings, upload_id: str) -> None:
    for suffix in (".bin", ".json", ".lock", ".tmp"):
        (_folder(settings) / f"{upload_id}{suffix}").unlink(missing_ok=True)


def sweep(settings) -> int:
    """Remove uploads nobody touched for a day: state, data and lock files alike (a lock
    file keeps its first time; the state is rewritten by every chunk)."""
    folder = settings.tmp_dir / "uploads"
    if not folder.is_dir():
        return 0
    cutoff = time.time() - ABANDONED_SECONDS
    files = [(p.stem, p.suffix, p.stat().st_mtime) for p in folder.iterdir() if p.is_file()]
    live = {stem for stem, suffix, mtime in files if suffix == ".json" and mtime >= cutoff}
    stale = {stem for stem, _, mtime in files if mtime < cutoff} - live
    for upload_id in stale:
        remove(settings, upload_id)
    return len(stale)
