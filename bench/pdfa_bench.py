"""PDF/A side by side: OCRmyPDF (the OCR inside Paperless-ngx) against the archive, same pages.

    python -m bench.pdfa_bench [--pages 20] [--workers 2] [--rounds 2]

The pages a new user would bring: generated C.Hasil forms scanned at 300 dpi, half as colour
JPEG files with an sRGB ICC profile (a phone or colour scanner), half as scanner PDFs (one
JPEG page each); ``--pages`` of them, split into ``--rounds`` slices taken in turns (this VM's
speed drifts over minutes, so one long block of each would compare different spells):
  ocrmypdf:  `ocrmypdf -l ind+eng --output-type pdfa-2 --jobs 1 IN OUT`, as its README shows
             it, ``--workers`` files at a time (one Tesseract per core; with --jobs 2 on a
             one-page file the second core would idle);
  archive:   the slice received into a fresh archive as one batch and processed by
             `archive worker --workers N` with every page reader on; the clock stops when
             every record is ready *and* has its PDF/A-2b copy (made by the background task).
Prints pages/s for both, their ratio (target: archive >= 2x OCRmyPDF), the word accuracy of
each output PDF's text layer against the words printed on the forms (a word counts when the
OCR text has it, as many times as printed; case and punctuation ignored), the seconds from
"ready" to "copy made", and the sizes: each upload, its searchable PDF and its PDF/A copy.

Bench-only dependencies (not in requirements.txt):
  - OCRmyPDF 17.13.0 from PyPI in its own venv, made on first use:
    ``${XDG_CACHE_HOME:-~/.cache}/archive-bench/ocrmypdf-venv`` (``--ocrmypdf`` to give another);
  - Debian's ``ghostscript`` (``apt-get install -y ghostscript``): OCRmyPDF refuses to start
    without ``gs``, even when its own PDF/A path makes Ghostscript unnecessary.
OCRmyPDF runs Debian's Tesseract 5.3 command (ind+eng, its default page segmentation); the
archive runs the Tesseract 5.5 engine kept loaded in its workers (psm 4), same language data.
"""

from __future__ import annotations

import argparse
import io
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pymupdf
from PIL import Image, ImageCms, ImageOps

from archive_app.domain.records import FileRole
from archive_app.intake import batches
from archive_app.services import build_services
from config.settings import load_settings
from tests.formgen import CANDIDATES, ELECTION_TITLES, make_form

OCRMYPDF_VERSION = "17.13.0"
SHARED = {"election": "PPWP", "form_type": "C.HASIL", "year": "2024", "province": "Jawa Tengah",
          "regency": "Karanganyar", "district": "Jaten", "village": "Papahan"}  # fmt: skip
FORM = dict(election="PPWP", form_type="C.HASIL", year=2024, province="Jawa Tengah",
            regency="Karanganyar", district="Jaten", village="Papahan")  # fmt: skip
WORDS = ("Kelapagading", "Sukamaju", "Tirtomoyo", "Banjarsari", "Wonokerto")


def form_fields(n: int) -> dict:
    votes = (100 + n % 50, 40 + n % 30, 20 + n % 17)
    return {**FORM, "tps": 1 + n, "votes": votes, "invalid": 3 + n % 5,
            "unique_word": WORDS[n % len(WORDS)]}  # fmt: skip


def printed_words(f: dict) -> list[str]:
    """The words tests/formgen.py prints on a form with these fields (one page)."""
    votes, invalid = f["votes"], f["invalid"]
    lines = [
        f"MODEL {f['form_type']}-{f['election']}",
        "SERTIFIKAT HASIL PENGHITUNGAN PEROLEHAN SUARA",
        f"PEMILIHAN UMUM {ELECTION_TITLES[f['election']]} TAHUN {f['year']}",
        "DI TEMPAT PEMUNGUTAN SUARA",
        f"PROVINSI : {f['province']}", f"KABUPATEN/KOTA : {f['regency']}",
        f"KECAMATAN : {f['district']}", f"KELURAHAN/DESA : {f['village']}",
        f"TPS : {f['tps']:03d}",
        "I. PEROLEHAN SUARA PASANGAN CALON", "NO. URUT NAMA PASANGAN CALON PEROLEHAN SUARA",
        *(f"{i} {CANDIDATES[i - 1]} {v}" for i, v in enumerate(votes, start=1)),
        "II. JUMLAH SUARA",
        f"A JUMLAH SELURUH SUARA SAH {sum(votes)}", f"B JUMLAH SUARA TIDAK SAH {invalid}",
        f"C JUMLAH SUARA SAH DAN TIDAK SAH {sum(votes) + invalid}",
        f"CATATAN : {f['unique_word']}", "KETUA KPPS SAKSI", "Halaman 1 dari 1",
    ]  # fmt: skip
    return tokens(" ".join(lines))


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def word_accuracy(reference: list[str], text: str) -> tuple[int, int]:
    """(reference words found in ``text``, reference words), counted with multiplicity."""
    found = Counter(tokens(text)) & Counter(reference)
    return sum(found.values()), len(reference)


def make_pages(folder: Path, count: int) -> list[tuple[Path, list[str]]]:
    """Colour JPEGs with an ICC profile (even n) and scanner PDFs holding one (odd n)."""
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    made = []
    for n in range(count):
        fields = form_fields(n)
        gray = Image.open(make_form(folder / f"g{n:03d}.png", seed=n, noise=0.002, **fields))
        paper = ImageOps.colorize(gray, black=(25, 25, 80), white=(252, 247, 232))
        jpeg = io.BytesIO()
        paper.save(jpeg, "JPEG", quality=85, dpi=(300, 300), icc_profile=profile)
        (folder / f"g{n:03d}.png").unlink()
        if n % 2 == 0:
            path = folder / f"p{n:03d}.jpg"
            path.write_bytes(jpeg.getvalue())
        else:
            path = folder / f"p{n:03d}.pdf"
            with pymupdf.open() as doc:
                page = doc.new_page(width=595.2, height=841.92)
                page.insert_image(page.rect, stream=jpeg.getvalue())
                doc.save(path)
        made.append((path, printed_words(fields)))
    return made


def ocrmypdf_command(args) -> str:
    if args.ocrmypdf:
        return args.ocrmypdf
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "archive-bench"
    venv = cache / "ocrmypdf-venv"
    exe = venv / "bin" / "ocrmypdf"
    if not exe.exists():
        print(f"installing OCRmyPDF {OCRMYPDF_VERSION} into {venv} (bench only)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q",
                        f"ocrmypdf=={OCRMYPDF_VERSION}"], check=True)  # fmt: skip
    return str(exe)


def run_ocrmypdf(exe: str, files: list[Path], out: Path, workers: int) -> float:
    def one(path: Path) -> None:
        command = [exe, "-q", "-l", "ind+eng", "--output-type", "pdfa-2", "--jobs", "1",
                   str(path), str(out / f"{path.stem}.pdf")]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)

    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, files))
    return time.perf_counter() - started


class Archive:
    """A fresh embedded archive and `archive worker --workers N` over it."""

    def __init__(self, root: Path, workers: int):
        self.env = {"ARCHIVE_DATA_DIR": str(root / "archive"), "ARCHIVE_LOG_LEVEL": "WARNING"}
        self.services = build_services(load_settings(env=self.env))
        self.services.metadata.migrate()
        self.batch = batches.start(self.services, "bench", "cli", SHARED, "bench")
        command = [sys.executable, "-m", "archive_app", "worker", "--workers", str(workers)]
        self.proc: subprocess.Popen | None = None
        self.command = command
        self.copy_lag: list[float] = []

    def run(self, files: list[Path]) -> float:
        records = self.services.metadata.records
        started = time.perf_counter()
        ids = [
            batches.add_file(self.services, self.batch, path, path.name, "bench",
                             overrides={"tps": ""})[0].document_id
            for path in files
        ]  # fmt: skip
        if self.proc is None:  # started once: its start-up counts, in the first round
            self.proc = subprocess.Popen(
                self.command, env={**os.environ, **self.env},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        ready_at: dict[str, float] = {}
        waiting = set(ids)
        while waiting:
            for record_id in list(waiting):
                record = records.get(record_id)
                if record.status.value == "failed":
                    raise RuntimeError(f"{record_id} failed: {record.error}")
                if record.status.value == "ready":
                    ready_at.setdefault(record_id, time.perf_counter())
                    if any(f.role == FileRole.PDFA.value for f in records.files(record_id)):
                        self.copy_lag.append(time.perf_counter() - ready_at[record_id])
                        waiting.discard(record_id)
            time.sleep(0.05)
        self.ids = getattr(self, "ids", []) + ids
        return time.perf_counter() - started

    def copy_of(self, record_id: str) -> tuple[bytes, int, int]:
        files = {f.role: f for f in self.services.metadata.records.files(record_id)}
        with self.services.objects.open(files[FileRole.PDFA.value].key) as fh:
            data = fh.read()
        return data, files[FileRole.PDF.value].size, files[FileRole.PDFA.value].size

    def close(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=90)
        self.services.close()


def pdf_text(data: bytes) -> str:
    with pymupdf.open("pdf", data) as doc:
        return "\n".join(page.get_text() for page in doc)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--ocrmypdf", default="", help="an ocrmypdf command to use")
    args = parser.parse_args(argv)
    exe = ocrmypdf_command(args)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        (root / "ocrmypdf").mkdir()
        pages = make_pages(root / "in", args.pages)
        files = [p for p, _ in pages]
        print(f"{args.pages} pages (A4, 300 dpi generated C.Hasil forms: colour JPEG with sRGB "
              f"ICC, and scanner PDFs of such a JPEG), {args.workers} at a time; OCRmyPDF "
              f"{version} --output-type pdfa-2 against the archive with PDF/A copies",
              flush=True)  # fmt: skip
        archive = Archive(root, args.workers)
        theirs = ours = 0.0
        try:
            for number in range(args.rounds):
                part = files[number * len(files) // args.rounds:
                             (number + 1) * len(files) // args.rounds]  # fmt: skip
                theirs += run_ocrmypdf(exe, part, root / "ocrmypdf", args.workers)
                ours += archive.run(part)
                print(f"  round {number + 1}: {len(part)} pages", flush=True)
            report(pages, root, archive, theirs, ours)
        finally:
            archive.close()
    return 0


def report(pages, root: Path, archive: Archive, theirs: float, ours: float) -> None:
    n = len(pages)
    acc_theirs, acc_ours, total = 0, 0, 0
    sizes = []
    for (path, reference), record_id in zip(pages, archive.ids, strict=True):
        data = (root / "ocrmypdf" / f"{path.stem}.pdf").read_bytes()
        found, count = word_accuracy(reference, pdf_text(data))
        acc_theirs += found
        total += count
        copy, searchable, preserved = archive.copy_of(record_id)
        acc_ours += word_accuracy(reference, pdf_text(copy))[0]
        sizes.append((path.suffix, path.stat().st_size, len(data), searchable, preserved))
    rate_theirs, rate_ours = n / theirs, n / ours
    print(f"{'':22}{'seconds':>8}{'pages/s':>9}{'word accuracy':>15}")
    print(f"{'OCRmyPDF (PDF/A-2b)':22}{theirs:8.1f}{rate_theirs:9.2f}"
          f"{acc_theirs / total:14.1%}")  # fmt: skip
    print(f"{'archive + PDF/A copy':22}{ours:8.1f}{rate_ours:9.2f}{acc_ours / total:14.1%}")
    verdict = "met" if rate_ours >= 2 * rate_theirs else "MISSED"
    print(f"archive / OCRmyPDF: {rate_ours / rate_theirs:.2f}x (target >= 2x): {verdict}; "
          f"words {total} printed")  # fmt: skip
    lag = sorted(archive.copy_lag)
    print(f"PDF/A copy made after 'ready': median {lag[len(lag) // 2]:.2f} s, max {lag[-1]:.2f} s")
    for kind in (".jpg", ".pdf"):
        rows = [s for s in sizes if s[0] == kind]
        if rows:
            mean = [sum(r[i] for r in rows) / len(rows) / 1000 for i in range(1, 5)]
            print(f"{kind} uploads, mean kB: upload {mean[0]:.0f}, OCRmyPDF {mean[1]:.0f}, "
                  f"archive searchable {mean[2]:.0f}, archive PDF/A {mean[3]:.0f}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
