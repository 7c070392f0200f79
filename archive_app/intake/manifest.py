"""Manifests: per-file metadata for a batch, as a CSV beside the scans.

A column ``file`` names each file (its path relative to the manifest or to the folder or
ZIP given, or just its name); any of the metadata fields may follow. Used by ``archive
ingest`` and the hot folder alike.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from archive_app.domain.metadata import ALL_FIELDS
from archive_app.storage.given_files import read_given


class ManifestError(ValueError):
    """The manifest cannot be used; the message names the file and what is wrong."""


class Manifest:
    """Per-file metadata from a CSV, looked up by relative path or by file name."""

    def __init__(self, path: str | None):
        self.rows: dict[str, dict] = {}
        self.used: set[str] = set()
        if not path:
            return
        try:
            data = read_given(path)
        except OSError as exc:
            raise ManifestError(f"{path}: cannot be read ({exc.strerror or exc})") from None
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
