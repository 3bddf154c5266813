"""Forms of reminder settings: a user's own and a roadmap's."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectMultipleField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.db import db_int

DAY_CHOICES = [
    SelectChoice(14, "за 14 дней"),
    SelectChoice(7, "за 7 дней"),
    SelectChoice(3, "за 3 дня"),
    SelectChoice(1, "за 1 день"),
    SelectChoice(0, "в день срока"),
]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ReminderSettingsForm(FlaskForm):
    """A user's reminder choices, shown in the profile."""

    paused_until = DateField(
        "Пауза: не присылать напоминания по (включительно)",
        validators=[Optional()],
        description="Например, на время отпуска. Оставьте пустым, чтобы получать напоминания.",
    )
    is_digest = BooleanField("Одно письмо в день со всеми напоминаниями вместо отдельных писем")
    is_weekly_digest = BooleanField("Сводка координатора по понедельникам")
    days_before = MultiCheckboxField("Напоминать о сроке", coerce=db_int, choices=DAY_CHOICES)
    send_at = TimeField(
        "Время отправки",
        validators=[InputRequired("Укажите время.")],
        description="По часовому поясу вашей организации.",
    )


class RoadmapPolicyForm(FlaskForm):
    """A roadmap's reminder policy; what is left at the defaults follows them."""

    is_enabled = BooleanField("Рассылать напоминания по задачам этой дорожной карты")
    days_before = MultiCheckboxField("Напоминать о сроке", coerce=db_int, choices=DAY_CHOICES)
    send_at = TimeField("Время отправки", validators=[InputRequired("Укажите время.")])
    overdue_every_days = IntegerField(
        "Повторять напоминание о просрочке каждые, дней",
        validators=[
            InputRequired("Укажите число дней."),
            NumberRange(0, 60, "От 0 до 60 дней."),
        ],
        description="0 — напомнить о просрочке один раз.",
    )
