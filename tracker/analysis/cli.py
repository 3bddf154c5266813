"""The ``tracker analysis`` commands: classify schools from files, without touching the database."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from tracker.analysis.classify import (
    GROUP_LABELS,
    GROUPS,
    Classification,
    Settings,
    classify,
    inputs_fingerprint,
    to_json,
)
from tracker.analysis.loaders import DataFileError, RowError, load_results, load_risk, load_social

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The command only reads files, so it runs without a Flask app context (and without a database).
analysis_cli = click.Group("analysis", help="Классификация школ для адресной поддержки (spec/analysis.md).")


class InputFilesError(click.ClickException):
    """Bad input files: print the Russian errors as they are, exit with status 2."""

    exit_code = 2

    def show(self, file: IO[Any] | None = None) -> None:
        """Print the message to stderr without click's English «Error:» prefix."""
        click.echo(self.message, err=True)


_FILE = click.Path(dir_okay=False, path_type=Path)


@analysis_cli.command("classify")
@click.option("--results", "results_path", type=_FILE, required=True, help="Результаты оценочных процедур.")
@click.option("--social", "social_path", type=_FILE, required=True, help="Социальный паспорт школ.")
@click.option("--risk", "risk_path", type=_FILE, help="Профиль рисков (необязательно).")
@click.option(
    "--year", type=click.IntRange(1990, 2100), required=True, help="Год классификации, например 2025."
)
@click.option(
    "--quantile", type=click.FloatRange(0, 100), default=25, show_default=True, help="Процентиль ИСБШ."
)
@click.option("--two-year", type=click.Choice(["any", "same"]), default="any", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Вывести один объект JSON.")
def classify_command(
    results_path: Path,
    social_path: Path,
    risk_path: Path | None,
    year: int,
    quantile: float,
    two_year: str,
    as_json: bool,
) -> None:
    """Classify the schools in the given files and print the groups with their reasons."""
    errors: list[RowError] = []
    results = _load(load_results, results_path, errors)
    social = _load(load_social, social_path, errors)
    risk = _load(load_risk, risk_path, errors) if risk_path is not None else []
    if errors or results is None or social is None or risk is None:
        lines = "\n".join(str(error) for error in errors)
        raise InputFilesError(f"Ошибки во входных данных, классификация не выполнена:\n{lines}")

    # Keep 25 as 25 in the JSON settings; click hands every value over as a float.
    settings = Settings(
        year, quantile=int(quantile) if quantile.is_integer() else quantile, two_year=two_year
    )
    classification = classify(results, social, risk, settings)
    if as_json:
        click.echo(json.dumps(to_json(classification), ensure_ascii=False, indent=2))
    else:
        click.echo(render_table(classification))
        click.echo(f"Отпечаток входных данных: {inputs_fingerprint(results, social, risk)}")


def _load(loader: Callable[[Path], list[T]], path: Path, errors: list[RowError]) -> list[T] | None:
    """Run a loader, adding its errors to ``errors`` so all files are reported at once."""
    try:
        return loader(path)
    except DataFileError as exc:
        errors.extend(exc.errors)
        if exc.truncated:
            errors.append(RowError(path.name, None, None, "проверка остановлена, показаны не все ошибки"))
        return None


def render_table(classification: Classification) -> str:
    """Return the classification as a readable Russian text table with reasons under each school."""
    lines = [
        f"Классификация школ за {classification.year} год "
        f"(процентиль ИСБШ {_fmt(classification.settings.quantile, 1)}, "
        f"два года: {classification.settings.two_year})",
        "",
        f"{'Код ОО':<10} {'Наименование':<40} {'ИСБШ':>6} {'R':>6} {'Остаток':>8}  Группы",
    ]
    for school in classification.schools:
        groups = ", ".join(GROUP_LABELS[g] for g in school.groups) or "—"
        if school.confidence:
            groups += f" ({school.confidence})"
        lines.append(
            f"{school.code:<10} {_cut(school.name or '—', 40):<40} {_fmt(school.isbsh, 1):>6} "
            f"{_fmt(school.results_index, 2):>6} {_fmt(school.residual, 2):>8}  {groups}"
        )
        lines.extend(f"{'':<12}– {reason}" for reason in school.reasons)
    members = classification.members()
    lines += ["", "Итого по группам:"]
    lines += [f"  {GROUP_LABELS[g]}: {len(members[g])}" for g in GROUPS]
    lines.append(f"  всего школ: {len(classification.schools)}")
    if classification.regression is not None:
        reg = classification.regression
        lines.append(
            f"Регрессия R = {_fmt(reg.intercept, 3)} + {_fmt(reg.slope, 4)} · ИСБШ по школам: {reg.schools}"
        )
    if classification.notes:
        lines += ["", "Примечания:"]
        lines += [f"  – {note}" for note in classification.notes]
    return "\n".join(lines)


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "−")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
