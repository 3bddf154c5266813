"""Forms of the analysis pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import FloatField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.meta import DefaultMeta
from wtforms.validators import InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.analysis.operations import CREATE, MATCH_PREFIX, SKIP
from tracker.db import db_int

# Unknown codes settled one by one on the confirmation page; the rest follow one choice for all.
MAX_DECISIONS = 200

KIND_CHOICES = [
    SelectChoice("results", "Результаты оценочных процедур (ВПР, ОГЭ, ЕГЭ)"),
    SelectChoice("social", "Социальный паспорт школ"),
    SelectChoice("risk", "Профиль рисков"),
]


class RussianForm(FlaskForm):
    """A form whose built-in messages («Not a valid choice») come in Russian from WTForms' own catalogue."""

    class Meta:
        locales = ("ru",)

        def get_translations(self, form):
            """Use WTForms' translations for the locales (Flask-WTF's need Flask-Babel, not installed)."""
            return DefaultMeta.get_translations(self, form)


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice drawn as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class UploadForm(RussianForm):
    """Upload a data file for checking."""

    kind = SelectField("Что загружается", choices=KIND_CHOICES)
    file = FileField(
        "Файл CSV или XLSX",
        validators=[
            FileRequired("Выберите файл."),
            FileAllowed(["csv", "xlsx"], "Загрузите файл .csv или .xlsx (формат .xls сохраните как .xlsx)."),
        ],
        description="Заголовки столбцов — как в шаблоне; кодировка CSV — UTF-8 или Windows-1251.",
    )


class RunForm(RussianForm):
    """Start a classification."""

    year = SelectField("Год классификации", coerce=db_int, validate_choice=True)
    scope_id = SelectField("Территория", coerce=db_int, validate_choice=True)
    title = StringField(
        "Примечание",
        validators=[Length(max=300, message="Не длиннее 300 символов.")],
        description="Например: «для приказа о перечне ШНОР на 2025/2026 учебный год».",
    )
    quantile = FloatField(
        "Процентиль ИСБШ для ШНСУ",
        default=25,
        validators=[
            InputRequired("Укажите процентиль."),
            NumberRange(0, 100, "Процентиль — число от 0 до 100."),
        ],
        description="ШНСУ — школы с ИСБШ не выше этого процентиля по школам расчёта (обычно 25 или 20).",
    )
    two_year = SelectField(
        "Правило двух лет для ШНОР",
        choices=[
            SelectChoice("any", "низкий результат в этом году и любой низкий в прошлом"),
            SelectChoice("same", "низкий результат по одной и той же процедуре два года подряд"),
        ],
        default="any",
    )
    min_participants = IntegerField(
        "Минимум участников процедуры",
        default=1,
        validators=[
            InputRequired("Укажите число участников."),
            NumberRange(1, 1000, "От 1 до 1000."),
        ],
        description="При меньшем числе участников процедура не учитывается.",
    )
    procedures = MultiCheckboxField("Учитываемые процедуры", validate_choice=True)

    def validate_procedures(self, field: MultiCheckboxField) -> None:
        """Require at least one procedure."""
        if not field.data:
            raise ValidationError("Выберите хотя бы одну процедуру.")


class TargetsForm(RussianForm):
    """Aim an activity at groups of a run and at schools."""

    groups = MultiCheckboxField("Группы из расчётов", validate_choice=True)
    schools = MultiCheckboxField("Школы", coerce=db_int, validate_choice=True)


def decision_choices(name: str, candidates) -> list[SelectChoice]:
    """Return the choices for an unknown school code: create, skip or match a school without a code."""
    create = f"Создать школу «{name}»" if name else "Создать школу (название — по коду)"
    return [SelectChoice(CREATE, create), SelectChoice(SKIP, "Пропустить строки этой школы")] + [
        SelectChoice(f"{MATCH_PREFIX}{school.id}", f"Это {school.short_name}") for school in candidates
    ]


def apply_form(unknown, candidates) -> RussianForm:
    """Return the confirmation form of an import with one choice per unknown code."""

    class ApplyForm(RussianForm):
        pass

    ApplyForm.rest = SelectField(
        "Остальные неизвестные коды",
        choices=[
            SelectChoice(CREATE, "создать школы с названиями из файла"),
            SelectChoice(SKIP, "пропустить их строки"),
        ],
        default=SKIP,
    )
    for index, item in enumerate(unknown[:MAX_DECISIONS]):
        default = f"{MATCH_PREFIX}{item.suggestion}" if item.suggestion else (CREATE if item.name else SKIP)
        setattr(
            ApplyForm,
            f"code_{index}",
            SelectField(item.code, choices=decision_choices(item.name, candidates), default=default),
        )
    return ApplyForm()
