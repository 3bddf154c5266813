"""Error pages in Russian and JSON errors for the API."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from tracker.auth import signed_in

log = logging.getLogger(__name__)

# Messages for the API; the web pages carry their own text in templates/errors/.
API_MESSAGES = {
    400: "Некорректный запрос.",
    401: "Требуется вход в систему.",
    403: "Недостаточно прав для этого действия.",
    404: "Не найдено.",
    405: "Метод не поддерживается.",
    409: "Конфликт: данные изменились, обновите и повторите.",
    413: "Слишком большой запрос или файл.",
    422: "Данные не прошли проверку.",
    429: "Слишком много попыток, повторите позже.",
    500: "Внутренняя ошибка сервера. Мы уже знаем о ней.",
}


def _wants_json() -> bool:
    """Tell whether the request is an API call."""
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException):
    """Answer an HTTP error as JSON for the API or as a Russian page."""
    code = error.code or 500
    if _wants_json():
        message = getattr(error, "description_ru", None) or API_MESSAGES.get(code, "Ошибка запроса.")
        return jsonify(error=message), code
    # The page's menu shows the user: a kept one is checked first (a guard may answer before any view).
    signed_in.settle()
    template = f"errors/{code}.html" if code in (400, 403, 404, 413, 429) else "errors/generic.html"
    return render_template(template, code=code), code


def handle_csrf_error(error: CSRFError):
    """Explain an expired or missing form token."""
    if _wants_json():
        return jsonify(error="Отсутствует или устарел токен формы."), 400
    return render_template("errors/csrf.html"), 400


def handle_unexpected(error: Exception):
    """Log an unexpected failure and answer 500 without details."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    from tracker.extensions import db

    # The failed transaction must not break the error page itself.
    db.session.rollback()
    if _wants_json():
        return jsonify(error=API_MESSAGES[500]), 500
    try:
        signed_in.settle()
    except Exception:  # noqa: BLE001 - the database may be what failed; the page goes out all the same
        log.warning("the signed-in user could not be checked for the error page")
    return render_template("errors/500.html"), 500


def register_error_handlers(app: Flask) -> None:
    """Attach the error handlers to the application."""
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)
