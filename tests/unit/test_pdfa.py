"""Preservation copies (ingest/pdfa.py): every kind of upload's searchable PDF made PDF/A-2b,
held against veraPDF itself, the record's metadata in the XMP, the scans not re-encoded."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pikepdf
import pymupdf
import pytest

from ingest.models import FileKind, OcrSettings
from ingest.pdfa import Description, make_pdfa
from ingest.pipeline import process_file
from tests.formgen import make_form, make_text_pdf
from tests.unit.test_pipeline import colour_scan, embedded_jpeg

WORD = "Kelapagading"
DESCRIPTION = Description(
    identifier="0123456789abcdef0123456789abcdef",
    title="C.HASIL PPWP 2024 Papahan TPS 005",
    created=datetime(2026, 2, 14, 9, 30, tzinfo=UTC),
    subject=("election: PPWP", "form_type: C.HASIL", "tps: 005", "village: Papahan"),
    description="Sertifikat hasil penghitungan suara",
    coverage="Jawa Tengah / Karanganyar / Jaten / Papahan / TPS 005",
    types=("C.HASIL",),
    source="scan.jpg (SHA-256 00ff)",
    publisher="Komisi Pemilihan Umum",
    date=date(2024, 2, 14),
)


def _mixed_pdf(folder: Path) -> Path:
    """A born-digital page (a base-14 font, not embedded), a scan, another typed page."""
    typed = make_text_pdf(folder / "typed.pdf", "BERITA ACARA rekapitulasi suara Papahan")
    scan = make_form(folder / "scan.pdf", fmt="pdf", unique_word=WORD)
    with pymupdf.open(typed) as record, pymupdf.open(scan) as page, pymupdf.open(typed) as last:
        record.insert_pdf(page)
        record.insert_pdf(last)
        record.save(folder / "mixed.pdf")
    return folder / "mixed.pdf"


@pytest.fixture(scope="module")
def copies(tmp_path_factory, real_scans):
    """name -> (searchable PDF, its PDF/A copy, the PdfaResult), for every kind of upload."""
    folder = tmp_path_factory.mktemp("pdfa")
    uploads = {
        "colour.jpg": (colour_scan(folder / "colour.jpg", unique_word=WORD)[0], FileKind.JPEG),
        "form.png": (make_form(folder / "form.png", unique_word=WORD), FileKind.PNG),
        "two.tif": (make_form(folder / "two.tif", fmt="tiff", pages=2), FileKind.TIFF),
        "scan.pdf": (make_form(folder / "scanned.pdf", fmt="pdf", unique_word=WORD), FileKind.PDF),
        "mixed.pdf": (_mixed_pdf(folder), FileKind.PDF),
        "c02-22.pdf": (real_scans / "c02-22.pdf", FileKind.PDF),
    }
    settings = OcrSettings(keep_pixels=False)
    made = {}
    for name, (source, kind) in uploads.items():
        work = folder / f"work-{name}"
        work.mkdir()
        searchable = process_file(source, kind, work, settings).pdf_path
        result = make_pdfa(searchable, folder / f"{name}.pdfa.pdf", DESCRIPTION, settings, work)
        made[name] = (searchable, result.path, result)
    return made


def test_given_every_kind_of_upload_then_its_copy_passes_verapdf_as_pdfa_2b(copies, verapdf):
    verdicts = verapdf.validate([copy for _, copy, _ in copies.values()], flavour="2b")
    failed = {v.path.name: v.failures for v in verdicts if not v.compliant}
    assert not failed, failed
    assert {v.profile for v in verdicts} == {"PDF/A-2B validation profile"}


def test_given_the_searchable_pdfs_then_verapdf_can_fail_them(copies, verapdf):
    """The check can fail: without the declaration, the same files are not PDF/A."""
    verdicts = verapdf.validate([searchable for searchable, _, _ in copies.values()])
    assert not any(v.compliant for v in verdicts)


def test_given_a_copy_then_its_xmp_and_info_carry_the_records_metadata(copies):
    _, copy, _ = copies["colour.jpg"]
    with pikepdf.open(copy) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:identifier"] == DESCRIPTION.identifier
        assert meta["dc:title"] == DESCRIPTION.title
        assert meta["dc:coverage"] == DESCRIPTION.coverage
        assert set(meta["dc:subject"]) == set(DESCRIPTION.subject)
        assert meta["dc:source"] == DESCRIPTION.source
        assert meta["xmp:CreateDate"].startswith("2026-02-14T09:30:00")
        assert str(pdf.docinfo["/Title"]) == DESCRIPTION.title
        assert "tps: 005" in str(pdf.docinfo["/Keywords"])
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3  # sRGB


def test_given_jpeg_scans_then_the_copy_carries_them_byte_for_byte(copies):
    for name in ("colour.jpg", "c02-22.pdf"):
        searchable, copy, _ = copies[name]
        with pymupdf.open(searchable) as before, pymupdf.open(copy) as after:
            assert embedded_jpeg(after, 0)[0] == embedded_jpeg(before, 0)[0], name
        assert copy.stat().st_size < searchable.stat().st_size + 12_000, name  # XMP, profile


def test_given_scans_then_no_page_is_redone_and_the_text_stays(copies):
    for name in ("colour.jpg", "form.png", "two.tif", "scan.pdf", "c02-22.pdf"):
        assert copies[name][2].redone_pages == (), name
    with pymupdf.open(copies["form.png"][1]) as pdf:
        assert WORD in pdf[0].get_text()


def test_given_born_digital_pages_without_embedded_fonts_then_only_they_are_redone(copies):
    """A typed page whose font is not embedded cannot be PDF/A as it is: the copy has it as a
    300-dpi image under OCR'd text; the scan between them is kept as it is."""
    searchable, copy, result = copies["mixed.pdf"]
    assert result.redone_pages == (1, 3)
    with pymupdf.open(copy) as pdf, pymupdf.open(searchable) as before:
        assert pdf.page_count == 3
        assert "rekapitulasi" in pdf[0].get_text() and "rekapitulasi" in pdf[2].get_text()
        assert WORD in pdf[1].get_text()
        assert pdf[1].get_images(full=True)[0][8] == before[1].get_images(full=True)[0][8]
        assert pdf[0].get_images() and not before[0].get_images()


def test_given_a_large_format_page_to_redo_then_it_is_rendered_within_the_page_pixels(tmp_path):
    """A typed page of 2 x 2 m (a plano form's size, its font not embedded) is redone as an
    image: rendered at the full 300 dpi it was 556 MP, past Pillow's decompression-bomb
    limit, and no copy was made. It is rendered within max_page_pixels, as pages are read."""
    source = tmp_path / "plano.pdf"
    with pymupdf.open() as doc:
        side = 2000 / 25.4 * 72
        doc.new_page(width=side, height=side).insert_text((72, 144), "REKAPITULASI", fontsize=96)
        doc.save(source)
    result = make_pdfa(source, tmp_path / "plano.pdfa.pdf", DESCRIPTION, OcrSettings(), tmp_path)
    assert result.redone_pages == (1,)
    with pymupdf.open(tmp_path / "plano.pdfa.pdf") as copy:
        assert copy[0].rect.width == pytest.approx(side, abs=1)
        [(xref, *_)] = copy[0].get_images(full=True)
        width, height = copy.extract_image(xref)["width"], copy.extract_image(xref)["height"]
        assert width * height <= OcrSettings().max_page_pixels
