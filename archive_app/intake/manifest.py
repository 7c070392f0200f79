"""Manifests: per-file metadata for a batch, as a CSV beside the scans.

A column ``file`` names each file (its path relative to the manifest or to the folder or
ZIP given, or just its name); any of the metadata fields may follow. Used by ``archive
ingest`` and the hot folder alike.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from pathlib import Path

from archive_app.domain.metadata import ALL_FIELDS

# A manifest is one short line per scan: even a whole province's batch is a few MB. The bound
# stops a wrong path (a huge file, /dev/zero behind a symlink) from filling the memory.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024


class ManifestError(ValueError):
    """The manifest cannot be used; the message names the file and what is wrong."""


class Manifest:
    """Per-file metadata from a CSV, looked up by relative path or by file name."""

    def __init__(self, path: str | None):
        self.rows: dict[str, dict] = {}
        self.used: set[str] = set()
        if not path:
            return
        data = _read(path)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise ManifestError(f"{path} line {line}: is not UTF-8 text") from None
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            self._read_rows(path, reader)
        except csv.Error as exc:
            raise ManifestError(f"{path} line {reader.reader.line_num}: {exc}") from None

    def _read_rows(self, path: str, reader: csv.DictReader) -> None:
        if not reader.fieldnames or "file" not in reader.fieldnames:
            raise ManifestError(f"{path}: the manifest needs a 'file' column")
        unknown = set(reader.fieldnames) - {"file", *ALL_FIELDS}
        if unknown:
            raise ManifestError(f"{path}: unknown columns {sorted(unknown)}")
        for row in reader:
            if None in row:  # DictReader files the cells beyond the header under None
                raise ManifestError(
                    f"{path} line {reader.line_num}: more cells than the header's "
                    f"{len(reader.fieldnames)} columns"
                )
            key = (row.pop("file") or "").strip().replace("\\", "/")
            self.rows[key] = {k: (v or "").strip() for k, v in row.items()}

    def __call__(self, name: str) -> dict:
        name = name.replace("\\", "/")
        for key in (name, Path(name).name):
            if key in self.rows:
                self.used.add(key)
                return self.rows[key]
        return {}

    def unused(self) -> list[str]:
        """Rows that matched no file: a typo in the manifest would otherwise go unnoticed."""
        return sorted(set(self.rows) - self.used)


def _read(path: str) -> bytes:
    """The manifest's bytes; a FIFO, device or folder is refused before it can block or flood."""
    try:
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer that never comes.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise ManifestError(f"{path}: is not a regular file (a FIFO, a device or a folder)")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(MAX_MANIFEST_BYTES + 1)
    except OSError as exc:
        raise ManifestError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"{path}: over {MAX_MANIFEST_BYTES // 2**20} MB, not a manifest")
    return data
