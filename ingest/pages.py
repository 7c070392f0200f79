"""Turn an accepted upload into pages, one at a time, each ready for Tesseract or kept as text.

Pages are produced lazily so that only one page image is in memory at a time: a 2,000-page TIFF
or an 81-megapixel PDF page must not multiply. When the upload itself is a file Tesseract reads
well (PNG, upright JPEG) it is handed over untouched: re-encoding costs time and, for JPEG,
quality. Anything else is written once into the scratch directory (see images.save_for_ocr).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pymupdf
from PIL import Image

from ingest import images
from ingest.models import FileKind, OcrSettings, as_gray, decoded_gray

MIN_TEXT_CHARS = 20  # fewer word characters than this is a stamp or stray label, not a text layer
# Pages up to this size keep their decoded pixels for the page readers (A4 at 300 dpi is 8.7 MP);
# a bigger page is read again from its file rather than held while Tesseract works on it.
KEEP_PIXELS = 12_000_000


@dataclass
class ImagePage:
    """A page to OCR: ``path`` is what Tesseract reads, ``preview`` feeds the derivatives."""

    number: int
    path: Path
    dpi: int
    size: tuple[int, int]
    # As scanned (before any orientation fix), long side <= view_max_px. None until first
    # asked for when ``decode`` makes it: an upload Tesseract reads as it is need not be
    # decoded before Tesseract starts, so the pipeline decodes it beside the OCR run.
    _preview: Image.Image | None
    load: Callable[[int], Image.Image]  # the page image reduced by an integer factor
    photo: bool  # photographic source: rewrite as JPEG, not PNG
    # The full page as already decoded here (what ``path`` holds), handed to the page readers
    # so they need not decode it again; None for a colour JPEG, whose preview decodes it
    # reduced, and for a page written as JPEG (the file differs from these pixels).
    pixels: Image.Image | None = None
    decode: Callable[[], tuple[Image.Image, Image.Image | None]] | None = None  # (preview, pixels)
    # The page of the uploaded PDF this image was rendered from (0-based), when the searchable
    # PDF may keep that page as it is and lay the text over it: its scanned image is then
    # never decoded and encoded again (a 150-dpi colour JPEG page rendered at 300 dpi and
    # stored as a new JPEG was 3x larger and lost its ICC profile). None for other pages.
    source_index: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def preview(self) -> Image.Image:
        with self._lock:  # the side thread and the orientation check may both ask
            if self._preview is None:
                assert self.decode is not None, "a page without its preview knows how to decode"
                self._preview, pixels = self.decode()
                self.pixels = self.pixels if pixels is None else pixels
            return self._preview

    def hold_colour_gray(self, settings: OcrSettings) -> None:
        """Decode a colour upload read as it is to gray now, before its OCR run starts.

        Tesseract reads a colour page's gray in its place (ingest/ocr.py, ``_gray_copy``) and
        the readers read the gray too, on the side thread, at the same time: each decoded it,
        19 ms of CPU a page for a JPEG's luminance, ~60 for a PNG. Decoded here, once, both
        are handed the same. A PNG decodes in full for its preview anyway, so the preview is
        made here and the gray kept from it; a JPEG's preview is still decoded reduced,
        beside the run. A gray upload is left as it was: Tesseract reads its file, and the
        side thread decodes it while Tesseract runs.
        """
        if self.decode is None or self.pixels is not None or not settings.keep_pixels:
            return
        with images.open_image(self.path) as opened:
            if opened.mode in ("1", "L") or not _small(opened):
                return
        if not self.photo:
            self.preview  # noqa: B018 -- decodes the PNG, keeping its gray (``_decoder``)
        if self.pixels is None:
            with images.open_image(self.path) as opened:
                self.pixels = decoded_gray(opened)


@dataclass
class TextPage:
    """A PDF page with its own text layer: kept as it is, never OCR'd."""

    number: int
    index: int
    source: pymupdf.Document
    text: str
    size: tuple[int, int]
    preview: Image.Image


def iter_pages(
    path: Path, kind: FileKind, scratch: Path, settings: OcrSettings
) -> Generator[ImagePage | TextPage, None, None]:
    """Yield the pages of an upload that sniff.inspect accepted, in order."""
    if kind is FileKind.PDF:
        yield from _pdf_pages(path, scratch, settings)
    elif kind is FileKind.TIFF:
        yield from _tiff_pages(path, scratch, settings)
    else:
        yield _single_image_page(path, kind, scratch, settings)


def page_count(path: Path, kind: FileKind) -> int:
    if kind is FileKind.PDF:
        with pymupdf.open(path, filetype="pdf") as doc:
            return doc.page_count
    if kind is FileKind.TIFF:
        with images.open_image(path, "TIFF") as tiff:
            return int(getattr(tiff, "n_frames", 1))
    return 1


def has_text_layer(text: str) -> bool:
    return len(re.findall(r"\w", text)) >= MIN_TEXT_CHARS


def page_zoom(page: pymupdf.Page, settings: OcrSettings) -> float:
    """Render scale for OCR: settings.dpi, reduced so the page stays within max_page_pixels."""
    zoom = settings.dpi / 72
    pixels = page.rect.width * zoom * page.rect.height * zoom
    if pixels > settings.max_page_pixels:
        zoom *= math.sqrt(settings.max_page_pixels / pixels)
    return zoom


def _pdf_pages(path: Path, scratch: Path, settings: OcrSettings) -> Iterator[ImagePage | TextPage]:
    with pymupdf.open(path, filetype="pdf") as doc:
        for index, page in enumerate(doc):
            zoom = page_zoom(page, settings)
            # a NUL (a glyph a PDF maps to U+0000) as the replacement character: PostgreSQL
            # text holds none, and the page would fail there alone
            text = page.get_text().replace("\x00", "\ufffd")
            if not has_text_layer(text):
                rendered = _rendered_page(page, index + 1, zoom, scratch, settings)
                # A page shown turned (/Rotate) is rendered upright; its text would need the
                # same turn, so such a page is stored as rendered, as before.
                rendered.source_index = index if page.rotation == 0 else None
                yield rendered
                continue
            size = (round(page.rect.width * zoom), round(page.rect.height * zoom))
            view_zoom = min(zoom, settings.view_max_px / max(page.rect.width, page.rect.height))
            preview = render(page, view_zoom, gray=False)
            yield TextPage(index + 1, index, doc, text, size, preview)


def render(page: pymupdf.Page, zoom: float, *, gray: bool) -> Image.Image:
    """Render a PDF page (MuPDF applies /Rotate) as an 8-bit gray or RGB PIL image."""
    space = pymupdf.csGRAY if gray else pymupdf.csRGB
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=space, alpha=False)
    mode = "L" if gray else "RGB"
    return Image.frombytes(mode, (pix.width, pix.height), pix.samples_mv, "raw", mode, pix.stride)


def _image_traits(page: pymupdf.Page, zoom: float) -> tuple[bool, bool, bool]:
    """(gray, bilevel, photographic) judged from the page's embedded images, without decoding.

    Gray is judged by component count, not colourspace name: PyMuPDF and many scanners wrap
    gray images in an ICC profile. A 1-bit scan stays 1-bit (stored as G4, ~6x smaller than
    gray) only when rendered at about its own resolution or above; thresholding a downscaled
    render would lose strokes.
    """
    found = page.get_image_info()
    if not found:
        return False, False, False
    gray = all(info["colorspace"] == 1 for info in found)
    bilevel = all(
        info["bpc"] == 1 and (info["bbox"][2] - info["bbox"][0]) * zoom >= 0.8 * info["width"]
        for info in found
    )
    photo = any(image[8] in ("DCTDecode", "JPXDecode") for image in page.get_images(full=True))
    return gray, bilevel, photo


def _rendered_page(
    page: pymupdf.Page, number: int, zoom: float, scratch: Path, settings: OcrSettings
) -> ImagePage:
    """Render an image-only PDF page at OCR resolution, stored like its source: bilevel scans
    as G4, JPEG-compressed scans as JPEG, everything else losslessly (PNG)."""
    gray, bilevel, photo = _image_traits(page, zoom)
    image = render(page, zoom, gray=gray)
    preview = images.preview(image, settings.view_max_px)
    if bilevel:
        image = image.convert("1", dither=Image.Dither.NONE)
    path = images.save_for_ocr(image, scratch / f"page-{number:04d}", photo=photo)
    size = image.size
    # Later looks (orientation probes) read the written file, not the PDF: the page may be
    # OCR'd on another thread while this one renders the next page, and PyMuPDF objects
    # must not be used from two threads at once.
    return ImagePage(
        number, path, round(zoom * 72), size, preview, _file_loader(path), photo,
        _kept(image, photo, settings),
    )  # fmt: skip


def _single_image_page(
    path: Path, kind: FileKind, scratch: Path, settings: OcrSettings
) -> ImagePage:
    with images.open_image(path) as image:
        dpi = images.usable_dpi(image)
        photo = kind is FileKind.JPEG
        if images.needs_rewrite(image, settings.max_page_pixels):
            upright = images.exif_upright(image) if photo else image
            return _written_page(upright, 1, dpi, photo, scratch, settings)
        size = image.size
    return ImagePage(
        1, path, dpi, size, None, _file_loader(path), photo,
        decode=_decoder(path, photo, settings),
    )  # fmt: skip


def _decoder(
    path: Path, photo: bool, settings: OcrSettings
) -> Callable[[], tuple[Image.Image, Image.Image | None]]:
    """Decode an upload for its preview, keeping the pixels for the readers if worth it. A
    gray JPEG scan is decoded once, in full, and the preview made from it; a colour one is
    decoded reduced for the preview (the readers decode it gray)."""

    def decode() -> tuple[Image.Image, Image.Image | None]:
        with images.open_image(path) as image:
            keep = settings.keep_pixels and (not photo or image.mode == "L") and _small(image)
            if keep:
                image.load()
            return images.preview(image, settings.view_max_px), as_gray(image) if keep else None

    return decode


def _tiff_pages(path: Path, scratch: Path, settings: OcrSettings) -> Iterator[ImagePage]:
    """Every frame is written out: Tesseract would read only the first frame of the file."""
    with images.open_image(path, "TIFF") as tiff:
        for index in range(int(getattr(tiff, "n_frames", 1))):
            tiff.seek(index)
            photo = tiff.info.get("compression") in ("jpeg", "tiff_jpeg")
            dpi = images.usable_dpi(tiff)
            # tiff.copy() decodes this frame only; no name here holds it while the page is
            # read, so of a colour frame only its gray copy (``_kept``) outlives this line.
            yield _written_page(tiff.copy(), index + 1, dpi, photo, scratch, settings)


def _written_page(
    image: Image.Image, number: int, dpi: int, photo: bool, scratch: Path, settings: OcrSettings
) -> ImagePage:
    image, dpi = images.fit_pixels(image, dpi, settings.max_page_pixels)
    image = images.normalise(image)
    path = images.save_for_ocr(image, scratch / f"page-{number:04d}", photo=photo)
    preview = images.preview(image, settings.view_max_px)
    pixels = _kept(image, photo, settings)
    return ImagePage(number, path, dpi, image.size, preview, _file_loader(path), photo, pixels)


def _kept(image: Image.Image, photo: bool, settings: OcrSettings) -> Image.Image | None:
    """The decoded page to hand to the readers, if it is worth holding (see KEEP_PIXELS)."""
    # Held as the gray the readers read (PageContext.gray), made now rather than beside OCR:
    # held until the page is read, an A4 colour page is 35 MB as RGB (Pillow keeps 4 bytes a
    # pixel) and 8.7 MB as gray, and a worker holds up to three pages at once.
    return as_gray(image) if settings.keep_pixels and not photo and _small(image) else None


def _small(image: Image.Image) -> bool:
    return image.width * image.height <= KEEP_PIXELS


def _file_loader(path: Path) -> Callable[[int], Image.Image]:
    def load(factor: int) -> Image.Image:
        with images.open_image(path) as stored:
            return images.reduced(stored, factor)

    return load
