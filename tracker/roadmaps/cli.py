"""`tracker roadmap …`: import a roadmap from a Word, Excel or CSV file."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from pathlib import Path

import click
from flask.cli import with_appcontext

from tracker.extensions import db
from tracker.roadmaps.importer import MAX_FILE_BYTES, RoadmapFileError, read_roadmap, to_json

log = logging.getLogger(__name__)

_PERIOD = re.compile(r"^\s*(\d{4}(?:-\d{2}-\d{2})?)\s*:\s*(\d{4}(?:-\d{2}-\d{2})?)\s*$")


def parse_period(text: str | None) -> tuple[date, date] | None:
    """Read «START:END» as ISO dates or bare years («2026:2030» is 1 January 2026 – 31 December 2030)."""
    if not text:
        return None
    match = _PERIOD.match(text)
    if not match:
        raise ValueError(text)
    first, last = match.groups()
    start = date(int(first), 1, 1) if len(first) == 4 else date.fromisoformat(first)
    end = date(int(last), 12, 31) if len(last) == 4 else date.fromisoformat(last)
    if end < start:
        raise ValueError(text)
    return start, end


def _period_option(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[date, date] | None:
    """Turn --period into a pair of dates or explain the expected form."""
    try:
        return parse_period(value)
    except ValueError:
        raise click.BadParameter(
            "нужен вид НАЧАЛО:КОНЕЦ, например 2026-01-01:2030-12-31 или 2026:2030, и начало не позже конца."
        ) from None


@click.group("roadmap")
def roadmap_cli() -> None:
    """Roadmaps."""


@roadmap_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--org", "org_name", default=None, help="Owner organisation: id, school code or name.")
@click.option("--period", callback=_period_option, help="START:END (ISO dates or years); else from the file.")
@click.option("--dry-run", is_flag=True, help="Parse and report only; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the parse as JSON (spec/import.md).")
@with_appcontext
def import_command(
    file: Path, org_name: str | None, period: tuple[date, date] | None, dry_run: bool, as_json: bool
) -> None:
    """Import a .docx/.xlsx/.csv roadmap as a draft, or show how it parses with --dry-run."""
    from tracker.cli import _find_org
    from tracker.roadmaps.importing import import_roadmap

    if not dry_run and not org_name:
        raise click.UsageError("Укажите организацию-владельца: --org (id, код школы или название).")
    organization = _find_org(org_name) if org_name else None
    # Refuse an oversized file by its size on disk, before reading it into memory.
    if file.stat().st_size > MAX_FILE_BYTES:
        raise click.ClickException(
            f"Файл слишком большой: допускается не больше {MAX_FILE_BYTES // 1024 // 1024} МБ."
        )
    try:
        parsed = read_roadmap(file.read_bytes(), file.name, period)
    except RoadmapFileError as exc:
        log.info("import of %s refused: %s", file, exc.message)
        raise click.ClickException(exc.message) from exc
    if dry_run:
        if as_json:
            click.echo(json.dumps(to_json(parsed), ensure_ascii=False, indent=1))
        else:
            _echo_summary(parsed)
        return
    roadmap = import_roadmap(None, organization, parsed, file.name)
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"id": roadmap.id, **to_json(parsed)}, ensure_ascii=False, indent=1))
    else:
        click.echo(roadmap.id)


def _echo_summary(parsed) -> None:
    """Print what the file holds in a few lines and every warning with its row."""
    start, end = parsed.period
    click.echo(parsed.title)
    click.echo(f"Период: {start:%d.%m.%Y}–{end:%d.%m.%Y}")
    click.echo(
        f"Мероприятий: {len(parsed.activities)}, требуют проверки срока: "
        f"{sum(a.needs_review or not a.occurrences for a in parsed.activities)}"
    )
    for warning in parsed.warnings:
        where = f"строка {warning.row}: " if warning.row is not None else ""
        click.echo(f"  {where}{warning.message}")
