"""Organisation forms."""

from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tracker.db import db_int

KIND_LABELS = {
    "region": "регион",
    "regional_body": "региональная организация",
    "municipality": "муниципалитет",
    "authority": "орган управления образованием",
    "method_center": "методический центр",
    "school": "школа",
    "branch": "филиал школы",
    "other": "другая организация",
}
# Time zones of Russia, west to east; any other IANA zone is accepted too.
RUSSIAN_ZONES = [
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Yakutsk",
    "Asia/Vladivostok",
    "Asia/Magadan",
    "Asia/Kamchatka",
]


class OrganizationForm(FlaskForm):
    """Add or change an organisation."""

    parent_id = SelectField("Входит в", coerce=db_int)
    name = StringField(
        "Полное наименование", validators=[DataRequired("Заполните это поле."), Length(max=400)]
    )
    short_name = StringField(
        "Краткое наименование (как в дорожных картах)",
        validators=[DataRequired("Заполните это поле."), Length(max=200)],
    )
    kind = SelectField("Тип", choices=KIND_LABELS)
    code = StringField(
        "Код ОО",
        validators=[Optional(), Length(max=40)],
        description="Код образовательной организации в данных оценочных процедур.",
    )
    timezone = SelectField("Часовой пояс", choices={z: z for z in RUSSIAN_ZONES})

    def validate_timezone(self, field: SelectField) -> None:
        """Accept only real IANA zones."""
        if field.data not in available_timezones():
            raise ValidationError("Неизвестный часовой пояс.")
