"""Build small .docx roadmaps in the layouts of spec/import.md (3, 4, 5 and variants) for importer tests."""

from __future__ import annotations

import io
from collections.abc import Sequence

import docx
from docx.document import Document
from docx.table import Table

# A merge: (row0, col0, row1, col1, text) — inclusive corners, text put into the merged cell.
Merge = tuple[int, int, int, int, str]


def to_bytes(document: Document) -> bytes:
    """Serialise a python-docx document."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def add_table(document: Document, rows: Sequence[Sequence[str]], merges: Sequence[Merge] = ()) -> Table:
    """Add a table with the given cell texts, then merge the given ranges."""
    width = max(len(r) for r in rows)
    table = document.add_table(rows=len(rows), cols=width)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for r0, c0, r1, c1, text in merges:
        merged = table.cell(r0, c0).merge(table.cell(r1, c1))
        merged.text = text
    return table


def layout3() -> bytes:
    """Two-row header, direction/task/result cells merged vertically, numbering restarting per task."""
    document = docx.Document()
    document.add_paragraph("Дорожная карта по повышению качества образования на 2022-2024 годы")
    document.add_paragraph("Раздел 1. Управление качеством образования")
    header = [
        ["№ п/п", "Направление", "Задача", "Мероприятия по задачам", "", "", "", ""],
        ["", "", "", "Наименование", "Сроки", "Ответственные", "Отметка о выполнении", "Продукт / Результат"],
    ]
    header_merges: list[Merge] = [
        (0, 0, 1, 0, "№ п/п"),
        (0, 1, 1, 1, "Направление"),
        (0, 2, 1, 2, "Задача"),
        (0, 3, 0, 7, "Мероприятия по задачам"),
    ]
    add_table(
        document,
        [
            *header,
            ["1", "", "", "Мониторинг ВПР", "Май 2022", "ИМЦ", "", ""],
            ["2", "", "", "Совещание по итогам ВПР", "Июнь 2022", "Управление образования", "выполнено", ""],
            ["1", "", "", "Семинар для ШНОР", "Октябрь 2022", "ИМЦ", "", "Программа семинара"],
            [
                "2",
                "",
                "",
                "Консультации учителей",
                "В течение учебного года",
                "ИМЦ",
                "",
                "Журнал консультаций",
            ],
        ],
        [
            *header_merges,
            (2, 1, 5, 1, "Оценка качества"),
            (2, 2, 3, 2, "Задача 1. Провести мониторинг"),
            (4, 2, 5, 2, "Задача 2. Поддержать ШНОР"),
            (2, 7, 3, 7, "Аналитическая справка"),
        ],
    )
    document.add_paragraph("Раздел 2. Работа с педагогами")
    add_table(
        document,
        [
            *header,
            ["1", "", "", "Курсы повышения квалификации", "Ноябрь 2022", "ИМЦ", "", "Удостоверения"],
            ["2", "", "", "Конкурс мастерства", "Март 2023", "ИМЦ", "", "Приказ об итогах"],
        ],
        [*header_merges, (2, 1, 3, 1, "Кадры"), (2, 2, 3, 2, "Задача 1. Развивать компетенции")],
    )
    return to_bytes(document)


def layout4(title_column: bool = True) -> bytes:
    """Key activities per academic year in columns, direction rows spanning the width, a row without №."""
    document = docx.Document()
    document.add_paragraph(
        "План мероприятий («дорожная карта») по повышению качества образования на 2021/2022 – 2023/2024 "
        "учебные годы"
    )
    years = ["2021/2022 уч.г.", "2022/2023 уч.г.", "2023/2024 уч.г."]
    lead = ["№", "Задачи"] if title_column else ["№"]
    n = len(lead)
    rows = [
        [*lead, "Ключевые мероприятия и сроки реализации", "", "", "Ответственные"],
        [*[""] * n, *years, ""],
        ["Направление 1. Работа со ШНОР", *[""] * (n + 3)],
        [
            *(["1", "Повысить квалификацию"] if title_column else ["1"]),
            "Курсы ПК (Октябрь)",
            "Семинар (Январь, апрель)",
            "Рефлексивный семинар (Май)",
            "ИМЦ",
        ],
        [
            *(["", "Организовать наставничество"] if title_column else [""]),
            "Пары наставников (Сентябрь)",
            "",
            "Форум (Август-сентябрь)",
            "Управление образования",
        ],
        ["Направление 2. Работа с родителями", *[""] * (n + 3)],
        [
            *(["2", "Провести собрания"] if title_column else ["2"]),
            "Собрание (Ноябрь)",
            "Собрание (Ноябрь)",
            "Собрание (Ноябрь)",
            "Школы",
        ],
    ]
    width = n + 4
    merges: list[Merge] = [(0, c, 1, c, rows[0][c]) for c in range(n)]
    merges += [
        (0, n, 0, n + 2, "Ключевые мероприятия и сроки реализации"),
        (0, width - 1, 1, width - 1, "Ответственные"),
        (2, 0, 2, width - 1, "Направление 1. Работа со ШНОР"),
        (5, 0, 5, width - 1, "Направление 2. Работа с родителями"),
    ]
    add_table(document, rows, merges)
    return to_bytes(document)


def layout5() -> bytes:
    """Section and numbered sub-section rows both spanning the width; some cells empty."""
    document = docx.Document()
    document.add_paragraph("УТВЕРЖДЕНА")
    document.add_paragraph("приказом Управления образования от 15.12.2021 № 412")
    document.add_paragraph("Дорожная карта реализации муниципальной программы")
    document.add_paragraph("на период до 2023 года")
    document.add_paragraph("Цель: повышение качества образования")
    rows = [
        [
            "№ п/п",
            "Наименование мероприятия",
            "Срок исполнения",
            "Ответственный исполнитель",
            "Ожидаемый результат",
        ],
        ["I. Подготовка нормативной базы", "", "", "", ""],
        ["1.1. Создание рабочей группы", "", "", "", ""],
        ["1.1.1", "Приказ о рабочей группе", "Январь 2022", "Управление образования", "Приказ"],
        ["1.1.2", "Положение о рабочей группе", "", "Управление образования", ""],
        ["1.2. Анализ результатов", "", "", "", ""],
        ["1.2.1", "Анализ результатов ВПР", "Март 2022", "ИМЦ", "Справка"],
        ["II. Реализация", "", "", "", ""],
        ["2.1", "Методические семинары", "Ежегодно, октябрь", "ИМЦ", "Протоколы"],
    ]
    merges: list[Merge] = [(r, 0, r, 4, rows[r][0]) for r in (1, 2, 5, 7)]
    add_table(document, rows, merges)
    return to_bytes(document)


def layout1_groups() -> bytes:
    """Layout 1 in miniature: direction rows, a numbered group (number + merged rest), 1.3 after the group."""
    document = docx.Document()
    document.add_paragraph("Муниципальная дорожная карта на 2026-2028 годы")
    rows = [
        [
            "№ п/п",
            "Мероприятия",
            "Координация",
            "Участие",
            "Срок реализации",
            "Планируемый результат",
            "Контроль",
        ],
        ["1\nНаправление: планирование", "", "", "", "", "", ""],
        ["1.1", "Разработка карты", "Комитет", "ЦРО", "Март 2026 г.", "Карта", "Комитет"],
        ["1.2", "В рамках лаборатории", "", "", "", "", ""],
        ["1.2.1", "Участие в лаборатории", "ИРО", "МОУ", "Ежегодно", "Участие", "ЦРО"],
        ["1.3", "Совещание", "Комитет", "МОУ", "Май 2026 г.", "Протокол", "Комитет"],
    ]
    add_table(
        document, rows, [(1, 0, 1, 6, "1\nНаправление: планирование"), (3, 1, 3, 6, "В рамках лаборатории")]
    )
    return to_bytes(document)


def messy() -> bytes:
    """PDF-conversion debris: broken header words, a column-number row, a repeated header, an extra column,
    hyphenated line breaks and a row broken across a page."""
    document = docx.Document()
    document.add_paragraph("Дорожная карта на 2023-2025 годы")
    document.add_paragraph("Система работы с кадрами")
    header = ["№", "Мероприя-\nтия", "Сро ки", "Ответст- венный", "Примечание"]
    add_table(
        document,
        [
            header,
            ["1", "2", "3", "4", "5"],
            ["1.", "Курсы в течение всего пе-\nриода", "Постоянно", "ИМЦ", "нет"],
            ["2.", "Семинар для учителей-\nпредметников по", "Май 2023", "ИМЦ", ""],
            header,
            ["", "подготовке к ВПР", "", "", ""],
            ["3.", "Анализ  результатов периода", "Август\n2023", "Управление\nобразования", ""],
        ],
    )
    return to_bytes(document)


def unknown_layout() -> bytes:
    """A table whose header names nothing the importer knows."""
    document = docx.Document()
    document.add_paragraph("Что-то совсем другое")
    add_table(document, [["A", "B", "C"], ["1", "Первое", "x"], ["2", "Второе", "y"]])
    return to_bytes(document)


def without_table() -> bytes:
    """A document with paragraphs only."""
    document = docx.Document()
    document.add_paragraph("Дорожная карта на 2023-2025 годы")
    document.add_paragraph("Мероприятия будут приложены позже.")
    return to_bytes(document)


def framed() -> bytes:
    """The roadmap table nested inside a one-cell frame table, with its heading inside the frame too."""
    document = docx.Document()
    document.add_paragraph("Дорожная карта на 2024-2025 годы")
    frame = document.add_table(rows=1, cols=1).cell(0, 0)
    frame.paragraphs[0].text = "Система наставничества"
    inner = frame.add_table(rows=2, cols=3)
    for c, text in enumerate(["№", "Мероприятие", "Срок"]):
        inner.cell(0, c).text = text
    for c, text in enumerate(["1", "Форум наставников", "Май 2024"]):
        inner.cell(1, c).text = text
    return to_bytes(document)


def split_activity() -> bytes:
    """One activity over two rows: its № and title cells merged vertically, two deadlines and results."""
    document = docx.Document()
    document.add_paragraph("Дорожная карта на 2024-2025 годы")
    add_table(
        document,
        [
            ["№", "Мероприятие", "Срок", "Результат"],
            ["1", "Мониторинг", "Май 2024", "Справка"],
            ["", "", "Декабрь 2024", "Приказ"],
            ["2", "Форум", "Март 2025", "Резолюция"],
        ],
        [(1, 0, 2, 0, "1"), (1, 1, 2, 1, "Мониторинг")],
    )
    return to_bytes(document)
