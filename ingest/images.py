"""Pillow helpers shared by the sniffer and the page steps: opening, normalising, writing.

Every image is opened through ``open_image`` so the decompression-bomb policy lives in one place.
"""

from __future__ import annotations

import contextlib
import math
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path

from PIL import Image, ImageOps

A4_LONG_SIDE_INCHES = 11.69
EXIF_ORIENTATION = 0x0112
_ALPHA_MODES = {"RGBA", "LA", "PA", "La", "RGBa"}
_OPEN_LOCK = threading.Lock()
_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


@contextlib.contextmanager
def open_image(path: Path, pil_format: str | None = None) -> Iterator[Image.Image]:
    """Open an image whose size is checked against ``Limits`` by our own code (sniff.inspect).

    Pillow's decompression-bomb guard stays on as a backstop: it raises DecompressionBombError
    from the header alone above 2 x Image.MAX_IMAGE_PIXELS (~179 MP). Between 1x and 2x it only
    warns; that warning is silenced around ``Image.open`` alone, where our Limits decide, rather
    than lowering or disabling the guard for the whole process. The lock keeps two worker
    threads from restoring each other's warning filters (catch_warnings is process-global).
    """
    with sized_by_us():
        image = Image.open(path, formats=[pil_format] if pil_format else None)
    with image:
        yield image


@contextlib.contextmanager
def sized_by_us() -> Iterator[None]:
    """Pillow's bomb warning silenced (see ``open_image``): also around a library that opens
    a page file of ours itself (img2pdf), whose size our own checks have already bounded."""
    with _OPEN_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def usable_dpi(image: Image.Image) -> int:
    """The file's resolution if it is believable, else a guess assuming an A4 page.

    Many cameras and some scanners write 72 dpi (or nothing) whatever the real resolution; a
    resolution that makes the page smaller than 3 or larger than 24 inches is not believed.
    """
    dpi = image.info.get("dpi")
    long_side = max(image.size)
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        value = 0.0
    if 70 <= value <= 1200 and 3 <= long_side / value <= 24:
        return round(value)
    return min(600, max(70, round(long_side / A4_LONG_SIDE_INCHES)))


def exif_rotation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(EXIF_ORIENTATION, 1))
    except Exception:  # malformed EXIF must not stop a readable scan
        return 1


def exif_upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation tag: phones store the sensor image and a tag, not the view."""
    return ImageOps.exif_transpose(image)


def needs_rewrite(image: Image.Image, max_pixels: int) -> bool:
    """False when Tesseract can read the upload itself and nothing must change first.

    Transparent PNGs are rewritten because Tesseract ignores alpha, so a transparent background
    stored as black would become a black page.
    """
    if image.width * image.height > max_pixels:
        return True
    if image.format == "JPEG":
        return image.mode not in ("L", "RGB") or exif_rotation(image) != 1
    if image.format == "PNG":
        return image.mode not in ("1", "L", "P", "RGB") or "transparency" in image.info
    return True


def normalise(image: Image.Image) -> Image.Image:
    """Convert to 1-bit, 8-bit gray or RGB, which Tesseract, JPEG and PDF all handle."""
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode.startswith("I;16") or image.mode == "I":
        return image.convert("I").point(lambda v: v / 256).convert("L")
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat.convert("L") if image.mode in ("LA", "La") else flat
    if image.mode == "P":
        return image.convert("RGB")
    return image.convert("L" if image.mode == "F" else "RGB")


def fit_pixels(image: Image.Image, dpi: int, max_pixels: int) -> tuple[Image.Image, int]:
    """Scale a page down to ``max_pixels``; the dpi shrinks with it so the page size is kept."""
    pixels = image.width * image.height
    if pixels <= max_pixels:
        return image, dpi
    scale = math.sqrt(max_pixels / pixels)
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    source = image.convert("L") if image.mode == "1" else normalise(image)
    resized = source.resize(size, Image.Resampling.BICUBIC, reducing_gap=3.0)
    return resized, max(1, round(dpi * scale))


def save_for_ocr(image: Image.Image, base: Path, *, photo: bool) -> Path:
    """Write a page for Tesseract in the format its PDF renderer embeds best.

    Measured with Tesseract 5.3: JPEG input is copied into the PDF byte for byte, 1-bit input
    becomes CCITT G4, PNG is decoded and re-deflated (lossless; so the fastest zlib level costs
    nothing in PDF size). Anything else (PNM, BMP, plain TIFF) it would store as JPEG, quality 85.
    """
    if image.mode == "1":
        path = base.with_name(base.name + ".tif")
        image.save(path, "TIFF", compression="group4")
    elif photo:
        path = base.with_name(base.name + ".jpg")
        image.save(path, "JPEG", quality=90)
    else:
        path = base.with_name(base.name + ".png")
        image.save(path, "PNG", compress_level=1)
    return path


def reduced(image: Image.Image, factor: int) -> Image.Image:
    """The image loaded at 1/factor size (for probes); JPEG decodes directly at that scale."""
    if factor <= 1:
        image.load()
        return image
    size = (max(1, image.width // factor), max(1, image.height // factor))
    if image.format == "JPEG":
        image.draft(image.mode, size)
    base = image.convert("L") if image.mode == "1" else normalise(image)
    return base.resize(size, Image.Resampling.BOX, reducing_gap=1.0)


def preview(image: Image.Image, max_px: int) -> Image.Image:
    """A small copy (long side <= ``max_px``) to make the view and thumbnail from."""
    if image.format == "JPEG":  # decode at 1/2, 1/4 ... of full size, never below the preview
        fit = min(1.0, max_px / max(image.size))
        image.draft(image.mode, (math.ceil(image.width * fit), math.ceil(image.height * fit)))
    base = image.convert("L") if image.mode == "1" else normalise(image)
    scale = min(1.0, max_px / max(base.size))
    size = (max(1, round(base.width * scale)), max(1, round(base.height * scale)))
    # Box-reduce by an integer factor first, then a short bilinear step: half the cost of a
    # full bicubic resize (this runs on every page) and no visible difference at view size.
    return base.resize(size, Image.Resampling.BILINEAR, reducing_gap=1.0)


def rotate(image: Image.Image, clockwise: int) -> Image.Image:
    """Rotate by a right angle, clockwise, losslessly."""
    clockwise %= 360
    return image.transpose(_CLOCKWISE[clockwise]) if clockwise else image
