"""Tests of the execution report and its summary figures, read back with python-docx."""

from collections import Counter, defaultdict
from datetime import date

import pytest
from docx.oxml.ns import qn

from tests.reports.factories import (
    TODAY,
    assert_office_layout,
    is_bold,
    make_big_roadmap,
    make_roadmap,
    open_docx,
    paragraph_after,
    rows_text,
    table_after,
    tc_span,
)
from tracker.reports.data import (
    CompletionMark,
    ReportActivity,
    ReportSection,
    half_year,
    quarter,
    whole_year,
)
from tracker.reports.docx_common import period_label
from tracker.reports.execution import Counts, build_execution_docx, categorize, summarize

H1 = half_year(2026, 1)


def render(roadmap=None, period=H1, today=TODAY):
    """Render an execution report of the sample roadmap and parse it back."""
    return open_docx(build_execution_docx(roadmap or make_roadmap(), *period, today))


def reference_counts(roadmap, start, end, today):
    """Count outcomes straight from the input, by the rules of the issue, per direction and organisation."""
    total, per_direction, per_org = Counter(), defaultdict(Counter), defaultdict(Counter)

    def activities(items):
        for item in items:
            if isinstance(item, ReportSection):
                yield from activities(item.items)
            else:
                yield item

    for direction in roadmap.items:
        name = f"{direction.number} {direction.title}"
        for activity in activities([direction]):
            for mark in activity.marks:
                if not start <= mark.due <= end or mark.status == "cancelled":
                    continue
                if mark.status in ("done", "not_done"):
                    outcome = mark.status
                elif mark.status == "submitted" or mark.due >= today:
                    outcome = "in_progress"
                else:
                    outcome = "overdue"
                total[outcome] += 1
                per_direction[name][outcome] += 1
                per_org[mark.organization or activity.responsible][outcome] += 1
    return total, per_direction, per_org


def as_counter(counts: Counts) -> Counter:
    return +Counter(vars(counts))


def test_page_fonts_and_footer_follow_office_practice():
    assert_office_layout(render())


def test_heading_names_the_period_and_the_date():
    texts = [p.text for p in render().paragraphs[:5]]
    assert texts[0] == "Отчёт о выполнении дорожной карты"
    assert texts[2:] == [
        "за I полугодие 2026 г.",
        "Комитет образования Администрации города Усть-Илимска",
        "по состоянию на 15 июля 2026 г.",
    ]


def test_summary_of_the_sample_half_year():
    summary = summarize(make_roadmap(), *H1, TODAY)
    assert summary.total == Counts(done=2, in_progress=1, overdue=2, not_done=1)
    assert summary.by_direction == {
        "1 Направление: планирование; организация": Counts(done=2, in_progress=1, overdue=1, not_done=1),
        "2 Направление: методическое сопровождение": Counts(overdue=1),
    }
    assert summary.by_organization == {
        "Комитет образования": Counts(done=1, overdue=2),
        "МБОУ СОШ № 2": Counts(not_done=1),
        "МКУ «ЦРО»": Counts(in_progress=1),
        "МОУ СОШ № 1": Counts(done=1),
    }


@pytest.mark.parametrize(
    ("period", "today"),
    [
        (quarter(2026, 1), date(2026, 3, 31)),
        (quarter(2026, 2), date(2026, 5, 31)),
        (quarter(2026, 3), TODAY),
        (quarter(2026, 4), date(2027, 1, 10)),
        (whole_year(2026), date(2026, 1, 1)),
        (whole_year(2026), date(2027, 1, 1)),
        (whole_year(2027), TODAY),
    ],
)
def test_summary_matches_counts_taken_from_the_input(period, today):
    roadmap = make_roadmap()
    summary = summarize(roadmap, *period, today)
    total, per_direction, per_org = reference_counts(roadmap, *period, today)
    assert as_counter(summary.total) == total
    assert {k: as_counter(v) for k, v in summary.by_direction.items()} == per_direction
    assert {k: as_counter(v) for k, v in summary.by_organization.items()} == per_org
    assert len(summary.overdue) == total["overdue"]
    assert len(summary.not_done) == total["not_done"]


@pytest.mark.parametrize(
    ("status", "due", "expected"),
    [
        ("done", date(2026, 1, 1), "done"),
        ("not_done", date(2026, 12, 1), "not_done"),
        ("cancelled", date(2026, 1, 1), None),
        ("planned", TODAY, "in_progress"),
        ("planned", date(2026, 7, 14), "overdue"),
        ("in_progress", date(2026, 7, 14), "overdue"),
        ("returned", date(2026, 7, 14), "overdue"),
        ("submitted", date(2026, 1, 1), "in_progress"),
    ],
)
def test_categorize(status, due, expected):
    assert categorize(CompletionMark(due, status), TODAY) == expected


def test_summary_tables_in_the_document():
    doc = render()
    directions = rows_text(table_after(doc, "Выполнение по направлениям"))
    assert directions == [
        ["Направление", "Всего", "Выполнено", "В работе", "Просрочено", "Не выполнено", "Выполнено, %"],
        ["1 Направление: планирование; организация", "5", "2", "1", "1", "1", "40\xa0%"],
        ["2 Направление: методическое сопровождение", "1", "0", "0", "1", "0", "0\xa0%"],
        ["Итого", "6", "2", "1", "2", "1", "33\xa0%"],
    ]
    organizations = rows_text(table_after(doc, "Выполнение по ответственным организациям"))
    assert [r[:2] for r in organizations[1:]] == [
        ["Комитет образования", "3"],
        ["МБОУ СОШ № 2", "1"],
        ["МКУ «ЦРО»", "1"],
        ["МОУ СОШ № 1", "1"],
        ["Итого", "6"],
    ]
    assert paragraph_after(doc, "1. Сводные показатели").startswith(
        "Задач со сроком в отчётном периоде: 6; выполнено: 2 (33\xa0%)"
    )


def test_overdue_and_not_done_lists_give_reasons():
    doc = render()
    assert rows_text(table_after(doc, "2. Просроченные мероприятия"))[1:] == [
        ["2.1", "Проведение совещаний по результатам ВПР", "30.04.2026", "Комитет образования",
         "Возвращено на доработку", "причина не указана"],
        ["1.3.1", "Подготовка программ выхода из списка ШНОР", "31.05.2026", "Комитет образования",
         "Выполняется", "Ждём данные ВПР"],
    ]  # fmt: skip
    assert rows_text(table_after(doc, "3. Невыполненные мероприятия"))[1:] == [
        ["1.2", "Разработка дорожных карт МОУ", "31.03.2026", "МБОУ СОШ № 2", "Не выполнено",
         "Не утверждены списки ШНОР"],
    ]  # fmt: skip


def test_a_clean_period_says_there_is_nothing_late():
    doc = render(period=quarter(2026, 3), today=date(2026, 7, 1))
    assert paragraph_after(doc, "2. Просроченные мероприятия") == "Просроченных мероприятий нет."
    assert paragraph_after(doc, "3. Невыполненные мероприятия") == "Невыполненных мероприятий нет."


def test_an_empty_period_has_no_share():
    doc = render(period=whole_year(2029))
    assert rows_text(table_after(doc, "Выполнение по направлениям")) == [
        ["Направление", "Всего", "Выполнено", "В работе", "Просрочено", "Не выполнено", "Выполнено, %"],
        ["Итого", "0", "0", "0", "0", "0", "—"],
    ]


def test_roadmap_table_carries_the_completion_marks():
    table = table_after(render(), "4. Выполнение мероприятий")
    rows = {r[0]: r for r in rows_text(table) if len(r) == 8}
    assert rows["№ п/п"][-1] == "Отметка о выполнении"
    assert rows["1.1"][-1] == (
        "Срок 28.02.2026: Выполнено 20.02.2026\n"
        "Дорожная карта утверждена\n"
        "Подтверждение: Приказ №45.pdf; https://edu.example.ru/roadmap"
    )
    assert rows["1.2"][-1] == (
        "МБОУ СОШ № 2. Срок 31.03.2026: Не выполнено\n"
        "Причина: Не утверждены списки ШНОР\n"
        "МОУ СОШ № 1. Срок 31.03.2026: Выполнено 30.03.2026"
    )
    # Only the occurrences due in the period: August and November of 2.1 stay out.
    assert rows["2.1"][-1] == "Срок 30.04.2026: Возвращено на доработку, просрочено\nНет протокола"
    assert rows["2.2"][-1] == "В отчётном периоде не запланировано"


def test_roadmap_table_keeps_the_approval_layout():
    table = table_after(render(), "4. Выполнение мероприятий")
    trs = table._tbl.findall(qn("w:tr"))
    assert trs[0].find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
    sections = [tr.findall(qn("w:tc"))[0] for tr in trs if len(tr.findall(qn("w:tc"))) == 1]
    assert [tc_span(tc) for tc in sections] == [8, 8, 8]
    assert all(is_bold(tc) for tc in sections)


def test_activities_outside_directions_are_summarised_apart():
    loose = ReportActivity(
        "0.1", "Вне разделов", responsible="", marks=(CompletionMark(date(2026, 2, 1), "done"),)
    )
    roadmap = make_roadmap(items=(loose, *make_roadmap().items))
    summary = summarize(roadmap, *quarter(2026, 1), TODAY)
    assert summary.by_direction["Мероприятия вне направлений"] == Counts(done=1)
    assert summary.by_organization["Ответственный не указан"] == Counts(done=1)


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (quarter(2026, 1), "I квартал 2026 г."),
        (quarter(2026, 4), "IV квартал 2026 г."),
        (half_year(2026, 2), "II полугодие 2026 г."),
        (whole_year(2027), "2027 год"),
        ((date(2026, 1, 1), date(2026, 3, 15)), "период с 1 января 2026 г. по 15 марта 2026 г."),
    ],
)
def test_period_label(period, label):
    assert period_label(*period) == label


def test_period_helpers():
    assert quarter(2028, 1) == (date(2028, 1, 1), date(2028, 3, 31))
    assert half_year(2028, 1) == (date(2028, 1, 1), date(2028, 6, 30))
    with pytest.raises(ValueError):
        quarter(2028, 5)
    with pytest.raises(ValueError):
        half_year(2028, 0)


def test_a_thousand_activities_are_all_reported():
    doc = render(make_big_roadmap(1000), period=whole_year(2026))
    table = table_after(doc, "4. Выполнение мероприятий")
    marked = [r for r in rows_text(table) if len(r) == 8][1:]
    assert len(marked) == 1000
    assert all(r[-1].endswith("Причина: Нет финансирования") for r in marked)
    assert rows_text(table_after(doc, "Выполнение по направлениям"))[-1][:6] == [
        "Итого",
        "2000",
        "1000",
        "0",
        "0",
        "1000",
    ]
