"""Target indicators: forms, the plan-versus-actual page, computed values and the standard registry."""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.reports import operations as ops
from tracker.reports.charts import ACTUAL_FILL, ACTUAL_MISS_FILL, PLAN_FILL, plan_actual_chart
from tracker.reports.forms import DecimalCommaField, period_choices
from tracker.reports.models import Indicator, IndicatorValue, ValueKind, ValueSource
from tracker.reports.standard import REGISTRY
from tracker.roadmaps.models import HistoryEntry

FORM = {
    "name": "Доля выпускников, не получивших аттестат",
    "unit": "%",
    "method": "Без аттестата / всего × 100",
    "direction": "down",
    "baseline_value": "7,5",
    "baseline_year": "2025",
    "standard_code": "",
    "target_2026": "6,5",
    "target_2027": "6",
    "target_2030": "4",
}


@pytest.fixture
def roadmap(create_roadmap):
    """A municipal roadmap for 2026–2030."""
    return create_roadmap(period=(date(2026, 1, 1), date(2030, 12, 31)))


@pytest.fixture
def coordinator(login_as, two_municipalities):
    return login_as("coordinator", two_municipalities["a"]["authority"])


def _values(indicator_id: int) -> dict[tuple[int, str], tuple[float, str]]:
    rows = db.session.execute(
        select(IndicatorValue).where(IndicatorValue.indicator_id == indicator_id)
    ).scalars()
    return {(v.year, v.kind.value): (v.value, v.source.value) for v in rows}


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_add_an_indicator_through_the_form(roadmap, coordinator):
    url = f"/reports/roadmaps/{roadmap.id}/indicators/new"
    page = coordinator.get(url).text
    assert "План на 2026 год" in page and "План на 2030 год" in page
    response = coordinator.post(url, FORM, page=url)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/reports/roadmaps/{roadmap.id}/indicators")
    indicator = db.session.execute(select(Indicator)).scalar_one()
    assert (indicator.name, indicator.unit, indicator.direction.value) == (FORM["name"], "%", "down")
    assert (indicator.baseline_value, indicator.baseline_year, indicator.standard_code) == (7.5, 2025, None)
    assert _values(indicator.id) == {
        (2026, "target"): (6.5, "manual"),
        (2027, "target"): (6.0, "manual"),
        (2030, "target"): (4.0, "manual"),
    }
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "indicator.create")
    ).scalar_one()
    assert entry.after["targets"] == "2026: 6,5; 2027: 6; 2030: 4"
    assert "Показатель добавлен." in coordinator.get(response.headers["Location"]).text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "  ", "Заполните это поле."),
        ("target_2027", "шесть", "Введите число, например 6,5."),
        ("baseline_value", "1e400", "Введите число, например 6,5."),
        ("baseline_value", "nan", "Введите число, например 6,5."),
        ("baseline_year", "1812", "Укажите год от 1990 до 2100."),
        ("baseline_year", "", "Укажите год базового значения."),
        ("direction", "sideways", "Not a valid choice."),
        ("standard_code", "NOPE", "Not a valid choice."),
    ],
)
def test_invalid_input_is_refused_in_russian_and_nothing_is_saved(
    roadmap, coordinator, field, value, message
):
    url = f"/reports/roadmaps/{roadmap.id}/indicators/new"
    before = (_count(Indicator), _count(IndicatorValue), _count(HistoryEntry))
    response = coordinator.post(url, FORM | {field: value}, page=url)
    assert response.status_code == 422
    if message.startswith("Not"):
        # WTForms' own choice message: only a forged request can send a value outside the list.
        assert "invalid-feedback" in response.text
    else:
        assert message in response.text
    assert "показатель не сохранён" in response.text
    assert (_count(Indicator), _count(IndicatorValue), _count(HistoryEntry)) == before


def test_edit_an_indicator_changes_fields_and_targets(roadmap, coordinator, create_indicator):
    indicator = create_indicator(roadmap, targets={2026: 6, 2027: 5})
    url = f"/reports/roadmaps/{roadmap.id}/indicators/{indicator.id}/edit"
    page = coordinator.get(url).text
    assert 'value="6"' in page and 'value="7"' in page and 'selected value="down"' in page
    data = FORM | {"name": "Новое имя", "target_2026": "", "target_2027": "5", "target_2028": "4,25"}
    response = coordinator.post(url, data, page=url)
    assert response.status_code == 302
    db.session.expire_all()
    indicator = db.session.get(Indicator, indicator.id)
    assert indicator.name == "Новое имя"
    assert {k: v for k, v in _values(indicator.id).items() if k[1] == "target"} == {
        (2027, "target"): (5.0, "manual"),
        (2028, "target"): (4.25, "manual"),
        (2030, "target"): (4.0, "manual"),
    }
    unchanged = coordinator.post(url, data, page=url)
    assert "Изменений нет." in coordinator.get(unchanged.headers["Location"]).text


def test_delete_an_indicator_with_its_values(roadmap, coordinator, create_indicator):
    indicator = create_indicator(roadmap, targets={2026: 6}, actuals={2026: 7})
    keep = create_indicator(roadmap, name="Другой", targets={2026: 1})
    response = coordinator.post(f"/reports/roadmaps/{roadmap.id}/indicators/{indicator.id}/delete", {})
    assert response.status_code == 302
    assert [i.id for i in db.session.execute(select(Indicator)).scalars()] == [keep.id]
    assert _count(IndicatorValue) == 1
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "indicator.delete")
    ).scalar_one()
    assert entry.before["actuals"] == "2026: 7"


def test_enter_actual_values_per_year(roadmap, coordinator, create_indicator):
    indicator = create_indicator(roadmap, targets={2026: 6, 2027: 5})
    url = f"/reports/roadmaps/{roadmap.id}/indicators/{indicator.id}/actuals"
    page = coordinator.get(url).text
    assert "Факт 2026 года" in page and "план: 6" in page
    response = coordinator.post(url, {"actual_2026": "6,4", "actual_2027": " "}, page=url)
    assert response.status_code == 302
    assert _values(indicator.id)[(2026, "actual")] == (6.4, "manual")
    assert (2027, "actual") not in _values(indicator.id)
    bad = coordinator.post(url, {"actual_2026": "6,4%", "actual_2027": "5"}, page=url)
    assert bad.status_code == 422 and "Введите число, например 6,5." in bad.text
    assert (2027, "actual") not in _values(indicator.id)
    # Clearing the field removes the value entered by hand.
    coordinator.post(url, {"actual_2026": ""}, page=url)
    assert (2026, "actual") not in _values(indicator.id)


def test_page_shows_plan_against_actual_as_table_and_chart(roadmap, coordinator, create_indicator):
    create_indicator(roadmap, targets={2026: 6, 2027: 5}, actuals={2026: 6.5})
    create_indicator(
        roadmap,
        name="Число школ-наставников",
        unit="ед.",
        direction="up",
        targets={2026: 3},
        actuals={2026: 4},
        baseline_value=None,
        baseline_year=None,
    )
    create_indicator(roadmap, name="Без значений", targets={})
    page = coordinator.get(f"/reports/roadmaps/{roadmap.id}/indicators").text
    assert "1. Доля выпускников, не получивших аттестат, %" in page
    assert "Чем меньше, тем лучше" in page and "базовое значение 7 (2025)" in page
    assert "6,5" in page and "не достигнут" in page and "достигнут" in page
    assert page.count("<svg") == 2
    assert (
        f'fill="{ACTUAL_MISS_FILL}"' in page
        and f'fill="{ACTUAL_FILL}"' in page
        and f'fill="{PLAN_FILL}"' in page
    )
    assert "Плановые и фактические значения ещё не заданы." in page
    # The Content-Security-Policy allows neither inline scripts nor inline styles.
    assert not re.search(r"\sstyle=", page) and not re.search(r"<script(?![^>]*\ssrc=)", page)


def test_empty_state_invites_to_add_indicators(roadmap, coordinator):
    page = coordinator.get(f"/reports/roadmaps/{roadmap.id}/indicators").text
    assert "Целевые показатели пока не заданы." in page and "+ Показатель" in page
    assert "Рассчитать по данным" not in page


@dataclass
class Row:
    year: int
    procedure: str
    participants: int
    low: int
    grade4: int | None = None
    grade5: int | None = None


def test_standard_indicators_pool_the_rows_of_their_procedures():
    rows = [
        Row(2025, "EGE-RU", 40, 2),
        Row(2025, "EGE-MA-B", 30, 3),
        Row(2025, "EGE-MA-P", 10, 5),
        Row(2025, "OGE-MA", 100, 7, 40, 20),
        Row(2025, "OGE-RU", 50, 1),  # no grade columns: says nothing about quality
        Row(2026, "EGE-RU", 0, 0),  # nobody took part: no value for the year
        Row(2026, "VPR-MA-5", 200, 30),
        Row(2026, "VPR-MA-4", 200, 200),  # not one of the indicator's procedures
    ]
    assert REGISTRY["EGE_LOW"].compute(rows) == {2025: 12.5}
    assert REGISTRY["EGE_RU_LOW"].compute(rows) == {2025: 5.0}
    assert REGISTRY["EGE_MA_LOW"].compute(rows) == {2025: 20.0}
    assert REGISTRY["OGE_LOW"].compute(rows) == {2025: 5.3}
    assert REGISTRY["OGE_QUALITY"].compute(rows) == {2025: 60.0}
    assert REGISTRY["VPR_LOW"].compute(rows) == {2026: 15.0}
    assert REGISTRY["EGE_LOW"].direction == "down" and REGISTRY["OGE_QUALITY"].direction == "up"


def test_computed_values_never_overwrite_hand_entered_ones(roadmap, create_indicator):
    indicator = create_indicator(roadmap, standard_code="EGE_LOW", actuals={2026: 9})
    assert ops.store_computed(None, indicator, {2025: 4.0, 2026: 5.0, 2027: 3.0}) == 2
    db.session.commit()
    assert _values(indicator.id) == {
        (2025, "actual"): (4.0, "computed"),
        (2026, "actual"): (9.0, "manual"),
        (2027, "actual"): (3.0, "computed"),
    }
    # Recomputing with the same data changes nothing; data gone for a year removes its computed value.
    assert ops.store_computed(None, indicator, {2025: 4.0, 2027: 3.0}) == 0
    assert ops.store_computed(None, indicator, {2025: 4.5}) == 2
    db.session.commit()
    assert _values(indicator.id) == {(2025, "actual"): (4.5, "computed"), (2026, "actual"): (9.0, "manual")}
    # A value typed over a computed one becomes manual even when it is the same number.
    assert ops.set_actuals(None, indicator, {2025: 4.5}) is True
    assert _values(indicator.id)[(2025, "actual")] == (4.5, "manual")


def test_compute_button_fills_actuals_from_stored_results(
    roadmap, coordinator, create_indicator, add_results, two_municipalities
):
    a, b = two_municipalities["a"], two_municipalities["b"]
    standard = create_indicator(
        roadmap, name=REGISTRY["EGE_LOW"].name, standard_code="EGE_LOW", targets={2026: 5}
    )
    manual = create_indicator(roadmap, name="Ручной", targets={2026: 1})
    add_results(a["school"], 2026, {"EGE-RU": (30, 3), "EGE-MA-B": (30, 0)})
    add_results(a["school2"], 2026, {"EGE-RU": (20, 2)})
    add_results(a["school"], 2025, {"EGE-RU": (25, 5)})
    add_results(a["school"], 2019, {"EGE-RU": (25, 25)})  # before the baseline year: not judged
    add_results(b["school"], 2026, {"EGE-RU": (100, 100)})  # another municipality's school
    page = coordinator.get(f"/reports/roadmaps/{roadmap.id}/indicators").text
    assert "рассчитывается по данным оценочных процедур" in page
    response = coordinator.post(f"/reports/roadmaps/{roadmap.id}/indicators/compute", {})
    assert response.status_code == 302
    # 2025 lies before the roadmap period but is kept: it is the indicator's baseline year.
    assert _values(standard.id) == {
        (2026, "target"): (5.0, "manual"),
        (2026, "actual"): (6.3, "computed"),
        (2025, "actual"): (20.0, "computed"),
    }
    assert (2026, "actual") not in _values(manual.id)
    page = coordinator.get(response.headers["Location"]).text
    assert "Показатели рассчитаны, изменено значений: 2." in page and "расчёт" in page


def test_compute_without_data_says_so(roadmap, coordinator, create_indicator):
    create_indicator(roadmap, standard_code="OGE_LOW")
    response = coordinator.post(
        f"/reports/roadmaps/{roadmap.id}/indicators/compute", {}, follow_redirects=True
    )
    assert "Результаты оценочных процедур не загружены" in response.text
    assert _count(IndicatorValue) == 0


def test_chart_lays_out_a_pair_of_bars_per_year():
    chart = plan_actual_chart([2026, 2027, 2028], {2026: 6, 2027: 5}, {2026: 6.5}, "down")
    assert [b.kind for b in chart.bars] == ["plan", "actual", "plan"]
    plan, actual, plan_2027 = chart.bars
    assert actual.height > plan.height > plan_2027.height > 0
    assert actual.y + actual.height == chart.axis_y
    assert actual.fill == ACTUAL_MISS_FILL and actual.label == "6,5"
    assert [t for _, t in chart.years] == ["2026", "2027", "2028"]
    assert all(0 <= b.x and b.x + b.width <= chart.width for b in chart.bars)
    assert plan_actual_chart([2026], {}, {}) is None


def test_decimal_field_reads_russian_numbers(app):
    from flask_wtf import FlaskForm
    from werkzeug.datastructures import MultiDict

    class Form(FlaskForm):
        class Meta:
            csrf = False

        value = DecimalCommaField("Значение")

    with app.test_request_context():
        for text, expected in (("6,5", 6.5), (" 1 234,5 ", 1234.5), ("-2.25", -2.25), ("", None)):
            form = Form(formdata=MultiDict({"value": text}))
            assert form.validate() and form.value.data == expected, text
        form = Form(formdata=MultiDict({"value": "inf"}))
        assert not form.validate() and form.value.errors == ["Введите число, например 6,5."]


def test_period_choices_cover_every_year_half_and_quarter():
    choices = period_choices(date(2026, 1, 1), date(2027, 12, 31))
    assert len(choices) == 14
    assert choices[:3] == (
        ("2026", "2026 год"),
        ("2026H1", "I полугодие 2026 г."),
        ("2026H2", "II полугодие 2026 г."),
    )
    assert ("2027Q4", "IV квартал 2027 г.") in choices


def test_values_are_unique_per_year_and_kind(roadmap, create_indicator):
    indicator = create_indicator(roadmap, targets={2026: 6})
    assert [(v.kind, v.source) for v in indicator.values] == [(ValueKind.target, ValueSource.manual)]


def test_a_standard_indicator_fills_the_form(roadmap, coordinator):
    page = coordinator.get(f"/reports/roadmaps/{roadmap.id}/indicators").text
    link = f"/reports/roadmaps/{roadmap.id}/indicators/new?standard=OGE_QUALITY"
    assert f'href="{link}"' in page
    form = coordinator.get(link).text
    assert REGISTRY["OGE_QUALITY"].name in form and REGISTRY["OGE_QUALITY"].method in form
    assert 'selected value="OGE_QUALITY"' in form and 'selected value="up"' in form
    assert "— вводится вручную —" in coordinator.get(f"{link[: -len('OGE_QUALITY')]}NOPE").text


def test_years_still_ahead_are_not_reported_as_missing_data():
    from tracker.reports.data import Indicator as ReportIndicator
    from tracker.reports.views import _status

    indicator = ReportIndicator("Доля", targets={2026: 5, 2027: 4}, actuals={})
    assert _status(indicator, 2026, 2026) == "no_data"
    assert _status(indicator, 2027, 2026) == "future"
    assert _status(indicator, 2028, 2026) == "no_target"


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("2026", (date(2026, 1, 1), date(2026, 12, 31))),
        ("2026h2", (date(2026, 7, 1), date(2026, 12, 31))),
        (" 2027Q1 ", (date(2027, 1, 1), date(2027, 3, 31))),
    ],
)
def test_parse_period(code, expected):
    from tracker.reports.data import parse_period

    assert parse_period(code) == expected


@pytest.mark.parametrize("code", ["", "26", "2026Q5", "2026H3", "2026-1", "Q1"])
def test_parse_period_refuses_other_codes(code):
    from tracker.reports.data import parse_period

    with pytest.raises(ValueError):
        parse_period(code)
