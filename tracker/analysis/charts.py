"""Geometry of the analysis charts drawn as SVG by templates/analysis/_*_svg.html.

Pure: take plain values, return positions in SVG user units; the templates only draw them with
presentation attributes (fill=…, stroke=…), which the Content-Security-Policy allows where inline styles
and scripts are forbidden. No chart library is needed for two charts of dots, lines and bars.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.analysis.classify import LOW_CONTEXT, RESILIENT, RISK, SHNOR, SHNSU

# Colour per group; a school in several groups is drawn in the colour of the first of PRIORITY it is in.
GROUP_FILLS = {
    SHNOR: "#dc3545",
    LOW_CONTEXT: "#fd7e14",
    SHNSU: "#6f42c1",
    RESILIENT: "#198754",
    RISK: "#e0a800",
}
NO_GROUP_FILL = "#8c959f"
PRIORITY = (SHNOR, RESILIENT, LOW_CONTEXT, SHNSU, RISK)
# Bars of the school chart per year, oldest lightest.
YEAR_FILLS = ("#cfe2ff", "#9ec5fe", "#6ea8fe", "#3d8bfd", "#0d6efd")


@dataclass(frozen=True)
class Tick:
    """A gridline position and its label."""

    pos: float
    text: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Return round tick values covering [low, high], about ``count`` of them."""
    if high <= low:
        high = low + 1
    raw = (high - low) / max(count, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def number_text(value: float) -> str:
    """Return a tick value the Russian way: «0,5», «−1», «75»."""
    text = f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    return "0" if text in ("-0", "") else text.replace("-", "−")


def primary_group(groups: Sequence[str]) -> str | None:
    """Return the group a school is coloured by on the scatter chart."""
    return next((group for group in PRIORITY if group in groups), None)


@dataclass(frozen=True)
class ScatterPoint:
    """A school on the scatter chart."""

    isbsh: float
    index: float
    groups: tuple[str, ...]
    label: str
    href: str | None = None


@dataclass(frozen=True)
class Dot:
    """A drawn school: centre, colour and what its tooltip says."""

    x: float
    y: float
    fill: str
    group: str | None
    label: str
    href: str | None
    isbsh: str
    index: str


@dataclass(frozen=True)
class LegendItem:
    """A legend entry under the plot: a group's dot, the grey dot, the regression or the threshold line."""

    kind: str  # "group", "none", "regression" or "threshold"
    group: str | None
    fill: str
    x: float
    y: float


LEGEND_COLUMN = 300.0
LEGEND_ROW = 18.0


@dataclass(frozen=True)
class Scatter:
    """The scatter chart of ИСБШ against the results index."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    dots: tuple[Dot, ...]
    line: tuple[float, float, float, float] | None  # regression line, clipped to the plot
    threshold_x: float | None  # ШНСУ threshold
    zero_y: float | None  # results index 0 (the average)
    legend: tuple[LegendItem, ...]


def scatter_chart(
    points: Sequence[ScatterPoint],
    regression: tuple[float, float] | None = None,
    threshold: float | None = None,
    width: int = 760,
    plot_height: int = 400,
) -> Scatter | None:
    """Lay out schools by ИСБШ (x) and results index (y) with the regression line; None without points."""
    if not points:
        return None
    left, top, right, bottom = 56.0, 16.0, width - 16.0, 16.0 + plot_height
    xs = [p.isbsh for p in points] + ([threshold] if threshold is not None else [])
    ys = [p.index for p in points] + [0.0]
    # A little room around the extremes keeps the outermost dots off the frame.
    x_pad = (max(xs) - min(xs)) * 0.03 or 1.0
    y_pad = (max(ys) - min(ys)) * 0.03 or 0.1
    x_values = nice_ticks(min(xs) - x_pad, max(xs) + x_pad)
    y_values = nice_ticks(min(ys) - y_pad, max(ys) + y_pad)
    x0, x1, y0, y1 = x_values[0], x_values[-1], y_values[0], y_values[-1]

    def sx(x: float) -> float:
        return round(left + (x - x0) / (x1 - x0) * (right - left), 2)

    def sy(y: float) -> float:
        return round(bottom - (y - y0) / (y1 - y0) * (bottom - top), 2)

    line = None
    if regression is not None:
        intercept, slope = regression
        line = _clip_line(intercept, slope, x0, x1, y0, y1)
        if line is not None:
            line = (sx(line[0]), sy(line[1]), sx(line[2]), sy(line[3]))
    dots = []
    # Flagged schools are drawn last so that grey dots never hide them.
    for p in sorted(points, key=_drawing_order):
        group = primary_group(p.groups)
        fill = GROUP_FILLS[group] if group else NO_GROUP_FILL
        dots.append(
            Dot(
                sx(p.isbsh),
                sy(p.index),
                fill,
                group,
                p.label,
                p.href,
                number_text(p.isbsh),
                number_text(p.index),
            )
        )
    present = {dot.group for dot in dots}
    entries = [("group", g, GROUP_FILLS[g]) for g in PRIORITY if g in present]
    if None in present:
        entries.append(("none", None, NO_GROUP_FILL))
    if line is not None:
        entries.append(("regression", None, "#212529"))
    if threshold is not None:
        entries.append(("threshold", None, GROUP_FILLS[SHNSU]))
    # Two columns under the axis title; the text of each entry is the template's.
    legend_top = bottom + 56
    legend = tuple(
        LegendItem(kind, group, fill, left + (i % 2) * LEGEND_COLUMN, legend_top + (i // 2) * LEGEND_ROW)
        for i, (kind, group, fill) in enumerate(entries)
    )
    height = int(legend_top + math.ceil(len(entries) / 2) * LEGEND_ROW)
    return Scatter(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        x_ticks=tuple(Tick(sx(v), number_text(v)) for v in x_values),
        y_ticks=tuple(Tick(sy(v), number_text(v)) for v in y_values),
        dots=tuple(dots),
        line=line,
        threshold_x=sx(threshold) if threshold is not None else None,
        zero_y=sy(0.0) if y0 <= 0 <= y1 else None,
        legend=legend,
    )


def _drawing_order(point: ScatterPoint) -> int:
    """Return a sort key drawing schools without a group first and ШНОР last."""
    group = primary_group(point.groups)
    return -PRIORITY.index(group) if group else -len(PRIORITY)


def _clip_line(
    intercept: float, slope: float, x0: float, x1: float, y0: float, y1: float
) -> tuple[float, float, float, float] | None:
    """Return the part of y = intercept + slope·x inside the box, or None when it misses the box."""
    ends = []
    for x in (x0, x1):
        y = intercept + slope * x
        if y0 <= y <= y1:
            ends.append((x, y))
    if slope:
        for y in (y0, y1):
            x = (y - intercept) / slope
            if x0 < x < x1:
                ends.append((x, y))
    ends = sorted(set(ends))
    if len(ends) < 2:
        return None
    (ax, ay), (bx, by) = ends[0], ends[-1]
    return (ax, ay, bx, by)


@dataclass(frozen=True)
class ResultBar:
    """One horizontal bar: a year's low share on a procedure."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    year: int
    text: str  # «38%»
    detail: str  # «5 из 13»
    text_x: float


@dataclass(frozen=True)
class ResultRowGeometry:
    """A procedure's label and its bars."""

    label: str
    label_y: float
    bars: tuple[ResultBar, ...]
    separator_y: float


@dataclass(frozen=True)
class ResultsChart:
    """The school's low shares per procedure and year, with the threshold line."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    rows: tuple[ResultRowGeometry, ...]
    x_ticks: tuple[Tick, ...]
    threshold_x: float
    threshold_text: str
    years: tuple[tuple[int, str], ...]  # legend: (year, fill)


@dataclass(frozen=True)
class ShareValue:
    """A school's figures on one procedure in one year."""

    label: str  # procedure title
    year: int
    low: int
    participants: int


def results_chart(
    values: Sequence[ShareValue], threshold: float = 0.30, width: int = 760, label_width: float = 210
) -> ResultsChart | None:
    """Lay out one group of horizontal bars per procedure, one bar per year; None without values."""
    values = [v for v in values if v.participants > 0]
    if not values:
        return None
    years = sorted({v.year for v in values})[-len(YEAR_FILLS) :]
    fills = dict(zip(years, YEAR_FILLS[-len(years) :], strict=True))
    labels = list(dict.fromkeys(v.label for v in values))
    by_key = {(v.label, v.year): v for v in values}
    bar_height, bar_gap, row_gap = 12.0, 2.0, 14.0
    top = 44.0  # the year legend and the threshold label sit above the bars
    left, right = label_width, width - 56.0
    row_height = len(years) * (bar_height + bar_gap) + row_gap
    bottom = top + row_height * len(labels)
    height = int(bottom + 28)
    # The axis reaches at least the threshold plus a margin, so a low bar is never drawn at full width.
    top_share = max([v.low / v.participants for v in values] + [threshold])
    axis_max = min(1.0, max(0.1, math.ceil(top_share * 10 + 0.5) / 10))
    scale = (right - left) / axis_max
    rows = []
    for i, label in enumerate(labels):
        row_top = top + i * row_height
        bars = []
        for j, year in enumerate(years):
            value = by_key.get((label, year))
            if value is None:
                continue
            share = value.low / value.participants
            y = row_top + j * (bar_height + bar_gap)
            bar_width = round(share * scale, 2)
            bars.append(
                ResultBar(
                    x=left,
                    y=round(y, 2),
                    width=bar_width,
                    height=bar_height,
                    fill=fills[year],
                    year=year,
                    text=_percent(value.low, value.participants),
                    detail=f"{value.low} / {value.participants}",
                    text_x=round(left + bar_width + 4, 2),
                )
            )
        block = len(years) * (bar_height + bar_gap)
        rows.append(
            ResultRowGeometry(
                label, round(row_top + block / 2, 2), tuple(bars), round(row_top + row_height - 7, 2)
            )
        )
    ticks = tuple(
        Tick(round(left + t * scale, 2), f"{round(t * 100)}%")
        for t in nice_ticks(0, axis_max, 5)
        if t <= axis_max
    )
    return ResultsChart(
        width=width,
        height=height,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        rows=tuple(rows),
        x_ticks=ticks,
        threshold_x=round(left + threshold * scale, 2),
        threshold_text=f"{number_text(threshold * 100)}%",
        years=tuple((year, fills[year]) for year in years),
    )


def _percent(count: int, of: int) -> str:
    """Return count/of as a percentage truncated to a tenth, as the reasons write it: «38%», «37,5%»."""
    tenths = 1000 * count // of
    whole, tenth = divmod(tenths, 10)
    return f"{whole}%" if tenth == 0 else f"{whole},{tenth}%"
