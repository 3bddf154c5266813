"""Excel workbooks of the analysis: a run's results and the blank templates of the three input files."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from tracker.analysis.classify import GROUP_LABELS, GROUPS
from tracker.analysis.loaders import RESULT_COLUMNS, RISK_COLUMNS, RISK_LEVELS, SOCIAL_COLUMNS
from tracker.analysis.procedures import CATALOGUE

HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_FONT = Font(bold=True)
WRAP = Alignment(wrap_text=True, vertical="top")

RESULT_HEADERS = (
    ("Код ОО", 12),
    ("Наименование ОО", 40),
    ("Муниципалитет", 24),
    ("Группы", 28),
    ("Уверенность (ШНОР)", 14),
    ("ИСБШ", 9),
    ("Год данных ИСБШ", 10),
    ("Индекс результатов", 12),
    ("Стандартизированный остаток", 14),
    ("Основания", 90),
)

# Example rows of the templates: one school, two years, so the layout is obvious.
_RESULT_EXAMPLE = (
    (
        "380101",
        "МОУ «СОШ № 1»",
        "г. Усть-Илимск",
        2025,
        CATALOGUE["VPR-MA-5"].names[0],
        52,
        9,
        20,
        15,
        8,
        None,
    ),
    ("380101", "МОУ «СОШ № 1»", "г. Усть-Илимск", 2025, CATALOGUE["OGE-RU"].names[0], 48, 2, 14, 20, 12, 3.9),
)
_SOCIAL_EXAMPLE = (("380101", 2025, 640, 190, 110, 9, 40, 12, 5),)
_RISK_EXAMPLE = (
    ("380101", 2025, "Низкий уровень оснащения школы", RISK_LEVELS[0]),
    ("380101", 2025, "Высокая доля обучающихся с рисками учебной неуспешности", RISK_LEVELS[2]),
)
TEMPLATES = {
    "results": ("Результаты", RESULT_COLUMNS, _RESULT_EXAMPLE),
    "social": ("Социальный паспорт", SOCIAL_COLUMNS, _SOCIAL_EXAMPLE),
    "risk": ("Профиль рисков", RISK_COLUMNS, _RISK_EXAMPLE),
}
TEMPLATE_NOTES = {
    "results": (
        "Одна строка — школа × год × процедура. Количества, не проценты.",
        "Год — календарный год окончания учебного года: 2025 для 2024/2025 (можно писать «2024/2025»).",
        "ОГЭ и ЕГЭ — выпускники текущего года, основной период, первая попытка.",
        "Процедуры, учитываемые для ШНОР: " + "; ".join(p.names[0] for p in CATALOGUE.values()) + ".",
        "Другие процедуры (ВПР 4 класс, КДР, другие предметы) загружаются и показываются, но не учитываются.",
    ),
    "social": (
        "Одна строка — школа × год. Количества обучающихся, не доли.",
        "ИСБШ = 85 + 15·a − 20·b − 65·c, где a, b, c — доли обучающихся с обоими родителями с высшим "
        "образованием, из неполных семей и состоящих на учёте.",
    ),
    "risk": (
        "Одна строка — школа × год × фактор риска.",
        "Уровень: «низкий», «средний» или «высокий».",
    ),
}


def _header(sheet, headers: Sequence[tuple[str, int]]) -> None:
    """Write a bold, filled, frozen header row and set the column widths."""
    sheet.append([title for title, _ in headers])
    for index, (_, width) in enumerate(headers, 1):
        cell = sheet.cell(row=1, column=index)
        cell.fill, cell.font, cell.alignment = HEADER_FILL, HEADER_FONT, WRAP
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def results_workbook(
    run: Any, schools: Iterable[Any], municipalities: dict[int, str], settings_rows: Sequence[tuple[str, Any]]
) -> bytes:
    """Return a run's results as .xlsx: a row per school with groups and reasons, then the settings."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Результаты"
    _header(sheet, RESULT_HEADERS)
    for school in schools:
        groups = school.groups
        sheet.append(
            [
                school.code,
                school.name,
                municipalities.get(school.municipality_id, ""),
                ", ".join(GROUP_LABELS[g] for g in groups),
                school.confidence or "",
                round(school.isbsh, 1) if school.isbsh is not None else None,
                school.isbsh_year,
                school.results_index,
                school.residual,
                "\n".join(school.reason_list),
            ]
        )
        sheet.cell(row=sheet.max_row, column=len(RESULT_HEADERS)).alignment = WRAP
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(RESULT_HEADERS))}{max(sheet.max_row, 1)}"

    about = workbook.create_sheet("Параметры расчёта")
    _header(about, (("Параметр", 40), ("Значение", 80)))
    for name, value in settings_rows:
        about.append([name, value])
    about.append(["Школ в расчёте", run.schools_count])
    for group in GROUPS:
        about.append([f"Группа «{GROUP_LABELS[group]}»", run.group_counts.get(group, 0)])
    for note in run.notes or ():
        about.append(["Примечание", note])
        about.cell(row=about.max_row, column=2).alignment = WRAP
    return _save(workbook)


def template_workbook(kind: str) -> bytes:
    """Return the blank input template of a kind (results, social, risk) with an example and a notes sheet."""
    title, columns, example = TEMPLATES[kind]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    _header(sheet, [(column.header, max(12, min(40, len(column.header) + 4))) for column in columns])
    for row in example:
        sheet.append(list(row))
    notes = workbook.create_sheet("Пояснения")
    notes.column_dimensions["A"].width = 110
    notes.append(["Столбцы, отмеченные «*», обязательны. Пример в первых строках можно удалить."])
    notes.append([", ".join(f"{c.header}{'*' if c.required else ''}" for c in columns)])
    for line in TEMPLATE_NOTES[kind]:
        notes.append([line])
    for row in notes.iter_rows():
        row[0].alignment = WRAP
    return _save(workbook)
