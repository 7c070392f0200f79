"""Opening ZIP files of scans without trusting them.

Everything is checked before a byte is extracted: entry names that would land outside the
target (zip-slip), symlinks, archives inside the archive, and the declared sizes and count
(zip bombs). While extracting, an entry is also cut off if it inflates past its declared
size, because a hostile archive can lie in its headers. Entries are streamed one at a time
to a temporary file, so memory stays flat whatever the archive's size.
"""

from __future__ import annotations

import stat
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

NESTED_SUFFIXES = (".zip", ".rar", ".7z", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".zst", ".cab")
NESTED_MAGIC = (b"PK\x03\x04", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b", b"BZh", b"\xfd7zXZ")
MAX_RATIO = 250  # scans compress a little; a 1000:1 entry is a bomb
CHUNK = 1024 * 1024
# What a damaged or exotic entry raises while it is read: a corrupt deflate stream
# (zlib.error), a method Python cannot unpack such as Deflate64 (NotImplementedError), a
# CRC mismatch (BadZipFile), a cut-off file (EOFError, OSError).
UNREADABLE = (zipfile.BadZipFile, zlib.error, NotImplementedError, OSError, EOFError, ValueError)


class ZipRejected(ValueError):
    """The whole archive is refused (not a ZIP, too big, too many files); nothing was read."""


@dataclass(frozen=True)
class Rejected:
    name: str
    reason: str


def is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return path.is_absolute() or ".." in path.parts or (len(name) > 1 and name[1] == ":")


def plan(path: Path, *, max_files: int, max_total_bytes: int) -> tuple[list, list[Rejected]]:
    """(entries to extract, entries refused with a reason); ZipRejected for the whole file."""
    try:
        archive = zipfile.ZipFile(path)
    except UNREADABLE as exc:
        raise ZipRejected(f"The ZIP file is damaged or not a ZIP: {exc}") from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > max_files:
        raise ZipRejected(f"The ZIP holds {len(infos)} files; at most {max_files} are accepted.")
    total = sum(i.file_size for i in infos)
    if total > max_total_bytes:
        raise ZipRejected(
            f"The ZIP would unpack to {total / 1e6:.0f} MB; at most "
            f"{max_total_bytes / 1e6:.0f} MB are accepted."
        )
    accepted, rejected = [], []
    for info in infos:
        reason = _refusal(info)
        if reason:
            rejected.append(Rejected(info.filename, reason))
        else:
            accepted.append(info)
    return accepted, rejected


def _refusal(info: zipfile.ZipInfo) -> str:
    if _unsafe_name(info.filename):
        return "its path points outside the archive (zip-slip); not extracted"
    if stat.S_ISLNK(info.external_attr >> 16):
        return "it is a symbolic link; not extracted"
    if info.filename.lower().endswith(NESTED_SUFFIXES):
        return "archives inside the archive are not accepted; unpack it first"
    if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
        return "its compression ratio is that of a zip bomb; not extracted"
    if info.flag_bits & 0x1:
        return "it is encrypted; not extracted"
    return ""


@contextmanager
def opened(path: Path) -> Iterator[zipfile.ZipFile]:
    """The archive opened once for all its entries (its directory is read only once)."""
    with zipfile.ZipFile(path) as archive:
        yield archive


@contextmanager
def extracted(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, scratch: Path
) -> Iterator[Path | Rejected]:
    """One entry in a temporary file (removed afterwards), or Rejected if it misbehaves."""
    target = scratch / f"entry-{info.header_offset}"
    try:
        yield _write(archive, info, target) or target
    finally:
        target.unlink(missing_ok=True)


def _write(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> Rejected | None:
    try:
        with archive.open(info) as src, open(target, "wb") as out:
            head = src.read(8)
            if head.startswith(NESTED_MAGIC):
                return Rejected(info.filename, "archives inside the archive are not accepted")
            out.write(head)
            written = len(head)
            while chunk := src.read(CHUNK):
                written += len(chunk)
                if written > info.file_size:
                    return Rejected(info.filename, "it unpacks past its declared size; refused")
                out.write(chunk)
    except UNREADABLE as exc:
        return Rejected(info.filename, f"it could not be read: {exc or type(exc).__name__}")
    return None
