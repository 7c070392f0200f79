"""The searchable PDF of a long colour scan is put together in bounded memory.

A 2 GB scan batch (82 colour pages) made a 574 MB searchable PDF, and the worker held all of
it until the end; a 2,000-page batch would have needed ~14 GB. The assembler now writes the
document out part by part. MuPDF allocates outside Python, so tracemalloc cannot see this:
the assembly runs in a child process and its peak resident size is read from the kernel
(VmHWM: getrusage's maxrss would carry the parent's peak into the child across exec).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import img2pdf
import pymupdf
import pytest
from PIL import Image

from ingest import derivatives

PAGES = 36
PAGE_PX = (1400, 1200)  # 5 MB of RGB noise: its PNG does not compress
PART_BYTES = 8 * 1024 * 1024  # small parts, so the bound is far below the document

CHILD = """
import json, sys
from pathlib import Path
from ingest import derivatives

derivatives.PART_BYTES = {part_bytes}
folder, pages, kept = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "kept"

assembler = derivatives.PdfAssembler(folder, folder / "scan.pdf" if kept else None)
for n in range(pages):
    text = folder / f"text-{{n}}.pdf"
    if kept:  # a scanned page of an uploaded PDF, kept, its text laid over it
        part = derivatives.OcrPagePdf(text, None, 150, source=n)
    else:  # a page image under its text
        part = derivatives.OcrPagePdf(text, folder / "page.png", 150)
    assembler.add_ocr_page(part)
assembler.save(folder / "document.pdf")
leftovers = sorted(p.name for p in folder.iterdir() if p.name.startswith("pdf-"))
assembler.close()
cleaned = sorted(p.name for p in folder.iterdir() if p.name.startswith("pdf-"))
with open("/proc/self/status") as status:  # VmHWM: see the module docstring
    peak = next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) / 1024
print(json.dumps({{"peak": peak, "spilled": leftovers, "cleaned": cleaned}}))
"""


def _pages(folder: Path) -> int:
    """One incompressible page image, an uploaded PDF of it on every page, and a text layer
    per page naming its number."""
    Image.frombytes("RGB", PAGE_PX, os.urandom(PAGE_PX[0] * PAGE_PX[1] * 3)).save(
        folder / "page.png", "PNG", compress_level=1
    )
    with open(folder / "scan.pdf", "wb") as scan:
        img2pdf.convert([str(folder / "page.png")] * PAGES, outputstream=scan)
    for n in range(PAGES):
        with pymupdf.open() as doc:
            doc.new_page(width=PAGE_PX[0] * 72 / 150, height=PAGE_PX[1] * 72 / 150).insert_text(
                (40, 60), f"halaman {n + 1}"
            )
            doc.save(folder / f"text-{n}.pdf")
    return (folder / "page.png").stat().st_size


def _assemble(folder: Path, pages: int, kind: str) -> dict:
    code = textwrap.dedent(CHILD.format(part_bytes=PART_BYTES))
    root = Path(derivatives.__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", code, str(folder), str(pages), kind], env=env,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return json.loads(done.stdout)


@pytest.mark.parametrize("kind", ["image", "kept"])
def test_a_long_colour_document_is_assembled_without_holding_it(tmp_path, kind):
    """GIVEN 36 colour pages of 5 MB each (a 190 MB searchable PDF), page images under their
    text or the scanned pages of an uploaded PDF kept under it
    WHEN the assembler puts them together
    THEN its process peaks within 100 MB of what one page costs (holding the document, as
    before, peaked ~175 MB above), and the PDF has every page, in order, with its text."""
    page_bytes = _pages(tmp_path)
    one = _assemble(tmp_path, 1, kind)
    (tmp_path / "document.pdf").unlink()
    many = _assemble(tmp_path, PAGES, kind)
    document = tmp_path / "document.pdf"
    assert document.stat().st_size > PAGES * page_bytes * 0.95
    assert many["peak"] - one["peak"] < 100, (many, one, page_bytes)
    assert many["spilled"] and not many["cleaned"]  # written out part by part, then removed
    with pymupdf.open(document) as pdf:
        assert pdf.page_count == PAGES and not pdf.is_repaired
        for number in (1, 9, 10, PAGES):
            assert f"halaman {number}\n" in pdf[number - 1].get_text()
            assert len(pdf[number - 1].get_images()) == 1


def test_a_short_document_is_saved_in_one_piece(tmp_path):
    """GIVEN a few small pages WHEN assembled THEN nothing is spilled to disk and the PDF
    is written as before, with one font object for all its pages."""
    text = tmp_path / "text.pdf"
    with pymupdf.open() as doc:
        doc.new_page().insert_text((40, 60), "halaman")
        doc.save(text)
    Image.new("L", (850, 1100), 255).save(tmp_path / "page.png")
    assembler = derivatives.PdfAssembler(tmp_path)
    try:
        for _ in range(3):
            assembler.add_ocr_page(derivatives.OcrPagePdf(text, tmp_path / "page.png", 100))
        assert not [p for p in tmp_path.iterdir() if p.name.startswith("pdf-")]
        assembler.save(tmp_path / "document.pdf")
    finally:
        assembler.close()
    with pymupdf.open(tmp_path / "document.pdf") as pdf:
        assert pdf.page_count == 3
        fonts = {font[0] for page in pdf for font in page.get_fonts()}
        assert len(fonts) == 1
