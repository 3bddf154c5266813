"""Time the Word reports of a 1,000-activity roadmap; print {"report_docx_1000_s": seconds of the slowest}."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta

from tracker.reports.annual import build_annual_docx
from tracker.reports.approval import build_approval_docx
from tracker.reports.data import (
    Approval,
    CompletionMark,
    Indicator,
    ReportActivity,
    ReportRoadmap,
    ReportSection,
    whole_year,
)
from tracker.reports.execution import build_execution_docx

ACTIVITIES = 1000
DIRECTIONS = 8
GROUPS_PER_DIRECTION = 5
RUNS = 3
STATUSES = ("done", "done", "submitted", "in_progress", "returned", "not_done", "planned")


def make_activity(number: str, n: int) -> ReportActivity:
    """Return an activity with long, multi-paragraph texts and a task per quarter in every state."""
    marks = tuple(
        CompletionMark(
            due=date(2026, 1, 31) + timedelta(days=91 * q),
            status=STATUSES[(n + q) % len(STATUSES)],
            done_date=date(2026, 1, 20) + timedelta(days=91 * q),
            note="Проведено совещание, протокол размещён на сайте",
            evidence_names=("Протокол.pdf", "https://school.example.ru/news/1"),
            reason="Перенесено по решению министерства" if (n + q) % 7 == 5 else "",
        )
        for q in range(4)
    )
    return ReportActivity(
        number=number,
        title="Проведение методических семинаров для педагогов ШНОР по результатам ВПР, "
        "ОГЭ и ЕГЭ с разбором типичных затруднений обучающихся\nи планом адресной поддержки",
        deadline_text="Ежегодно, сентябрь – ноябрь, апрель",
        responsible="Комитет образования, МКУ «ЦРО»",
        participants="МОУ, ГМО, ШМО, руководители МОУ",
        result="Проведено не менее 9 заседаний методических объединений;\nаналитическая справка",
        control="Комитет образования",
        marks=marks,
    )


def make_roadmap(activities: int = ACTIVITIES) -> ReportRoadmap:
    """Return a roadmap of directions, numbered groups and activities."""
    # Its own data rather than the test factories: the figure must not move when a test sample changes.
    per_group = activities // (DIRECTIONS * GROUPS_PER_DIRECTION)
    directions = []
    for d in range(1, DIRECTIONS + 1):
        groups = []
        for g in range(1, GROUPS_PER_DIRECTION + 1):
            items = tuple(make_activity(f"{d}.{g}.{a}", d * g + a) for a in range(1, per_group + 1))
            groups.append(ReportSection(f"{d}.{g}", f"Задача {d}.{g}: сопровождение ШНОР", 2, items))
        directions.append(
            ReportSection(str(d), f"Направление {d}: планирование и организация", 1, tuple(groups))
        )
    return ReportRoadmap(
        title="Муниципальная дорожная карта повышения качества образования",
        organization="Комитет образования Администрации города",
        period_start=date(2026, 1, 1),
        period_end=date(2030, 12, 31),
        goal="повышение качества образования",
        approval=Approval("приказом Комитета образования", "145", date(2026, 3, 12)),
        items=tuple(directions),
    )


def median_seconds(build: Callable[[], bytes]) -> float:
    """Return the median wall time of a few builds."""
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        build()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    """Build each report of the roadmap a few times and print the slowest median."""
    roadmap = make_roadmap()
    indicators = [
        Indicator(f"Показатель {i}", "%", targets={2026: 50 + i}, actuals={2026: 48 + i}) for i in range(10)
    ]
    timings = {
        "approval": median_seconds(lambda: build_approval_docx(roadmap)),
        "execution": median_seconds(
            lambda: build_execution_docx(roadmap, *whole_year(2026), date(2026, 12, 1))
        ),
        "annual": median_seconds(lambda: build_annual_docx(roadmap, 2026, indicators, None)),
    }
    print(", ".join(f"{kind} {seconds:.3f} s" for kind, seconds in timings.items()), file=sys.stderr)
    print(json.dumps({"report_docx_1000_s": round(max(timings.values()), 3)}))


if __name__ == "__main__":
    main()
