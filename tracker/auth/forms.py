"""Sign-in, password and token forms."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from tracker.db import db_int


class LoginForm(FlaskForm):
    """Sign in with e-mail and password."""

    email = EmailField("Электронная почта", validators=[DataRequired("Укажите электронную почту.")])
    password = PasswordField("Пароль", validators=[DataRequired("Введите пароль.")])
    remember = BooleanField("Запомнить меня на этом компьютере")


class PasswordForm(FlaskForm):
    """Change one's own password."""

    current = PasswordField("Текущий пароль", validators=[DataRequired("Введите текущий пароль.")])
    new = PasswordField("Новый пароль", validators=[DataRequired("Введите новый пароль.")])
    confirm = PasswordField(
        "Новый пароль ещё раз",
        validators=[DataRequired("Повторите новый пароль."), EqualTo("new", "Пароли не совпадают.")],
    )

    def validate_new(self, field: PasswordField) -> None:
        """Refuse passwords shorter than the policy or made of one kind of character."""
        reason = check_password_policy(field.data or "", current_app.config["PASSWORD_MIN_LENGTH"])
        if reason:
            raise ValidationError(reason)


class TokenForm(FlaskForm):
    """Create a personal API token."""

    label = StringField("Назначение ключа", validators=[Length(max=100, message="Не длиннее 100 символов.")])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


def check_password_policy(value: str, minimum: int) -> str | None:
    """Return the Russian reason a password is too weak, or None."""
    if len(value) < minimum:
        return f"Пароль должен быть не короче {minimum} символов."
    if value.isdigit() or value.isalpha():
        return "Пароль должен содержать и буквы, и цифры или знаки."
    if value.casefold() in WEAK_PASSWORDS:
        return "Этот пароль слишком распространён, выберите другой."
    return None


# The most common passwords that pass the length rule; a short list is enough to stop the obvious ones.
WEAK_PASSWORDS = {
    "password1",
    "qwerty123",
    "12345678a",
    "1q2w3e4r",
    "1qaz2wsx",
    "qwerty12",
    "password123",
    "parol123",
    "admin123",
    "p@ssw0rd",
    "passw0rd",
    "qwertyuiop1",
}


class UserForm(FlaskForm):
    """Create or edit a user (administrators)."""

    email = EmailField(
        "Электронная почта",
        validators=[
            DataRequired("Укажите электронную почту."),
            Email("Некорректный адрес электронной почты."),
        ],
    )
    name = StringField("ФИО", validators=[DataRequired("Укажите ФИО."), Length(max=200)])
    position = StringField("Должность", validators=[Length(max=200)])
    role = SelectField(
        "Роль",
        choices={
            "coordinator": "координатор",
            "executor": "исполнитель",
            "school": "представитель школы",
            "observer": "наблюдатель",
            "admin": "администратор",
        },
    )
    organization_id = SelectField("Организация", coerce=db_int)
    is_active_account = BooleanField("Учётная запись действует", default=True)
    password = PasswordField(
        "Пароль",
        description="Для новой учётной записи — обязательно; при изменении — "
        "оставьте пустым, чтобы не менять.",
    )

    def validate_password(self, field: PasswordField) -> None:
        """Apply the password policy when a password is given."""
        if field.data:
            reason = check_password_policy(field.data, current_app.config["PASSWORD_MIN_LENGTH"])
            if reason:
                raise ValidationError(reason)
