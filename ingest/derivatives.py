"""What the archive shows and serves for a document: page views, thumbnails, one searchable PDF.

Views and thumbnails come from each page's small preview, never from the full-resolution image,
so they cost a few milliseconds. The PDF is assembled page by page from Tesseract's per-page PDFs
(image plus invisible text; for PNG pages the text alone, laid over the PNG as it is) and from
the source PDF's own text pages, copied untouched.
"""

from __future__ import annotations

from pathlib import Path

import img2pdf
import pymupdf
from PIL import Image

from ingest import images

VIEW_QUALITY = 80
THUMB_QUALITY = 75


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


class PdfAssembler:
    """Collects pages into one PDF, in the order they are added.

    Only compressed page content is held (images stay encoded), so memory grows with the output
    file size, not with page pixels.
    """

    def __init__(self) -> None:
        self._doc = pymupdf.open()

    def add_ocr_page(self, page_pdf: Path, under: Path | None = None, dpi: int = 300) -> None:
        """Tesseract's page PDF; with ``under`` (a PNG), its text layer laid over that image.

        img2pdf embeds a PNG's compressed data as it is (no decoding, no re-deflating), the
        way a PDF can carry PNG data directly; the text layer goes on top, invisible.
        """
        if under is None:
            with pymupdf.open(page_pdf) as src:
                self._doc.insert_pdf(src)
            return
        layout = img2pdf.get_fixed_dpi_layout_fun((dpi, dpi))
        image_pdf = img2pdf.convert(str(under), layout_fun=layout, rotation=img2pdf.Rotation.none)
        with pymupdf.open("pdf", image_pdf) as page_doc, pymupdf.open(page_pdf) as text:
            page = page_doc[0]
            page.show_pdf_page(page.rect, text, 0, overlay=True)
            self._doc.insert_pdf(page_doc)

    def add_source_page(self, source: pymupdf.Document, index: int) -> None:
        self._doc.insert_pdf(source, from_page=index, to_page=index)

    @property
    def page_count(self) -> int:
        return self._doc.page_count

    def save(self, path: Path) -> None:
        # garbage=3 merges the identical font objects each Tesseract page brings along.
        self._doc.save(path, garbage=3, deflate=True)

    def close(self) -> None:
        self._doc.close()
