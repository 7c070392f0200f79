"""Decide whether an upload is a scan we can archive, before any expensive work.

The type comes from the content (magic bytes), never from the name: browsers and users get
names wrong, and a renamed file must not reach a parser that trusts the extension. The checks
read headers and structure only (PDF cross-reference, image headers, PNG chunk CRCs, a JPEG
decoded at 1/8 scale, TIFF strip offsets), so a hostile file is refused before anything the size
of its pixels is allocated.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import cast

import pymupdf
from PIL import Image, TiffImagePlugin

from ingest.images import open_image
from ingest.models import FileInfo, FileKind, Limits, RejectedFile

_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", FileKind.PNG),
    (b"\xff\xd8\xff", FileKind.JPEG),
    (b"II*\x00", FileKind.TIFF),
    (b"MM\x00*", FileKind.TIFF),
    (b"II+\x00", FileKind.TIFF),  # BigTIFF
    (b"MM\x00+", FileKind.TIFF),
]
_PIL_FORMAT = {FileKind.PNG: "PNG", FileKind.JPEG: "JPEG", FileKind.TIFF: "TIFF"}
_STRIP_TAGS = ((273, 279), (324, 325))  # (StripOffsets, StripByteCounts), (TileOffsets, ...)

# The sizes and shapes a page may have, each bound where a step of the pipeline stops or where
# paper forms end (measured on Tesseract 5.3, img2pdf and zxing-cpp). A page outside them can
# never be processed: refused here, it is not retried three times by a worker and then failed.
# Fewer pixels than this on a side hold no readable line of text (Tesseract itself reads 1 x 1).
MIN_SIDE_PX = 16
# Tesseract keeps coordinates in 16 bits: a side of 32,768 pixels it does not read at all.
MAX_SIDE_PX = 32_767
# A PDF page is kept at its own size in the searchable PDF and its PDF/A copy, where a side must
# lie within 3 and 14,400 points (img2pdf, PDF/A); 6 mm (17 points) renders 70 pixels at 300 dpi.
MIN_SIDE_MM = 6
MAX_SIDE_MM = 5_000  # 14,173 points
# Legal paper is 1.65:1, F4 1.53:1, A4 1.41:1; 10:1 still takes a photo with margins, pages
# side by side, or a long-paper scan of several pages in one image. A longer strip is a till
# receipt or a scanner fault, not a form. Within 10:1 an image's page (pixels /
# images.usable_dpi, at most 3,932 points long) is at least 21 points wide, and a PDF page
# rendered within OcrSettings.max_page_pixels (100 MP) is at most 31,623 pixels long, so the
# bounds above are all that every step needs (both hold up to ~70:1 and ~10.7:1).
MAX_ASPECT = 10
_MM_PER_POINT = 25.4 / 72


def detect_kind(head: bytes) -> FileKind | None:
    """The file kind from its first bytes; PDF readers accept junk before ``%PDF-``, so do we."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:1024]:
        return FileKind.PDF
    return None


def inspect(path: Path, limits: Limits) -> FileInfo:
    """Identify ``path`` and check it can be processed; raise RejectedFile if it cannot."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise RejectedFile("empty", "The file is empty.")
    with path.open("rb") as fh:
        head = fh.read(1024)
    kind = detect_kind(head)
    if kind is None:
        raise RejectedFile(
            "unsupported_type",
            "This file is not a PDF, TIFF, JPEG or PNG scan, so it cannot be archived.",
        )
    if kind is FileKind.PDF:
        return FileInfo(kind, _inspect_pdf(path, limits))
    if kind is FileKind.PNG and len(head) >= 24 and head[12:16] == b"IHDR":
        # The size claim comes first: a bomb is refused as too large even if broken after it.
        width, height = struct.unpack(">II", head[16:24])
        if width * height > limits.max_image_pixels:
            raise _too_large(width, height, limits)
    return FileInfo(kind, _inspect_image(path, kind, limits))


def _damaged(what: str) -> RejectedFile:
    message = f"The {what} is damaged or incomplete and cannot be read. Please upload it again."
    return RejectedFile("damaged", message)


def _too_many_pages(limits: Limits) -> RejectedFile:
    return RejectedFile(
        "too_many_pages",
        f"The file has more than {limits.max_pages} pages. Please split it into smaller files.",
    )


def _too_large(width: int, height: int, limits: Limits) -> RejectedFile:
    return RejectedFile(
        "too_large",
        f"The image is too large ({width} x {height} pixels). "
        f"The limit is {limits.max_image_pixels / 1e6:g} megapixels.",
    )


def _unfit_page(width: float, height: float, smallest: float, largest: float) -> bool:
    short, long = sorted((width, height))
    return short < smallest or long > largest or long > short * MAX_ASPECT


def _page_size(page: str, size: str, limits: str) -> RejectedFile:
    return RejectedFile(
        "page_size",
        f"{page} is {size}, which is not the size or shape of a scanned page. Each side must be "
        f"{limits}, and the long side at most {MAX_ASPECT} times the short side.",
    )


def _mm(points: float) -> str:
    return f"{points * _MM_PER_POINT:.1f}".removesuffix(".0")


def _check_pdf_page(page: pymupdf.Page, number: int) -> None:
    width, height = page.rect.width, page.rect.height
    smallest, largest = MIN_SIDE_MM / _MM_PER_POINT, MAX_SIDE_MM / _MM_PER_POINT
    if _unfit_page(width, height, smallest, largest):
        raise _page_size(
            f"Page {number} of the PDF",
            f"{_mm(width)} x {_mm(height)} mm",
            f"{MIN_SIDE_MM} to {MAX_SIDE_MM} mm",
        )


def _check_image_page(width: int, height: int, kind: FileKind, number: int) -> None:
    if _unfit_page(width, height, MIN_SIDE_PX, MAX_SIDE_PX):
        page = "The image" if kind is not FileKind.TIFF else f"Page {number} of the TIFF image"
        raise _page_size(
            page, f"{width} x {height} pixels", f"{MIN_SIDE_PX} to {MAX_SIDE_PX} pixels"
        )


def _inspect_pdf(path: Path, limits: Limits) -> int:
    """Open the PDF, load every page and read embedded image sizes (not their pixels).

    MuPDF silently rebuilds a broken cross-reference table (``is_repaired``); such a file is
    usually a truncated upload, so it is refused rather than archived half-empty.
    """
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except Exception as exc:  # MuPDF reports malformed input as assorted RuntimeErrors
        raise _damaged("PDF") from exc
    with doc:
        if doc.needs_pass:
            raise RejectedFile(
                "damaged", "The PDF is password-protected. Please upload it without a password."
            )
        if doc.is_repaired or doc.page_count == 0:
            raise _damaged("PDF")
        if doc.page_count > limits.max_pages:
            raise _too_many_pages(limits)
        for number in range(doc.page_count):
            try:
                page = doc.load_page(number)
                images = page.get_images(full=True)
            except Exception as exc:
                raise _damaged("PDF") from exc
            if page.rect.is_empty:
                raise _damaged("PDF")
            _check_pdf_page(page, number + 1)
            for image in images:
                if image[2] * image[3] > limits.max_image_pixels:
                    raise _too_large(image[2], image[3], limits)
        return doc.page_count


def _inspect_image(path: Path, kind: FileKind, limits: Limits) -> int:
    name = kind.value.upper()
    try:
        with open_image(path, _PIL_FORMAT[kind]) as image:
            return _check_frames(image, path, kind, limits)
    except RejectedFile:
        raise
    except Image.DecompressionBombError as exc:
        raise RejectedFile(
            "too_large",
            f"The image is too large. The limit is {limits.max_image_pixels / 1e6:g} megapixels.",
        ) from exc
    except Exception as exc:  # Pillow signals malformed data with many exception types
        raise _damaged(f"{name} image") from exc


def _check_frames(image: Image.Image, path: Path, kind: FileKind, limits: Limits) -> int:
    """Check every frame's declared size before anything is decoded; return the frame count."""
    count = 0
    while True:
        width, height = image.size
        if width <= 0 or height <= 0:
            raise _damaged(f"{kind.value.upper()} image")
        if width * height > limits.max_image_pixels:
            raise _too_large(width, height, limits)
        _check_image_page(width, height, kind, count + 1)
        _check_complete(image, path, kind)
        count += 1
        if kind is not FileKind.TIFF:
            return count
        if count > limits.max_pages:
            raise _too_many_pages(limits)
        try:
            image.seek(count)
        except EOFError:
            return count


def _check_complete(image: Image.Image, path: Path, kind: FileKind) -> None:
    """Catch truncated files cheaply: each format has its own inexpensive tell."""
    if kind is FileKind.PNG:
        image.verify()  # walks every chunk and checks CRCs, without inflating IDAT
    elif kind is FileKind.JPEG:
        # Decoding at 1/8 scale still reads every entropy-coded byte, at ~1/64 of the memory.
        image.draft("L", (max(1, image.width // 8), max(1, image.height // 8)))
        image.load()
    else:
        _check_tiff_strips(cast(TiffImagePlugin.TiffImageFile, image), path.stat().st_size)


def _check_tiff_strips(image: TiffImagePlugin.TiffImageFile, file_size: int) -> None:
    """Every strip or tile of the current frame must lie inside the file."""
    tags = image.tag_v2
    for offsets_tag, counts_tag in _STRIP_TAGS:
        offsets, counts = tags.get(offsets_tag), tags.get(counts_tag)
        if offsets is None:
            continue
        if counts is None:
            raise ValueError("TIFF strip byte counts missing")
        offsets = offsets if isinstance(offsets, tuple) else (offsets,)
        counts = counts if isinstance(counts, tuple) else (counts,)
        if len(counts) != len(offsets):
            raise ValueError("TIFF strip byte counts do not match the strips")
        if any(o + c > file_size for o, c in zip(offsets, counts, strict=True)):
            raise ValueError("TIFF strip lies beyond the end of the file")
        return
    raise ValueError("TIFF frame has no image data")
