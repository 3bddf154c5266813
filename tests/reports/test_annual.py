"""Tests of the yearly analytical report, read back with python-docx."""

from datetime import date

import pytest
from docx.oxml.ns import qn

from tests.reports.factories import (
    assert_office_layout,
    make_classification,
    make_indicators,
    make_roadmap,
    open_docx,
    paragraph_after,
    rows_text,
    table_after,
    tc_fill,
    tc_span,
)
from tracker.reports.annual import (
    BAR_UNITS,
    achievement,
    build_annual_docx,
    indicator_status,
)
from tracker.reports.data import ClassificationSummary, Indicator

GREEN, AMBER, ORANGE, RED = "70AD47", "FFC000", "ED7D31", "C00000"
PLAN, ACTUAL = "A6A6A6", "2F5597"


def render(year=2026, indicators=None, classification=..., **kw):
    """Render the analytical report of the sample roadmap and parse it back."""
    indicators = make_indicators() if indicators is None else indicators
    classification = make_classification() if classification is ... else classification
    return open_docx(build_annual_docx(make_roadmap(), year, indicators, classification, **kw))


def bars(table):
    """Return each bar row of a chart table as its label texts and shaded (span, colour) segments."""
    result = []
    for tr in table._tbl.findall(qn("w:tr")):
        tcs = tr.findall(qn("w:tc"))
        if len(tcs) == 1:  # the gap between bars
            continue
        labels = ["".join(t.text for t in tc.iter(qn("w:t"))) for tc in tcs if tc_span(tc) == 1]
        segments = [(tc_span(tc), tc_fill(tc)) for tc in tcs if tc_fill(tc)]
        assert sum(tc_span(tc) for tc in tcs) == len(table._tbl.tblGrid.findall(qn("w:gridCol")))
        result.append((labels, segments))
    return result


def test_page_fonts_and_footer_follow_office_practice():
    assert_office_layout(render())


def test_planned_results_with_reasons():
    doc = render()
    rows = rows_text(table_after(doc, "1. Достижение планируемых результатов"))
    assert rows == [
        ["№ п/п", "Мероприятие", "Планируемый результат", "Выполнено задач", "Оценка",
         "Причины недостижения"],
        ["1 Направление: планирование; организация"],
        ["1.1", "Разработка муниципальной дорожной карты", "Результат 1.1", "1 из 1", "Достигнут", "—"],
        ["1.2", "Разработка дорожных карт МОУ", "Результат 1.2", "1 из 2", "Достигнут частично",
         "Не утверждены списки ШНОР"],
        ["1.3 В рамках деятельности лаборатории"],
        ["1.3.1", "Подготовка программ выхода из списка ШНОР", "Результат 1.3.1", "0 из 2", "Не достигнут",
         "Ждём данные ВПР\nпричина не указана"],
        ["1.3.2", "Повышение квалификации педагогов ШНОР", "Результат 1.3.2", "0 из 1", "В работе", "—"],
        ["2 Направление: методическое сопровождение"],
        ["2.1", "Проведение совещаний по результатам ВПР", "Результат 2.1", "0 из 3", "Не достигнут",
         "причина не указана"],
    ]  # fmt: skip
    assert paragraph_after(doc, "1. Достижение").startswith(
        "В 2026 году по 5 мероприятиям запланировано задач: 9;"
    )


def test_a_year_without_tasks():
    doc = render(year=2031)
    assert paragraph_after(doc, "1. Достижение") == "На 2031 год задачи не запланированы."


def test_report_as_of_a_day_in_the_year_keeps_later_tasks_open():
    rows = rows_text(table_after(render(today=date(2026, 5, 1)), "1. Достижение"))
    assert [r[4] for r in rows if r[0] in ("1.3.1", "2.1")] == ["В работе", "Не достигнут"]


@pytest.mark.parametrize(
    ("categories", "expected"),
    [
        (["done", "done"], "achieved"),
        (["done", "overdue"], "partly"),
        (["not_done"], "not_achieved"),
        (["overdue", "in_progress"], "not_achieved"),
        (["in_progress"], "in_progress"),
    ],
)
def test_achievement(categories, expected):
    assert achievement(categories) == expected


def test_indicator_table_compares_plan_and_actual():
    rows = rows_text(table_after(render(), "2. Целевые показатели"))
    assert rows == [
        ["№ п/п", "Показатель", "Ед. изм.", "Методика расчёта", "Базовое значение", "План 2026", "Факт 2026",
         "Отклонение", "Оценка"],
        ["1", "Доля выпускников, не получивших аттестат", "%",
         "Число выпускников без аттестата / число выпускников × 100", "7 (2025)", "6", "6,5", "+0,5",
         "Не достигнут"],
        ["2", "Доля педагогов ШНОР, прошедших повышение квалификации", "%", "", "40 (2025)", "60", "75",
         "+15", "Достигнут"],
        ["3", "Число школ-наставников", "ед.", "", "—", "3", "—", "—", "Нет данных"],
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("direction", "target", "actual", "expected"),
    [
        ("up", 60, 60, "achieved"),
        ("up", 60, 59.9, "not_achieved"),
        ("down", 6, 5, "achieved"),
        ("down", 6, 6.5, "not_achieved"),
        ("up", 60, None, "no_data"),
        ("up", None, 10, "no_target"),
    ],
)
def test_indicator_status(direction, target, actual, expected):
    indicator = Indicator(
        "Показатель",
        direction=direction,
        targets={} if target is None else {2026: target},
        actuals={} if actual is None else {2026: actual},
    )
    assert indicator_status(indicator, 2026) == expected


def test_indicator_chart_draws_plan_and_actual_to_scale():
    doc = render()
    chart = bars(table_after(doc, "Рисунок 1. Целевые показатели: план и факт 2026 г."))
    expected = []
    for indicator in make_indicators():
        plan, fact = indicator.targets.get(2026), indicator.actuals.get(2026)
        scale = max(plan or 0, fact or 0)
        for value, fill in ((plan, PLAN), (fact, ACTUAL)):
            expected.append([(round(value / scale * BAR_UNITS), fill)] if value else [])
    assert [segments for _, segments in chart] == expected
    assert expected[:4] == [[(46, PLAN)], [(50, ACTUAL)], [(40, PLAN)], [(50, ACTUAL)]]
    assert [labels[-2:] for labels, _ in chart[:2]] == [["План", " 6 %"], ["Факт", " 6,5 %"]]
    assert chart[0][0][0] == "Доля выпускников, не получивших аттестат"


def test_no_indicators_no_chart():
    doc = render(indicators=[])
    assert paragraph_after(doc, "2. Целевые показатели") == "Целевые показатели не заданы."
    assert not any(p.text.startswith("Рисунок 1") for p in doc.paragraphs)


def test_completion_by_direction_table_and_stacked_chart():
    doc = render()
    assert rows_text(table_after(doc, "3. Выполнение по направлениям"))[1:] == [
        ["1 Направление: планирование; организация", "6", "2", "1", "2", "1", "33\xa0%"],
        ["2 Направление: методическое сопровождение", "3", "0", "0", "3", "0", "0\xa0%"],
        ["Итого", "9", "2", "1", "5", "1", "22\xa0%"],
    ]
    chart = bars(table_after(doc, "Рисунок 2. Выполнение задач по направлениям, 2026 г."))
    assert [labels for labels, _ in chart] == [
        ["1 Направление: планирование; организация", " 33\xa0%"],
        ["2 Направление: методическое сопровождение", " 0\xa0%"],
    ]
    first, second = (segments for _, segments in chart)
    # 2, 1, 2 and 1 tasks of 6 over 50 units: each segment within a unit of its exact share.
    assert [fill for _, fill in first] == [GREEN, AMBER, ORANGE, RED]
    assert sum(span for span, _ in first) == BAR_UNITS
    for (span, _), tasks in zip(first, (2, 1, 2, 1), strict=True):
        assert abs(span - tasks / 6 * BAR_UNITS) < 1
    assert second == [(BAR_UNITS, ORANGE)]
    legend = next(p for p in doc.paragraphs if p.text.startswith("■"))
    marks = [r for r in legend.runs if r.text == "■"]
    assert [str(r.font.color.rgb) for r in marks] == [GREEN, AMBER, ORANGE, RED]
    assert legend.text.split() == [
        "■",
        "Выполнено",
        "■",
        "В",
        "работе",
        "■",
        "Просрочено",
        "■",
        "Не",
        "выполнено",
    ]


def test_classification_with_changes():
    rows = rows_text(table_after(render(), "4. Классификация школ 2026 г."))
    assert rows == [
        ["Группа", "Число школ", "Школы", "Вошли в группу", "Вышли из группы"],
        ["ШНОР — школы с низкими образовательными результатами", "2", "МОУ СОШ № 1\nМОУ СОШ № 7",
         "МОУ СОШ № 7", "МОУ СОШ № 3"],
        ["ШНСУ — школы, функционирующие в неблагоприятных социальных условиях", "1", "МОУ СОШ № 7", "—", "—"],
        ["Зона риска снижения образовательных результатов", "0", "—", "—", "МОУ СОШ № 9"],
    ]  # fmt: skip


def test_classification_keeps_unknown_groups_and_may_be_missing():
    summary = ClassificationSummary(
        2026, groups={"MENTOR": ["МОУ СОШ № 4"]}, left={"RESILIENT": ["МОУ СОШ № 5"]}
    )
    rows = rows_text(table_after(render(classification=summary), "4. Классификация"))
    assert [r[:2] for r in rows[1:]] == [
        ["Устойчивые школы (кандидаты в школы-наставники)", "0"],
        ["MENTOR", "1"],
    ]
    doc = render(classification=None)
    assert paragraph_after(doc, "4. Классификация") == "Классификация школ за 2026 год не проводилась."
