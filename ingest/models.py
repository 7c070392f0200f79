"""Small value objects passed between the ingest steps and back to the archive.

The pipeline works on files in a private work directory and returns paths; storing
them (object store, metadata DB, index) is the archive's job, not the pipeline's, so
the pipeline can be tested and benchmarked without any backend.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from PIL import Image

from config.settings import Settings
from ingest.images import open_image


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

    # The defaults are the settings' own (one source: config/settings.py, example.env).
    languages: str = Settings.ocr_languages
    psm: int = Settings.ocr_psm
    dpi: int = Settings.ocr_dpi
    tesseract_cmd: str = "tesseract"
    timeout_seconds: int = Settings.ocr_timeout
    # OSD is trusted only above this confidence (forms rarely reach it; text pages do).
    osd_min_confidence: float = 10.0
    # A first pass whose mean word confidence is below this triggers orientation checks.
    alarm_confidence: float = 65.0
    # Pages rendered larger than this are scaled down before OCR.
    max_page_pixels: int = 100_000_000
    view_max_px: int = 1600
    thumb_max_px: int = 320
    # Pages of one document OCR'd at once; Tesseract runs are capped per process anyway
    # (ocr.SLOTS), so this only lets a long document use the cores other files leave idle.
    page_workers: int = 1
    # Hold a page's decoded pixels for the page readers; with no readers they are not kept
    # (and a gray JPEG is then decoded reduced, for its preview alone).
    keep_pixels: bool = True


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
    readings: dict = field(default_factory=dict)  # name of a page reader -> what it read


@dataclass(frozen=True)
class PageContext:
    """What a page reader sees: the page image Tesseract read (already upright) and its word
    table, while they still exist. Readers run once per OCR'd page, inside the pipeline."""

    number: int
    image_path: Path
    dpi: int
    rotation: int
    text: str
    tsv_path: Path  # Tesseract TSV: word boxes in ``image_path`` pixels, with confidences
    decoded: Image.Image | None = field(default=None, compare=False, repr=False)

    @functools.cached_property
    def gray(self) -> Image.Image:
        """The page image as 8-bit gray, decoded once and shared by the readers (each used to
        decode the file on its own: with the preview, three full decodes of a PNG page).
        ``decoded`` is the page as the pipeline already holds it, when it does."""
        if self.decoded is not None:
            return as_gray(self.decoded)
        with open_image(self.image_path) as image:
            return decoded_gray(image)

    def held(self) -> Image.Image | None:
        """The page's pixels if this context already holds them (decoded, or gray read)."""
        return self.__dict__.get("gray", self.decoded)


def as_gray(image: Image.Image) -> Image.Image:
    """The page as the readers read it: 8-bit gray (the image itself when it already is)."""
    return image if image.mode == "L" else image.convert("L")


def decoded_gray(opened: Image.Image) -> Image.Image:
    """An open page file decoded as 8-bit gray, a copy that outlives the file: a colour JPEG
    decodes its luminance channel alone."""
    if opened.format == "JPEG":
        opened.draft("L", opened.size)
    return opened.convert("L")


def reads_pixels_only(reader) -> bool:
    """A reader marked ``pixels_only = True`` needs only ``gray``, not the OCR text or word
    table: the pipeline runs it while Tesseract reads the same page."""
    return getattr(reader, "pixels_only", False)


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


@dataclass(frozen=True)
class FieldReading:
    """One metadata field as the machine read it from the page."""

    value: str | int
    confidence: float  # 0.0-1.0: how sure the reader is
    source: str  # "qr" (a code printed on the form) or "header" (the printed header's text)


@dataclass(frozen=True)
class Reading:
    """One independent reading of a count: its digits, or its amount in words (TERBILANG)."""

    value: int | None  # None when the cell was found but could not be read as a number
    confidence: float  # 0.0-1.0
    text: str  # as read: "84", "delapan puluh empat"
    box: tuple[float, float, float, float] | None  # where on the page: left, top, right, bottom
    # as shares (0-1) of the page image's width and height, so any rendering of the page
    # (the stored view, the original) can be cropped to it
    source: str  # "print" (the page OCR), "boxes" (per-digit boxes, read apart), "words"


@dataclass(frozen=True)
class TallyRow:
    """One number of a result form and where it came from.

    Candidate rows keep their first three fields as ever (label, votes, confidence); the same
    shape carries every other number of the form: party votes and party totals (``kind``),
    the totals, and the voter data of section I (``kind`` "voters"/"users", ``column`` L/P/JML).
    ``status`` says how far the number can be trusted: "confirmed" (the digits and the words
    agree, or the arithmetic holds on it), "read" (one sure reading, nothing to check it
    against), "unsure" (read with low confidence), "disputed" (digits and words disagree:
    ``votes`` is then the reading the arithmetic fits, if exactly one does, else None) or
    "unread".
    """

    label: str  # candidate / party / line as printed
    votes: int | None  # None when unreadable
    confidence: float  # 0.0-1.0
    kind: str = "candidate"  # candidate, party, party_total, valid, invalid, ballots_used,
    # voters, users, disabled, sheets
    column: str = "votes"  # "votes", or "L" / "P" / "JML" on a line of section I
    key: str = ""  # stable within the document: "row3", "valid", "users.dpt.JML", ...
    role: str = ""  # for section I and the ballot sheets: "dpt", "dptb", "dpk", "total", ...
    party: str = ""  # for candidate rows of a DPR/DPRD table: their party's label
    status: str = ""
    page: int = 0  # 1-based page number the number was read on
    digits: Reading | None = None
    words: Reading | None = None

    @property
    def box(self) -> tuple[float, float, float, float] | None:
        """Where the number stands on its page: digits and words together."""
        boxes = [r.box for r in (self.digits, self.words) if r is not None and r.box]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip


@dataclass(frozen=True)
class Issue:
    """A problem found on a tally, as a stable ``code`` and its ``params``, so that it can be
    shown in any language (ingest/tally_issues.py has the English and Indonesian sentences)."""

    code: str
    params: dict
    numbers: tuple[str, ...] = ()  # keys of the numbers it is about


@dataclass(frozen=True)
class Check:
    """One arithmetic rule of the form and how it came out on the numbers read."""

    code: str  # candidates_sum, party_sum, ballots_sum, users_ballots, ...
    holds: bool | None  # None: could not be made (a number unread or disputed)
    numbers: tuple[str, ...]
    params: dict
    sure: bool = True  # every number in it was read surely; a failure is then the form's


TALLY_ROW_KINDS = ("candidate", "party", "party_total")


@dataclass(frozen=True)
class Tally:
    """Vote counts read from a result form, with the arithmetic checks on them.

    ``consistent`` is False when a check fails on numbers read surely, True when at least one
    check could be made and every check holds, None otherwise. Readings are never "corrected".
    ``rows``, ``valid``, ``invalid``, ``ballots_used`` and ``confidences`` are the form's
    main figures (kept as before for clients); ``numbers`` holds every number read, rows and
    totals included, with both readings and where each stands on the page.
    """

    rows: tuple[TallyRow, ...]
    valid: int | None
    invalid: int | None
    ballots_used: int | None
    confidences: dict  # {"valid": c, "invalid": c, "ballots_used": c}
    consistent: bool | None
    problems: tuple[str, ...] = ()  # plain English sentences, one per issue
    numbers: tuple[TallyRow, ...] = ()
    checks: tuple[Check, ...] = ()
    issues: tuple[Issue, ...] = ()

    @property
    def min_confidence(self) -> float | None:
        values = [r.confidence for r in self.rows] + list(self.confidences.values())
        return min(values) if values else None

    def number(self, key: str) -> TallyRow | None:
        return next((n for n in self.numbers if n.key == key), None)
