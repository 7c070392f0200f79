"""Where the differences sit: a bar per child region, drawn on the server as SVG.

No script and no outside library (the pages' CSP allows scripts from the archive only);
colours are SVG presentation attributes, not inline CSS, so ``style-src 'self'`` holds.
Each bar is the votes in disagreement under the child (all differences below it, by kind),
on one scale for the whole chart; a child without differences has no bar.
"""

from __future__ import annotations

from html import escape

from flask_babel import gettext

from archive_app.domain.recap_compare import KIND_LABELS, KINDS
from archive_app.recap.comparison import Child

COLOURS = {
    "recap_forms": "#b03a2e",
    "published_forms": "#d68910",
    "published_recap": "#7d3c98",
    "recap_stages": "#2874a6",
}
WIDTH, LABEL, ROW, TOP = 760, 210, 20, 28
MOST_ROWS = 60


def svg(children: list[Child]) -> str:
    """The chart, or "" when no child has a difference."""
    shown = [c for c in children if c.weights]
    if not shown:
        return ""
    shown.sort(key=lambda c: -sum(size for _, size in c.weights.values()))
    shown = shown[:MOST_ROWS]
    largest = max(sum(size for _, size in c.weights.values()) for c in shown) or 1
    scale = (WIDTH - LABEL - 90) / largest
    height = TOP + ROW * len(shown) + 10
    title = gettext("Sebaran selisih per wilayah")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="recap-chart" width="{WIDTH}" '
        f'height="{height}" viewBox="0 0 {WIDTH} {height}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    x: float = LABEL
    for kind in KINDS:  # the legend
        out.append(f'<rect x="{x}" y="4" width="10" height="10" fill="{COLOURS[kind]}"/>')
        label = gettext(KIND_LABELS[kind])
        out.append(f'<text x="{x + 14}" y="13" font-size="10">{escape(label)}</text>')
        x += 14 + 6 * len(label) + 16
    for at, child in enumerate(shown):
        y = TOP + at * ROW
        name = child.name if len(child.name) <= 32 else child.name[:31] + "…"
        out.append(
            f'<text x="{LABEL - 6}" y="{y + 13}" font-size="11" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        x = LABEL
        total = 0
        for kind in KINDS:
            count, size = child.weights.get(kind, (0, 0))
            if not size:
                continue
            width = max(size * scale, 1.0)
            out.append(
                f'<rect x="{x:.1f}" y="{y + 3}" width="{width:.1f}" height="{ROW - 6}" '
                f'fill="{COLOURS[kind]}"><title>{escape(child.name)}: '
                + escape(
                    gettext(
                        "%(kind)s, %(count)s selisih, %(size)s suara",
                        kind=gettext(KIND_LABELS[kind]),
                        count=count,
                        size=size,
                    )
                )
                + "</title></rect>"
            )
            x += width
            total += size
        shown_total = f"{total:,}".replace(",", ".")
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}" font-size="10">{shown_total}</text>')
    out.append("</svg>")
    return "".join(out)
