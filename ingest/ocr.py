"""Run Tesseract on one page image file and read back what it produced.

Page OCR runs on a Tesseract engine kept loaded in this process (``tesserocr``, whose wheel
carries Tesseract 5.5; it reads the installed language data, see ``tessdata_dir``). Started
as the ``tesseract`` command for every page, it loaded the ind+eng models each time: 0.18 s
of CPU per page, and the whole page took 1.22-1.26 s of CPU there against 0.85 s here on the
same A4 scan (docs/benchmarks.md). What the command gave us is kept:
  - the image is handed over as a file path (Leptonica reads it, as the command did; no PNG
    re-encode as with pytesseract); a colour page as its gray, uncompressed (``_gray_copy``);
  - one pass writes the searchable PDF and the plain text (Tesseract's own renderers) and
    leaves the word table in the engine;
  - a page that takes longer than ``timeout_seconds`` is cancelled by Tesseract's own
    deadline and fails with a clear message.
What it cannot keep is a separate address space: a crash inside Tesseract ends the worker
process. Workers are processes that the pool starts again (archive_app/worker_pool.py), and
the record's lease runs out and it is retried until ``job_max_attempts``, so such a file fails
alone. OSD (``detect_orientation``, rare: only pages that read badly) still runs the command.
The bundled Tesseract is built without OpenMP, so it needs no ``OMP_THREAD_LIMIT``; the
command does (Debian's OpenMP build is 4x slower on 2 cores, see docs ocr-baseline.md), set
for the child process only.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import os
import queue
import re
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import tesserocr
from PIL import Image

from ingest import images, ocr_capi
from ingest.models import OcrSettings, decoded_gray

# Words below this confidence are mostly noise; rotations are compared on confident words only.
CONFIDENT = 60.0
# Tesseract runs at once in this process: one per core. Worker threads and page threads both
# start runs, and more runs than cores only add memory and switching (each is single-threaded).
SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)
# The header line of the command's TSV, which the engine's GetTSVText leaves out; readers of
# the .tsv file (tally_rows.parse_words) skip it.
TSV_HEADER = "\t".join(
    ("level", "page_num", "block_num", "par_num", "line_num", "word_num", "left", "top", "width",
     "height", "conf", "text")
) + "\n"  # fmt: skip
_IDLE_ENGINES: dict[tuple, queue.SimpleQueue] = {}  # tesserocr's and the C API's, by key
T = TypeVar("T")
_ENGINES_LOCK = threading.Lock()


class OcrError(RuntimeError):
    """Tesseract failed or timed out on a page; the message says which and why."""


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None  # mean over words with conf >= 0 and non-blank text
    words: int
    score: float  # sum of confidences of words >= CONFIDENT: how much readable text was found
    pdf_path: Path | None = None
    image_path: Path | None = None  # the image this result was read from
    tsv_path: Path | None = None
    text_only_pdf: bool = False  # pdf_path holds the text layer alone; the image goes under it


def _run(args: list[str], settings: OcrSettings) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = [settings.tesseract_cmd, *args]
    try:
        with SLOTS:
            done = subprocess.run(
                command, env=env, capture_output=True, timeout=settings.timeout_seconds,
                check=False,
            )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise OcrError(f"Tesseract took longer than {settings.timeout_seconds} s") from exc
    except OSError as exc:
        raise OcrError(f"Tesseract could not be started: {exc}") from exc
    return done


@contextlib.contextmanager
def page_engine(settings: OcrSettings) -> Iterator[tesserocr.PyTessBaseAPI]:
    """An engine for page OCR, holding one of the per-core ``SLOTS`` meanwhile."""
    with SLOTS, kept_engine(settings.languages, settings.psm, page_separator="") as engine:
        yield engine


@contextlib.contextmanager
def kept_engine(lang: str, psm: int, **variables: str) -> Iterator[tesserocr.PyTessBaseAPI]:
    """A loaded tesserocr engine for the caller alone, per language, page segmentation mode
    and start-up ``variables`` (see ``_pooled``)."""
    key = ("tesserocr", lang, psm, tuple(sorted(variables.items())))
    with _pooled(key, lambda: _new_engine(lang, psm, variables)) as engine:
        yield engine


@contextlib.contextmanager
def _pooled(key: tuple, make: Callable[[], T]) -> Iterator[T]:
    """An engine for the caller alone (an engine is not thread-safe), from the pool of idle
    ones made for ``key``, or ``make()`` when none is idle: loading one costs ~0.2 s."""
    with _ENGINES_LOCK:
        idle = _IDLE_ENGINES.setdefault(key, queue.SimpleQueue())
    try:
        engine = idle.get_nowait()
    except queue.Empty:
        engine = make()
    try:
        yield engine
    finally:
        idle.put(engine)


def _new_engine(lang: str, psm: int, variables: dict[str, str]) -> tesserocr.PyTessBaseAPI:
    try:
        engine = tesserocr.PyTessBaseAPI(path=tessdata_dir(), lang=lang, psm=psm)
    except (RuntimeError, ValueError) as exc:
        raise OcrError(f"Tesseract could not load the languages {lang!r}: {exc}") from exc
    for name, value in variables.items():
        engine.SetVariable(name, value)
    return engine


@functools.cache
def tessdata_dir() -> str:
    """Where the installed ``tesseract`` finds its language data (TESSDATA_PREFIX included):
    the engine in this process must read the same models as the command."""
    try:
        done = subprocess.run(["tesseract", "--list-langs"], capture_output=True, check=False)
    except OSError as exc:
        raise OcrError(f"the tesseract command is not installed: {exc}") from exc
    found = re.search(r'"([^"]+)"', done.stdout.decode("utf-8", "replace"))
    if not found:
        raise OcrError("tesseract --list-langs did not say where its language data is")
    return found.group(1)


def _deadline_ms(settings: OcrSettings) -> int:
    return max(1, int(settings.timeout_seconds * 1000))


def _failed(image: Path, settings: OcrSettings, started: float) -> OcrError:
    if time.monotonic() - started >= settings.timeout_seconds:
        return OcrError(f"Tesseract took longer than {settings.timeout_seconds} s on {image.name}")
    return OcrError(f"Tesseract could not read {image.name} (an unreadable or damaged image)")


def recognize(
    image: Path, out_base: Path, settings: OcrSettings, dpi: int, *,
    text_only: bool | None = None, gray: Image.Image | None = None,
) -> OcrResult:  # fmt: skip
    """Full OCR of one page: ``out_base``.pdf (image + invisible text; the text alone for a PNG
    or JPEG, see ``embeds_as_is``, or when ``text_only`` asks for it), .txt and .tsv.

    ``dpi`` is passed explicitly because it sets the PDF page size; Tesseract's own guess for an
    image without a resolution tag is 70 dpi, which makes an A4 scan a 1.3-metre page.
    ``gray``: the page as 8-bit gray, if the caller holds it (see ``_gray_copy``).
    """
    if text_only is None:
        text_only = embeds_as_is(image)
    read = _gray_copy(image, out_base, gray) if text_only else None
    try:
        with _pages_engine(settings) as engine:
            for name, value in (("tessedit_create_pdf", "1"), ("tessedit_create_txt", "1"),
                                ("textonly_pdf", "1" if text_only else "0"),
                                ("user_defined_dpi", str(dpi))):  # fmt: skip
                engine.set_variable(name, value)
            started = time.monotonic()
            done = engine.process_pages(
                str(out_base), str(read or image), _deadline_ms(settings), text_only=text_only
            )
            pdf, txt, tsv = (Path(f"{out_base}.{ext}") for ext in ("pdf", "txt", "tsv"))
            if not done or not pdf.exists():
                for partial in (pdf, txt):  # a cancelled run may leave part of a page behind
                    partial.unlink(missing_ok=True)
                raise _failed(image, settings, started)
            table = TSV_HEADER + engine.tsv_text(0)
            engine.clear()  # the page's results are copied out; do not hold them until the next
    finally:
        if read is not None:
            read.unlink(missing_ok=True)
    tsv.write_text(table, encoding="utf-8")
    confidence, words, score = parse_tsv(table)
    text = txt.read_text(encoding="utf-8").strip()
    return OcrResult(text, confidence, words, score, pdf, image, tsv, text_only)


@contextlib.contextmanager
def _pages_engine(settings: OcrSettings) -> Iterator[ocr_capi.PageEngine | _Tesserocr]:
    """The engine ``recognize`` reads a page on, holding one of the per-core ``SLOTS``: on
    Tesseract's C API, which leaves the interpreter lock free while the page is read
    (ingest/ocr_capi.py), or where that cannot be had, tesserocr's, which does not."""
    if not ocr_capi.available():
        with page_engine(settings) as engine:
            yield _Tesserocr(engine)
        return
    variables = {"page_separator": ""}
    key = ("c-api", settings.languages, settings.psm, tuple(variables.items()))
    with SLOTS, _pooled(key, lambda: _new_page_engine(settings, variables)) as engine:
        yield engine


def _new_page_engine(settings: OcrSettings, variables: dict[str, str]) -> ocr_capi.PageEngine:
    try:
        return ocr_capi.PageEngine(tessdata_dir(), settings.languages, settings.psm, variables)
    except RuntimeError as exc:
        raise OcrError(str(exc)) from exc


class _Tesserocr:
    """tesserocr's engine with the calls ``recognize`` makes, named as on ocr_capi.PageEngine."""

    def __init__(self, engine: tesserocr.PyTessBaseAPI) -> None:
        self._engine = engine

    def set_variable(self, name: str, value: str) -> None:
        self._engine.SetVariable(name, value)

    def process_pages(self, out_base: str, image: str, timeout_ms: int, *, text_only: bool) -> bool:
        return bool(self._engine.ProcessPages(out_base, image, timeout=timeout_ms))

    def tsv_text(self, page: int) -> str:
        return str(self._engine.GetTSVText(page))

    def clear(self) -> None:
        self._engine.Clear()


def _gray_copy(image: Path, out_base: Path, gray: Image.Image | None) -> Path | None:
    """A colour page's gray, for Tesseract to read in its place (None: the page is not colour).

    Tesseract recognises text on gray and finds the page's layout on a binary image; given a
    colour page it keeps two 32-bit copies (~70 MB for an A4 page at 300 dpi), decodes the
    colour and thresholds each channel. Given the gray it takes ~34 MB instead of ~92 and
    0.78 s of CPU instead of 1.02 a page, and read the vote counts of colour forms as well
    (890 against 880 of 920 exact, fresh seeds; docs/benchmarks.md). The gray is the one
    the readers read (Pillow's luminance; a JPEG decodes its luminance alone), written
    uncompressed, so nothing is encoded to hand it over. Only for a text-only page PDF:
    the image under the text is the page's own file."""
    path = out_base.with_name(f"{out_base.name}.gray.pgm")
    try:
        with images.open_image(image) as opened:
            if opened.mode in ("1", "L"):
                return None
            if gray is None or gray.size != opened.size:
                gray = decoded_gray(opened)
            gray.save(path, "PPM")
    except (OSError, ValueError):  # damaged: Tesseract is given the file, and says so
        path.unlink(missing_ok=True)
        return None
    return path


def embeds_as_is(image: Path) -> bool:
    """PNG and JPEG pages get a text-only PDF from Tesseract, and derivatives.PdfAssembler puts
    the file's own compressed data under the text (img2pdf), unchanged. Tesseract's renderer
    would decode and deflate a PNG again (~0.06 s a page); a JPEG it copies, but declared
    DeviceRGB/DeviceGray, dropping the scan's ICC profile, which img2pdf keeps. G4 (1-bit
    TIFF) it copies as it is."""
    with open(image, "rb") as fh:
        head = fh.read(8)
    return head == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff"


def measure(image: Path, settings: OcrSettings, dpi: int) -> OcrResult:
    """Word table only: the cheap probe used to compare candidate rotations."""
    with page_engine(settings) as engine:
        started = time.monotonic()
        try:
            engine.SetImageFile(str(image))
        except (RuntimeError, OSError) as exc:  # tesserocr retries a file with PIL
            raise _failed(image, settings, started) from exc
        engine.SetSourceResolution(dpi)
        if not engine.Recognize(timeout=_deadline_ms(settings)):
            raise _failed(image, settings, started)
        table = engine.GetTSVText(0)
        engine.Clear()
    confidence, words, score = parse_tsv(TSV_HEADER + table)
    return OcrResult("", confidence, words, score)


def parse_tsv(tsv: str) -> tuple[float | None, int, float]:
    """(mean word confidence, word count, sum of confident-word confidences) from Tesseract TSV.

    Tesseract 5 emits whitespace-only "words" with confidence 95 around empty regions; counting
    them would make a blank or sideways page look confidently read, so blank text is skipped.
    """
    rows = csv.reader(tsv.splitlines()[1:], delimiter="\t", quoting=csv.QUOTE_NONE)
    confidences = [
        float(row[10]) for row in rows if len(row) >= 12 and row[0] == "5" and row[11].strip()
    ]
    confidences = [c for c in confidences if c >= 0]
    if not confidences:
        return None, 0, 0.0
    mean = sum(confidences) / len(confidences)
    return mean, len(confidences), sum(c for c in confidences if c >= CONFIDENT)


_OSD = re.compile(r"Rotate:\s*(\d+).*?Orientation confidence:\s*([\d.]+)", re.S)


def detect_orientation(image: Path, settings: OcrSettings, dpi: int) -> tuple[int, float] | None:
    """Tesseract OSD (``--psm 0``): (clockwise rotation that makes the page upright, confidence).

    None when OSD has no opinion (too few characters, e.g. blank or sparse pages).
    """
    done = _run([str(image), "-", "--psm", "0", "--dpi", str(dpi)], settings)
    match = _OSD.search(done.stdout.decode("utf-8", "replace"))
    if done.returncode or not match:
        return None
    return int(match.group(1)) % 360, float(match.group(2))
