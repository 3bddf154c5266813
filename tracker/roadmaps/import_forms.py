"""Forms of the roadmap import: upload, preview corrections, and re-import of a corrected version."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, FieldList, Form, FormField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

EXTENSIONS = ("docx", "xlsx", "csv")
FILE_REQUIRED = "Выберите файл дорожной карты."
FILE_KIND = "Загрузите документ Word (.docx), книгу Excel (.xlsx) или таблицу CSV (.csv)."


def _int_or_none(value: object) -> int | None:
    """Read a select value as an id; anything else becomes None and fails validation in Russian."""
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None


class _PeriodMixin:
    """An optional programme period: both ends or neither, at most ten years long."""

    period_start = DateField("Начало периода", validators=[Optional()])
    period_end = DateField("Окончание периода", validators=[Optional()])

    def validate_period_end(self, field: DateField) -> None:
        """Require both ends together and a sensible order and length."""
        start = self.period_start.data
        if bool(start) != bool(field.data):
            raise ValidationError("Укажите и начало, и окончание периода — или оставьте оба поля пустыми.")
        if start and field.data:
            if field.data < start:
                raise ValidationError("Окончание периода раньше его начала.")
            if field.data.year - start.year > 10:
                raise ValidationError("Период не может быть длиннее десяти лет.")

    @property
    def period(self):
        """Return the period entered, or None to take it from the document."""
        if self.period_start.data and self.period_end.data:
            return (self.period_start.data, self.period_end.data)
        return None


class ImportUploadForm(_PeriodMixin, FlaskForm):
    """Upload a roadmap file to create a new roadmap."""

    file = FileField(
        "Файл дорожной карты",
        validators=[FileRequired(FILE_REQUIRED), FileAllowed(EXTENSIONS, FILE_KIND)],
        description="Документ Word (.docx), книга Excel (.xlsx) или таблица CSV (.csv).",
    )
    organization_id = SelectField("Организация-владелец", coerce=_int_or_none, validate_choice=False)

    def validate_organization_id(self, field: SelectField) -> None:
        """Accept only an organisation the user may create roadmaps for."""
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Выберите организацию из списка.")


class CorrectionEntry(Form):
    """A corrected deadline text for one flagged row of the preview."""

    row = HiddenField()
    deadline_text = StringField(
        "Исправленный срок", validators=[Length(max=500, message="Не длиннее 500 символов.")]
    )


class PreviewForm(_PeriodMixin, FlaskForm):
    """Correct flagged deadlines and the period, then check again or save."""

    corrections = FieldList(FormField(CorrectionEntry))
    recheck = SubmitField("Пересчитать сроки")
    save = SubmitField("Сохранить дорожную карту")


class ReimportUploadForm(FlaskForm):
    """Upload a corrected version of an existing roadmap."""

    file = FileField(
        "Исправленная версия",
        validators=[FileRequired(FILE_REQUIRED), FileAllowed(EXTENSIONS, FILE_KIND)],
        description="Тот же документ с внесёнными изменениями: .docx, .xlsx или .csv.",
    )
