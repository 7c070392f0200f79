"""Generated forms with a QR code or barcode printed in the header, for tests and benchmarks.

tests/formgen.py draws the form; this only adds a code, so the two stay independent. Codes are
made by zxing-cpp itself (``create_barcode``), scaled by whole pixels per module as a printer
would, and darkened into the page (``ImageChops.darker``) so the form's scanner dust stays on
top of them. Rotation, when asked, is applied after the code is in place: the whole sheet is
scanned turned, code included.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image, ImageChops

from tests.formgen import DPI, LEFT, RIGHT, make_form

# Free space in the header: above the title line (y 330) on the left; on the right only above
# the MODEL box (y 150), so codes there must be short.
CORNERS = {"top-left": (LEFT, 20, 305), "top-right": (RIGHT, 8, 140)}  # x, y, tallest code
_CLOCKWISE = {
    90: Image.Transpose.ROTATE_270,
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def code_image(payload: str, size_px: int = 300, code_format: str = "QRCode") -> Image.Image:
    """The code as a grayscale image at most ``size_px`` wide (quiet zone included)."""
    barcode = zxingcpp.create_barcode(payload, getattr(zxingcpp.BarcodeFormat, code_format))
    unit = memoryview(barcode.to_image(scale=1))
    scale = max(1, size_px // unit.shape[1])
    pixels = memoryview(barcode.to_image(scale=scale))
    height, width = pixels.shape
    return Image.frombytes("L", (width, height), pixels.tobytes())


def place_code(
    page: Image.Image,
    payload: str,
    *,
    size_px: int = 300,
    corner: str = "top-left",
    code_format: str = "QRCode",
) -> Image.Image:
    """Print a code into an upright form page (in place) and return the page."""
    x, y, tallest = CORNERS[corner]
    code = code_image(payload, size_px, code_format)
    if code.height > tallest:
        raise ValueError(f"a code at {corner} may be {tallest} px tall, not {code.height}")
    if corner == "top-right":
        x -= code.width
    box = (x, y, x + code.width, y + code.height)
    page.paste(ImageChops.darker(page.crop(box).convert("L"), code), box[:2])
    return page


def add_qr(path_in: Path, path_out: Path, payload: str, size_px: int = 300, **options) -> Path:
    """Copy an upright form image (PNG/JPEG) with a code added; the format follows the suffix."""
    with Image.open(path_in) as image:
        page = place_code(image.convert("L"), payload, size_px=size_px, **options)
    _save(page, Path(path_out))
    return Path(path_out)


def make_form_with_qr(
    path: Path,
    payload: str | None,
    *,
    size_px: int = 300,
    corner: str = "top-left",
    code_format: str = "QRCode",
    rotate: int = 0,
    **form,
) -> Path:
    """``make_form(path, **form)`` with a code in the header (none if ``payload`` is None).

    ``rotate`` turns the finished sheet clockwise as formgen does; ``form`` may not hold
    ``fmt``: the suffix of ``path`` (.png, .jpg) decides.
    """
    with tempfile.TemporaryDirectory() as tmp:
        upright = make_form(Path(tmp) / "upright.png", **form)
        with Image.open(upright) as image:
            page = image.convert("L")
    if payload is not None:
        place_code(page, payload, size_px=size_px, corner=corner, code_format=code_format)
    _save(_rotated(page, rotate), Path(path))
    return Path(path)


def _rotated(page: Image.Image, degrees: int) -> Image.Image:
    degrees %= 360
    if not degrees:
        return page
    if degrees in _CLOCKWISE:
        return page.transpose(_CLOCKWISE[degrees])
    return page.rotate(-degrees, Image.Resampling.BICUBIC, expand=True, fillcolor=255)


def _save(page: Image.Image, path: Path) -> None:
    if path.suffix.lower() in (".jpg", ".jpeg"):
        page.save(path, "JPEG", quality=85, dpi=(DPI, DPI))
    elif path.suffix.lower() == ".png":
        page.save(path, "PNG", dpi=(DPI, DPI))
    else:
        raise ValueError(f"write forms with codes as .png or .jpg, not {path.suffix!r}")
