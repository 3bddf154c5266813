"""Forms of the roadmap workspace."""

import re
from datetime import date

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from tracker.db import db_int

REQUIRED = "Заполните это поле."
DATE_MESSAGE = "Укажите дату в формате ДД.ММ.ГГГГ."


def _optional_int(value: str | None) -> int | None:
    """Turn an empty select value into None and anything else into an int."""
    return int(value) if value not in (None, "", "None") else None


class RoadmapForm(FlaskForm):
    """Create a roadmap or edit its passport."""

    title = TextAreaField("Название", validators=[DataRequired(REQUIRED), Length(max=500)])
    organization_id = SelectField("Организация-владелец", coerce=db_int)
    period_start = DateField("Начало периода", validators=[InputRequired(DATE_MESSAGE)])
    period_end = DateField("Окончание периода", validators=[InputRequired(DATE_MESSAGE)])
    goal = TextAreaField("Цель")
    tasks_text = TextAreaField("Задачи")
    legal_basis = TextAreaField("Нормативно-правовые основания")
    developers = TextAreaField("Разработчики")
    executors = TextAreaField("Исполнители")
    expected_results = TextAreaField("Ожидаемые результаты")
    approved_by = StringField(
        "Кем утверждается",
        validators=[Length(max=300)],
        description="Например: приказом Комитета образования",
    )
    is_acceptance_required = BooleanField("Выполнение задач принимает контролирующий", default=True)

    def validate_period_end(self, field: DateField) -> None:
        """Refuse a period that ends before it starts or spans more than ten years."""
        start = self.period_start.data
        if start and field.data:
            if field.data < start:
                raise ValidationError("Окончание периода раньше его начала.")
            if field.data.year - start.year > 10:
                raise ValidationError("Период не может быть длиннее десяти лет.")


class SectionForm(FlaskForm):
    """Add or edit a section (направление, задача, группа мероприятий)."""

    parent_id = SelectField("Входит в раздел", coerce=_optional_int, validate_choice=True)
    number = StringField("Номер", validators=[Length(max=40, message="Не длиннее 40 символов.")])
    title = TextAreaField("Название раздела", validators=[DataRequired(REQUIRED)])


class ActivityForm(FlaskForm):
    """Add or edit an activity."""

    section_id = SelectField("Раздел", coerce=_optional_int, validate_choice=True)
    number = StringField("Номер", validators=[Length(max=40, message="Не длиннее 40 символов.")])
    title = TextAreaField("Мероприятие", validators=[DataRequired(REQUIRED)])
    deadline_text = TextAreaField(
        "Срок", description="Как в документе: «Ежегодно, сентябрь», «2 квартал 2026 г.»"
    )
    responsible = TextAreaField("Ответственные")
    participants = TextAreaField("Участники")
    result = TextAreaField("Планируемый результат")
    control = TextAreaField("Контроль")


class RevisionForm(FlaskForm):
    """Record a correction (корректировка) with its reason and approving order."""

    reason = TextAreaField("Причина корректировки", validators=[DataRequired(REQUIRED)])
    order_number = StringField("Номер приказа", validators=[DataRequired(REQUIRED), Length(max=50)])
    order_date = DateField("Дата приказа", validators=[InputRequired(DATE_MESSAGE)])

    def validate_order_date(self, field: DateField) -> None:
        """Refuse an order dated in the future."""
        if field.data and field.data > date.today():
            raise ValidationError("Дата приказа не может быть в будущем.")


class StatusForm(FlaskForm):
    """Move a roadmap to another status; approval asks for the order."""

    status = SelectField("Новый статус")
    order_number = StringField("Номер приказа", validators=[Optional(), Length(max=50)])
    order_date = DateField("Дата приказа", validators=[Optional()])

    def validate_status(self, field: SelectField) -> None:
        """Require the order's number and date when approving."""
        if field.data == "approved" and (not self.order_number.data or not self.order_date.data):
            raise ValidationError("Для утверждения укажите номер и дату приказа.")


_WINDOW_RE = re.compile(r"(\d{1,2}\.\d{1,2}\.\d{4})(?:\s*(?:-|–|—|\.\.)\s*(\d{1,2}\.\d{1,2}\.\d{4}))?")


def parse_windows(text: str) -> list[tuple[date, date]]:
    """Read one window per line («ДД.ММ.ГГГГ» or a range of two); raise ValueError naming the line."""
    windows = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _WINDOW_RE.fullmatch(line)
        if not match:
            raise ValueError(f"Строка {number}: ожидается «ДД.ММ.ГГГГ» или «ДД.ММ.ГГГГ – ДД.ММ.ГГГГ».")
        try:
            first = _read_date(match.group(1))
            second = _read_date(match.group(2)) if match.group(2) else first
        except ValueError as exc:
            raise ValueError(f"Строка {number}: такой даты нет.") from exc
        if second < first:
            raise ValueError(f"Строка {number}: срок раньше начала.")
        windows.append((first, second))
    return windows


def _read_date(text: str) -> date:
    """Read «ДД.ММ.ГГГГ»."""
    day, month, year = (int(p) for p in text.split("."))
    return date(year, month, day)


class ScheduleForm(FlaskForm):
    """Set an activity's dates by hand."""

    windows = TextAreaField(
        "Сроки", description="По одному на строку: «30.09.2026» или «01.09.2026 – 30.09.2026»."
    )

    def validate_windows(self, field: TextAreaField) -> None:
        """Check every line and require at least one date."""
        try:
            parsed = parse_windows(field.data or "")
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc
        if not parsed:
            raise ValidationError("Укажите хотя бы один срок.")
        self.parsed = parsed
