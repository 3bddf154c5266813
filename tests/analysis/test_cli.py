"""Tests for ``tracker analysis classify`` through click's runner, without a Flask app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker.analysis.cli import analysis_cli

# Copies of the shared samples live in the repository, so the suite never skips them.
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "analysis"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="shared sample data set not available")

RESULTS_HEADER = (
    "Код ОО,Наименование ОО,Муниципалитет,Год,Процедура,Участников,Получили «2» / не преодолели порог"
)
SOCIAL_HEADER = (
    "Код ОО,Год,Всего обучающихся,Оба родителя с высшим образованием,Из неполных семей,Состоят на учёте"
)


def invoke(*args: str | Path):
    """Run the analysis group with the given arguments and return click's result."""
    return CliRunner().invoke(analysis_cli, [str(a) for a in args])


def write(folder: Path, name: str, *lines: str) -> Path:
    """Write a UTF-8 text file of lines and return its path."""
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@needs_samples
@pytest.mark.parametrize("two_year", ["any", "same"])
def test_json_output_matches_the_expected_sample(two_year: str) -> None:
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    result = invoke(
        "classify",
        "--results", SAMPLES / "results.csv",
        "--social", SAMPLES / "social.csv",
        "--year", "2025",
        "--two-year", two_year,
        "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"year", "settings", "schools"}
    assert data["year"] == 2025
    assert data["settings"]["quantile"] == 25 and data["settings"]["two_year"] == two_year
    wanted = expected["expected"][two_year]
    assert {school["code"] for school in data["schools"]} == set(wanted)
    for school in data["schools"]:
        want = wanted[school["code"]]
        assert set(school["groups"]) == set(want["groups"])
        for key in ("isbsh", "results_index", "residual"):
            assert school[key] == pytest.approx(want[key], rel=1e-9)
        assert bool(school["reasons"]) == bool(school["groups"])
    assert "«" in result.stdout  # Russian text is printed as is, not as \u escapes


@needs_samples
def test_table_output_in_russian() -> None:
    result = invoke(
        "classify", "--results", SAMPLES / "results.csv", "--social", SAMPLES / "social.csv", "--year", "2025"
    )
    assert result.exit_code == 0, result.output
    assert "Классификация школ за 2025 год" in result.stdout
    assert "380000" in result.stdout and "ШНОР (мало данных)" in result.stdout
    assert "– ВПР математика 5 кл.: 30% «2» (2025)" in result.stdout
    assert "Итого по группам:" in result.stdout
    assert "Отпечаток входных данных: " in result.stdout
    assert "рейтинг" not in result.stdout.lower()


def test_risk_file_and_quantile(tmp_path: Path) -> None:
    results = write(tmp_path, "results.csv", RESULTS_HEADER, "1,Школа,М,2025,ОГЭ математика,10,0")
    social = write(tmp_path, "social.csv", SOCIAL_HEADER, "1,2025,100,50,0,0", "2,2025,100,0,50,0")
    risk = write(
        tmp_path,
        "risk.csv",
        "Код ОО,Год,Фактор риска,Уровень",
        "1,2025,Фактор А,высокий",
        "1,2025,Фактор Б,высокий",
        "1,2025,Фактор В,высокий",
    )
    args = ["classify", "--results", results, "--social", social, "--risk", risk, "--year", "2025", "--json"]
    result = invoke(*args, "--quantile", "20")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["settings"]["quantile"] == 20
    first, second = data["schools"]
    assert first["groups"] == ["RISK"]
    assert first["reasons"] == [
        "факторов риска на уровне «высокий» (2025 г.): 3 — Фактор А; Фактор Б; Фактор В"
    ]
    assert second["groups"] == ["SHNSU", "RISK"] and second["results_index"] is None


def test_bad_files_exit_non_zero_with_every_error_in_russian(tmp_path: Path) -> None:
    results = write(
        tmp_path,
        "results.csv",
        RESULTS_HEADER,
        "1,Школа,М,2025,ОГЭ математика,10,2",
        "1,Школа,М,2025,ОГЭ русский язык,10,12",
    )
    social = write(tmp_path, "social.csv", SOCIAL_HEADER, "1,2025,30,10,40,3")
    result = invoke("classify", "--results", results, "--social", social, "--year", "2025", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "классификация не выполнена" in result.stderr
    assert (
        "results.csv, строка 3, столбец «Получили «2» / не преодолели порог»: 12 больше числа участников (10)"
        in result.stderr
    )
    assert "social.csv, строка 2, столбец «Из неполных семей»: доля больше 1" in result.stderr
    assert "Error" not in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    social = write(tmp_path, "social.csv", SOCIAL_HEADER, "1,2025,30,10,10,3")
    result = invoke("classify", "--results", tmp_path / "absent.csv", "--social", social, "--year", "2025")
    assert result.exit_code == 2
    assert "absent.csv: файл не найден" in result.stderr


def test_bad_option_values_are_refused(tmp_path: Path) -> None:
    social = write(tmp_path, "social.csv", SOCIAL_HEADER, "1,2025,30,10,10,3")
    result = invoke(
        "classify", "--results", social, "--social", social, "--year", "2025", "--two-year", "both"
    )
    assert result.exit_code == 2
    assert "--two-year" in result.stderr
