"""The comparison and its differences written out: CSV, XLSX and the PDF "laporan selisih".

Every text cell goes through the one formula-defusing rule (domain/spreadsheet.py), in the
XLSX too (openpyxl would store a cell starting with "=" as a formula). The PDF shows each
difference with the crops of the numbers it rests on, cut from the stored page views.
"""

from __future__ import annotations

import html
import io
import logging
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pymupdf

from archive_app.domain import spreadsheet
from archive_app.domain.clock import utcnow
from archive_app.domain.recap_compare import KIND_LABELS, describe
from archive_app.recap.comparison import Comparison, Item, Place
from archive_app.recordkeeping.reports import CSS
from archive_app.records import crops, downloads
from vocabulary import regions

log = logging.getLogger(__name__)

ROW_COLUMNS = (
    "region",
    "name",
    "level",
    "candidate",
    "label",
    "from_forms",
    "unsure",
    "confirmed",
    "read",
    "unread",
    "recap_form",
    "published",
    "series",
)
DIFF_COLUMNS = (
    "rank",
    "region",
    "name",
    "level",
    "kind",
    "candidate",
    "label",
    "first",
    "second",
    "difference",
    "impact",
    "size",
    "missing_tps",
    "explained",
    "records",
)
PDF_CROPS = 40  # differences shown with their crops in the PDF
CROPS_PER_ITEM = 6


def _rows(c: Comparison) -> Iterator[list]:
    for r in c.rows:
        yield [
            regions.dotted(c.region),
            c.name,
            c.level,
            r.candidate,
            r.label,
            r.from_forms,
            r.unsure,
            r.confirmed,
            r.read,
            r.unread,
            r.recap_form,
            r.published,
            r.series,
        ]
    for child in c.children:
        for code, (forms, recap, published) in sorted(child.figures.items()):
            yield [
                regions.dotted(child.code),
                child.name,
                regions.level_of(child.code),
                code,
                c.labels.get(code, ""),
                forms,
                "",
                "",
                "",
                "",
                recap,
                published,
                "",
            ]


def _differences(c: Comparison) -> Iterator[list]:
    for rank, item in enumerate(c.differences, 1):
        records = " ".join(sorted({p.record_id for ps in item.places.values() for p in ps}))
        for code, label, first, second, delta in item.values:
            yield [
                rank,
                regions.dotted(item.region),
                item.name,
                item.level,
                item.kind,
                code,
                label,
                first,
                second,
                delta,
                item.impact,
                item.size,
                item.missing,
                "yes" if item.explained else "no",
                records,
            ]


def csv_text(c: Comparison, what: str) -> str:
    """``what``: "comparison" (the region and its children) or "differences"."""
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    if what == "differences":
        writer.writerow(DIFF_COLUMNS)
        writer.writerows(_differences(c))
    else:
        writer.writerow(ROW_COLUMNS)
        writer.writerows(_rows(c))
    return out.getvalue()


def xlsx_bytes(c: Comparison) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheets = (
        ("Perbandingan", ROW_COLUMNS, _rows(c)),
        ("Selisih", DIFF_COLUMNS, _differences(c)),
        (
            "TPS belum ada",
            ("code", "name"),
            ([regions.dotted(code), name] for code, name in c.missing_tps),
        ),
    )
    first = True
    for title, columns, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        sheet.append(list(columns))
        for row in rows:
            sheet.append([spreadsheet.defuse(v) for v in row])
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pdf_bytes(services, c: Comparison) -> bytes:
    """The laporan selisih: the region's three columns, then each difference with the
    crops of its numbers."""
    archive = pymupdf.Archive()
    body = _report_html(services, c, archive)
    with tempfile.TemporaryDirectory(dir=services.settings.tmp_dir) as tmp:
        path = Path(tmp) / "laporan-selisih.pdf"
        story = pymupdf.Story(html=body, user_css=CSS + EXTRA_CSS, archive=archive)
        writer = pymupdf.DocumentWriter(str(path))
        page = pymupdf.paper_rect("a4")
        where = page + (36, 36, -36, -36)
        more = True
        while more:
            device = writer.begin_page(page)
            more, _ = story.place(where)
            story.draw(device)
            writer.end_page()
        writer.close()
        return path.read_bytes()


EXTRA_CSS = """
td.n { text-align: right; }
img.crop { height: 26pt; border: 0.5pt solid #888; margin: 1pt; }
h2 { font-size: 11pt; margin-bottom: 2pt; }
p.small { font-size: 7.5pt; color: #444; }
"""


def _report_html(services, c: Comparison, archive: pymupdf.Archive) -> str:
    e = html.escape
    cov = c.coverage
    parts = [
        "<h1>LAPORAN SELISIH REKAPITULASI</h1>",
        f"<p class='sub'>{e(c.election)} {c.year} — {e(c.name)} "
        f"({e(regions.LEVEL_LABELS[c.level])} {e(regions.dotted(c.region) or '-')}) — dibuat "
        f"{utcnow():%Y-%m-%d %H:%M} UTC</p>",
        f"<p>Cakupan: {cov.archived} dari {cov.expected} TPS terarsip, {cov.missing} belum "
        f"ada, {cov.unlisted} formulir menyebut TPS di luar daftar; {cov.forms} formulir "
        "dijumlahkan.</p>"
        if cov.listed
        else f"<p>Cakupan: {cov.forms} formulir dijumlahkan (daftar TPS belum diimpor).</p>",
        "<h2>Perbandingan</h2><table><tr><th>Calon</th><th>Jumlah formulir</th>"
        "<th>di antaranya ragu</th><th>Formulir rekap</th><th>Publikasi</th></tr>",
    ]
    for r in c.rows:
        parts.append(
            f"<tr><td>{e(r.label)}</td><td class='n'>{_n(r.from_forms)}</td>"
            f"<td class='n'>{_n(r.unsure)}</td><td class='n'>{_n(r.recap_form)}</td>"
            f"<td class='n'>{_n(r.published)}</td></tr>"
        )
    parts.append("</table>")
    parts.append(
        f"<h2>Selisih ({len(c.differences)}, yang paling berpengaruh pada selisih "
        "suara dua teratas lebih dulu)</h2>"
    )
    crops_left = PDF_CROPS
    for rank, item in enumerate(c.differences, 1):
        parts.append(_item_html(services, rank, item, archive, crops_left > 0))
        crops_left -= 1
    if c.missing_tps:
        listed = ", ".join(e(f"{regions.dotted(code)} ({name})") for code, name in c.missing_tps)
        parts.append(f"<h2>TPS yang formulirnya belum ada</h2><p class='small'>{listed}</p>")
    return "".join(parts)


def _item_html(services, rank: int, item: Item, archive, with_crops: bool) -> str:
    e = html.escape
    head = (
        f"<p><b>{rank}. {e(item.name)}</b> ({e(regions.dotted(item.region))}) — "
        f"{e(KIND_LABELS.get(item.kind, item.kind))}; pengaruh pada selisih suara "
        f"{item.impact}, besar {item.size}"
        + (f"; {item.missing} TPS belum ada dapat menjelaskannya" if item.explained else "")
        + "</p>"
    )
    rows = [
        "<table><tr><th>Calon</th><th>Pertama</th><th>Kedua</th><th>Selisih</th>"
        "<th>Tempat pada halaman</th></tr>"
    ]
    for code, label, first, second, delta in item.values:
        images = ""
        if with_crops:
            for at, place in enumerate(item.places.get(code, [])[:CROPS_PER_ITEM]):
                name = _crop(services, place, archive, f"c{rank}-{code}-{at}")
                if name:
                    images += f"<img class='crop' src='{name}'/>"
        rows.append(
            f"<tr><td>{e(label)}</td><td class='n'>{first}</td><td class='n'>{second}</td>"
            f"<td class='n'>{delta:+d}</td><td>{images}</td></tr>"
        )
    rows.append("</table>")
    return head + "".join(rows)


def _crop(services, place: Place, archive, name: str) -> str | None:
    """A crop of the number from the stored page view, added to the PDF's archive."""
    if not place.box or len(place.box) != 4:
        return None
    record = services.metadata.records.get(place.record_id)
    if record is None or record.final_state == "disposed":
        return None
    file = downloads.page_image(services, record, place.page, "view")
    if file is None:
        return None
    try:
        with services.objects.open(file.key) as stream:
            data = crops.crop(io.BytesIO(stream.read()), tuple(place.box))  # type: ignore[arg-type]
    except (OSError, ValueError):
        log.warning("no crop for %s page %s", place.record_id, place.page, exc_info=True)
        return None
    archive.add((data, f"{name}.jpg"))
    return f"{name}.jpg"


def _n(value) -> str:
    return "" if value is None else f"{value:,}".replace(",", ".")


def finding_text(code: str, params: dict) -> str:
    return describe(code, params)
