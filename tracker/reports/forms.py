"""Forms of the reports: target indicators and their values, and the choice of a reporting period."""

from __future__ import annotations

import math
from datetime import date
from functools import lru_cache

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from tracker.db import db_int
from tracker.reports.data import half_year, quarter, whole_year
from tracker.reports.docx_common import period_label
from tracker.reports.standard import REGISTRY

REQUIRED = "Заполните это поле."
NUMBER_MESSAGE = "Введите число, например 6,5."
YEAR_MESSAGE = "Укажите год от 1990 до 2100."
MAX_ABS_VALUE = 1e12
DIRECTION_CHOICES = [("up", "Чем больше, тем лучше"), ("down", "Чем меньше, тем лучше")]
STANDARD_NONE = "— вводится вручную —"


class DecimalCommaField(Field):
    """A number typed the Russian way («6,5») or with a dot; empty means no value."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        # A phone shows its numeric keyboard with the decimal separator of the locale.
        kwargs.setdefault("render_kw", {"inputmode": "decimal"})
        super().__init__(label, validators, **kwargs)
        self.data: float | None = None

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        # Shown as the user would type it: a comma and no trailing «.0».
        return f"{self.data:g}".replace(".", ",")

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read «6,5», «6.5» or «1 234,5»; refuse anything that is not a finite number."""
        self.data = None
        if not valuelist:
            return
        text = valuelist[0].strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        if not text:
            return
        try:
            number = float(text)
        except ValueError as exc:
            raise ValueError(NUMBER_MESSAGE) from exc
        if not math.isfinite(number) or abs(number) > MAX_ABS_VALUE:
            raise ValueError(NUMBER_MESSAGE)
        self.data = number


class IndicatorForm(FlaskForm):
    """Add or edit a target indicator; plan fields per year are added by ``indicator_form``."""

    name = TextAreaField("Показатель", validators=[DataRequired(REQUIRED), Length(max=1000)])
    unit = StringField(
        "Единица измерения",
        validators=[Length(max=40, message="Не длиннее 40 символов.")],
        description="Например: %, ед., чел.",
    )
    method = TextAreaField("Методика расчёта", validators=[Length(max=4000)])
    # Choices are set on the bound form (``indicator_form``): WTForms 3.3 deprecates tuples declared here.
    direction = SelectField("Направление улучшения", default="up")
    baseline_value = DecimalCommaField("Базовое значение")
    baseline_year = IntegerField(
        "Год базового значения",
        validators=[Optional(), NumberRange(1990, 2100, YEAR_MESSAGE)],
    )
    standard_code = SelectField(
        "Расчёт по данным оценочных процедур",
        default="",
        description="Факт стандартного показателя рассчитывается по результатам оценочных процедур.",
    )

    def validate(self, extra_validators=None) -> bool:
        """Validate the fields, then require the baseline's year when a baseline value is given."""
        valid = super().validate(extra_validators)
        # Not an inline validator: Optional() stops the chain on an empty year before it would run.
        year = self.baseline_year
        if self.baseline_value.data is not None and year.data is None and not year.errors:
            year.errors = ["Укажите год базового значения."]
            return False
        return valid

    def targets(self) -> dict[int, float | None]:
        """Return the plan per year as entered (None for an empty field)."""
        return {year: self[f"target_{year}"].data for year in self.years}


class ActualsForm(FlaskForm):
    """Enter actual values per year; fields are added by ``actuals_form``."""

    def actuals(self) -> dict[int, float | None]:
        """Return the actual value per year as entered (None for an empty field)."""
        return {year: self[f"actual_{year}"].data for year in self.years}


def indicator_form(years: list[int], **kwargs) -> IndicatorForm:
    """Return an indicator form with a plan field for each year of the roadmap."""

    class Form(IndicatorForm):
        pass

    for year in years:
        setattr(Form, f"target_{year}", DecimalCommaField(f"План на {year} год"))
    form = Form(**kwargs)
    form.years = years
    form.direction.choices = DIRECTION_CHOICES
    form.standard_code.choices = [("", STANDARD_NONE)] + [(code, s.name) for code, s in REGISTRY.items()]
    return form


def actuals_form(years: list[int], **kwargs) -> ActualsForm:
    """Return a form with an actual-value field for each year of the roadmap."""

    class Form(ActualsForm):
        pass

    for year in years:
        setattr(Form, f"actual_{year}", DecimalCommaField(f"Факт {year} года"))
    form = Form(**kwargs)
    form.years = years
    return form


class ExecutionPeriodForm(FlaskForm):
    """Choose the period of an execution report (read from the query string)."""

    class Meta:
        csrf = False  # a download changes nothing

    period = SelectField("Период", validators=[DataRequired("Выберите период.")])


class AnnualYearForm(FlaskForm):
    """Choose the year of the analytical report (read from the query string)."""

    class Meta:
        csrf = False

    year = SelectField("Год", coerce=db_int, validators=[DataRequired("Выберите год.")])


@lru_cache(maxsize=256)
def period_choices(start: date, end: date) -> tuple[tuple[str, str], ...]:
    """Return the (code, Russian label) of every year, half-year and quarter overlapping the period.

    Every view of a roadmap offers them, so they are computed once per period."""
    choices = []
    for year in range(start.year, end.year + 1):
        choices.append((str(year), period_label(*whole_year(year))))
        choices += [(f"{year}H{n}", period_label(*half_year(year, n))) for n in (1, 2)]
        choices += [(f"{year}Q{n}", period_label(*quarter(year, n))) for n in (1, 2, 3, 4)]
    return tuple(choices)


def current_period(start: date, end: date, today: date) -> str:
    """Return the code of the quarter containing today, clamped to the roadmap period."""
    day = min(max(today, start), end)
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"
