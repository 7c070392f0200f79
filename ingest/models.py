"""Small value objects passed between the ingest steps and back to the archive.

The pipeline works on files in a private work directory and returns paths; storing
them (object store, metadata DB, index) is the archive's job, not the pipeline's, so
the pipeline can be tested and benchmarked without any backend.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class FileKind(StrEnum):
    PDF = "pdf"
    TIFF = "tiff"
    JPEG = "jpeg"
    PNG = "png"

    @property
    def mime(self) -> str:
        return {
            "pdf": "application/pdf",
            "tiff": "image/tiff",
            "jpeg": "image/jpeg",
            "png": "image/png",
        }[self.value]

    @property
    def extension(self) -> str:
        return {"pdf": "pdf", "tiff": "tif", "jpeg": "jpg", "png": "png"}[self.value]


class RejectedFile(Exception):
    """The upload is not a form scan we can archive; ``code`` is stable for clients."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Bounds that keep a hostile or broken file from exhausting the machine."""

    max_image_pixels: int = 150_000_000
    max_pages: int = 2000


@dataclass(frozen=True)
class FileInfo:
    kind: FileKind
    page_count: int


@dataclass(frozen=True)
class OcrSettings:
    """Everything the OCR steps need, frozen so worker processes cannot drift apart."""

    languages: str = "ind+eng"
    psm: int = 4
    dpi: int = 300
    tesseract_cmd: str = "tesseract"
    timeout_seconds: int = 600
    # OSD is trusted only above this confidence (forms rarely reach it; text pages do).
    osd_min_confidence: float = 10.0
    # A first pass whose mean word confidence is below this triggers orientation checks.
    alarm_confidence: float = 65.0
    # Pages rendered larger than this are scaled down before OCR.
    max_page_pixels: int = 100_000_000
    view_max_px: int = 1600
    thumb_max_px: int = 320


@dataclass
class PageResult:
    number: int  # 1-based
    source: str  # "ocr" or "text" (kept the PDF's own text layer)
    text: str
    confidence: float | None  # mean word confidence 0-100, None when not OCR'd
    words: int
    rotation: int  # degrees clockwise applied before OCR: 0, 90, 180, 270
    width_px: int
    height_px: int
    view_path: Path
    thumb_path: Path


@dataclass
class ProcessedDocument:
    pages: list[PageResult]
    pdf_path: Path  # searchable PDF: page images with invisible text, or the kept text pages
    text_path: Path  # UTF-8 text, pages separated by form feed
    extra: dict = field(default_factory=dict)

    @property
    def confidence(self) -> float | None:
        """Mean word confidence over every OCR'd word of the document."""
        scored = [(p.confidence, p.words) for p in self.pages if p.confidence is not None]
        words = sum(w for _, w in scored)
        if not words:
            return None
        return sum(c * w for c, w in scored) / words
