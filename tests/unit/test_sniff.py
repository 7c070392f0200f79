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
from PIL import Image

from ingest.codes import read_codes
from ingest.models import FileInfo, FileKind, Limits, OcrSettings, RejectedFile
from ingest.pdfa import make_pdfa
from ingest.pipeline import process_file
from ingest.sniff import MAX_ASPECT, MIN_SIDE_PX, inspect
from tests.formgen import PAGE_PX, make_form, make_text_pdf
from tests.unit.test_pdfa import DESCRIPTION


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


def blank_png(path: Path, width: int, height: int, dpi: int | None = None) -> Path:
    Image.new("L", (width, height), 255).save(path, dpi=(dpi, dpi) if dpi else None)
    return path


def pdf_of_pages(path: Path, *sizes: tuple[float, float]) -> Path:
    with pymupdf.open() as doc:
        for width, height in sizes:
            doc.new_page(width=width, height=height)
        doc.save(path)
    return path


@pytest.mark.parametrize("width, height", [(1, 1), (1, 60_000), (60_000, 1)])
def test_given_an_image_no_form_can_look_like_then_it_is_refused_for_its_page_size(
    tmp_path, limits, width, height
):
    """GIVEN a dot or a one-pixel line WHEN uploaded THEN it is refused, not failed 3 times."""
    error = rejected(blank_png(tmp_path / "dot.png", width, height), limits)
    assert error.code == "page_size"
    assert f"{width} x {height} pixels" in error.message


@pytest.mark.parametrize(
    "size, said", [((1, 1), "0.4 x 0.4 mm"), ((3, 200_000), "1.1 x 70555.6 mm")]
)
def test_given_a_pdf_page_no_form_can_be_then_the_pdf_is_refused_for_its_page_size(
    tmp_path, limits, size, said
):
    path = pdf_of_pages(tmp_path / "odd.pdf", (595, 842), size)
    error = rejected(path, limits)
    assert error.code == "page_size"
    assert error.message.startswith(f"Page 2 of the PDF is {said}, ")


def test_given_a_tiff_with_one_strip_shaped_frame_then_it_is_refused_for_its_page_size(
    tmp_path, limits
):
    path = tmp_path / "batch.tif"
    good = Image.new("L", PAGE_PX, 255)
    good.save(path, save_all=True, append_images=[good, Image.new("L", (2000, 20), 255)])
    error = rejected(path, limits)
    assert error.code == "page_size"
    assert error.message.startswith("Page 3 of the TIFF image is 2000 x 20 pixels")


@pytest.mark.parametrize("width, height, dpi", [
    (*PAGE_PX, 300),  # A4 at 300 dpi
    (PAGE_PX[1], PAGE_PX[0], 300),  # the same, landscape
    (227, 567, 72),  # 8 x 20 cm at 72 dpi: a small slip, yet a page
    (MIN_SIDE_PX, MIN_SIDE_PX * MAX_ASPECT, None),  # the smallest and thinnest accepted
])  # fmt: skip
def test_given_a_plausible_page_then_its_size_is_accepted(tmp_path, limits, width, height, dpi):
    path = blank_png(tmp_path / "page.png", width, height, dpi)
    assert inspect(path, limits) == FileInfo(FileKind.PNG, 1)


def test_given_a_pdf_of_legal_and_small_pages_then_it_is_accepted(tmp_path, limits):
    path = pdf_of_pages(tmp_path / "mixed.pdf", (612, 1008), (1008, 612), (227, 567))
    assert inspect(path, limits) == FileInfo(FileKind.PDF, 3)


REAL_SCANS = [
    "baiona_gray.png",
    "c02-22.pdf",
    "cardinal.pdf",
    "linn.png",
    "multipage.pdf",
    "rotated_skew.pdf",
    "skew.pdf",
    "typewriter.png",
]


@pytest.mark.parametrize("name", REAL_SCANS)
def test_given_every_real_sample_scan_then_all_its_pages_are_accepted(real_scans, limits, name):
    """Real scans at 72 to 300 dpi, a 2.4:1 chart page and an 81-MP page are all pages."""
    assert inspect(real_scans / name, limits).page_count >= 1


@pytest.mark.parametrize("width, height, dpi", [
    (MIN_SIDE_PX, MIN_SIDE_PX, None),  # the smallest image accepted: a 16.5-point page
    (900, 900 * MAX_ASPECT, 1200),  # the thinnest shape, 0.75 x 7.5 inches: 54 x 540 pt
])  # fmt: skip
def test_given_an_image_at_the_edge_of_what_is_accepted_then_it_is_archived_in_full(
    tmp_path, limits, width, height, dpi
):
    """GIVEN the most extreme image inspect accepts WHEN processed with the code reader THEN
    it gets its searchable PDF and PDF/A copy: accepted means processable."""
    path = blank_png(tmp_path / "edge.png", width, height, dpi)
    kind = inspect(path, limits).kind
    (tmp_path / "out").mkdir()
    settings = OcrSettings()
    record = process_file(path, kind, tmp_path / "out", settings, readers={"codes": read_codes})
    assert [page.readings for page in record.pages] == [{"codes": []}]
    with pymupdf.open(record.pdf_path) as pdf:
        assert pdf.page_count == 1 and min(pdf[0].rect.width, pdf[0].rect.height) >= 3
    make_pdfa(record.pdf_path, tmp_path / "edge.pdfa.pdf", DESCRIPTION, settings, tmp_path)
