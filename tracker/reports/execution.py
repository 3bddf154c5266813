"""The execution report for a period: a summary, the problem lists and the roadmap with completion marks."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

from docx.document import Document as DocxDocument

from tracker.dates import format_date_ru
from tracker.reports.data import CompletionMark, ReportActivity, ReportRoadmap, marks_in, walk
from tracker.reports.docx_common import (
    Cell,
    ExtraColumn,
    TableWriter,
    add_roadmap_table,
    add_text,
    apportion,
    new_document,
    period_label,
    ru_percent,
    section_label,
    short_date,
    to_bytes,
    usable_width,
)

Category: TypeAlias = Literal["done", "in_progress", "overdue", "not_done"]

STATUS_LABELS = {
    "planned": "Запланировано",
    "in_progress": "Выполняется",
    "submitted": "На проверке",
    "done": "Выполнено",
    "returned": "Возвращено на доработку",
    "not_done": "Не выполнено",
    "cancelled": "Отменено",
}
CATEGORY_LABELS: dict[Category, str] = {
    "done": "Выполнено",
    "in_progress": "В работе",
    "overdue": "Просрочено",
    "not_done": "Не выполнено",
}
NO_DIRECTION = "Мероприятия вне направлений"
NO_ORGANIZATION = "Ответственный не указан"
NO_REASON = "причина не указана"
NO_DATA = "—"

REPORT_TITLE = "Отчёт о выполнении дорожной карты"
REPORT_PERIOD = "за {period}"
REPORT_AS_OF = "по состоянию на {date}"
SUMMARY_HEADING = "1. Сводные показатели"
SUMMARY_TOTAL = (
    "Задач со сроком в отчётном периоде: {total}; выполнено: {done} ({share}); в работе: {in_progress}; "
    "просрочено: {overdue}; не выполнено: {not_done}."
)
BY_DIRECTION = "Выполнение по направлениям"
BY_ORGANIZATION = "Выполнение по ответственным организациям"
DIRECTION = "Направление"
ORGANIZATION = "Организация"
TOTAL = "Всего"
GRAND_TOTAL = "Итого"
DONE_SHARE = "Выполнено, %"
OVERDUE_HEADING = "2. Просроченные мероприятия"
OVERDUE_NONE = "Просроченных мероприятий нет."
NOT_DONE_HEADING = "3. Невыполненные мероприятия и причины"
NOT_DONE_NONE = "Невыполненных мероприятий нет."
PROBLEM_HEADINGS = ("№ п/п", "Мероприятие", "Срок", "Исполнитель", "Состояние", "Причина")
TABLE_HEADING = "4. Выполнение мероприятий дорожной карты"
MARK_COLUMN = "Отметка о выполнении"
MARK_DUE = "Срок {due}: {status}"
MARK_DONE_ON = "{status} {date}"
MARK_OVERDUE = "{status}, просрочено"
MARK_EVIDENCE = "Подтверждение: {names}"
MARK_REASON = "Причина: {reason}"
MARK_NONE = "В отчётном периоде не запланировано"


@dataclass(frozen=True)
class Counts:
    """Tasks of a group by outcome."""

    done: int = 0
    in_progress: int = 0
    overdue: int = 0
    not_done: int = 0

    @property
    def total(self) -> int:
        """Return the number of tasks counted."""
        return self.done + self.in_progress + self.overdue + self.not_done

    @property
    def done_share(self) -> float | None:
        """Return the share of done tasks, or None when there are none."""
        return self.done / self.total if self.total else None

    def done_share_text(self) -> str:
        """Return the share of done tasks as a percentage, or a dash when there are no tasks."""
        return NO_DATA if self.done_share is None else ru_percent(self.done_share)


@dataclass(frozen=True)
class Problem:
    """An overdue or not-done task with what the report says about it."""

    number: str | None
    title: str
    due: date
    organization: str
    status: str
    reason: str


@dataclass(frozen=True)
class ExecutionSummary:
    """The figures of an execution report."""

    total: Counts
    by_direction: dict[str, Counts]  # in document order
    by_organization: dict[str, Counts]  # by name
    overdue: list[Problem]
    not_done: list[Problem]


def categorize(mark: CompletionMark, today: date) -> Category | None:
    """Return the summary category of a task, or None when it does not count (cancelled)."""
    if mark.status == "cancelled":
        return None
    if mark.status in ("done", "not_done"):
        return mark.status
    # A submitted task waits for the controller, not for its executor, so it is never counted as late.
    if mark.status != "submitted" and mark.due < today:
        return "overdue"
    return "in_progress"


def executor(activity: ReportActivity, mark: CompletionMark) -> str:
    """Return who executes a task: its own organisation, else the activity's responsible."""
    return mark.organization or activity.responsible or NO_ORGANIZATION


def summarize(roadmap: ReportRoadmap, period_start: date, period_end: date, today: date) -> ExecutionSummary:
    """Count the tasks due in the period by outcome, per direction and per organisation, and list problems."""
    total: Counter[str] = Counter()
    by_direction: dict[str, Counter[str]] = {}
    by_organization: dict[str, Counter[str]] = {}
    overdue: list[Problem] = []
    not_done: list[Problem] = []
    for path, activity in walk(roadmap.items):
        direction = section_label(path[0]) if path else NO_DIRECTION
        for mark in marks_in(activity, period_start, period_end):
            category = categorize(mark, today)
            if category is None:
                continue
            organization = executor(activity, mark)
            total[category] += 1
            by_direction.setdefault(direction, Counter())[category] += 1
            by_organization.setdefault(organization, Counter())[category] += 1
            if category in ("overdue", "not_done"):
                problem = Problem(
                    number=activity.number,
                    title=activity.title,
                    due=mark.due,
                    organization=organization,
                    status=STATUS_LABELS[mark.status],
                    reason=mark.reason or NO_REASON,
                )
                (overdue if category == "overdue" else not_done).append(problem)
    return ExecutionSummary(
        total=_counts(total),
        by_direction={name: _counts(c) for name, c in by_direction.items()},
        by_organization={name: _counts(by_organization[name]) for name in sorted(by_organization)},
        overdue=sorted(overdue, key=lambda p: p.due),
        not_done=sorted(not_done, key=lambda p: p.due),
    )


def _counts(counter: Counter[str]) -> Counts:
    return Counts(**{key: counter[key] for key in CATEGORY_LABELS})


def build_execution_docx(roadmap: ReportRoadmap, period_start: date, period_end: date, today: date) -> bytes:
    """Render the execution report for a period as .docx bytes."""
    summary = summarize(roadmap, period_start, period_end, today)
    doc = new_document(title=roadmap.title, author=roadmap.organization)
    add_text(doc, REPORT_TITLE, bold=True, align="center")
    add_text(doc, f"«{roadmap.title}»", bold=True, align="center")
    add_text(doc, REPORT_PERIOD.format(period=period_label(period_start, period_end)), align="center")
    add_text(doc, roadmap.organization, align="center")
    add_text(
        doc, REPORT_AS_OF.format(date=format_date_ru(today)), italic=True, align="center", space_after=12
    )

    add_text(doc, SUMMARY_HEADING, bold=True, space_after=6)
    t = summary.total
    add_text(
        doc,
        SUMMARY_TOTAL.format(share=t.done_share_text(), total=t.total, **vars(t)),
        align="both",
        space_after=6,
    )
    add_text(doc, BY_DIRECTION, italic=True, space_after=6)
    add_counts_table(doc, DIRECTION, summary.by_direction, t)
    add_text(doc, BY_ORGANIZATION, italic=True, space_before=12, space_after=6)
    add_counts_table(doc, ORGANIZATION, summary.by_organization, t)

    add_text(doc, OVERDUE_HEADING, bold=True, space_before=12, space_after=6)
    _add_problems(doc, summary.overdue, OVERDUE_NONE)
    add_text(doc, NOT_DONE_HEADING, bold=True, space_before=12, space_after=6)
    _add_problems(doc, summary.not_done, NOT_DONE_NONE)

    add_text(doc, TABLE_HEADING, bold=True, space_before=12, space_after=6)
    render = ExtraColumn(MARK_COLUMN, 20, lambda a: mark_lines(a, period_start, period_end, today))
    add_roadmap_table(doc, roadmap, extra=render)
    return to_bytes(doc)


def add_counts_table(doc: DocxDocument, name_heading: str, rows: Mapping[str, Counts], total: Counts) -> None:
    """Append a table of outcome counts per group with a total row."""
    writer = TableWriter(doc, apportion(usable_width(doc), [28, 12, 12, 12, 12, 12, 12]))
    writer.header([name_heading, TOTAL, *CATEGORY_LABELS.values(), DONE_SHARE])
    for name, counts in rows.items():
        writer.row([name, *_count_cells(counts)])
    writer.row([Cell(GRAND_TOTAL, bold=True), *_count_cells(total, bold=True)])


def _count_cells(counts: Counts, *, bold: bool = False) -> list[Cell]:
    values = [counts.total, counts.done, counts.in_progress, counts.overdue, counts.not_done]
    texts = [*map(str, values), counts.done_share_text()]
    return [Cell(text, align="center", bold=bold) for text in texts]


def _add_problems(doc: DocxDocument, problems: Sequence[Problem], none_text: str) -> None:
    if not problems:
        add_text(doc, none_text)
        return
    writer = TableWriter(doc, apportion(usable_width(doc), [7, 35, 10, 17, 15, 24]))
    writer.header(PROBLEM_HEADINGS)
    for p in problems:
        writer.row(
            [
                Cell(p.number or "", align="center"),
                p.title,
                short_date(p.due),
                p.organization,
                p.status,
                p.reason,
            ]
        )


def mark_lines(activity: ReportActivity, period_start: date, period_end: date, today: date) -> list[str]:
    """Return the paragraphs of an activity's «Отметка о выполнении» cell for the period."""
    lines: list[str] = []
    for mark in marks_in(activity, period_start, period_end):
        status = STATUS_LABELS[mark.status]
        if mark.status == "done" and mark.done_date:
            status = MARK_DONE_ON.format(status=status, date=short_date(mark.done_date))
        elif categorize(mark, today) == "overdue":
            status = MARK_OVERDUE.format(status=status)
        head = MARK_DUE.format(due=short_date(mark.due), status=status)
        lines.append(f"{mark.organization}. {head}" if mark.organization else head)
        if mark.note:
            lines.append(mark.note)
        if mark.evidence_names:
            lines.append(MARK_EVIDENCE.format(names="; ".join(mark.evidence_names)))
        if mark.reason:
            lines.append(MARK_REASON.format(reason=mark.reason))
    return lines or [MARK_NONE]
