"""The berita acara is a document people sign and file: rendered as a PDF, every word of it
stays on the A4 page, and it carries the letterhead, every record with its wrapped hash,
signature blocks and page numbers."""

from __future__ import annotations

import re
import subprocess

from archive_app.recordkeeping import disposition, retention
from tests.conftest import make_settings
from tests.integration.records_helpers import add

A4_POINTS = (595.0, 842.0)


def _executed_list(services, count: int) -> int:
    retention.ensure_schedule(services, "test")
    ids = [add(services, n, district="Colomadu") for n in range(1, count + 1)]
    retention.refresh(services)
    list_id = disposition.propose(services, "destroy", ids, "dinilai panitia", "petugas")
    disposition.decide(services, list_id, True, "sesuai JRA", "pejabat")
    disposition.execute(services, list_id, "petugas")
    return list_id


def _words(pdf) -> list[tuple[float, float, float, float, str, int]]:
    """(xMin, yMin, xMax, yMax, word, page) of every word, as poppler lays the page out."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    words, page = [], 0
    for line in out.splitlines():
        if line.strip().startswith("<page "):
            page += 1
        found = re.search(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                          r"([^<]*)</word>", line)  # fmt: skip
        if found:
            *box, word = found.groups()
            words.append((*map(float, box), word, page))
    return words


def test_given_a_long_list_when_its_minutes_are_rendered_then_nothing_runs_off_the_page(
    tmp_path,
):
    from archive_app.services import build_services

    letterhead = "KOMISI PEMILIHAN UMUM | KABUPATEN KARANGANYAR | Jl. Lawu No. 1, Karanganyar"
    services = build_services(make_settings(tmp_path / "data", letterhead=letterhead))
    services.metadata.migrate()
    try:
        list_id = _executed_list(services, 45)
        report = services.metadata.dispositions.get(list_id)
        pdf = tmp_path / "berita-acara.pdf"
        with services.objects.open(report.report_key) as src:
            pdf.write_bytes(src.read())
    finally:
        services.close()
    words = _words(pdf)
    pages = max(page for *_, page in words)
    assert pages >= 2
    off = [w for w in words if w[0] < 0 or w[1] < 0 or w[2] > A4_POINTS[0] or w[3] > A4_POINTS[1]]
    assert off == []
    text = " ".join(w[4] for w in words)
    for expected in ("KABUPATEN KARANGANYAR", "BERITA ACARA PEMUSNAHAN ARSIP", "Yang mengusulkan",
                     "Pejabat yang menyetujui", "Saksi", "petugas", "pejabat",
                     f"Halaman {pages} dari {pages}"):  # fmt: skip
        assert expected in text, expected
    # every record's hash is there, in four groups of sixteen; its id whole, so a search finds it
    groups = [w[4] for w in words if re.fullmatch(r"[0-9a-f]{16}", w[4])]
    assert len(groups) == 45 * 4
    assert len([w for w in words if re.fullmatch(r"[0-9a-f]{32}", w[4])]) == 45
    rendered = subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / "p")],
                              capture_output=True, check=False)  # fmt: skip
    assert rendered.returncode == 0 and len(list(tmp_path.glob("p-*.png"))) == pages
