"""The digits of the page's counts, read apart from the page OCR by one small OCR call.

Each box group's digits (ingest/tally_boxes.py) are set side by side as one word, every
group of the page goes onto one small strip with the printed counts the page OCR read (so
that a digit it misread shows), and a single digits-only Tesseract pass reads them (~0.01 s:
the engine stays loaded in the process, as page OCR keeps its own). A group the strip leaves
unread or unsure is read again digit by digit.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import tesserocr
from PIL import Image, ImageOps

from ingest.ocr import TSV_HEADER, kept_engine
from ingest.tally_boxes import DIGIT_PX, INK, BoxGroup
from ingest.tally_rows import Word, parse_words

log = logging.getLogger(__name__)

# ``DIGIT_LANG`` "eng" read 395 of 405 boxed numbers against 393 for "ind"; it was passed over
# while the strip was read by a ``tesseract`` process (25 ms more to start), but engines now
# stay loaded, and "ind" reads the "7" of some faces (DejaVu Sans Condensed) as "1".
DIGIT_LANG = "eng"
MISCOUNTED = 0.3  # confidence of a number whose digit count differs from its inked boxes
ALONE = 0.6  # a group the strip reads less surely than this is read again digit by digit
GAPPED = 0.3  # confidence of a number with an empty box between written ones
DIGITS_ONLY = {"tessedit_char_whitelist": "0123456789"}

DigitsRead = tuple[int | None, float, str]  # (count, confidence, digits as read)


def compose(rows: list[tuple[Image.Image, ...]]) -> tuple[Image.Image, list[tuple[int, int]]]:
    """One strip, a row's pieces side by side as one word per line; the y band of each line."""
    height = max(p.height for pieces in rows for p in pieces)
    gap, margin = height // 5, height // 2
    widths = [sum(p.width for p in pieces) + gap * (len(pieces) - 1) for pieces in rows]
    strip = Image.new("L", (max(widths) + 2 * margin, len(rows) * 2 * height + margin), 255)
    bands, y = [], margin
    for pieces in rows:
        x = margin
        for piece in pieces:
            strip.paste(piece, (x, y + (height - piece.height) // 2))
            x += piece.width + gap
        bands.append((y - height // 2, y + height + height // 2))
        y += 2 * height
    return strip, bands


def ocr_digits(strip: Image.Image, dpi: int) -> list[Word]:
    """One digits-only Tesseract pass over the strip, on an engine kept loaded.

    The ``tesseract`` command spent 0.07 s CPU per call starting up, most of the cost; with
    an engine kept loaded the strip, a few hundred pixels of black digits, takes under
    0.01 s. Engines are pooled (``ocr.kept_engine``), one per thread using one. No deadline
    is set: page OCR has one, and this strip is far smaller than a page.
    """
    try:
        with kept_engine(DIGIT_LANG, tesserocr.PSM.SINGLE_BLOCK, **DIGITS_ONLY) as engine:
            engine.SetImage(strip)
            engine.SetSourceResolution(dpi)
            engine.Recognize()
            tsv = engine.GetTSVText(0)
    except RuntimeError:  # engine could not start (no language data) or failed on this strip
        log.warning("digit OCR could not run", exc_info=True)
        return []
    return parse_words(TSV_HEADER + tsv)


def read_groups(
    groups: Sequence[BoxGroup], dpi: int, printed: Sequence[Image.Image | None] = ()
) -> list[DigitsRead]:
    """(count, confidence, digits as read) of each box group, then of each ``printed``
    number (an image of it, as the page OCR found it), all by one strip OCR call: the
    printed ones are read again so that a digit the page OCR misread ("7" as "1") shows."""
    lines = [(g.inked, len(g.inked), g.gapped) for g in groups]
    lines += [((piece,), 0, False) if piece is not None else ((), 0, False) for piece in printed]
    out: list[DigitsRead] = [(None, 0.0, "")] * len(lines)
    inked = [(i, line) for i, line in enumerate(lines) if line[0]]
    if not inked:
        return out
    strip, bands = compose([line[0] for _, line in inked])
    words = ocr_digits(strip, dpi)
    for (i, (pieces, boxes, gapped)), band in zip(inked, bands, strict=True):
        out[i] = reading(words, band, boxes, gapped)
        if boxes and (out[i][0] is None or out[i][1] < ALONE):
            alone = _read_alone(pieces, dpi)
            if alone is not None and alone[1] > out[i][1]:
                confidence = min(alone[1], GAPPED) if gapped else alone[1]
                out[i] = (alone[0], confidence, alone[2])
    return out


def printed_piece(image: Image.Image, box: tuple[int, int, int, int]) -> Image.Image | None:
    """A printed number as the strip OCR wants it: its ink, black on white, DIGIT_PX tall."""
    left, top, right, bottom = box
    crop = image.crop((left - 3, top - 3, right + 3, bottom + 3))
    ink = crop.point([255 if v < INK else 0 for v in range(256)])
    area = ink.getbbox()
    if area is None or area[3] - area[1] < 4:
        return None
    digit = ImageOps.invert(ink.crop(area))
    width = max(1, round(digit.width * DIGIT_PX / digit.height))
    return digit.resize((width, DIGIT_PX), Image.Resampling.LANCZOS)


def _read_alone(pieces: tuple[Image.Image, ...], dpi: int) -> tuple[int, float, str] | None:
    """Each digit read on its own: the strip's line finder drops a lone narrow "1" as a
    speck, and reads some pairs unsurely. Tesseract's single-word mode reads a lone "1"
    (its single-character mode does not), the single-character mode some digits better; the
    surer of the two is kept. Used only for the groups the strip left unread or unsure (a
    few a page at most, ~3 ms each)."""
    digits, confidence = [], 1.0
    for piece in pieces:
        framed = Image.new("L", (piece.width + 24, piece.height + 24), 255)
        framed.paste(piece, (12, 12))
        best = ("", 0.0)
        for psm in (tesserocr.PSM.SINGLE_WORD, tesserocr.PSM.SINGLE_CHAR):
            found = _one(framed, psm, dpi)
            if found[1] > best[1]:
                best = found
            if best[1] >= 0.8:
                break
        if not best[0]:
            return None
        digits.append(best[0])
        confidence = min(confidence, best[1])
    text = "".join(digits)
    return int(text), confidence, text


def _one(image: Image.Image, psm: int, dpi: int) -> tuple[str, float]:
    """(digit, confidence) of one framed piece in ``psm``; ("", 0) if not one digit."""
    try:
        with kept_engine(DIGIT_LANG, psm, **DIGITS_ONLY) as engine:
            engine.SetImage(image)
            engine.SetSourceResolution(dpi)
            engine.Recognize()
            words = parse_words(TSV_HEADER + engine.GetTSVText(0))
    except RuntimeError:
        log.warning("digit OCR could not run", exc_info=True)
        return "", 0.0
    text = "".join(w.text for w in words)
    if len(text) != 1 or not text.isdigit():
        return "", 0.0
    return text, max(0.0, words[0].conf) / 100


def reading(
    words: list[Word], band: tuple[int, int], boxes: int, gapped: bool = False
) -> DigitsRead:
    """(count, confidence, text) of one strip line; a digit count unlike the inked boxes, or
    an empty box between written ones, is doubtful."""
    found = sorted((w for w in words if band[0] <= w.center_y < band[1]), key=lambda w: w.left)
    text = "".join(w.text for w in found)
    if not text.isdigit():
        return None, 0.0, text
    confidence = min(max(0.0, w.conf) for w in found) / 100
    if boxes and len(text) != boxes:
        confidence = min(confidence, MISCOUNTED)
    if gapped:
        confidence = min(confidence, GAPPED)
    return int(text), confidence, text
