"""What the archive shows and serves for a document: page views, thumbnails, one searchable PDF.

Views and thumbnails come from each page's small preview, never from the full-resolution image,
so they cost a few milliseconds. The PDF is assembled page by page from Tesseract's per-page PDFs
(for PNG and JPEG pages the text alone, laid over the image file as it is; for a scanned page of
an uploaded PDF, laid over that page as it is; image plus text for G4 pages) and from the source
PDF's own text pages, copied untouched. So a scan is never decoded and encoded again for the PDF.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import pymupdf
from PIL import Image

from ingest import images

VIEW_QUALITY = 80
THUMB_QUALITY = 75
# A part of the searchable PDF held in memory before it is written out (PdfAssembler): about
# four colour scan pages, or a run of small ones.
PART_BYTES = 32 * 1024 * 1024
PART_PAGES = 64


def write_previews(
    preview: Image.Image, rotation: int, view_path: Path, thumb_path: Path, thumb_max_px: int
) -> None:
    """Save the upright view (the preview is already <= view_max_px) and its thumbnail."""
    view = images.rotate(preview, rotation)
    view.save(view_path, "JPEG", quality=VIEW_QUALITY)
    scale = min(1.0, thumb_max_px / max(view.size))
    size = (max(1, round(view.width * scale)), max(1, round(view.height * scale)))
    thumb = view.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)
    thumb.save(thumb_path, "JPEG", quality=THUMB_QUALITY)


@dataclass(frozen=True)
class OcrPagePdf:
    """One OCR'd page for the PDF: Tesseract's page PDF, and what goes under it when that PDF
    holds the text layer alone: ``under``, an image file (PNG or JPEG) embedded as it is, or
    ``source``, the index of the uploaded PDF's page, kept as it is."""

    pdf: Path
    under: Path | None = None
    dpi: int = 300
    source: int | None = None


class PdfAssembler:
    """Collects pages into one PDF, in the order they are added, in bounded memory.

    Pages are gathered in a part held in memory (compressed content only: images stay
    encoded). Once a part holds PART_BYTES of page data or PART_PAGES pages it is appended
    to the PDF on disk under ``spill`` as an incremental update (the file is opened, the
    part's objects added, only they written, the file closed), so the pages written before
    are never loaded again. Holding the whole document instead grew a worker by the size
    of its output: 574 MB for 82 colour pages, ~14 GB for a 2,000-page scan batch
    (docs/benchmarks.md, the 2 GB upload). Joining part files with qpdf (pikepdf) was tried
    and held every stream of the parts in memory while it wrote.

    ``source`` is the uploaded PDF, whose pages may be kept under their text; it is opened
    here, by the one thread that assembles (PyMuPDF objects must not be shared between
    threads).
    """

    def __init__(self, spill: Path, source: Path | None = None) -> None:
        self._doc = pymupdf.open()
        self._spill_in = spill
        self._spill: Path | None = None  # made when the first part is written out
        self._held = 0  # bytes of page data in the part in memory
        self._written = 0  # pages in the file on disk
        self._source_path = source
        self._source: pymupdf.Document | None = None

    def add_ocr_page(self, part: OcrPagePdf) -> None:
        """Tesseract's page PDF, or its text layer laid over the image or the source page."""
        self._add_ocr_page(part)
        size = part.pdf.stat().st_size
        if part.under is not None:
            size += part.under.stat().st_size
        elif part.source is not None:  # the kept page's images: the source's average page
            assert self._source_path is not None and self._source is not None
            size += self._source_path.stat().st_size // max(1, self._source.page_count)
        self._added(size)

    def _add_ocr_page(self, part: OcrPagePdf) -> None:
        """Tesseract's page PDF, or its text layer laid over the image or the source page.

        img2pdf embeds a PNG's or JPEG's compressed data as it is (no decoding, no re-encoding;
        a JPEG keeps its ICC profile), the way a PDF can carry them directly; a kept source page
        is copied with its images untouched. The text layer goes on top, invisible.
        """
        if part.source is not None:
            self._doc.insert_pdf(self._source_doc(), from_page=part.source, to_page=part.source)
            with pymupdf.open(part.pdf) as text:
                page = self._doc[-1]
                page.show_pdf_page(page.rect, text, 0, overlay=True)
            return
        if part.under is None:
            with pymupdf.open(part.pdf) as src:
                self._doc.insert_pdf(src)
            return
        layout = img2pdf.get_fixed_dpi_layout_fun((part.dpi, part.dpi))
        with images.sized_by_us():  # a page within max_page_pixels may be past Pillow's 89 MP
            image_pdf = img2pdf.convert(
                str(part.under), layout_fun=layout, rotation=img2pdf.Rotation.none
            )
        with pymupdf.open("pdf", image_pdf) as page_doc, pymupdf.open(part.pdf) as text:
            page = page_doc[0]
            page.show_pdf_page(page.rect, text, 0, overlay=True)
            self._doc.insert_pdf(page_doc)

    def _source_doc(self) -> pymupdf.Document:
        if self._source is None:
            assert self._source_path is not None, "a kept source page needs the source PDF"
            self._source = pymupdf.open(self._source_path, filetype="pdf")
        return self._source

    def add_source_page(self, source: pymupdf.Document, index: int) -> None:
        self._doc.insert_pdf(source, from_page=index, to_page=index)
        self._added(0)  # a text page: small, PART_PAGES bounds a run of them

    def _added(self, size: int) -> None:
        self._held += size
        if self._held >= PART_BYTES or self._doc.page_count >= PART_PAGES:
            self._write_part()

    def _write_part(self) -> None:
        part, self._doc, self._held = self._doc, pymupdf.open(), 0
        self._written += part.page_count
        with part:
            if self._spill is None:
                self._spill = Path(tempfile.mkdtemp(dir=self._spill_in, prefix="pdf-"))
                _save(part, self._written_path)
                return
            # garbage=3 keeps one font object a part, not one a page, in the update too. The
            # part is read back from a file after its pages are closed: made into bytes beside
            # them, it was held three times while it was appended (its pages, its bytes, their
            # copy in the update), ~100 MB for a 32 MB part.
            saved = self._spill / "part.pdf"
            _save(part, saved)
        with pymupdf.open(self._written_path) as pdf, pymupdf.open(saved) as new:
            pdf.insert_pdf(new)
            pdf.saveIncr()
        saved.unlink()

    @property
    def _written_path(self) -> Path:
        assert self._spill is not None
        return self._spill / "document.pdf"

    @property
    def page_count(self) -> int:
        return self._written + self._doc.page_count

    def save(self, path: Path) -> None:
        if self._spill is None:  # never written out: saved as it always was
            _save(self._doc, path)
            return
        if self._doc.page_count:
            self._write_part()
        shutil.move(self._written_path, path)

    def close(self) -> None:
        self._doc.close()
        if self._source is not None:
            self._source.close()
        if self._spill is not None:
            shutil.rmtree(self._spill, ignore_errors=True)


def _save(doc: pymupdf.Document, path: Path) -> None:
    # garbage=3 merges the identical font objects each Tesseract page brings along.
    doc.save(path, garbage=3, deflate=True)
