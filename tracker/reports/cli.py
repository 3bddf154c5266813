"""The ``tracker report`` commands: the Word reports of a roadmap written to files."""

from __future__ import annotations

import logging
from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.reports import documents
from tracker.reports.data import parse_period
from tracker.roadmaps.models import Roadmap

log = logging.getLogger(__name__)

report_cli = click.Group("report", help="Отчёты по дорожной карте в формате Word (.docx).")

_OUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@report_cli.command("roadmap")
@click.argument("roadmap_id", type=int)
@click.option(
    "--kind",
    type=click.Choice(["approval", "execution"]),
    default="approval",
    show_default=True,
    help="approval — на утверждение; execution — отчёт о выполнении.",
)
@click.option(
    "--period",
    default=None,
    help="Для отчёта о выполнении: 2026Q1, 2026H1 или 2026 (по умолчанию текущий год).",
)
@click.option("--out", "out", type=_OUT, default=None, help="Файл .docx; по умолчанию — в текущей папке.")
@with_appcontext
def report_roadmap(roadmap_id: int, kind: str, period: str | None, out: Path | None) -> None:
    """Write the roadmap for approval or its execution report."""
    roadmap = _roadmap(roadmap_id)
    if kind == "approval":
        if period:
            raise click.UsageError("--period относится только к отчёту о выполнении (--kind execution).")
        document = documents.approval_document(roadmap)
    else:
        today = documents.local_today(roadmap)
        try:
            start, end = parse_period(period or str(today.year))
        except ValueError as exc:
            message = f"«{period}»: нужен год (2026), полугодие (2026H1) или квартал (2026Q1)."
            raise click.BadParameter(message, param_hint="--period") from exc
        document = documents.execution_document(roadmap, start, end, today)
    _write(document, out)


@report_cli.command("annual")
@click.argument("roadmap_id", type=int)
@click.option("--year", type=click.IntRange(1990, 2100), required=True, help="Год отчёта, например 2026.")
@click.option("--out", "out", type=_OUT, default=None, help="Файл .docx; по умолчанию — в текущей папке.")
@with_appcontext
def report_annual(roadmap_id: int, year: int, out: Path | None) -> None:
    """Write the analytical report of a year."""
    roadmap = _roadmap(roadmap_id)
    _write(documents.annual_document(roadmap, year, documents.local_today(roadmap)), out)


def _roadmap(roadmap_id: int) -> Roadmap:
    # The console is an administrator's tool: no user, so no scope; every roadmap is reachable.
    roadmap = db.session.get(Roadmap, roadmap_id)
    if roadmap is None:
        raise click.ClickException(f"Дорожная карта № {roadmap_id} не найдена.")
    return roadmap


def _write(document: documents.Document, out: Path | None) -> None:
    path = out or Path(document.filename)
    path.write_bytes(document.content)
    log.info("report written to %s (%s bytes)", path, len(document.content))
    click.echo(f"Отчёт записан: {path}")
