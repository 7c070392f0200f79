"""Preservation copies: a searchable PDF made into PDF/A-2b, the record described in its XMP.

The searchable PDF is already close to PDF/A: its pages are scanned images (JPEG and PNG data
as uploaded, JPEGs with their ICC profile; 1-bit pages as G4; an uploaded PDF's own scanned
pages) under Tesseract's invisible text in its embedded glyphless font. What it lacks is the
declaration: XMP metadata, an sRGB output intent, an Info dictionary that agrees with the XMP.
``pikepdf.pdfa`` adds them without touching page content and, on saving, re-reads the bytes it
wrote with a validator built from veraPDF's rules that approves only what it knows conforms
(docs/benchmarks.md: ~20-60 ms a record). The tests hold every copy against veraPDF itself.

What pikepdf cannot approve is mostly a page copied from a born-digital PDF (fonts not
embedded, device CMYK, LZW ...). Such a page is rendered at the OCR resolution and given a
text layer the way a scan is (Tesseract, text only, the image under it); the searchable PDF
keeps the page as it came. A copy that still does not pass is refused: ``PdfaError``.

The record's metadata is written with properties PDF/A predefines (Dublin Core, XMP basic),
so no extension schema is needed: dc:identifier the record id, dc:title, dc:description,
dc:coverage the place down to the TPS, dc:subject one ``field: value`` per metadata field (the
same pairs in pdf:Keywords), dc:type the form type, dc:source the original upload and its
SHA-256, dc:date the date on the form.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pikepdf
import pikepdf.pdfa
import pymupdf
from PIL import Image, ImageChops

from ingest import derivatives, ocr
from ingest.models import OcrSettings
from ingest.pages import page_zoom

log = logging.getLogger(__name__)

FLAVOUR = "2b"
CREATOR_TOOL = "election-archive (pikepdf, Tesseract)"


class PdfaError(RuntimeError):
    """No conforming copy could be made; ``findings`` says what the validator refused."""

    def __init__(self, message: str, findings: list[str]):
        # The findings are in the message too: a log or a test report shows only str(exc).
        shown = "; ".join(findings[:5]) or "no findings"
        super().__init__(f"{message} ({shown})")
        self.findings = findings


@dataclass(frozen=True)
class Description:
    """What the copy says about its record (XMP; the Info dictionary is made to agree)."""

    identifier: str
    title: str
    created: datetime  # when the record was received (xmp:CreateDate)
    subject: tuple[str, ...] = ()  # "field: value"
    description: str = ""
    coverage: str = ""
    types: tuple[str, ...] = ()
    source: str = ""
    publisher: str = ""
    language: str = "id"
    date: date | None = None


@dataclass(frozen=True)
class PdfaResult:
    path: Path
    seconds: float
    redone_pages: tuple[int, ...] = ()  # 1-based: pages rendered and read again
    notes: list[str] = field(default_factory=list)  # what pikepdf changed, in words


def make_pdfa(
    searchable: Path, target: Path, description: Description, settings: OcrSettings,
    workdir: Path,
) -> PdfaResult:  # fmt: skip
    """Write the PDF/A-2b copy of ``searchable`` to ``target``; raises PdfaError."""
    started = time.perf_counter()
    try:
        notes = _save(searchable, target, description)
        return PdfaResult(target, time.perf_counter() - started, (), notes)
    except pikepdf.pdfa.PdfaError as exc:
        first = _findings(exc)
        log.info("%s: not PDF/A as it is (%s); redoing the pages that fail", searchable,
                 first[:3])  # fmt: skip
    redo = failing_pages(searchable)
    if not redo:
        raise PdfaError("the PDF fails PDF/A as a whole, no page alone", first)
    rebuilt = workdir / "pdfa-pages.pdf"
    _rebuild(searchable, rebuilt, redo, settings, workdir)
    try:
        notes = _save(rebuilt, target, description)
    except pikepdf.pdfa.PdfaError as exc:
        raise PdfaError("no PDF/A copy could be made", _findings(exc)) from exc
    pages = tuple(i + 1 for i in redo)
    return PdfaResult(target, time.perf_counter() - started, pages, notes)


def _save(source: Path, target: Path, description: Description) -> list[str]:
    """Declare, repair what pikepdf repairs, write, validate the bytes written.

    A refusal is asked for once more, and stands only if it comes again. pikepdf's content
    check takes any warning raised while it parses a stream for a fault of the stream, and
    its ``catch_warnings`` is process-wide: a ResourceWarning from an object the garbage
    collector finds at that moment (a connection nobody closed) refuses a conforming file.
    So does an unexpected error of the validator's own (pikepdf:internal). Neither comes
    twice; a fault of the file does."""
    for attempt in (1, 2):
        try:
            with pikepdf.open(source) as pdf:
                _describe(pdf, description)
                report = pikepdf.pdfa.save(pdf, target, FLAVOUR, output_intent="sRGB")
            return report.prepared.describe() if report.prepared else []
        except pikepdf.pdfa.PdfaError as exc:
            if attempt == 2:
                raise
            log.info("%s: refused (%s); asking once more", source, _findings(exc)[:3])
    raise AssertionError("unreachable")


def _describe(pdf: pikepdf.Pdf, d: Description) -> None:
    with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:identifier"] = d.identifier
        meta["dc:title"] = d.title
        if d.description:
            meta["dc:description"] = d.description
        if d.subject:
            meta["dc:subject"] = set(d.subject)
            meta["pdf:Keywords"] = "; ".join(d.subject)
        if d.coverage:
            meta["dc:coverage"] = d.coverage
        if d.types:
            meta["dc:type"] = set(d.types)
        if d.source:
            meta["dc:source"] = d.source
        if d.publisher:
            meta["dc:publisher"] = {d.publisher}
            meta["dc:creator"] = [d.publisher]
        meta["dc:language"] = {d.language}
        meta["dc:format"] = "application/pdf"
        if d.date:
            meta["dc:date"] = [d.date.isoformat()]
        meta["xmp:CreateDate"] = d.created.isoformat(timespec="seconds")
        meta["xmp:ModifyDate"] = datetime.now(d.created.tzinfo).isoformat(timespec="seconds")
        meta["xmp:CreatorTool"] = CREATOR_TOOL
        meta["pdf:Producer"] = f"pikepdf {pikepdf.__version__}"
    for key in list(pdf.docinfo.keys()):  # prepare() writes it again, agreeing with the XMP
        del pdf.docinfo[key]


def failing_pages(path: Path) -> list[int]:
    """0-based indexes of the pages that pikepdf cannot approve each on its own."""
    failing = []
    with pikepdf.open(path) as pdf:
        for index, page in enumerate(pdf.pages):
            with pikepdf.new() as one:
                one.pages.append(page)
                pikepdf.pdfa.prepare(one, FLAVOUR)
                report = pikepdf.pdfa.check(one, FLAVOUR)
                if not report.passed:  # a refusal stands only if it comes again (_save)
                    report = pikepdf.pdfa.check(one, FLAVOUR)
                if not report.passed:
                    failing.append(index)
    return failing


def _rebuild(source: Path, target: Path, redo: list[int], settings: OcrSettings,
             workdir: Path) -> None:  # fmt: skip
    """The PDF again, the pages in ``redo`` rendered and read like scans."""
    assembler = derivatives.PdfAssembler(workdir)
    with contextlib.closing(assembler), pymupdf.open(source) as doc:
        for index in range(doc.page_count):
            if index not in redo:
                assembler.add_source_page(doc, index)
                continue
            # within max_page_pixels, as the page was read: a large-format page (a plano form)
            # rendered at the full dpi was past Pillow's decompression-bomb limit
            dpi = max(1, round(page_zoom(doc[index], settings) * 72))
            with _rendered(doc[index], dpi, workdir / f"pdfa-{index + 1:04d}") as image:
                result = ocr.recognize(image, image.with_suffix(""), settings, dpi,
                                       text_only=True)  # fmt: skip
                assert result.pdf_path is not None
                assembler.add_ocr_page(derivatives.OcrPagePdf(result.pdf_path, image, dpi))
        assembler.save(target)


@contextlib.contextmanager
def _rendered(page: pymupdf.Page, dpi: int, base: Path) -> Iterator[Path]:
    """The page as PNG at ``dpi`` (gray when nothing on it has colour), removed afterwards."""
    zoom = dpi / 72
    pix = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), colorspace=pymupdf.csRGB, alpha=False)
    image = Image.frombytes(
        "RGB", (pix.width, pix.height), pix.samples_mv, "raw", "RGB", pix.stride
    )
    gray = image.convert("L")
    if ImageChops.difference(image, gray.convert("RGB")).getbbox() is None:
        image = gray
    path = base.with_name(base.name + ".png")
    image.save(path, "PNG", compress_level=6, dpi=(dpi, dpi))
    try:
        yield path
    finally:
        for leftover in base.parent.glob(base.name + ".*"):
            leftover.unlink(missing_ok=True)


def _findings(exc: pikepdf.pdfa.PdfaError) -> list[str]:
    return [str(f) for f in exc.report.findings]
