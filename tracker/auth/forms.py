"""Sign-in, password and token forms."""

from flask import current_app
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError


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
        value = field.data or ""
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if len(value) < minimum:
            raise ValidationError(f"Пароль должен быть не короче {minimum} символов.")
        if value.isdigit() or value.isalpha():
            raise ValidationError("Пароль должен содержать и буквы, и цифры или знаки.")


class TokenForm(FlaskForm):
    """Create a personal API token."""

    label = StringField("Назначение ключа", validators=[Length(max=100, message="Не длиннее 100 символов.")])


class EmptyForm(FlaskForm):
    """A form with only the CSRF token, for buttons that change something."""


__all__ = ["Email", "EmptyForm", "LoginForm", "PasswordForm", "TokenForm"]
