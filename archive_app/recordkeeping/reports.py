"""Official PDF reports stored in the archive itself: the destruction or transfer minutes
(berita acara) of an executed disposition list."""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

import pymupdf

from archive_app.domain.clock import utcnow

CSS = """
body { font-family: sans-serif; font-size: 9pt; }
h1 { font-size: 14pt; text-align: center; margin-bottom: 2pt; }
p.sub { text-align: center; margin-top: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #444; padding: 2pt; vertical-align: top; }
th { background-color: #e8e8e8; }
td.mono { font-family: monospace; font-size: 7pt; }
"""
TITLES = {
    "destroy": "BERITA ACARA PEMUSNAHAN ARSIP",
    "transfer": "BERITA ACARA PENYERAHAN ARSIP STATIS",
}


def _html(services, disposition) -> str:
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
            tps, sha = f"TPS {m.tps:03d}", record.sha256
        rows.append(
            f"<tr><td>{n}</td><td class='mono'>{e(record_id)}</td><td>{e(form)}</td>"
            f"<td>{e(place)}</td><td>{tps}</td><td class='mono'>{e(sha)}</td>"
            f"<td>{e({'done': 'dilaksanakan', 'skipped': 'dikecualikan'}.get(state, state))}"
            f"{(' — ' + e(note)) if note else ''}</td></tr>"
        )
    d = disposition
    return f"""
<h1>{TITLES[d.action]}</h1>
<p class="sub">Daftar disposisi nomor {d.id} — dibuat {utcnow():%Y-%m-%d %H:%M} UTC</p>
<p>Diusulkan oleh <b>{e(d.proposed_by)}</b> pada {d.proposed_at:%Y-%m-%d %H:%M} UTC.
Catatan usulan: {e(d.comment or "-")}</p>
<p>Disetujui oleh <b>{e(d.decided_by)}</b> pada
{d.decided_at.strftime("%Y-%m-%d %H:%M") if d.decided_at else "-"} UTC.
Catatan persetujuan: {e(d.decision_comment or "-")}</p>
<p>Dilaksanakan oleh <b>{e(d.executed_by or "-")}</b>. Arsip yang berada dalam penahanan hukum
(legal hold) pada saat pelaksanaan dikecualikan dan tidak dimusnahkan atau diserahkan.</p>
<table>
<tr><th>No</th><th>ID arsip</th><th>Formulir</th><th>Wilayah</th><th>TPS</th>
<th>SHA-256 berkas asli</th><th>Keterangan</th></tr>
{"".join(rows)}
</table>
<p>Jumlah arsip dalam daftar: {len(rows)}.</p>
"""


def render_pdf(body: str, path: Path) -> None:
    story = pymupdf.Story(html=body, user_css=CSS)
    writer = pymupdf.DocumentWriter(str(path))
    page = pymupdf.paper_rect("a4")
    where = page + (40, 40, -40, -40)
    more = True
    while more:
        device = writer.begin_page(page)
        more, _ = story.place(where)
        story.draw(device)
        writer.end_page()
    writer.close()


def store_disposition_report(services, disposition):
    """Render the minutes and store them in the object store; returns the ObjectInfo."""
    with tempfile.TemporaryDirectory(dir=services.settings.tmp_dir) as tmp:
        path = Path(tmp) / "berita-acara.pdf"
        render_pdf(_html(services, disposition), path)
        key = f"disposition/list-{disposition.id}/berita-acara.pdf"
        return services.objects.put_file(key, path, content_type="application/pdf")
