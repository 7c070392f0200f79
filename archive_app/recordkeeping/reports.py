"""Official PDF reports stored in the archive itself: the destruction or transfer minutes
(berita acara) of an executed disposition list.

A document people sign and file, so it is laid out as one: the office's letterhead
(``ARCHIVE_LETTERHEAD``), the list's approval trail, a table that fits an A4 page (hashes
wrapped in four groups of sixteen; record ids kept whole so a reader's search finds them),
signature blocks for the proposer, the approver and the two witnesses the procedure
asks for (legal and oversight units), and "page N of M" on every page.

Its words go through gettext like every other, but it is rendered in the archive's own
language (Indonesian) whatever the executing officer reads the pages in: it is an official
record, stored once with its checksum, not a page drawn for one reader.
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import pymupdf
from flask_babel import force_locale
from flask_babel import gettext as _

from archive_app.domain.clock import utcnow
from archive_app.domain.disposition import SKIP_NOTES
from archive_app.domain.languages import DEFAULT, N_
from vocabulary.places import format_tps

CSS = """
body { font-family: sans-serif; font-size: 8.5pt; }
p.letterhead { text-align: center; font-weight: bold; font-size: 11pt; margin: 0; }
p.address { text-align: center; font-size: 8pt; margin: 0 0 4pt 0; }
h1 { font-size: 13pt; text-align: center; margin: 8pt 0 2pt 0; }
p.sub { text-align: center; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #444; padding: 2pt; vertical-align: top; }
th { background-color: #e8e8e8; }
td.mono { font-family: monospace; font-size: 6.5pt; }
table.signatures td { border: none; text-align: center; padding-top: 6pt; }
p.line { margin-top: 36pt; }
"""
TITLES = {
    "destroy": N_("BERITA ACARA PEMUSNAHAN ARSIP"),
    "transfer": N_("BERITA ACARA PENYERAHAN ARSIP STATIS"),
}
PAGE = pymupdf.paper_rect("a4")
MARGINS = (48, 48, -48, -56)  # left, top, right, bottom: room for the page number below


def _wrapped(hex_digest: str) -> str:
    """A SHA-256 in four lines of sixteen: a 64-character word runs off an A4 table."""
    parts = [hex_digest[i : i + 16] for i in range(0, len(hex_digest), 16)]
    return "<br/>".join(html.escape(p) for p in parts)


def _letterhead(settings) -> str:
    lines = [line.strip() for line in settings.letterhead.split("|") if line.strip()]
    if not lines:
        return ""
    head, *rest = lines
    out = f"<p class='letterhead'>{html.escape(head)}</p>"
    if rest:
        out += f"<p class='address'>{'<br/>'.join(html.escape(r) for r in rest)}</p>"
    return out + "<hr/>"


def _rows(services, disposition) -> list[str]:
    e = html.escape
    records = services.metadata.records
    rows = []
    for n, (record_id, state, note) in enumerate(
        services.metadata.dispositions.items(disposition.id), start=1
    ):
        record = records.get(record_id)
        if record is None:
            form = place = tps = sha = ""
        else:
            m = record.metadata
            form = f"{m.form_type} {m.election} {m.year}"
            place = f"{m.province} / {m.regency} / {m.district} / {m.village}"
            tps, sha = format_tps(m.tps) or _("Belum diisi"), record.sha256
        done = {"done": _("dilaksanakan"), "skipped": _("dikecualikan")}.get(state, state)
        rows.append(
            f"<tr><td>{n}</td><td class='mono'>{e(record_id)}</td><td>{e(form)}</td>"
            f"<td>{e(place)}</td><td>{tps}</td><td class='mono'>{_wrapped(sha)}</td>"
            f"<td>{e(done)}{(' — ' + e(_(SKIP_NOTES.get(note, note)))) if note else ''}</td></tr>"
        )
    return rows


def _signatures(disposition) -> str:
    e = html.escape
    people = [
        (_("Yang mengusulkan"), disposition.proposed_by),
        (_("Pejabat yang menyetujui"), disposition.decided_by),
        (_("Saksi (unit hukum)"), ""),
        (_("Saksi (unit pengawasan)"), ""),
    ]
    cells = "".join(
        f"<td>{e(role)}<p class='line'>( {e(name) or '.' * 28} )</p></td>" for role, name in people
    )
    return f"<table class='signatures'><tr>{cells}</tr></table>"


def _html(services, disposition) -> str:
    e = html.escape
    d = disposition
    rows = _rows(services, d)
    decided = d.decided_at.strftime("%Y-%m-%d %H:%M") if d.decided_at else "-"
    made = utcnow().strftime("%Y-%m-%d %H:%M")
    proposed_at = d.proposed_at.strftime("%Y-%m-%d %H:%M")
    bold = {k: "<b>" + e(v or "-") + "</b>"
            for k, v in (("proposer", d.proposed_by), ("approver", d.decided_by),
                         ("executor", d.executed_by))}  # fmt: skip
    heads = (_("No"), _("ID arsip"), _("Formulir"), _("Wilayah"), _("TPS"),
             _("SHA-256 berkas asli"), _("Keterangan"))  # fmt: skip
    sub = _("Daftar disposisi nomor %(id)s — dibuat %(at)s UTC", id=d.id, at=made)
    proposed = _("Diusulkan oleh %(who)s pada %(at)s UTC. Catatan usulan: %(note)s",
                 who=bold["proposer"], at=proposed_at, note=e(d.comment or "-"))  # fmt: skip
    approved = _("Disetujui oleh %(who)s pada %(at)s UTC. Catatan persetujuan: %(note)s",
                 who=bold["approver"], at=decided,
                 note=e(d.decision_comment or "-"))  # fmt: skip
    executed = _("Dilaksanakan oleh %(who)s. Arsip yang berada dalam penahanan hukum (legal "
                 "hold) pada saat pelaksanaan dikecualikan dan tidak dimusnahkan atau "
                 "diserahkan.", who=bold["executor"])  # fmt: skip
    total = _("Jumlah arsip dalam daftar: %(n)s.", n=len(rows))
    return f"""
{_letterhead(services.settings)}
<h1>{e(_(TITLES[d.action]))}</h1>
<p class="sub">{e(sub)}</p>
<p>{proposed}</p>
<p>{approved}</p>
<p>{executed}</p>
<table>
<tr>{"".join(f"<th>{e(h)}</th>" for h in heads)}</tr>
{"".join(rows)}
</table>
<p>{e(total)}</p>
{_signatures(d)}
"""


def render_pdf(body: str, path: Path) -> None:
    story = pymupdf.Story(html=body, user_css=CSS)
    writer = pymupdf.DocumentWriter(str(path))
    where = PAGE + MARGINS
    more = True
    while more:
        device = writer.begin_page(PAGE)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
    writer.close()
    _number_pages(path)


def _number_pages(path: Path) -> None:
    """ "Halaman N dari M" at the foot of every page (known only once the story is laid)."""
    with pymupdf.open(path) as doc:
        total = doc.page_count
        for n, page in enumerate(doc, start=1):
            label = _("Halaman %(page)s dari %(pages)s", page=n, pages=total)
            width = pymupdf.get_text_length(label, fontname="helv", fontsize=8)
            page.insert_text(
                ((PAGE.width - width) / 2, PAGE.height - 28), label, fontname="helv", fontsize=8
            )
        doc.saveIncr()


def store_disposition_report(services, disposition):
    """Render the minutes and store them in the object store; returns the ObjectInfo."""
    with tempfile.TemporaryDirectory(dir=services.settings.tmp_dir) as tmp:
        path = Path(tmp) / "berita-acara.pdf"
        with force_locale(DEFAULT):  # an official record: the archive's language (docstring)
            render_pdf(_html(services, disposition), path)
        key = f"disposition/list-{disposition.id}/berita-acara.pdf"
        return services.objects.put_file(key, path, content_type="application/pdf")
