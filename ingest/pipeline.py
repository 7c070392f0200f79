"""Ingest one accepted upload: pages -> OCR (with orientation fix) -> views -> PDF and text.

The archive calls ``process_file`` on a file ``sniff.inspect`` accepted; everything is written
into the caller's work directory and returned as paths, so this runs without any backend. The
document-level work is an ordered list of small steps sharing one ``Job``; each step may
register cleanup on the job's ExitStack, which runs whether the pipeline succeeds or fails.
Per-page work happens inside ``ocr_pages``: pages are produced one at a time and handled by up
to ``settings.page_workers`` threads, so the next page is rendered and decoded while one is
OCR'd (page OCR leaves the GIL free, ingest/ocr_capi.py, so up to ``ocr.SLOTS`` pages of
one document are read at once) and only that many page images are held at once; results are
put together in page order.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingest import derivatives, images, memory, ocr, orientation
from ingest.models import (
    FileKind,
    OcrSettings,
    PageContext,
    PageResult,
    ProcessedDocument,
    reads_pixels_only,
)
from ingest.pages import ImagePage, TextPage, iter_pages, page_count

log = logging.getLogger(__name__)

OnPage = Callable[[int, int], None]
PageReader = Callable[[PageContext], object]  # e.g. QR codes, a tally table


@dataclass
class Job:
    """State shared by the steps of one run; ``timings`` and ``decisions`` land in ``extra``."""

    path: Path
    kind: FileKind
    workdir: Path
    settings: OcrSettings
    on_page: OnPage | None
    cleanup: contextlib.ExitStack
    readers: dict[str, PageReader] = field(default_factory=dict)
    scratch: Path = Path()
    total: int = 0
    pdf: derivatives.PdfAssembler | None = None
    pages: list[PageResult] = field(default_factory=list)
    timings: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    decisions: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)  # timings, from page threads
    side: ThreadPoolExecutor | None = None  # work that runs while Tesseract reads the page

    @property
    def pdf_path(self) -> Path:
        return self.workdir / "document.pdf"

    @property
    def text_path(self) -> Path:
        return self.workdir / "document.txt"


def prepare(job: Job) -> None:
    """Scratch space for page images and Tesseract output, removed when the run ends."""
    job.scratch = job.workdir / "scratch"
    job.scratch.mkdir()
    job.cleanup.callback(shutil.rmtree, job.scratch, ignore_errors=True)
    (job.workdir / "pages").mkdir()
    job.total = page_count(job.path, job.kind)
    job.pdf = derivatives.PdfAssembler(job.workdir, job.path if job.kind is FileKind.PDF else None)
    job.cleanup.callback(job.pdf.close)
    job.side = ThreadPoolExecutor(max(1, job.settings.page_workers), thread_name_prefix="side")
    job.cleanup.callback(job.side.shutdown, cancel_futures=True)


def ocr_pages(job: Job) -> None:
    """Produce each page, OCR or keep it (in parallel), and add it to the PDF in order."""
    workers = max(1, job.settings.page_workers)
    in_flight: deque[tuple[ImagePage | TextPage, Future]] = deque()
    started = time.perf_counter()
    pages = contextlib.closing(iter_pages(job.path, job.kind, job.scratch, job.settings))
    wall = time.perf_counter()
    with ThreadPoolExecutor(workers, thread_name_prefix="page") as pool:
        try:
            for page in job.cleanup.enter_context(pages):
                _add_time(job, "pages", time.perf_counter() - started)
                if isinstance(page, TextPage):  # cheap, and its PDF is open only until next()
                    while in_flight:
                        _finish_next(job, in_flight)
                    done: Future = Future()
                    done.set_result(keep_text_page(page, job))
                    _finish_page(job, page, done)
                else:
                    in_flight.append((page, pool.submit(ocr_page, page, job)))
                while len(in_flight) >= workers:
                    _finish_next(job, in_flight)
                started = time.perf_counter()
            while in_flight:
                _finish_next(job, in_flight)
        finally:
            for _, future in in_flight:  # a failed page: the others are not waited for
                future.cancel()
    _add_time(job, "wall", time.perf_counter() - wall)


def _finish_next(job: Job, in_flight: deque[tuple[ImagePage | TextPage, Future]]) -> None:
    """Wait for the oldest page in flight and add it. While other pages are read beside it
    (pages of one document side by side), what this thread freed is given back first: two
    Tesseract runs at once are a worker's peak. Not otherwise: a trim costs ~0.025 s of
    CPU a page (its pages are faulted in again), 4 % of a batch of one-page forms."""
    page, future = in_flight.popleft()
    if in_flight:
        memory.release_free_memory()
    _finish_page(job, page, future)


def _finish_page(job: Job, page: ImagePage | TextPage, future: Future) -> None:
    result, pdf_page = future.result()
    with _timed(job, "pdf"):
        assert job.pdf is not None  # made by the step before the pages
        if isinstance(page, TextPage):
            job.pdf.add_source_page(page.source, page.index)
        else:
            job.pdf.add_ocr_page(pdf_page)
    job.pages.append(result)
    _clear(job.scratch, page.number)
    if job.on_page:
        job.on_page(len(job.pages), job.total)


def write_pdf(job: Job) -> None:
    assert job.pdf is not None
    with _timed(job, "pdf"):
        job.pdf.save(job.pdf_path)


def write_text(job: Job) -> None:
    job.text_path.write_text("\f".join(p.text for p in job.pages), encoding="utf-8")


STEPS: tuple[Callable[[Job], None], ...] = (prepare, ocr_pages, write_pdf, write_text)


def process_file(
    path: Path,
    kind: FileKind,
    workdir: Path,
    settings: OcrSettings,
    on_page: OnPage | None = None,
    readers: dict[str, PageReader] | None = None,
) -> ProcessedDocument:
    """OCR an accepted upload into ``workdir``; raises ocr.OcrError if Tesseract fails.

    ``readers`` run on every OCR'd page while its image and word table exist; what each
    returns lands in ``PageResult.readings[name]``. A reader that fails is recorded as
    ``{"error": ...}`` on that page and never fails the document.
    """
    with contextlib.ExitStack() as cleanup:
        job = Job(Path(path), kind, Path(workdir), settings, on_page, cleanup, dict(readers or {}))
        for step in STEPS:
            step(job)
    extra = {"timings": dict(job.timings), "orientation": job.decisions}
    return ProcessedDocument(job.pages, job.pdf_path, job.text_path, extra)


def ocr_page(page: ImagePage, job: Job) -> tuple[PageResult, derivatives.OcrPagePdf]:
    """First pass, orientation check, re-OCR if turned, then views; and the page's PDF.

    While Tesseract reads the page (with the GIL free, ingest/ocr_capi.py), what needs only
    the page as scanned is done beside it, on the core Tesseract leaves idle: decoding an
    upload Tesseract reads as it is, the views and the pixels-only readers. Nearly every
    page is upright; for one that is turned, the views and readers are done again on the
    turned page.
    """
    base = job.scratch / f"ocr-{page.number:04d}"
    assert job.side is not None  # the pages step runs with its side thread
    page.hold_colour_gray(job.settings)  # before either thread decodes it
    beside = job.side.submit(_while_ocr, job, page)
    try:
        with _timed(job, "ocr"):
            keep_source = page.source_index is not None  # the text goes over the PDF's page
            text_only = True if keep_source else None
            result = ocr.recognize(page.path, base, job.settings, page.dpi,
                                   text_only=text_only, gray=page.pixels)  # fmt: skip
        with _timed(job, "orientation"):
            rotation, how = orientation.choose_rotation(page, result, job.settings, job.scratch)
            if rotation:
                rotation, result = _turned(page, rotation, result, job)
    finally:
        early = beside.result()  # never leave it writing into a work dir being removed
    with job.lock:
        job.decisions.append(f"page {page.number}: {rotation} ({how})")
    view, thumb = _preview_paths(job, page.number)
    if rotation:
        with _timed(job, "derivatives"):
            derivatives.write_previews(
                page.preview, rotation, view, thumb, job.settings.thumb_max_px
            )
    width, height = page.size if rotation % 180 == 0 else page.size[::-1]
    readings = _read(job, page, rotation, result, early)
    page.pixels = None  # read; the page may still wait its turn to join the PDF
    return PageResult(
        page.number, "ocr", result.text, result.confidence, result.words, rotation,
        width, height, view, thumb, readings,
    ), _pdf_part(result, page, rotation)  # fmt: skip


@dataclass
class _Early:
    """What was done beside the first OCR pass, valid for the page as scanned."""

    context: PageContext
    readings: dict


def _while_ocr(job: Job, page: ImagePage) -> _Early:
    view, thumb = _preview_paths(job, page.number)
    with _timed(job, "derivatives"):
        derivatives.write_previews(page.preview, 0, view, thumb, job.settings.thumb_max_px)
    context = PageContext(page.number, page.path, page.dpi, 0, "", Path(), page.pixels)
    early = {n: r for n, r in job.readers.items() if reads_pixels_only(r)}
    return _Early(context, _run_readers(job, early, context))


def _pdf_part(result: ocr.OcrResult, page: ImagePage, rotation: int) -> derivatives.OcrPagePdf:
    """What PdfAssembler.add_ocr_page needs: the page PDF, and what goes under it if Tesseract
    wrote the text layer alone: the uploaded PDF's own page (read upright), else the image."""
    assert result.pdf_path is not None  # an OCR run that returned wrote its PDF
    if rotation == 0 and page.source_index is not None:
        return derivatives.OcrPagePdf(result.pdf_path, dpi=page.dpi, source=page.source_index)
    under = result.image_path if result.text_only_pdf else None
    return derivatives.OcrPagePdf(result.pdf_path, under, page.dpi)


def _read(job: Job, page: ImagePage, rotation: int, result: ocr.OcrResult, early: _Early) -> dict:
    if not job.readers or result.image_path is None or result.tsv_path is None:
        return {}
    as_read = result.image_path == page.path  # not the turned copy: what was read beside OCR
    context = PageContext(
        page.number, result.image_path, page.dpi, rotation, result.text, result.tsv_path,
        early.context.held() if as_read else None,
    )  # fmt: skip
    done = early.readings if as_read else {}
    rest = {name: reader for name, reader in job.readers.items() if name not in done}
    found = {**done, **_run_readers(job, rest, context)}
    return {name: found[name] for name in job.readers}  # in the configured order


def _run_readers(job: Job, readers: dict[str, PageReader], context: PageContext) -> dict:
    readings = {}
    for name, reader in readers.items():
        with _timed(job, f"read:{name}"):
            try:
                readings[name] = reader(context)
            except Exception as exc:  # a reader is an extra, never a reason to lose the page
                log.warning("page reader %s failed on page %d", name, context.number, exc_info=True)
                readings[name] = {"error": f"{type(exc).__name__}: {exc}"[:300]}
    return readings


def _turned(
    page: ImagePage, rotation: int, first: ocr.OcrResult, job: Job
) -> tuple[int, ocr.OcrResult]:
    """OCR the page turned by ``rotation``; keep whichever pass read more confident text."""
    turned = images.rotate(page.load(1), rotation)
    path = images.save_for_ocr(turned, job.scratch / f"turned-{page.number:04d}", photo=page.photo)
    del turned
    second = ocr.recognize(path, job.scratch / f"ocr-{page.number:04d}-r", job.settings, page.dpi)
    return (rotation, second) if second.score > first.score else (0, first)


def keep_text_page(page: TextPage, job: Job) -> tuple[PageResult, None]:
    view, thumb = _preview_paths(job, page.number)
    with _timed(job, "derivatives"):
        derivatives.write_previews(page.preview, 0, view, thumb, job.settings.thumb_max_px)
    text = page.text.strip()
    width, height = page.size
    return PageResult(
        page.number, "text", text, None, len(text.split()), 0, width, height, view, thumb
    ), None


def _preview_paths(job: Job, number: int) -> tuple[Path, Path]:
    pages = job.workdir / "pages"
    return pages / f"{number:04d}-view.jpg", pages / f"{number:04d}-thumb.jpg"


def _clear(scratch: Path, number: int) -> None:
    """Drop a finished page's files (every scratch name carries its number: page-0007.png,
    ocr-0007.tsv, probe-0007-90.png): a long TIFF must not fill the disk with page images."""
    tag = f"-{number:04d}"
    for leftover in scratch.iterdir():
        if tag in leftover.name:
            leftover.unlink()


@contextlib.contextmanager
def _timed(job: Job, name: str):
    started = time.perf_counter()
    try:
        yield
    finally:
        _add_time(job, name, time.perf_counter() - started)


def _add_time(job: Job, name: str, seconds: float) -> None:
    with job.lock:
        job.timings[name] += seconds
