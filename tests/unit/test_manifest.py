"""A manifest that cannot be used is refused with a message naming the file and the line,
never a traceback, a hang or a flood of memory (archive_app/intake/manifest.py)."""

from __future__ import annotations

import os

import pytest

from archive_app.intake.manifest import Manifest, ManifestError
from archive_app.storage.given_files import MAX_GIVEN_BYTES


def test_a_good_manifest_gives_each_files_metadata(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("file,tps\nscans\\a.png, 1 \nb.png,\n", encoding="utf-8")
    manifest = Manifest(str(path))
    assert manifest("scans/a.png") == {"tps": "1"}
    assert manifest("elsewhere/b.png") == {"tps": ""}


def test_given_dev_zero_behind_a_symlink_the_manifest_is_refused_at_once(tmp_path):
    link = tmp_path / "m.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(ManifestError, match="not a regular file"):
        Manifest(str(link))


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_given_a_fifo_or_a_folder_the_manifest_is_refused_without_blocking(tmp_path, kind):
    path = tmp_path / "m.csv"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.mkdir()
    with pytest.raises(ManifestError, match="not a regular file"):
        Manifest(str(path))


def test_a_manifest_over_the_bound_is_refused(tmp_path):
    path = tmp_path / "m.csv"
    with open(path, "wb") as fh:  # sparse: the bound is tested without writing 64 MB
        fh.write(b"file,tps\na.png,1\n")
        fh.truncate(MAX_GIVEN_BYTES + 1)
    with pytest.raises(ManifestError, match="over 64 MB"):
        Manifest(str(path))


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("file,tps\na.png,1\n".encode("utf-16"), 1),
        ("file,village\na.png,1\nb.png,Cipéndéuy\n".encode("latin-1"), 3),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1),
    ],
    ids=["utf-16", "latin-1", "png"],
)
def test_a_manifest_that_is_not_utf8_names_its_line(tmp_path, content, line):
    path = tmp_path / "m.csv"
    path.write_bytes(content)
    with pytest.raises(ManifestError, match=f"line {line}: is not UTF-8 text"):
        Manifest(str(path))


def test_a_field_over_the_csv_limit_names_its_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("file,notes\na.png,short\nb.png," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="line 3: field larger than field limit"):
        Manifest(str(path))


def test_a_row_with_more_cells_than_the_header_names_its_line(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("file,tps\na.png,1\nb.png,2,extra\n", encoding="utf-8")
    with pytest.raises(ManifestError, match="line 3: more cells than the header's 2 columns"):
        Manifest(str(path))


def test_a_row_with_fewer_cells_than_the_header_is_kept(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("tps,file\n1\n2,b.png\n", encoding="utf-8")
    manifest = Manifest(str(path))
    assert manifest("b.png") == {"tps": "2"}
    assert manifest.unused() == [""]
