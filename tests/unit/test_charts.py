"""Server-drawn charts: bars are proportional to their numbers and axes end on round values."""

from __future__ import annotations

from archive_app.web import charts


def test_columns_are_proportional_and_the_axis_is_round():
    chart = charts.columns("t", [("a", 10), ("b", 5), ("c", 0)], height=120)
    a, b, c = chart.bars
    assert abs(a.height - 2 * b.height) < 0.01 and c.height == 0
    assert all(bar.y + bar.height == a.y + a.height for bar in chart.bars)  # one baseline
    assert [label for _, label in chart.ticks] == ["0", "5", "10"]


def test_rows_scale_to_the_largest_and_an_empty_chart_draws():
    chart = charts.rows("t", [("x", 4), ("y", 2)], width=400, label_width=100)
    assert chart.bars[0].width == 2 * chart.bars[1].width
    assert charts.rows("t", []).bars == []
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 10 and charts.nice_max(130) == 200
