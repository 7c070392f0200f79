"""Bar charts drawn on the server as SVG: no script, no CDN, readable in any browser and
printable; each chart carries its numbers as a table too (for screen readers and copying).

Only geometry is computed here; ``_charts.html`` draws it. Colours are presentation
attributes, not inline styles, which the Content-Security-Policy forbids.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    tone: str = "ink"
    href: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    width: int
    height: int
    bars: list[Bar]
    kind: str  # "columns" (time runs left to right) or "rows" (one bar per category)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # gridlines: (y, label)
    labels: list[tuple[float, str]] = field(default_factory=list)  # axis labels: (x, text)
    unit: str = ""
    left: float = 0  # where the plot starts (after the axis labels)

    @property
    def total(self) -> int:
        return sum(b.value for b in self.bars)


def nice_max(value: int) -> int:
    """The axis top: 1, 2 or 5 times a power of ten, at least ``value`` (and at least 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def columns(
    title: str,
    series: Sequence[tuple[str, int]],
    *,
    unit: str = "",
    width: int = 720,
    height: int = 200,
    label_every: int = 1,
    tones: Sequence[str] | None = None,
    hrefs: Sequence[str] | None = None,
) -> Chart:
    """A column per (label, value), left to right: a count over time."""
    left, top, bottom = 44.0, 8.0, 22.0
    plot_w, plot_h = width - left - 4, height - top - bottom
    top_value = nice_max(max((v for _, v in series), default=0))
    step = plot_w / max(len(series), 1)
    bars, labels = [], []
    for i, (label, value) in enumerate(series):
        h = plot_h * value / top_value
        x = left + i * step
        bars.append(Bar(label, value, x + step * 0.12, top + plot_h - h, step * 0.76, h,
                        tones[i] if tones else "ink", hrefs[i] if hrefs else ""))  # fmt: skip
        if i % label_every == 0:
            labels.append((x + step / 2, label))
    ticks = [(top + plot_h * (1 - f), _short(top_value * f)) for f in (0, 0.5, 1)]
    return Chart(title, width, height, bars, "columns", ticks, labels, unit, left)


def rows(
    title: str,
    series: Sequence[tuple[str, int]],
    *,
    unit: str = "",
    width: int = 560,
    row_height: int = 26,
    label_width: int = 170,
    tones: Sequence[str] | None = None,
    hrefs: Sequence[str] | None = None,
) -> Chart:
    """A bar per (label, value), top to bottom: a count per category."""
    plot_w = width - label_width - 60
    top_value = max((v for _, v in series), default=0) or 1
    bars = [
        Bar(
            label,
            value,
            float(label_width),
            i * row_height + 3.0,
            plot_w * value / top_value,
            row_height - 6.0,
            tones[i] if tones else "ink",
            hrefs[i] if hrefs else "",
        )  # fmt: skip
        for i, (label, value) in enumerate(series)
    ]
    return Chart(title, width, max(len(series), 1) * row_height, bars, "rows", unit=unit,
                 left=float(label_width))  # fmt: skip


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g} jt"
    if value >= 1000:
        return f"{value / 1000:g} rb"
    return f"{value:g}"


# Bar colours by meaning, the same as the badges' (and 3:1 against white).
TONES = {
    "ink": "#394257",
    "ok": "#1c6b3a",
    "warn": "#a86b00",
    "bad": "#a11111",
    "muted": "#6b7487",
    "accent": "#8a1c1c",
    "blue": "#2a3f8f",
}
