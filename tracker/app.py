"""Application factory."""

import logging
from itertools import chain
from pathlib import Path

from flask import Flask, abort, redirect, request
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from tracker.db import MAX_ID
from tracker.extensions import csrf, db, login_manager, migrate
from tracker.pool import engine_options, tune_postgresql

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_object: object | str = "config.Config", **overrides) -> Flask:
    """Build the application: configuration, extensions, blueprints, errors, templates, CLI."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), instance_path=str(ROOT / "instance"))
    app.config.from_object(config_object)
    app.config.update(overrides)
    # The default SQLite database lives under instance/, which a fresh clone does not have.
    Path(app.instance_path).mkdir(exist_ok=True)
    logging.basicConfig(
        level=app.config.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    register_extensions(app)
    register_input_guards(app)
    register_blueprints(app)
    register_template_helpers(app)
    from tracker.errors import register_error_handlers

    register_error_handlers(app)
    register_security_headers(app)
    from tracker.cli import register_commands

    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    """Bind the extensions to the application."""
    # How requests use PostgreSQL connections (pings, transactions of reads): tracker/pool.py.
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    for key, value in engine_options(app.config["SQLALCHEMY_DATABASE_URI"]).items():
        given = options.get(key)
        options[key] = {**value, **given} if isinstance(given, dict) else options.get(key, value)
    db.init_app(app)
    with app.app_context():
        tune_postgresql(db.engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите, чтобы продолжить."
    login_manager.login_message_category = "info"
    from tracker.db import enable_sqlite_foreign_keys

    enable_sqlite_foreign_keys()
    # Every model module is imported so that metadata and migrations see all tables.
    from tracker import (
        models,  # noqa: F401
        stamps,
    )
    from tracker.tasks import rollups

    # Task writes raise their roadmap's version, which keeps the dashboards' cached counts honest; writes to
    # roadmaps and what they hold, organisations and users renew the stamps pages are kept under.
    rollups.install()
    stamps.install()

    from tracker.auth import signed_in

    # The signed-in user: read for every request, or kept per process for the pages that check it themselves.
    login_manager.user_loader(signed_in.load)


class IdConverter(IntegerConverter):
    """An id in a URL: one past the database's integer column names nothing (404 rather than an overflow)."""

    def __init__(
        self, url_map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID, **kw
    ):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, **kw)


def register_input_guards(app: Flask) -> None:
    """Refuse, for every route, input no database column can keep: huge ids and text with NUL characters."""
    app.url_map.converters["int"] = IdConverter

    @app.before_request
    def refuse_nul_characters():
        # PostgreSQL refuses NUL in text; browsers never send it, so it is refused before any view reads it.
        texts = chain(
            chain.from_iterable(request.args.listvalues()),
            chain.from_iterable(request.form.listvalues()),
            (upload.filename or "" for upload in request.files.values()),
        )
        if any("\x00" in text for text in texts):
            abort(400)


def register_blueprints(app: Flask) -> None:
    """Attach every domain's routes; pages other than sign-in require a signed-in user."""
    from tracker.analysis.blueprint import bp as analysis_bp
    from tracker.api.blueprint import bp as api_bp
    from tracker.auth.blueprint import admin_bp
    from tracker.auth.blueprint import bp as auth_bp
    from tracker.notifications.blueprint import bp as notifications_bp
    from tracker.reports.blueprint import bp as reports_bp
    from tracker.roadmaps.blueprint import bp as roadmaps_bp
    from tracker.tasks.blueprint import bp as tasks_bp

    for blueprint in (admin_bp, roadmaps_bp, reports_bp, tasks_bp, analysis_bp):
        blueprint.before_request(_require_login)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(roadmaps_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(tasks_bp)
    app.register_blueprint(analysis_bp)
    app.register_blueprint(api_bp)
    # Not in the login loop above: its calendar feeds are fetched without cookies (see its require_login).
    app.register_blueprint(notifications_bp)
    csrf.exempt(api_bp)
    app.before_request_funcs.setdefault("auth", []).append(_require_login_except_login)

    @app.get("/")
    def home():
        from tracker.auth.views import landing_url

        return redirect(landing_url())

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}


def _require_login():
    """Send anonymous visitors to the sign-in page."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _require_login_except_login():
    """Protect the profile pages but not the sign-in page itself."""
    if request.endpoint in ("auth.login", "auth.logout"):
        return None
    return _require_login()


def register_template_helpers(app: Flask) -> None:
    """Add Russian date filters and common values to templates."""
    from tracker.dates import format_date_ru, relative_due_ru

    app.add_template_filter(lambda d: format_date_ru(d) if d else "", "ru_date")
    app.add_template_filter(relative_due_ru, "relative_due")
    from tracker.layout import signed_in_menu

    app.add_template_global(signed_in_menu, "signed_in_menu")

    @app.template_filter("ru_datetime")
    def ru_datetime(value, tz: str | None = None):
        from zoneinfo import ZoneInfo

        from babel.dates import format_datetime

        if value is None:
            return ""
        zone = ZoneInfo(tz or app.config["DEFAULT_TIMEZONE"])
        return format_datetime(value.astimezone(zone), "d MMMM y 'г.' HH:mm", locale="ru")

    @app.context_processor
    def inject_today():
        from datetime import date

        return {"today": date.today()}


def register_security_headers(app: Flask) -> None:
    """Send the headers that keep pages from being framed or sniffed."""

    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
        )
        return response
