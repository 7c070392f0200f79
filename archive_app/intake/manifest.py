"""Manifests: per-file metadata for a batch, as a CSV beside the scans.

A column ``file`` names each file (its path relative to the manifest or to the folder or
ZIP given, or just its name); any of the metadata fields may follow. Used by ``archive
ingest`` and the hot folder alike.
"""

from __future__ import annotations

import csv
from pathlib import Path

from archive_app.domain.metadata import ALL_FIELDS


class ManifestError(ValueError):
    """The manifest cannot be used; the message names the file and what is wrong."""


class Manifest:
    """Per-file metadata from a CSV, looked up by relative path or by file name."""

    def __init__(self, path: str | None):
        self.rows: dict[str, dict] = {}
        self.used: set[str] = set()
        if not path:
            return
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or "file" not in reader.fieldnames:
                raise ManifestError(f"{path}: the manifest needs a 'file' column")
            unknown = set(reader.fieldnames) - {"file", *ALL_FIELDS}
            if unknown:
                raise ManifestError(f"{path}: unknown columns {sorted(unknown)}")
            for row in reader:
                key = row.pop("file").strip().replace("\\", "/")
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
