"""The upload check: what the archive accepts, and what it refuses with which code.

Each test is a user story: someone uploads a file; the archive either knows what it is and how
many pages it has, or refuses it with a stable code and a sentence the uploader can act on,
without ever allocating the pixels a hostile header claims.
"""

from __future__ import annotations

import struct
import time
import warnings
import zlib
from pathlib import Path

import pymupdf
import pytest

from ingest.models import FileInfo, FileKind, Limits, RejectedFile
from ingest.sniff import inspect
from tests.formgen import make_form, make_text_pdf


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A valid, 70-byte PNG whose header claims width x height pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 16)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def tiff_claiming(width: int, height: int) -> bytes:
    """A 130-byte TIFF header claiming one strip of width x height 8-bit gray pixels."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1)]
    entries += [(262, 3, 1, 1), (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height)]
    entries += [(279, 4, 1, 0xFFFFFFFF)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    return b"II*\x00" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0)


def rejected(path: Path, limits: Limits) -> RejectedFile:
    with pytest.raises(RejectedFile) as caught:
        inspect(path, limits)
    assert caught.value.message.endswith("."), "messages are sentences for end users"
    return caught.value


@pytest.mark.parametrize("fmt, kind, pages", [
    ("png", FileKind.PNG, 1),
    ("jpeg", FileKind.JPEG, 1),
    ("tiff", FileKind.TIFF, 3),
    ("pdf", FileKind.PDF, 2),
])  # fmt: skip
def test_given_a_scan_in_a_supported_format_when_inspected_then_kind_and_pages_are_known(
    tmp_path, limits, fmt, kind, pages
):
    path = make_form(tmp_path / "scan.bin", fmt=fmt, pages=pages if fmt in ("tiff", "pdf") else 1)
    assert inspect(path, limits) == FileInfo(kind, pages)


def test_given_a_png_named_pdf_when_inspected_then_the_content_decides_the_kind(tmp_path, limits):
    path = make_form(tmp_path / "form.pdf", fmt="png")
    assert inspect(path, limits).kind is FileKind.PNG


def test_given_the_real_sample_scans_when_inspected_then_all_are_accepted(real_scans, limits):
    assert inspect(real_scans / "multipage.pdf", limits).page_count == 6
    assert inspect(real_scans / "cardinal.pdf", limits).page_count == 4
    assert inspect(real_scans / "linn.png", limits).kind is FileKind.PNG


def test_given_an_empty_upload_then_it_is_rejected_as_empty(tmp_path, limits):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"")
    assert rejected(path, limits).code == "empty"


def test_given_a_text_file_named_pdf_then_it_is_rejected_as_unsupported(tmp_path, limits):
    path = tmp_path / "hasil.pdf"
    path.write_text("TPS 005 Papahan: 123, 45, 67\n")
    assert rejected(path, limits).code == "unsupported_type"


def test_given_the_first_half_of_a_real_pdf_then_it_is_rejected_as_damaged(
    tmp_path, real_scans, limits
):
    data = (real_scans / "multipage.pdf").read_bytes()
    path = tmp_path / "cut.pdf"
    path.write_bytes(data[: len(data) // 2])
    assert rejected(path, limits).code == "damaged"


def test_given_a_password_protected_pdf_then_it_is_rejected_as_damaged(tmp_path, limits):
    plain = make_text_pdf(tmp_path / "plain.pdf", "PEMILIHAN UMUM 2024")
    with pymupdf.open(plain) as record:
        record.save(tmp_path / "locked.pdf", encryption=pymupdf.PDF_ENCRYPT_AES_256, user_pw="x")
    error = rejected(tmp_path / "locked.pdf", limits)
    assert error.code == "damaged"
    assert "password" in error.message


@pytest.mark.parametrize("fmt", ["png", "jpeg"])
def test_given_a_truncated_image_then_it_is_rejected_as_damaged(tmp_path, limits, fmt):
    data = make_form(tmp_path / "whole", fmt=fmt).read_bytes()
    path = tmp_path / "cut"
    path.write_bytes(data[: len(data) // 2])
    assert rejected(path, limits).code == "damaged"


@pytest.mark.parametrize("crafted", [png_claiming, tiff_claiming])
def test_given_a_tiny_file_claiming_100000_by_100000_pixels_then_it_is_too_large_at_once(
    tmp_path, limits, crafted
):
    path = tmp_path / "bomb"
    path.write_bytes(crafted(100_000, 100_000))
    started = time.perf_counter()
    assert rejected(path, limits).code == "too_large"
    assert time.perf_counter() - started < 1, "refused from the header, nothing decoded"


def test_given_a_header_over_our_limit_but_under_pillows_then_our_limit_decides_quietly(
    tmp_path,
):
    """Pillow only warns between 89 and 179 MP; the archive's Limits must still refuse."""
    path = tmp_path / "big.png"
    path.write_bytes(png_claiming(12_000, 13_000))  # 156 MP
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        error = rejected(path, Limits(max_image_pixels=150_000_000))
    assert error.code == "too_large"
    assert "12000 x 13000" in error.message


def test_given_more_pages_than_allowed_then_pdf_and_tiff_are_rejected(tmp_path):
    pdf = make_text_pdf(tmp_path / "long.pdf", "\f".join(["halaman"] * 3))
    tiff = make_form(tmp_path / "long.tif", fmt="tiff", pages=3)
    assert rejected(pdf, Limits(max_pages=2)).code == "too_many_pages"
    assert rejected(tiff, Limits(max_pages=2)).code == "too_many_pages"
