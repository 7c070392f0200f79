"""OCR cost of the archive's pipeline against bare pytesseract on the same pages, one run.

    python -m bench.ocr_bench [--pages 12] [--formats png,jpeg,pdf] [--readers codes,header,tally]

bare:     pytesseract.image_to_data(path, lang="ind+eng", config="--psm 4") on the page file
pipeline: the whole archive path for the same page: receive (hash, sniff, store the original,
          database row), then process (OCR with orientation check, searchable PDF, previews,
          checksums, sidecar, index). Runs in this process, one page at a time.
Both with OMP_THREAD_LIMIT=1, alternating page by page so machine load hits both alike.
Target: pipeline <= 1.15 x bare per page. ``--readers`` sets ARCHIVE_PAGE_READERS ("" for
OCR only): reading QR codes, the header and the vote counts is extra work beyond OCR.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pymupdf
import pytesseract
import tesserocr

from archive_app.intake import uploads
from archive_app.records import processing
from archive_app.services import build_services
from config.settings import load_settings
from tests.formgen import make_form

META = {
    "election": "PPWP", "form_type": "C.HASIL", "year": "2024", "province": "Jawa Tengah",
    "regency": "Karanganyar", "district": "Jaten", "village": "Papahan", "tps": "5",
}  # fmt: skip


def bare(path: Path, workdir: Path) -> float:
    """Bare Tesseract needs an image: a PDF page is rendered at 300 dpi first (timed too)."""
    started = time.perf_counter()
    if path.suffix == ".pdf":
        with pymupdf.open(path) as doc:
            image = workdir / "bare.png"
            doc[0].get_pixmap(dpi=300).save(image)
            path = image
    pytesseract.image_to_data(str(path), lang="ind+eng", config="--psm 4")
    return time.perf_counter() - started


def pipeline(services, path: Path, n: int) -> float:
    started = time.perf_counter()
    with open(path, "rb") as fh:
        doc_id = uploads.receive(services, fh, path.name, {**META, "tps": str(n)}, "bench").id
    processing.process(services, doc_id)
    elapsed = time.perf_counter() - started
    if services.metadata.records.get(doc_id).status.value != "ready":
        raise RuntimeError(f"page {path} did not process")
    return elapsed


def run(fmt: str, pages: int, root: Path, readers: str) -> tuple[list[float], list[float]]:
    folder = root / fmt
    folder.mkdir()
    files = [
        make_form(folder / f"p{i}.{fmt}", fmt=fmt, seed=i, tps=i + 1, noise=0.002,
                  votes=(100 + i, 50 + 2 * i, 30 + 3 * i), unique_word=f"Kata{i}")
        for i in range(pages)
    ]  # fmt: skip
    data = str(root / f"data-{fmt}")
    settings = load_settings(env={"ARCHIVE_DATA_DIR": data, "ARCHIVE_PAGE_READERS": readers})
    services = build_services(settings)
    services.metadata.migrate()
    bare_times, pipe_times = [], []
    try:
        for n, path in enumerate(files, start=1):
            bare_times.append(bare(path, folder))
            pipe_times.append(pipeline(services, path, n))
    finally:
        services.close()
    return bare_times, pipe_times


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=12)
    parser.add_argument("--formats", default="png,jpeg,pdf")
    parser.add_argument("--readers", default="codes,header,tally", help='"" for OCR only')
    args = parser.parse_args(argv)
    os.environ["OMP_THREAD_LIMIT"] = "1"
    print(
        f"{args.pages} generated A4 forms per format, 300 dpi; bare: the tesseract command "
        f"{pytesseract.get_tesseract_version()}, OMP_THREAD_LIMIT=1; pipeline: its engine kept "
        f"loaded ({tesserocr.tesseract_version().split()[1]}); page readers: "
        f"{args.readers or 'none'}; seconds per page"
    )
    print(
        f"{'format':<7} {'bare median':>12} {'pipeline median':>16} {'bare total':>11} "
        f"{'pipeline total':>15} {'ratio':>6}  target <= 1.15"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in args.formats.split(","):
            bare_times, pipe_times = run(fmt, args.pages, Path(tmp), args.readers)
            ratio = sum(pipe_times) / sum(bare_times)
            print(
                f"{fmt:<7} {statistics.median(bare_times):12.2f} "
                f"{statistics.median(pipe_times):16.2f} {sum(bare_times):11.1f} "
                f"{sum(pipe_times):15.1f} {ratio:6.2f}  {'met' if ratio <= 1.15 else 'MISSED'}"
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
