"""Run Tesseract on one page image file and read back what it produced.

We call the ``tesseract`` CLI ourselves rather than through pytesseract so that (1) the image is
always handed over as a file path (pytesseract re-encodes PIL images as PNG, +0.5 s per page),
(2) one run writes the searchable PDF, the plain text and the word table together, and (3)
``OMP_THREAD_LIMIT=1`` is set for the child process only: Debian's OpenMP build is 4x slower on
these 2-core machines with threading on (see docs ocr-baseline.md), and setting it in our own
environment would leak into everything else the worker starts.
"""

from __future__ import annotations

import csv
import os
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from ingest.models import OcrSettings

# Words below this confidence are mostly noise; rotations are compared on confident words only.
CONFIDENT = 60.0
# Tesseract runs at once in this process: one per core. Worker threads and page threads both
# start runs, and more runs than cores only add memory and switching (each is single-threaded).
SLOTS = threading.BoundedSemaphore(os.cpu_count() or 1)


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


def _base_args(image: Path, out_base: Path, settings: OcrSettings, dpi: int) -> list[str]:
    args = [str(image), str(out_base), "-l", settings.languages, "--psm", str(settings.psm)]
    return args + ["--dpi", str(dpi)]


def recognize(image: Path, out_base: Path, settings: OcrSettings, dpi: int) -> OcrResult:
    """Full OCR of one page: ``out_base``.pdf (image + invisible text; text alone for a PNG,
    see ``is_png``), .txt and .tsv.

    ``dpi`` is passed explicitly because it sets the PDF page size; Tesseract's own guess for an
    image without a resolution tag is 70 dpi, which makes an A4 scan a 1.3-metre page.
    """
    args = _base_args(image, out_base, settings, dpi)
    args += ["-c", "tessedit_create_pdf=1", "-c", "tessedit_create_txt=1"]
    args += ["-c", "tessedit_create_tsv=1", "-c", "page_separator="]
    text_only = is_png(image)
    if text_only:
        args += ["-c", "textonly_pdf=1"]
    done = _run(args, settings)
    pdf, txt, tsv = (Path(f"{out_base}.{ext}") for ext in ("pdf", "txt", "tsv"))
    if done.returncode or not pdf.exists():
        raise OcrError(f"Tesseract failed on {image.name}: {_stderr_tail(done)}")
    confidence, words, score = parse_tsv(tsv.read_text(encoding="utf-8"))
    text = txt.read_text(encoding="utf-8").strip()
    return OcrResult(text, confidence, words, score, pdf, image, tsv, text_only)


def is_png(image: Path) -> bool:
    """PNG pages get a text-only PDF from Tesseract: its PDF renderer would decode and deflate
    the page again (~0.06 s a page), while derivatives.PdfAssembler puts the PNG's own
    compressed data under the text, unchanged. JPEG and G4 it already copies as they are."""
    with open(image, "rb") as fh:
        return fh.read(8) == b"\x89PNG\r\n\x1a\n"


def measure(image: Path, out_base: Path, settings: OcrSettings, dpi: int) -> OcrResult:
    """Word table only: the cheap probe used to compare candidate rotations."""
    done = _run(_base_args(image, out_base, settings, dpi) + ["tsv"], settings)
    tsv = Path(f"{out_base}.tsv")
    if done.returncode or not tsv.exists():
        raise OcrError(f"Tesseract failed on {image.name}: {_stderr_tail(done)}")
    confidence, words, score = parse_tsv(tsv.read_text(encoding="utf-8"))
    tsv.unlink()
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


def _stderr_tail(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
    return " | ".join(lines[-3:]) or f"exit code {done.returncode}"
