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
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import pymupdf
from flask_babel import gettext as _

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
CSV_COLUMNS = {"comparison": ROW_COLUMNS, "differences": DIFF_COLUMNS}
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


def csv_text(c: Comparison, what: str, header: Sequence[str] | None = None) -> str:
    """``what``: "comparison" (the region and its children) or "differences"; ``header``:
    the table's columns (the default) or their labels."""
    out = io.StringIO()
    writer = spreadsheet.writer(out)
    writer.writerow(header or CSV_COLUMNS[what])
    writer.writerows(_differences(c) if what == "differences" else _rows(c))
    return out.getvalue()


MISSING_COLUMNS = ("code", "name")
SHEET_COLUMNS = {**CSV_COLUMNS, "missing": MISSING_COLUMNS}  # the workbook's three sheets


def xlsx_bytes(c: Comparison, headers: Mapping[str, Sequence[str]] | None = None) -> bytes:
    """``headers``: each sheet's header row by table ("comparison", "differences",
    "missing"), as the request asked for them (csv_headers); the column codes without."""
    from openpyxl import Workbook

    own = {**SHEET_COLUMNS, **(headers or {})}
    book = Workbook()
    sheets = (
        (_("Perbandingan"), own["comparison"], _rows(c)),
        (_("Selisih"), own["differences"], _differences(c)),
        (
            _("TPS belum ada"),
            own["missing"],
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
    level = _(regions.LEVEL_LABELS[c.level])
    made = utcnow().strftime("%Y-%m-%d %H:%M")
    where = (
        f"{e(c.election)} {c.year} — {e(c.name)} ({e(level)} {e(regions.dotted(c.region) or '-')})"
    )
    if cov.listed:
        coverage = _("Cakupan: %(archived)s dari %(expected)s TPS terarsip, %(missing)s belum "
                     "ada, %(unlisted)s formulir menyebut TPS di luar daftar; %(forms)s formulir "
                     "dijumlahkan.", archived=cov.archived, expected=cov.expected,
                     missing=cov.missing, unlisted=cov.unlisted, forms=cov.forms)  # fmt: skip
    else:
        coverage = _("Cakupan: %(forms)s formulir dijumlahkan (daftar TPS belum diimpor).",
                     forms=cov.forms)  # fmt: skip
    heads = (_("Calon"), _("Jumlah formulir"), _("di antaranya ragu"), _("Formulir rekap"),
             _("Publikasi"))  # fmt: skip
    title, made = _("LAPORAN SELISIH REKAPITULASI"), _("dibuat %(at)s UTC", at=made)
    compared = _("Perbandingan")
    parts = [
        f"<h1>{e(title)}</h1>",
        f"<p class='sub'>{where} — {e(made)}</p>",
        f"<p>{e(coverage)}</p>",
        f"<h2>{e(compared)}</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>",
    ]
    for r in c.rows:
        parts.append(
            f"<tr><td>{e(r.label)}</td><td class='n'>{_n(r.from_forms)}</td>"
            f"<td class='n'>{_n(r.unsure)}</td><td class='n'>{_n(r.recap_form)}</td>"
            f"<td class='n'>{_n(r.published)}</td></tr>"
        )
    parts.append("</table>")
    title = _("Selisih (%(n)s, yang paling berpengaruh pada selisih suara dua teratas lebih "
              "dulu)", n=len(c.differences))  # fmt: skip
    parts.append(f"<h2>{e(title)}</h2>")
    crops_left = PDF_CROPS
    for rank, item in enumerate(c.differences, 1):
        parts.append(_item_html(services, rank, item, archive, crops_left > 0))
        crops_left -= 1
    if c.missing_tps:
        listed = ", ".join(e(f"{regions.dotted(code)} ({name})") for code, name in c.missing_tps)
        title = e(_("TPS yang formulirnya belum ada"))
        parts.append(f"<h2>{title}</h2><p class='small'>{listed}</p>")
    return "".join(parts)


def _item_html(services, rank: int, item: Item, archive, with_crops: bool) -> str:
    e = html.escape
    kind = _(KIND_LABELS[item.kind]) if item.kind in KIND_LABELS else item.kind
    said = _("%(kind)s; pengaruh pada selisih suara %(impact)s, besar %(size)s", kind=kind,
             impact=item.impact, size=item.size)  # fmt: skip
    if item.explained:
        said += "; " + _("%(n)s TPS belum ada dapat menjelaskannya", n=item.missing)
    head = f"<p><b>{rank}. {e(item.name)}</b> ({e(regions.dotted(item.region))}) — {e(said)}</p>"
    heads = (_("Calon"), _("Pertama"), _("Kedua"), _("Selisih"), _("Tempat pada halaman"))
    rows = ["<table><tr>" + "".join(f"<th>{e(h)}</th>" for h in heads) + "</tr>"]
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
    return describe(code, params, _)
