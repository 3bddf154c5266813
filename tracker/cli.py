"""The `tracker` console script: Flask's commands plus the product's own."""

import json
import sys

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select, text

from tracker.extensions import db


def _create_app():
    """Build the application for CLI commands."""
    from tracker.app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app)
def main() -> None:
    """Roadmaps of municipal programmes for raising education quality."""


@click.group()
def seed() -> None:
    """Load data sets."""


@seed.command("demo")
@click.option("--if-empty", is_flag=True, help="Only when the database has no organisations yet.")
@with_appcontext
def seed_demo_command(if_empty: bool) -> None:
    """Load the demo organisations, users and roadmap (safe to run again)."""
    from tracker.demo import seed_demo
    from tracker.orgs.models import Organization

    if if_empty and db.session.execute(select(Organization.id).limit(1)).first():
        click.echo("База данных не пуста: демо-данные не загружались.")
        return
    result = seed_demo()
    db.session.commit()
    click.echo(f"Демо-данные загружены: дорожная карта № {result['roadmap'].id}.")


@seed.command("region")
@click.option("--municipalities", default=60, show_default=True)
@click.option(
    "--schools", "schools_per_municipality", default=20, show_default=True, help="Schools per municipality."
)
@click.option("--municipal-activities", default=150, show_default=True)
@click.option("--school-activities", default=40, show_default=True)
@with_appcontext
def seed_region_command(
    municipalities: int, schools_per_municipality: int, municipal_activities: int, school_activities: int
) -> None:
    """Generate a synthetic region (60 municipalities, 1,200 schools, ~250,000 tasks) for measurements."""
    from tracker.scale import seed_region

    try:
        counts = seed_region(
            municipalities, schools_per_municipality, municipal_activities, school_activities
        )
    except ValueError as exc:
        raise click.ClickException("Тестовый регион уже создан в этой базе данных.") from exc
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Statistics and visibility maps now rather than at autovacuum's leisure (or never, where it is off):
        # without them PostgreSQL plans the feeds' look-ups as scans of every task and reads no index alone.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    _echo_json(counts)


@click.group()
def users() -> None:
    """Manage users."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option(
    "--role", required=True, type=click.Choice(["admin", "coordinator", "executor", "school", "observer"])
)
@click.option("--org", "org_name", required=True, help="Organisation: id, school code or short name.")
@click.option("--password", default=None, help="Asked for when omitted.")
@with_appcontext
def users_create(email: str, name: str, role: str, org_name: str, password: str | None) -> None:
    """Create a user."""
    from tracker.auth.models import Role
    from tracker.auth.operations import create_user, find_user

    organization = _find_org(org_name)
    if find_user(email):
        raise click.ClickException(f"Пользователь {email} уже существует.")
    if password is None:
        password = click.prompt("Пароль", hide_input=True, confirmation_prompt=True)
    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.ClickException(
            f"Пароль должен быть не короче {current_app.config['PASSWORD_MIN_LENGTH']} символов."
        )
    user = create_user(email, name, Role(role), organization, password)
    db.session.commit()
    click.echo(f"Создан пользователь {user.email} (id {user.id}).")


@users.command("token")
@click.argument("email")
@click.option("--label", default="CLI")
@with_appcontext
def users_token(email: str, label: str) -> None:
    """Print a new personal API token for the user."""
    from tracker.auth.operations import find_user, issue_token

    user = find_user(email)
    if user is None:
        raise click.ClickException(f"Пользователь {email} не найден.")
    secret = issue_token(user, label)
    db.session.commit()
    click.echo(secret)


@click.group()
def notify() -> None:
    """Reminders and digests."""


@notify.command("run-once")
@click.option("--now", "now_text", default=None, help="ISO moment to act as if it were now (UTC if no zone).")
@with_appcontext
def notify_run_once(now_text: str | None) -> None:
    """Run one reminder pass as if it were that moment."""
    from datetime import UTC, datetime

    from tracker.notifications.jobs import sweep

    now = datetime.now(UTC)
    if now_text:
        try:
            now = datetime.fromisoformat(now_text)
        except ValueError as exc:
            raise click.ClickException(f"Не понимаю момент «{now_text}»: нужен формат ISO 8601.") from exc
        now = now if now.tzinfo else now.replace(tzinfo=UTC)
    report = sweep(now)
    _echo_json(report)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the long-lived scheduler process that sweeps reminders every minute."""
    from tracker.notifications.jobs import run_scheduler

    run_scheduler(current_app._get_current_object())


def _find_org(name: str):
    """Find an organisation by id, school code or (short) name."""
    from tracker.orgs.models import Organization

    query = select(Organization).where(
        (Organization.code == name) | (Organization.short_name == name) | (Organization.name == name)
    )
    if name.isdigit():
        query = select(Organization).where((Organization.id == int(name)) | (Organization.code == name))
    found = db.session.execute(query).scalars().all()
    if len(found) != 1:
        raise click.ClickException(
            f"Организация «{name}» не найдена." if not found else f"Найдено несколько организаций «{name}»."
        )
    return found[0]


def _echo_json(payload: dict) -> None:
    """Print a JSON object with Cyrillic kept readable."""
    click.echo(json.dumps(payload, ensure_ascii=False, indent=1))


def register_commands(app) -> None:
    """Attach the product's commands to the application's CLI (the factory calls this)."""
    from tracker.analysis.cli import analysis_cli
    from tracker.reports.cli import report_cli
    from tracker.roadmaps.cli import roadmap_cli

    for command in (seed, users, notify, scheduler_command, analysis_cli):
        app.cli.add_command(command)
    app.cli.add_command(report_cli)
    app.cli.add_command(roadmap_cli)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
