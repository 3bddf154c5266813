"""Secret links of personal calendar feeds."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from tracker.auth.models import User

_SALT = "calendar-feed"


def _serializer() -> URLSafeSerializer:
    """Return the signer of calendar links."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def calendar_token(user: User) -> str:
    """Return the signed token of a user's calendar link; it changes when the user's key is regenerated."""
    return _serializer().dumps([user.id, user.calendar_key])


def read_calendar_token(token: str) -> tuple[int, str] | None:
    """Return (user id, key) from a token, or None when the signature is wrong."""
    try:
        user_id, key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(user_id), str(key)


def calendar_url(user: User) -> str:
    """Return the absolute https/http address of the user's personal calendar feed."""
    return f"{current_app.config['BASE_URL']}/calendar/{calendar_token(user)}.ics"
