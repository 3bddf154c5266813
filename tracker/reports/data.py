"""Plain values the report builders take, independent of the database.

The views (or the CLI) translate models into these dataclasses; the builders in this package only ever
see them, so a report can be rendered and tested without an application or a session.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, TypeAlias

Status: TypeAlias = Literal[
    "planned", "in_progress", "submitted", "done", "returned", "not_done", "cancelled"
]
ColumnKey: TypeAlias = Literal[
    "number", "title", "deadline", "responsible", "participants", "result", "control"
]

DEFAULT_COLUMNS: tuple[ColumnKey, ...] = (
    "number",
    "title",
    "deadline",
    "responsible",
    "participants",
    "result",
    "control",
)


@dataclass(frozen=True)
class CompletionMark:
    """One occurrence of an activity (a task) with its completion state."""

    due: date
    status: Status = "planned"
    done_date: date | None = None
    note: str = ""
    evidence_names: Sequence[str] = ()
    reason: str = ""  # why it was not done (or is late); goes into the reports verbatim
    organization: str = ""  # who executes this occurrence when it differs from the activity's responsible


@dataclass(frozen=True)
class ReportActivity:
    """An activity (мероприятие) row of the roadmap."""

    number: str | None
    title: str
    deadline_text: str = ""
    responsible: str = ""
    participants: str = ""
    result: str = ""
    control: str = ""
    marks: Sequence[CompletionMark] = ()


@dataclass(frozen=True)
class ReportSection:
    """A direction (level 1) or a task / sub-section (level 2+) grouping activities."""

    number: str | None
    title: str
    level: int = 1
    items: Sequence[ReportSection | ReportActivity] = ()


@dataclass(frozen=True)
class Approval:
    """The order approving the roadmap; number and date stay None until it is signed."""

    approved_by: str  # e.g. «приказом Комитета образования Администрации города …»
    order_number: str | None = None
    order_date: date | None = None


@dataclass(frozen=True)
class ReportRoadmap:
    """A roadmap as the reports see it: header data and a tree of sections and activities."""

    title: str
    organization: str
    period_start: date
    period_end: date
    goal: str = ""
    approval: Approval | None = None
    columns: Sequence[ColumnKey] = DEFAULT_COLUMNS
    items: Sequence[ReportSection | ReportActivity] = ()


@dataclass(frozen=True)
class Indicator:
    """A target indicator (целевой показатель) with its plan and actual values by year."""

    name: str
    unit: str = ""
    method: str = ""
    direction: Literal["up", "down"] = "up"  # whether a larger value is better
    baseline_value: float | None = None
    baseline_year: int | None = None
    targets: dict[int, float] = field(default_factory=dict)
    actuals: dict[int, float] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassificationSummary:
    """The school classification of a year: schools per group code and the changes since last year."""

    year: int
    groups: dict[str, list[str]] = field(default_factory=dict)  # code (SHNOR, SHNSU, …) -> school names
    joined: dict[str, list[str]] = field(default_factory=dict)
    left: dict[str, list[str]] = field(default_factory=dict)


def quarter(year: int, number: int) -> tuple[date, date]:
    """Return the first and last day of quarter 1..4 of the year."""
    if not 1 <= number <= 4:
        raise ValueError(f"quarter must be 1..4, got {number}")
    return _months(year, 3 * number - 2, 3 * number)


def half_year(year: int, number: int) -> tuple[date, date]:
    """Return the first and last day of half-year 1..2 of the year."""
    if number not in (1, 2):
        raise ValueError(f"half-year must be 1 or 2, got {number}")
    return _months(year, 6 * number - 5, 6 * number)


def whole_year(year: int) -> tuple[date, date]:
    """Return the first and last day of the year."""
    return date(year, 1, 1), date(year, 12, 31)


_PERIOD_CODE = re.compile(r"(\d{4})(?:([QH])([1-4]))?")


def parse_period(code: str) -> tuple[date, date]:
    """Return the first and last day of a period code: «2026», «2026H1» (half-year) or «2026Q3»."""
    match = _PERIOD_CODE.fullmatch(code.strip().upper())
    if not match:
        raise ValueError(f"not a period code: {code!r}")
    year, kind, number = int(match.group(1)), match.group(2), match.group(3)
    if kind == "Q":
        return quarter(year, int(number))
    if kind == "H":
        return half_year(year, int(number))
    return whole_year(year)


def _months(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def walk(
    items: Sequence[ReportSection | ReportActivity], path: tuple[ReportSection, ...] = ()
) -> Iterator[tuple[tuple[ReportSection, ...], ReportActivity]]:
    """Yield every activity in document order with the sections above it."""
    for item in items:
        if isinstance(item, ReportSection):
            yield from walk(item.items, (*path, item))
        else:
            yield path, item


def marks_in(activity: ReportActivity, start: date, end: date) -> list[CompletionMark]:
    """Return the activity's marks due within [start, end], in due order."""
    return sorted((m for m in activity.marks if start <= m.due <= end), key=lambda m: m.due)
