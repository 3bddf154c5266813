"""Forms of task execution and the Russian messages of refused changes."""

from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from tracker.db import db_int
from tracker.storage import ALLOWED_EXTENSIONS

# Messages of operations.TaskError codes and storage.UploadError codes, shared by pages and the API.
MESSAGES = {
    "conflict": "Задачу только что изменил другой пользователь. Обновите страницу и проверьте её состояние.",
    "state": "Это действие недоступно в текущем статусе задачи. Обновите страницу.",
    "note_required": "Опишите, что сделано: отметка о выполнении обязательна.",
    "comment_required": "Напишите комментарий: что нужно доработать.",
    "reason_required": "Укажите причину.",
    "people_required": "Выберите хотя бы одного исполнителя.",
    "date_required": "Укажите новый срок или сдвиг в днях (что-то одно).",
    "forbidden": "Недостаточно прав для этого действия.",
    "roadmap_closed": "Задачи этой дорожной карты сейчас не исполняются (черновик, согласование или архив).",
    "empty": "Файл «{name}» пустой.",
    "too_large": "Файл «{name}» больше {limit} МБ.",
    "extension": "Файлы такого типа не принимаются («{name}»). Допустимы PDF, Word, Excel, PowerPoint, "
    "OpenDocument, JPEG и PNG.",
    "content": "Содержимое файла «{name}» не соответствует его расширению. Загрузите исходный документ.",
    "link": "Ссылка «{name}» должна начинаться с http:// или https://.",
}
ACCEPT_ATTRIBUTE = ",".join("." + ext for ext in ALLOWED_EXTENSIONS)
MAX_LINKS = 20


def upload_error_message(error, limit_mb: int) -> str:
    """Return the Russian message of a refused file (storage.UploadError)."""
    return MESSAGES[error.code].format(name=error.filename, limit=limit_mb)


def people_choices(users) -> list[SelectChoice]:
    """Return the choices of a people select: name and organisation."""
    return [SelectChoice(u.id, f"{u.name} — {u.organization.short_name}") for u in users]


def parse_links(text: str | None) -> list[str]:
    """Return the links written one per line (or separated by spaces), in order, without repeats."""
    return list(dict.fromkeys(part.strip() for part in (text or "").split() if part.strip()))


def bad_link(links: list[str]) -> str | None:
    """Return the first link that is not an http(s) address, or None."""
    for link in links:
        try:
            parts = urlsplit(link)
        except ValueError:
            # A malformed host such as «http://[x».
            return link
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 2000:
            return link
    return None


class VersionedForm(FlaskForm):
    """A form that carries the version of the task the user saw, so a stale page is noticed."""

    version = HiddenField()

    @property
    def expected_version(self) -> int | None:
        """Return the version the page was rendered with, if it is a number."""
        value = (self.version.data or "").strip()
        return int(value) if value.isdigit() else None


class CompleteForm(VersionedForm):
    """Report a task done."""

    note = TextAreaField(
        "Отметка о выполнении",
        validators=[
            DataRequired("Опишите, что сделано: отметка о выполнении обязательна."),
            Length(max=5000, message="Не длиннее 5000 символов."),
        ],
        description="Что сделано, когда, каким документом оформлено. Попадёт в отчёт об исполнении.",
    )
    files = MultipleFileField(
        "Подтверждающие файлы",
        description="PDF, Word, Excel, PowerPoint, OpenDocument, JPEG, PNG; можно выбрать несколько.",
    )
    links = TextAreaField(
        "Ссылки",
        validators=[Optional()],
        description="Например, страница новости на сайте школы; каждая ссылка с новой строки.",
    )

    def validate_links(self, field: TextAreaField) -> None:
        """Accept only http(s) addresses, at most MAX_LINKS."""
        links = parse_links(field.data)
        if len(links) > MAX_LINKS:
            raise ValidationError(f"Не больше {MAX_LINKS} ссылок.")
        wrong = bad_link(links)
        if wrong:
            raise ValidationError(MESSAGES["link"].format(name=wrong[:100]))


class AcceptForm(VersionedForm):
    """Accept a submitted task."""

    comment = TextAreaField("Комментарий (необязательно)", validators=[Length(max=5000)])


class ReturnForm(VersionedForm):
    """Return a submitted task for rework."""

    comment = TextAreaField(
        "Что доработать",
        validators=[
            DataRequired("Напишите комментарий: что нужно доработать."),
            Length(max=5000, message="Не длиннее 5000 символов."),
        ],
    )


class ReasonForm(VersionedForm):
    """Give the reason of a status change (not done, cancelled, reopened)."""

    reason = TextAreaField(
        "Причина",
        validators=[DataRequired("Укажите причину."), Length(max=5000, message="Не длиннее 5000 символов.")],
    )


class CommentForm(FlaskForm):
    """Add a comment."""

    body = TextAreaField(
        "Комментарий",
        validators=[
            DataRequired("Напишите текст комментария."),
            Length(max=5000, message="Не длиннее 5000 символов."),
        ],
    )


class AssignForm(FlaskForm):
    """Name people on one or many tasks."""

    people = SelectMultipleField("Исполнители", coerce=db_int, validate_choice=False)
    mode = RadioField(
        "Как назначить",
        choices=[
            SelectChoice("replace", "Заменить назначенных"),
            SelectChoice("add", "Добавить к назначенным"),
            SelectChoice("default", "Вернуть исполнителей по умолчанию (ответственные организации)"),
        ],
        default="replace",
    )

    def validate_people(self, field: SelectMultipleField) -> None:
        """Require somebody unless going back to the default."""
        if self.mode.data != "default" and not field.data:
            raise ValidationError("Выберите хотя бы одного исполнителя.")


class RescheduleForm(FlaskForm):
    """Move due dates to a date or by a number of days, with a reason."""

    due = DateField("Новый срок", validators=[Optional()])
    shift_days = IntegerField(
        "или сдвинуть на дней",
        validators=[Optional(), NumberRange(-366, 366, "От −366 до 366 дней.")],
        description="Положительное число — позже, отрицательное — раньше.",
    )
    reason = TextAreaField(
        "Причина переноса",
        validators=[DataRequired("Укажите причину переноса срока."), Length(max=2000)],
    )

    def validate_due(self, field: DateField) -> None:
        """Require exactly one of the new date and the shift."""
        if (field.data is None) == (self.shift_days.data in (None, 0)):
            raise ValidationError("Укажите новый срок или сдвиг в днях (что-то одно).")


class BulkForm(FlaskForm):
    """The tasks ticked in a list; the action comes from the button pressed."""

    task_ids = SelectMultipleField("Задачи", coerce=db_int, validate_choice=False)

    def validate_task_ids(self, field: SelectMultipleField) -> None:
        """Require at least one task."""
        if not field.data:
            raise ValidationError("Отметьте хотя бы одну задачу.")
