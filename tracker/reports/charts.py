"""Geometry of the plan-versus-actual bar chart drawn as SVG on the indicators page.

Pure: takes the values and returns rectangles and label positions in SVG user units; the template only
draws them. The page's Content-Security-Policy forbids scripts and inline styles, so the chart is plain
server-side SVG with presentation attributes, and needs no JavaScript library.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from tracker.reports.docx_common import ru_number

WIDTH = 640
HEIGHT = 220
LEFT = 8  # room before the first group
TOP = 24  # room for the value labels above the tallest bar
BOTTOM = 28  # room for the year labels
BAR_GAP = 4
GROUP_GAP_SHARE = 0.35  # of a year's slot, left empty between groups
MAX_BAR = 56
PLAN_FILL = "#a6a6a6"
ACTUAL_FILL = "#2f5597"
ACTUAL_MISS_FILL = "#c00000"  # an actual value on the wrong side of its target


@dataclass(frozen=True)
class Bar:
    """One bar: its rectangle, what it shows and its label above."""

    x: float
    y: float
    width: float
    height: float
    fill: str
    kind: Literal["plan", "actual"]
    year: int
    label: str


@dataclass(frozen=True)
class Chart:
    """The drawing: its size, the bars, the year labels under the axis and the axis height."""

    width: int
    height: int
    axis_y: float
    bars: tuple[Bar, ...]
    years: tuple[tuple[float, str], ...]  # (centre x, text)


def plan_actual_chart(
    years: Sequence[int],
    targets: Mapping[int, float],
    actuals: Mapping[int, float],
    direction: Literal["up", "down"] = "up",
) -> Chart | None:
    """Lay out a pair of bars (plan, actual) per year on one scale; None when there is nothing to draw."""
    values = [v for y in years for v in (targets.get(y), actuals.get(y)) if v is not None]
    if not years or not values:
        return None
    # Bars start at zero; negative values (rare for an indicator) are drawn as empty bars with a label.
    top = max(max(values), 0) or 1
    plot_height = HEIGHT - TOP - BOTTOM
    axis_y = float(TOP + plot_height)
    slot = (WIDTH - 2 * LEFT) / len(years)
    bar = min(MAX_BAR, (slot * (1 - GROUP_GAP_SHARE) - BAR_GAP) / 2)
    bars: list[Bar] = []
    labels: list[tuple[float, str]] = []
    for i, year in enumerate(years):
        centre = LEFT + slot * (i + 0.5)
        labels.append((round(centre, 1), str(year)))
        target, actual = targets.get(year), actuals.get(year)
        missed = (
            target is not None
            and actual is not None
            and (actual < target if direction == "up" else actual > target)
        )
        for kind, value, x in (
            ("plan", target, centre - BAR_GAP / 2 - bar),
            ("actual", actual, centre + BAR_GAP / 2),
        ):
            if value is None:
                continue
            height = max(value, 0) / top * plot_height
            fill = PLAN_FILL if kind == "plan" else ACTUAL_MISS_FILL if missed else ACTUAL_FILL
            bars.append(
                Bar(
                    x=round(x, 1),
                    y=round(axis_y - height, 1),
                    width=round(bar, 1),
                    height=round(height, 1),
                    fill=fill,
                    kind=kind,  # type: ignore[arg-type]
                    year=year,
                    label=ru_number(value),
                )
            )
    return Chart(WIDTH, HEIGHT, axis_y, tuple(bars), tuple(labels))
