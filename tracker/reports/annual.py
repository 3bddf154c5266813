"""The yearly analytical report: planned results and reasons, target indicators, directions, school groups.

Charts are tables whose cells are shaded in proportion to the values (see ``add_bar_rows``): they are
native Word content, so labels stay real, searchable Cyrillic text in the document's font, they print
sharply, open the same in Word and LibreOffice, and need no image library or font rasterising (a PNG
written with zlib and struct could carry bars but not readable labels without one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Literal

from docx.document import Document as DocxDocument
from docx.shared import Pt, RGBColor

from tracker.reports.data import (
    ClassificationSummary,
    Indicator,
    ReportActivity,
    ReportRoadmap,
    ReportSection,
    marks_in,
    walk,
    whole_year,
)
from tracker.reports.docx_common import (
    Cell,
    TableWriter,
    add_text,
    apportion,
    new_document,
    ru_number,
    section_label,
    to_bytes,
    usable_width,
)
from tracker.reports.execution import (
    CATEGORY_LABELS,
    DIRECTION,
    NO_DATA,
    NO_REASON,
    Category,
    Counts,
    add_counts_table,
    categorize,
    summarize,
)

IndicatorStatus = Literal["achieved", "not_achieved", "no_data", "no_target"]
Achievement = Literal["achieved", "partly", "not_achieved", "in_progress"]

REPORT_TITLE = "Аналитический отчёт"
REPORT_SUBJECT = "о реализации «{title}»"
REPORT_YEAR = "за {year} год"

RESULTS_HEADING = "1. Достижение планируемых результатов"
RESULTS_SUMMARY = (
    "В {year} году по {activities} мероприятиям запланировано задач: {total}; выполнено: {done} ({share}); "
    "в работе: {in_progress}; просрочено: {overdue}; не выполнено: {not_done}."
)
RESULTS_NONE = "На {year} год задачи не запланированы."
RESULTS_HEADINGS = (
    "№ п/п",
    "Мероприятие",
    "Планируемый результат",
    "Выполнено задач",
    "Оценка",
    "Причины недостижения",
)
DONE_OF = "{done} из {total}"
ACHIEVEMENT_LABELS: dict[Achievement, str] = {
    "achieved": "Достигнут",
    "partly": "Достигнут частично",
    "not_achieved": "Не достигнут",
    "in_progress": "В работе",
}

INDICATORS_HEADING = "2. Целевые показатели"
INDICATORS_NONE = "Целевые показатели не заданы."
INDICATOR_HEADINGS = (
    "№ п/п",
    "Показатель",
    "Ед. изм.",
    "Методика расчёта",
    "Базовое значение",
    "План {year}",
    "Факт {year}",
    "Отклонение",
    "Оценка",
)
BASELINE = "{value} ({year})"
INDICATOR_LABELS: dict[IndicatorStatus, str] = {
    "achieved": "Достигнут",
    "not_achieved": "Не достигнут",
    "no_data": "Нет данных",
    "no_target": "План не установлен",
}
INDICATOR_CHART = "Рисунок 1. Целевые показатели: план и факт {year} г."
PLAN = "План"
ACTUAL = "Факт"

DIRECTIONS_HEADING = "3. Выполнение по направлениям"
DIRECTION_CHART = "Рисунок 2. Выполнение задач по направлениям, {year} г."

CLASSIFICATION_HEADING = "4. Классификация школ {year} г."
CLASSIFICATION_NONE = "Классификация школ за {year} год не проводилась."
CLASSIFICATION_HEADINGS = ("Группа", "Число школ", "Школы", "Вошли в группу", "Вышли из группы")
GROUP_LABELS = {
    "SHNOR": "ШНОР — школы с низкими образовательными результатами",
    "SHNSU": "ШНСУ — школы, функционирующие в неблагоприятных социальных условиях",
    "RISK": "Зона риска снижения образовательных результатов",
    "LOW_CONTEXT": "Низкие результаты с учётом контекста",
    "RESILIENT": "Устойчивые школы (кандидаты в школы-наставники)",
}

BAR_UNITS = 50  # grid columns of a bar: a 2 % resolution
PLAN_FILL, ACTUAL_FILL = "A6A6A6", "2F5597"
CATEGORY_FILLS: dict[Category, str] = {
    "done": "70AD47",
    "in_progress": "FFC000",
    "overdue": "ED7D31",
    "not_done": "C00000",
}
BAR_ROW_HEIGHT = 300  # twips
GAP_ROW_HEIGHT = 100
LEGEND_MARK = "■"


def build_annual_docx(
    roadmap: ReportRoadmap,
    year: int,
    indicators: Sequence[Indicator],
    classification: ClassificationSummary | None,
    today: date | None = None,
) -> bytes:
    """Render the analytical report for a year as .docx bytes.

    Without ``today`` the report is read as of the end of the year: open tasks of the year are overdue.
    """
    start, end = whole_year(year)
    today = today or date(year + 1, 1, 1)
    summary = summarize(roadmap, start, end, today)
    doc = new_document(title=roadmap.title, author=roadmap.organization)
    add_text(doc, REPORT_TITLE, bold=True, align="center")
    add_text(doc, REPORT_SUBJECT.format(title=roadmap.title), bold=True, align="center")
    add_text(doc, REPORT_YEAR.format(year=year), align="center")
    add_text(doc, roadmap.organization, align="center", space_after=12)

    add_text(doc, RESULTS_HEADING, bold=True, space_after=6)
    _add_results(doc, roadmap, year, summary.total, today)

    add_text(doc, INDICATORS_HEADING, bold=True, space_before=12, space_after=6)
    _add_indicators(doc, indicators, year)

    add_text(doc, DIRECTIONS_HEADING, bold=True, space_before=12, space_after=6)
    add_counts_table(doc, DIRECTION, summary.by_direction, summary.total)
    if summary.by_direction:
        add_text(doc, DIRECTION_CHART.format(year=year), italic=True, space_before=12, space_after=6)
        _add_direction_chart(doc, summary.by_direction)

    add_text(doc, CLASSIFICATION_HEADING.format(year=year), bold=True, space_before=12, space_after=6)
    _add_classification(doc, classification, year)
    return to_bytes(doc)


def achievement(categories: Sequence[Category]) -> Achievement:
    """Judge an activity's planned result from the outcomes of its tasks in the year."""
    done = categories.count("done")
    if done == len(categories):
        return "achieved"
    if done:
        return "partly"
    if "not_done" in categories or "overdue" in categories:
        return "not_achieved"
    return "in_progress"


def _add_results(doc: DocxDocument, roadmap: ReportRoadmap, year: int, total: Counts, today: date) -> None:
    start, end = whole_year(year)
    rows: list[tuple[tuple[ReportSection, ...], ReportActivity, list[Category], list[str]]] = []
    for path, activity in walk(roadmap.items):
        categories: list[Category] = []
        reasons: list[str] = []
        for mark in marks_in(activity, start, end):
            category = categorize(mark, today)
            if category is None:
                continue
            categories.append(category)
            if category in ("overdue", "not_done"):
                reasons.append(mark.reason or NO_REASON)
        if categories:
            rows.append((path, activity, categories, list(dict.fromkeys(reasons))))
    if not rows:
        add_text(doc, RESULTS_NONE.format(year=year))
        return
    add_text(
        doc,
        RESULTS_SUMMARY.format(
            year=year, activities=len(rows), share=total.done_share_text(), total=total.total, **vars(total)
        ),
        align="both",
        space_after=6,
    )
    writer = TableWriter(doc, apportion(usable_width(doc), [6, 28, 24, 12, 12, 25]))
    writer.header(RESULTS_HEADINGS)
    shown: tuple[ReportSection, ...] = ()
    for path, activity, categories, reasons in rows:
        # Repeat only the section rows that change, so the table keeps the roadmap's hierarchy.
        common = 0
        while common < min(len(path), len(shown)) and path[common] is shown[common]:
            common += 1
        for section in path[common:]:
            writer.full_row(section_label(section), italic=section.level > 1)
        shown = path
        verdict = achievement(categories)
        writer.row(
            [
                Cell(activity.number or "", align="center"),
                activity.title,
                activity.result,
                Cell(DONE_OF.format(done=categories.count("done"), total=len(categories)), align="center"),
                ACHIEVEMENT_LABELS[verdict],
                reasons or NO_DATA,
            ]
        )


def indicator_status(indicator: Indicator, year: int) -> IndicatorStatus:
    """Judge whether an indicator reached its target for the year, in the direction that is better."""
    target = indicator.targets.get(year)
    actual = indicator.actuals.get(year)
    if target is None:
        return "no_target"
    if actual is None:
        return "no_data"
    reached = actual >= target if indicator.direction == "up" else actual <= target
    return "achieved" if reached else "not_achieved"


def _add_indicators(doc: DocxDocument, indicators: Sequence[Indicator], year: int) -> None:
    if not indicators:
        add_text(doc, INDICATORS_NONE)
        return
    writer = TableWriter(doc, apportion(usable_width(doc), [5, 25, 8, 20, 11, 8, 8, 12, 11]))
    writer.header([h.format(year=year) for h in INDICATOR_HEADINGS])
    for n, indicator in enumerate(indicators, start=1):
        target = indicator.targets.get(year)
        actual = indicator.actuals.get(year)
        baseline = NO_DATA
        if indicator.baseline_value is not None:
            baseline = ru_number(indicator.baseline_value)
            if indicator.baseline_year:
                baseline = BASELINE.format(value=baseline, year=indicator.baseline_year)
        writer.row(
            [
                Cell(str(n), align="center"),
                indicator.name,
                Cell(indicator.unit, align="center"),
                indicator.method,
                Cell(baseline, align="center"),
                Cell(_number(target), align="center"),
                Cell(_number(actual), align="center"),
                Cell(_deviation(target, actual), align="center"),
                INDICATOR_LABELS[indicator_status(indicator, year)],
            ]
        )
    charted = [i for i in indicators if i.targets.get(year) is not None or i.actuals.get(year) is not None]
    if charted:
        add_text(doc, INDICATOR_CHART.format(year=year), italic=True, space_before=12, space_after=6)
        _add_indicator_chart(doc, charted, year)


def _number(value: float | None) -> str:
    return NO_DATA if value is None else ru_number(value)


def _deviation(target: float | None, actual: float | None) -> str:
    if target is None or actual is None:
        return NO_DATA
    delta = actual - target
    return f"+{ru_number(delta)}" if delta > 0 else ru_number(delta)


def bar_units(value: float, scale: float) -> int:
    """Return how many of the BAR_UNITS grid columns a value fills on a scale; a non-zero value shows."""
    if scale <= 0 or value <= 0:
        return 0
    return min(BAR_UNITS, max(1, round(value / scale * BAR_UNITS)))


def _chart_writer(
    doc: DocxDocument, label_weights: Sequence[int], bar_weight: int, value_weight: int
) -> TableWriter:
    parts = apportion(usable_width(doc), [*label_weights, bar_weight, value_weight])
    bar = apportion(parts[-2], [1] * BAR_UNITS)
    # No borders and no cell margins: a bar is a run of shaded grid columns, a margin would break it.
    return TableWriter(doc, [*parts[:-2], *bar, parts[-1]], grid=False, cell_margin=0)


def add_bar_rows(
    writer: TableWriter, labels: Sequence[Cell], segments: Sequence[tuple[int, str]], value: str
) -> None:
    """Append one bar: label cells, shaded segments of (grid units, colour), the rest blank, a value cell."""
    cells = list(labels)
    used = 0
    for units, fill in segments:
        if units > 0:
            cells.append(Cell(span=units, fill=fill))
            used += units
    if used < BAR_UNITS:
        cells.append(Cell(span=BAR_UNITS - used))
    cells.append(Cell(value, align="left"))
    writer.row(cells, height=BAR_ROW_HEIGHT)


def _add_indicator_chart(doc: DocxDocument, indicators: Sequence[Indicator], year: int) -> None:
    writer = _chart_writer(doc, [30, 6], 52, 12)
    for n, indicator in enumerate(indicators):
        target = indicator.targets.get(year)
        actual = indicator.actuals.get(year)
        # Units differ between indicators, so each pair of bars has its own scale.
        scale = max(target or 0, actual or 0)
        if n:
            writer.row([Cell(span=len(writer.widths))], height=GAP_ROW_HEIGHT, exact=True)
        for kind, value, fill, vmerge in (
            (PLAN, target, PLAN_FILL, "restart"),
            (ACTUAL, actual, ACTUAL_FILL, "continue"),
        ):
            name = Cell(indicator.name if vmerge == "restart" else "", vmerge=vmerge)
            units = bar_units(value or 0, scale)
            label = NO_DATA if value is None else f"{ru_number(value)} {indicator.unit}".rstrip()
            add_bar_rows(writer, [name, Cell(kind)], [(units, fill)], f" {label}")


def _add_direction_chart(doc: DocxDocument, by_direction: Mapping[str, Counts]) -> None:
    writer = _chart_writer(doc, [30], 58, 12)
    for n, (name, counts) in enumerate(by_direction.items()):
        if n:
            writer.row([Cell(span=len(writer.widths))], height=GAP_ROW_HEIGHT, exact=True)
        values = [getattr(counts, key) for key in CATEGORY_FILLS]
        units = apportion(BAR_UNITS, values)
        segments = list(zip(units, CATEGORY_FILLS.values(), strict=True))
        add_bar_rows(writer, [Cell(name)], segments, f" {counts.done_share_text()}")
    legend = doc.add_paragraph()
    legend.paragraph_format.space_before = Pt(6)
    for key, fill in CATEGORY_FILLS.items():
        mark = legend.add_run(LEGEND_MARK)
        mark.font.color.rgb = RGBColor.from_string(fill)
        legend.add_run(f" {CATEGORY_LABELS[key]}    ")


def _add_classification(doc: DocxDocument, classification: ClassificationSummary | None, year: int) -> None:
    if classification is None:
        add_text(doc, CLASSIFICATION_NONE.format(year=year))
        return
    present = {**classification.groups, **classification.joined, **classification.left}
    # Codes this module does not know still appear, after the known ones, under their own name.
    codes = [c for c in GROUP_LABELS if c in present] + [c for c in present if c not in GROUP_LABELS]
    writer = TableWriter(doc, apportion(usable_width(doc), [28, 8, 30, 17, 17]))
    writer.header(CLASSIFICATION_HEADINGS)
    for code in codes:
        schools = classification.groups.get(code, [])
        writer.row(
            [
                GROUP_LABELS.get(code, code),
                Cell(str(len(schools)), align="center"),
                schools or NO_DATA,
                classification.joined.get(code) or NO_DATA,
                classification.left.get(code) or NO_DATA,
            ]
        )
