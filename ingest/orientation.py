"""Decide how far (clockwise) a page must be turned to read upright.

Measured on these forms (docs/ocr-baseline.md): an upright page reads at a mean word confidence
of ~94, an upside-down one at ~44, so the first, normal OCR pass doubles as a free alarm and an
upright page costs nothing extra. Only a page that raises the alarm pays for more: Tesseract's
OSD, trusted when confident (it is on text pages, rarely on sparse forms); otherwise each
plausible rotation is OCR'd at reduced scale and the one that reads best wins. Rotating is the
exception, so rotation 0 must win clearly before the page is turned.
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image

from ingest import images, ocr
from ingest.models import OcrSettings
from ingest.pages import ImagePage

# Below this many words the mean confidence says little. A sideways form can yield as few as
# 4 words at high confidence, so a page with few words is only accepted if it is nearly blank.
MIN_WORDS = 10
# Share of dark pixels below which a page counts as blank. Measured: a generated form 3.6%,
# sideways or not; a blank page with heavy dust 0.2%; multipage.pdf's 81-MP page (one line of
# large text) 0.24%. Near-blank pages with few words are not worth an orientation search.
BLANK_INK = 0.005
WIN_MARGIN = 1.5  # a turned candidate must score this much better than the page as scanned
MIN_WIN_SCORE = 5 * ocr.CONFIDENT  # ...and read at least ~5 confident words
OSD_MAX_PIXELS = 10_000_000


def needs_check(first: ocr.OcrResult, page: ImagePage, settings: OcrSettings) -> bool:
    """True when the first pass does not show that the page is upright (or blank)."""
    if first.words >= MIN_WORDS:
        return (first.confidence or 0.0) < settings.alarm_confidence
    return not is_blank(page.preview)


def is_blank(preview: Image.Image) -> bool:
    histogram = preview.convert("L").histogram()
    return sum(histogram[:128]) < BLANK_INK * sum(histogram)


def choose_rotation(
    page: ImagePage, first: ocr.OcrResult, settings: OcrSettings, scratch: Path
) -> tuple[int, str]:
    """(clockwise rotation to apply, how it was decided) for a page already OCR'd once."""
    if not needs_check(first, page, settings):
        return 0, "first pass"
    osd = _osd(page, settings, scratch)
    if osd is not None and osd[1] >= settings.osd_min_confidence:
        return osd[0], "osd"
    return best_candidate(page, settings, scratch), "candidates"


def _osd(page: ImagePage, settings: OcrSettings, scratch: Path) -> tuple[int, float] | None:
    """OSD on the page, reduced to about one A4 page at 300 dpi: it gains nothing from more
    pixels (an 81-MP page took 7.6 s instead of 1.2 s) but loses confidence at lower dpi."""
    factor = math.ceil(math.sqrt(page.size[0] * page.size[1] / OSD_MAX_PIXELS))
    if factor <= 1:
        return ocr.detect_orientation(page.path, settings, page.dpi)
    probe = scratch / f"osd-{page.number:04d}.png"
    page.load(factor).save(probe, "PNG", compress_level=1)
    try:
        return ocr.detect_orientation(probe, settings, max(1, page.dpi // factor))
    finally:
        probe.unlink(missing_ok=True)


def candidates(size: tuple[int, int]) -> list[int]:
    """Rotations worth trying: forms are portrait, so the aspect ratio halves the choice."""
    width, height = size
    if width > height * 1.15:
        return [0, 90, 270]
    if height > width * 1.15:
        return [0, 180]
    return [0, 90, 180, 270]


def probe_factor(dpi: int) -> int:
    """Reduce to ~100-150 dpi: enough for Tesseract to tell text from noise, 4-9x cheaper."""
    return 3 if dpi >= 250 else 2 if dpi >= 150 else 1


def best_candidate(page: ImagePage, settings: OcrSettings, scratch: Path) -> int:
    factor = probe_factor(page.dpi)
    small = page.load(factor)
    scores = {}
    for rotation in candidates(page.size):
        probe = scratch / f"probe-{page.number:04d}-{rotation}.png"
        images.rotate(small, rotation).save(probe, "PNG", compress_level=1)
        try:
            result = ocr.measure(probe, settings, max(1, page.dpi // factor))
        finally:
            probe.unlink(missing_ok=True)
        scores[rotation] = result.score
    best = max(scores, key=lambda r: scores[r])
    if scores[best] >= max(MIN_WIN_SCORE, scores[0] * WIN_MARGIN):
        return best
    return 0
