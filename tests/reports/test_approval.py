"""Tests of the roadmap for approval, read back with python-docx."""

from datetime import date

import pytest
from docx.oxml.ns import qn

from tests.reports.factories import (
    assert_office_layout,
    is_bold,
    make_activity,
    make_big_roadmap,
    make_roadmap,
    open_docx,
    rows_text,
    tc_span,
)
from tracker.reports.approval import approval_lines, build_approval_docx
from tracker.reports.data import Approval, ReportSection, walk
from tracker.reports.docx_common import title_with_period

HEADINGS = [
    "№ п/п",
    "Мероприятие",
    "Срок реализации",
    "Ответственные",
    "Участники",
    "Планируемый результат",
    "Контроль",
]


def render(**kw):
    """Render the sample roadmap with overrides and parse it back."""
    return open_docx(build_approval_docx(make_roadmap(**kw)))


def test_page_fonts_and_footer_follow_office_practice():
    assert_office_layout(render())


def test_unapproved_block_has_blanks_top_right():
    doc = render()
    block = doc.paragraphs[:3]
    assert [p.text for p in block] == [
        "УТВЕРЖДЕНА",
        "приказом Комитета образования Администрации города Усть-Илимска",
        "от «___» ________ 20__ г. № ____",
    ]
    usable = doc.sections[0].page_width - doc.sections[0].left_margin - doc.sections[0].right_margin
    assert all(p.paragraph_format.left_indent > usable / 2 for p in block)


def test_approved_block_names_the_order():
    approval = Approval("приказом Комитета образования", order_number="145-од", order_date=date(2026, 3, 12))
    doc = render(approval=approval)
    assert [p.text for p in doc.paragraphs[:3]] == [
        "УТВЕРЖДЕНА",
        "приказом Комитета образования",
        "от 12 марта 2026 г. № 145-од",
    ]


@pytest.mark.parametrize(
    ("approval", "expected"),
    [
        (None, ["УТВЕРЖДЕНА", "приказом ______________________________", "от «___» ________ 20__ г. № ____"]),
        (
            Approval("приказом Управления образования", order_date=date(2026, 1, 9)),
            ["УТВЕРЖДЕНА", "приказом Управления образования", "от 9 января 2026 г. № ____"],
        ),
    ],
)
def test_approval_lines_leave_blanks_for_what_is_unknown(approval, expected):
    assert approval_lines(approval) == expected


def test_title_names_the_period_and_the_goal_follows():
    doc = render()
    title, goal = doc.paragraphs[3], doc.paragraphs[4]
    assert title.text == "Муниципальная дорожная карта повышения качества образования на 2026–2030 годы"
    assert all(run.bold for run in title.runs)
    assert goal.text == "Цель: повышение эффективности механизмов управления качеством образования."


@pytest.mark.parametrize(
    ("title", "start", "end", "expected"),
    [
        ("МППКО на 2021-2024 годы", date(2021, 1, 1), date(2024, 12, 31), "МППКО на 2021-2024 годы"),
        (
            "Дорожная карта до 2030 года",
            date(2026, 1, 1),
            date(2030, 12, 31),
            "Дорожная карта на 2026–2030 годы",
        ),
        ("Дорожная карта", date(2026, 1, 1), date(2026, 12, 31), "Дорожная карта на 2026 год"),
    ],
)
def test_title_with_period(title, start, end, expected):
    assert title_with_period(title, start, end) == expected


def test_roadmap_is_one_table_with_a_repeated_header_row():
    doc = render()
    assert len(doc.tables) == 1
    rows = doc.tables[0]._tbl.findall(qn("w:tr"))
    header = [r for r in rows if r.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None]
    assert header == rows[:1]
    assert rows_text(doc.tables[0])[0] == HEADINGS


def test_columns_follow_the_roadmap_order():
    order = ("number", "title", "responsible", "participants", "deadline", "result", "control")
    doc = render(columns=order)
    rows = rows_text(doc.tables[0])
    assert rows[0] == ["№ п/п", "Мероприятие", "Ответственные", "Участники", "Срок реализации", *HEADINGS[5:]]
    activity = next(r for r in rows if r[0] == "2.1")
    assert activity[2:5] == [
        "Комитет образования",
        "Комитет образования, МКУ «ЦРО», МОУ",
        "Не менее 2 раз в год",
    ]


def test_sections_are_bold_rows_merged_across_the_width():
    doc = render()
    table = doc.tables[0]
    width = len(table._tbl.tblGrid.findall(qn("w:gridCol")))
    assert width == 7
    merged = [tr.findall(qn("w:tc")) for tr in table._tbl.findall(qn("w:tr"))]
    merged = [tcs[0] for tcs in merged if len(tcs) == 1]
    assert [tc_span(tc) for tc in merged] == [7, 7, 7]
    assert all(is_bold(tc) for tc in merged)
    assert [r[0] for r in rows_text(table) if len(r) == 1] == [
        "1 Направление: планирование; организация",
        "1.3 В рамках деятельности лаборатории",
        "2 Направление: методическое сопровождение",
    ]


def test_activities_keep_their_numbers_and_order():
    roadmap = make_roadmap()
    rows = rows_text(open_docx(build_approval_docx(roadmap)).tables[0])
    numbers = [r[0] for r in rows[1:] if len(r) == 7]
    assert numbers == [a.number for _, a in walk(roadmap.items)]
    assert numbers == ["1.1", "1.2", "1.3.1", "1.3.2", "2.1", "2.2"]


def test_unnumbered_sections_and_multiline_texts():
    section = ReportSection(
        None,
        "Раздел без номера",
        items=(make_activity("", title="Первая строка\nвторая\x0bтретья\x07", result="Итог"),),
    )
    doc = render(items=(section,))
    rows = rows_text(doc.tables[0])
    assert rows[1] == ["Раздел без номера"]
    assert rows[2][:2] == ["", "Первая строка\nвторая\nтретья"]


def test_goal_is_optional_and_kept_when_already_labelled():
    assert [p.text for p in render(goal="").paragraphs][4:] == []
    assert render(goal="Цель: рост качества").paragraphs[4].text == "Цель: рост качества"


def test_a_thousand_activities_render_completely():
    roadmap = make_big_roadmap(1000)
    doc = open_docx(build_approval_docx(roadmap))
    rows = rows_text(doc.tables[0])
    numbers = [r[0] for r in rows if len(r) == 7][1:]
    assert numbers == [a.number for _, a in walk(roadmap.items)]
    assert len(numbers) == 1000
    assert len(rows) == 1 + 1000 + 40
