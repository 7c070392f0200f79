"""A perceptual hash of a page: the same page filed twice is found by it, whatever its file.

Two numbers: a 64-bit difference hash (dHash, 9 x 8 cells: is each cell lighter than its
right neighbour) for looking candidates up, and a finer print of the page (48 x 68 cells of
mean ink, contrast stretched) that tells the same page from another form of the same
layout. Measured on generated forms (tests/formgen.py, 300 dpi): the same page saved as a
JPEG at quality 40-50, halved in size or blurred by 1 px differs from itself by at most 7 in
any cell (of 255); two forms that differ only in the TPS number and two counts differ by 21
in some cell, forms of two makers by 100 and more; the dHash cannot tell those apart (0
bits), so it only finds candidates. ``archive_app/domain/recap.py`` compares them.
"""

from __future__ import annotations

import base64
import zlib

from PIL import Image, ImageOps

COARSE = (9, 8)
FINE = (48, 68)


def page_hash(image: Image.Image) -> tuple[str, str]:
    """(dHash as 16 hex digits, the fine print as zlib-compressed base64 text)."""
    gray = ImageOps.autocontrast(image.convert("L"), cutoff=1)
    small = gray.resize(COARSE, Image.Resampling.BOX)
    cells = small.tobytes()
    bits = 0
    width, height = COARSE
    for y in range(height):
        row = cells[y * width : (y + 1) * width]
        for x in range(width - 1):
            bits = (bits << 1) | (row[x] < row[x + 1])
    fine = gray.resize(FINE, Image.Resampling.BOX).tobytes()
    return f"{bits:016x}", base64.b64encode(zlib.compress(fine, 9)).decode("ascii")


def hash_file(path) -> tuple[str, str]:
    with Image.open(path) as image:
        image.draft("L", (FINE[0] * 8, FINE[1] * 8))  # a JPEG decodes reduced: enough here
        return page_hash(image)
