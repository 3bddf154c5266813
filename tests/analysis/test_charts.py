"""The chart geometry builders, without an application."""

import pytest

from tracker.analysis.charts import (
    GROUP_FILLS,
    NO_GROUP_FILL,
    ScatterPoint,
    ShareValue,
    nice_ticks,
    number_text,
    primary_group,
    results_chart,
    scatter_chart,
)


def test_nice_ticks_cover_the_range_with_round_steps():
    assert nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
    assert nice_ticks(43.2, 91.7) == [40, 50, 60, 70, 80, 90, 100]
    ticks = nice_ticks(-1.37, 0.82)
    assert ticks[0] <= -1.37 and ticks[-1] >= 0.82 and len(ticks) <= 7
    assert nice_ticks(5, 5) == [5, 5.2, 5.4, 5.6, 5.8, 6]


def test_number_text_is_russian():
    assert number_text(-0.5) == "−0,5" and number_text(75) == "75" and number_text(-0.0) == "0"


def test_primary_group_follows_the_priority():
    assert primary_group(["SHNSU", "SHNOR"]) == "SHNOR"
    assert primary_group(["SHNSU", "RESILIENT"]) == "RESILIENT"
    assert primary_group([]) is None


def test_scatter_places_points_line_and_threshold_inside_the_plot():
    points = [
        ScatterPoint(50.0, -1.0, ("SHNOR",), "A", "/a"),
        ScatterPoint(70.0, 0.0, (), "B"),
        ScatterPoint(90.0, 1.0, ("SHNSU", "RISK"), "C"),
    ]
    chart = scatter_chart(points, regression=(-3.5, 0.05), threshold=60.0)
    assert chart is not None and len(chart.dots) == 3
    # Grey dots are drawn first so that flagged ones stay visible.
    assert chart.dots[0].fill == NO_GROUP_FILL and chart.dots[-1].fill == GROUP_FILLS["SHNOR"]
    for dot in chart.dots:
        assert chart.left <= dot.x <= chart.right and chart.top <= dot.y <= chart.bottom
    x1, y1, x2, y2 = chart.line
    assert x1 < x2 and y1 > y2  # rising line: y grows downwards in SVG
    assert chart.left < chart.threshold_x < chart.right
    assert {item.kind for item in chart.legend} == {"group", "none", "regression", "threshold"}
    assert chart.height > chart.bottom
    assert chart.dots[-1].isbsh == "50" and chart.dots[-1].index == "−1"


def test_scatter_without_points_or_with_a_line_outside_is_handled():
    assert scatter_chart([]) is None
    chart = scatter_chart(
        [ScatterPoint(50, 0, (), "A"), ScatterPoint(60, 1, (), "B")], regression=(100.0, 0.0)
    )
    assert chart.line is None


def test_results_chart_bars_per_procedure_and_year():
    values = [
        ShareValue("ВПР математика 5 кл.", 2024, 3, 10),
        ShareValue("ВПР математика 5 кл.", 2025, 5, 13),
        ShareValue("ОГЭ математика", 2025, 0, 40),
        ShareValue("ЕГЭ русский язык", 2025, 1, 0),  # no participants: not drawn
    ]
    chart = results_chart(values)
    assert [row.label for row in chart.rows] == ["ВПР математика 5 кл.", "ОГЭ математика"]
    first = chart.rows[0].bars
    assert [bar.year for bar in first] == [2024, 2025] and [bar.text for bar in first] == ["30%", "38,4%"]
    assert first[0].width == pytest.approx(chart.threshold_x - chart.left)
    assert chart.rows[1].bars[0].width == 0
    assert [year for year, _ in chart.years] == [2024, 2025]
    assert chart.threshold_text == "30%"
    assert results_chart([]) is None
