"""A piece of a page image: the place on the form a number was read from.

Every number the tally reader reports carries a box on its page as shares (0-1) of the page's
width and height, so it fits any rendering of the page; crops are cut from the stored view
image, which every page has. The box comes from a URL, so it is parsed strictly: four
finite numbers, clamped to the page, with a left edge before the right and a top above the
bottom; anything else is refused (``BadBox``), never passed on to the image code.
"""

from __future__ import annotations

import io
import math

from PIL import Image

LONGEST_PARAM = 100  # characters of the ``box`` parameter worth parsing
MARGIN = 0.35  # share of the box's height shown around it, so the cell's lines show
SMALLEST_PX = 240  # crops narrower than this are enlarged (a view's digit is ~20 px tall)


class BadBox(ValueError):
    """The ``box`` parameter is not a box on the page; the message says why."""


def parse_box(text: str | None) -> tuple[float, float, float, float]:
    """``"left,top,right,bottom"`` as shares of the page, clamped to 0-1."""
    if not text:
        raise BadBox("give the box as box=left,top,right,bottom (shares of the page, 0-1)")
    if len(text) > LONGEST_PARAM:
        raise BadBox("the box parameter is too long")
    parts = text.split(",")
    if len(parts) != 4:
        raise BadBox("the box needs four numbers: left,top,right,bottom")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise BadBox("the box's values must be numbers") from None
    if not all(math.isfinite(v) for v in values):
        raise BadBox("the box's values must be finite numbers")
    left, top, right, bottom = (min(1.0, max(0.0, v)) for v in values)
    if right <= left or bottom <= top:
        raise BadBox(
            "the box must have its left edge before its right and its top above "
            "its bottom, on the page"
        )
    return left, top, right, bottom


def crop(image_file, box: tuple[float, float, float, float]) -> bytes:
    """The boxed part of the page image (with a margin), as JPEG bytes."""
    with Image.open(image_file) as image:
        image.load()
        width, height = image.size
        left, top, right, bottom = box
        margin = MARGIN * (bottom - top)
        pixels = (
            max(0, math.floor((left - margin * height / width) * width)),
            max(0, math.floor((top - margin) * height)),
            min(width, math.ceil((right + margin * height / width) * width)),
            min(height, math.ceil((bottom + margin) * height)),
        )
        if pixels[2] - pixels[0] < 2 or pixels[3] - pixels[1] < 2:
            pixels = (
                max(0, pixels[0] - 2),
                max(0, pixels[1] - 2),
                min(width, pixels[2] + 2),
                min(height, pixels[3] + 2),
            )
        piece = image.crop(pixels).convert("L" if image.mode in ("L", "1") else "RGB")
    if piece.width < SMALLEST_PX:
        scale = SMALLEST_PX / piece.width
        size = (SMALLEST_PX, max(1, round(piece.height * scale)))
        piece = piece.resize(size, Image.Resampling.BICUBIC)
    out = io.BytesIO()
    piece.save(out, "JPEG", quality=88)
    return out.getvalue()
