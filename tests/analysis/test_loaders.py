"""Tests for reading Results, Social passport and Risk profile files, and for procedure names."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from tracker.analysis.loaders import (
    MAX_ERRORS,
    DataFileError,
    RowError,
    load_results,
    load_risk,
    load_social,
)
from tracker.analysis.procedures import CATALOGUE, COUNTED_CODES, match_procedure, procedure_code

RESULTS_HEADER = (
    "Код ОО,Наименование ОО,Муниципалитет,Год,Процедура,Участников,Получили «2» / не преодолели порог"
)
SOCIAL_HEADER = (
    "Код ОО,Год,Всего обучающихся,Оба родителя с высшим образованием,Из неполных семей,Состоят на учёте"
)
RISK_HEADER = "Код ОО,Год,Фактор риска,Уровень"
LOW = "Получили «2» / не преодолели порог"


def write(folder: Path, name: str, *lines: str, encoding: str = "utf-8") -> Path:
    """Write a text file of lines and return its path."""
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def errors_of(load: Callable[..., object], path: Path, **options: object) -> list[RowError]:
    """Return the errors a loader raises for a file (failing if it raises none)."""
    with pytest.raises(DataFileError) as caught:
        load(path, **options)
    return caught.value.errors


# --- Procedure names ------------------------------------------------------------------------------------


def test_every_catalogue_name_is_recognised() -> None:
    assert COUNTED_CODES == tuple(CATALOGUE)
    for procedure in CATALOGUE.values():
        for name in procedure.names:
            assert match_procedure(name) == procedure.code, name
            assert match_procedure(name.upper()) == procedure.code, name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("ВПР по математике 5 класс", "VPR-MA-5"),
        ("ВПР Математика 5", "VPR-MA-5"),
        ("  впр   МАТЁМАТИКА, 6 кл.  ", "VPR-MA-6"),
        ("ВПР матем. 5 кл", "VPR-MA-5"),
        ("ВПР. Русский язык (6 класс)", "VPR-RU-6"),
        ("ОГЭ математика 9 класс", "OGE-MA"),
        ("ОГЭ (русский язык)", "OGE-RU"),
        ("ЕГЭ – математика, профильный уровень", "EGE-MA-P"),
        ("ЕГЭ по математике базового уровня", "EGE-MA-B"),
        ("ЕГЭ русский язык 11 класс", "EGE-RU"),
    ],
)
def test_reasonable_variants_are_recognised(name: str, code: str) -> None:
    assert match_procedure(name) == code


@pytest.mark.parametrize(
    "name",
    [
        "ВПР математика 4 класс",
        "ВПР математика 7 класс",
        "ВПР история 5 класс",
        "ЕГЭ математика",
        "ОГЭ математика 11 класс",
        "КДР математика 7 класс",
        "ВПР математика 5 класс углублённая",
        "ВПР математика 5 6 класс",
        "ВПР ОГЭ математика",
        "ЕГЭ математика базовая профильная",
    ],
)
def test_other_procedures_are_not_matched_but_get_a_stable_code(name: str) -> None:
    assert match_procedure(name) is None
    code = procedure_code(name)
    assert code.startswith("OTHER:")
    assert procedure_code(f"  {name.upper()}!") == code


# --- Results files --------------------------------------------------------------------------------------


def test_results_csv_with_school_years(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        RESULTS_HEADER,
        "380000,МБОУ «СОШ № 1»,Михайловский район,2024/2025,ВПР математика 5 класс,14,3",
        "380000,МБОУ «СОШ № 1»,Михайловский район,2023-2024,ВПР Математика 5,12,0",
        "380000,МБОУ «СОШ № 1»,Михайловский район,2025,КДР по математике 7 класс,20,8",
    )
    rows = load_results(path)
    assert [(r.year, r.procedure, r.participants, r.low) for r in rows] == [
        (2025, "VPR-MA-5", 14, 3),
        (2024, "VPR-MA-5", 12, 0),
        (2025, "OTHER:кдр по математике 7 класс", 20, 8),
    ]
    assert rows[0].name == "МБОУ «СОШ № 1»" and rows[0].municipality == "Михайловский район"
    assert rows[2].procedure_name == "КДР по математике 7 класс"


def test_results_cp1251_with_semicolons(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        RESULTS_HEADER.replace(",", ";"),
        "380001;МБОУ «Ершовская СОШ»;город Усть-Илимск;2025;ЕГЭ по русскому языку;13;1",
        encoding="cp1251",
    )
    [row] = load_results(path)
    assert (row.name, row.municipality, row.procedure, row.low) == (
        "МБОУ «Ершовская СОШ»",
        "город Усть-Илимск",
        "EGE-RU",
        1,
    )


def test_results_utf8_bom_english_aliases_and_optional_columns(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        "code,name,year,procedure,participants,fail,grade3,grade4,grade5,mean,% качества",
        '7,Школа,2025,ОГЭ математика,"1 200",100,500,400,200,"3,9",50',
        encoding="utf-8-sig",
    )
    [row] = load_results(path)
    assert (row.code, row.participants, row.low, row.grade3, row.grade4, row.grade5, row.mean) == (
        "7",
        1200,
        100,
        500,
        400,
        200,
        3.9,
    )
    assert row.municipality == ""


def test_results_xlsx_with_title_row_and_numeric_cells(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Результаты оценочных процедур, 2025 год"])
    sheet.append(RESULTS_HEADER.split(","))
    sheet.append([380000, "МБОУ «СОШ № 1»", "Район", 2025, "ОГЭ математика", 14.0, 5])
    sheet.append([None])
    sheet.append([380000.0, "МБОУ «СОШ № 1»", None, "2024/2025", "ОГЭ по русскому языку", 14, 0])
    sheet.append([380000, "МБОУ «СОШ № 1»", "Район", 2025, "ЕГЭ математика (профильная)", 10, 2.5])
    path = tmp_path / "results.xlsx"
    workbook.save(path)

    [error] = errors_of(load_results, path)
    assert (error.file, error.row, error.column) == ("results.xlsx", 6, LOW)
    assert "целое число" in error.message

    sheet.delete_rows(6)
    workbook.save(path)
    rows = load_results(path)
    assert [(r.code, r.year, r.procedure, r.participants) for r in rows] == [
        ("380000", 2025, "OGE-MA", 14),
        ("380000", 2025, "OGE-RU", 14),
    ]


def test_each_distinct_cell_is_parsed_once_yet_every_bad_row_is_reported(tmp_path: Path) -> None:
    # The same cells again and again (values are parsed once per column), a bad one twice, and a TRUE cell
    # after a 1 in the same column: it must not pass for the number.
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(RESULTS_HEADER.split(","))
    good = [380000, "МБОУ «СОШ № 1»", "Район", 2025, "ОГЭ математика", 10, 1]
    for procedure in ("ОГЭ математика", "ОГЭ по русскому языку", "ЕГЭ математика (профильная)"):
        sheet.append([*good[:4], procedure, 10, 1])
    sheet.append([*good[:4], "ЕГЭ русский язык", 10, "пять"])
    sheet.append([*good[:4], "ВПР математика 5 класс", 10, "пять"])
    sheet.append([*good[:4], "ВПР математика 6 класс", 10, True])
    path = tmp_path / "results.xlsx"
    workbook.save(path)
    errors = errors_of(load_results, path)
    assert [(e.row, e.column) for e in errors] == [(5, LOW), (6, LOW), (7, LOW)]
    assert "«True»" in errors[2].message


def test_results_from_a_stream_leave_it_open(tmp_path: Path) -> None:
    data = f"{RESULTS_HEADER}\n1,Ш,М,2025,ОГЭ математика,10,2\n".encode()
    stream = io.BytesIO(data)
    rows = load_results(stream, filename="upload.csv")
    assert len(rows) == 1 and not stream.closed
    stream = io.BytesIO(f"{RESULTS_HEADER}\n1,Ш,М,2025,ОГЭ математика,10,20\n".encode())
    with pytest.raises(DataFileError) as caught:
        load_results(stream, filename="upload.csv")
    assert caught.value.errors[0].file == "upload.csv"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("1,Ш,М,2025,ОГЭ математика,10,11", LOW, "11 больше числа участников (10)"),
        ("1,Ш,М,2025,ОГЭ математика,-1,0", "Участников", "отрицательным"),
        ('1,Ш,М,2025,ОГЭ математика,10,"2,5"', LOW, "целое число"),
        ("1,Ш,М,2025,ОГЭ математика,десять,0", "Участников", "целое число"),
        ("1,Ш,М,2025,ОГЭ математика,,0", "Участников", "пустое значение"),
        (",Ш,М,2025,ОГЭ математика,10,0", "Код ОО", "пустой код ОО"),
        ("1,Ш,М,2025, — ,10,0", "Процедура", "пустое значение"),
        ("1,Ш,М,2024/2026,ОГЭ математика,10,0", "Год", "два соседних года"),
        ("1,Ш,М,прошлый,ОГЭ математика,10,0", "Год", "2024/2025"),
        ("1,Ш,М,1899,ОГЭ математика,10,0", "Год", "вне допустимого"),
    ],
)
def test_results_cell_errors_name_row_and_column(tmp_path: Path, row: str, column: str, message: str) -> None:
    path = write(tmp_path, "results.csv", RESULTS_HEADER, "1,Ш,М,2025,ОГЭ русский язык,10,0", row)
    [error] = errors_of(load_results, path)
    assert (error.file, error.row, error.column) == ("results.csv", 3, column)
    assert message in error.message
    assert str(error).startswith(f"results.csv, строка 3, столбец «{column}»: ")


def test_results_grade_counts_cannot_exceed_participants(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        RESULTS_HEADER + ",«3»,«4»,«5»",
        "1,Ш,М,2025,ОГЭ математика,10,2,12,0,0",
        "1,Ш,М,2025,ОГЭ русский язык,10,2,4,4,1",
    )
    first, second = errors_of(load_results, path)
    assert (first.row, first.column) == (2, "«3»")
    assert (second.row, second.column) == (3, "Участников")
    assert "сумма" in second.message


def test_results_duplicate_row_names_the_first(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        RESULTS_HEADER,
        "1,Ш,М,2025,ОГЭ математика,10,2",
        "1,Ш,М,2024,ОГЭ математика,10,2",
        "1,Ш,М,2024/2025,ОГЭ по математике,12,2",
    )
    [error] = errors_of(load_results, path)
    assert (error.row, error.column) == (4, None)
    assert error.message.startswith("повтор строки 2: школа 1, 2025 год")


def test_results_collect_every_error_and_return_nothing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "results.csv",
        RESULTS_HEADER,
        "1,Ш,М,2025,ОГЭ математика,10,11",
        "2,Ш,М,2025,ОГЭ математика,10,2",
        "",
        "3,Ш,М,2025,ОГЭ математика,x,y",
        "4,Ш,М,2025,ОГЭ математика,10,0",
    )
    errors = errors_of(load_results, path)
    assert [(e.row, e.column) for e in errors] == [(2, LOW), (5, "Участников"), (5, LOW)]


def test_results_errors_are_capped(tmp_path: Path) -> None:
    rows = [f"{n},Ш,М,2025,ОГЭ математика,10,11" for n in range(MAX_ERRORS + 50)]
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *rows)
    with pytest.raises(DataFileError) as caught:
        load_results(path)
    assert len(caught.value.errors) == MAX_ERRORS
    assert caught.value.truncated
    assert "остановлена после 100 ошибок" in str(caught.value)


def test_results_strict_procedures(tmp_path: Path) -> None:
    path = write(tmp_path, "results.csv", RESULTS_HEADER, "1,Ш,М,2025,КДР математика 7 класс,10,2")
    assert load_results(path)[0].procedure == "OTHER:кдр математика 7 класс"
    [error] = errors_of(load_results, path, strict_procedures=True)
    assert (error.row, error.column) == (2, "Процедура")
    assert "неизвестная процедура" in error.message


def test_results_missing_required_column(tmp_path: Path) -> None:
    path = write(
        tmp_path, "results.csv", "Код ОО,Наименование ОО,Год,Процедура,Получили «2»", "1,Ш,2025,ОГЭ,1"
    )
    [error] = errors_of(load_results, path)
    assert (error.row, error.column, error.message) == (1, "Участников", "нет обязательного столбца")


def test_results_repeated_column(tmp_path: Path) -> None:
    path = write(
        tmp_path, "results.csv", RESULTS_HEADER + ",participants", "1,Ш,М,2025,ОГЭ математика,10,2,10"
    )
    [error] = errors_of(load_results, path)
    assert (error.row, error.column) == (1, "participants")
    assert "встречается дважды" in error.message


def test_unknown_column_set(tmp_path: Path) -> None:
    path = write(tmp_path, "results.csv", "Школа,Итог,Дата", "1,2,3")
    [error] = errors_of(load_results, path)
    assert (error.row, error.column) == (1, None)
    assert "не найдены заголовки" in error.message and "«Участников»" in error.message


def test_a_social_file_given_as_results_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "social.csv", SOCIAL_HEADER, "1,2025,10,1,1,1")
    columns = {error.column for error in errors_of(load_results, path)}
    assert {"Наименование ОО", "Процедура", "Участников", LOW} <= columns


def test_missing_file_and_old_excel_format(tmp_path: Path) -> None:
    [error] = errors_of(load_results, tmp_path / "nope.csv")
    assert str(error) == "nope.csv: файл не найден"
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))
    [error] = errors_of(load_results, old)
    assert ".xls не поддерживается" in error.message


def test_broken_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    [error] = errors_of(load_results, path)
    assert "XLSX" in error.message


# --- Social passport and risk profile ------------------------------------------------------------------


def test_social_passport(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "social.csv",
        SOCIAL_HEADER + ",С ОВЗ",
        "380000,2025,84,16,39,3,2",
        "380000,2023/2024,80,16,39,3,",
    )
    first, second = load_social(path)
    assert (first.total, first.both_parents_higher, first.single_parent, first.registered) == (84, 16, 39, 3)
    assert (first.disabilities, first.low_income, second.year, second.disabilities) == (2, None, 2024, None)


def test_social_share_above_one_and_duplicates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "social.csv",
        SOCIAL_HEADER,
        "1,2025,30,10,39,3",
        "2,2025,30,10,10,3",
        "2,2024/2025,30,10,10,3",
    )
    first, second = errors_of(load_social, path)
    assert (first.row, first.column) == (2, "Из неполных семей")
    assert "доля больше 1" in first.message
    assert (second.row, second.message) == (4, "повтор строки 3: школа 2, 2025 год")


def test_risk_profile(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "risk.csv",
        RISK_HEADER,
        "1,2025,Низкий уровень оснащения школы,Высокий",
        "1,2025,Дефицит педагогических кадров, средний ",
        "1,2025,Низкая учебная мотивация обучающихся,high",
    )
    assert [(r.factor, r.level) for r in load_risk(path)] == [
        ("Низкий уровень оснащения школы", "высокий"),
        ("Дефицит педагогических кадров", "средний"),
        ("Низкая учебная мотивация обучающихся", "высокий"),
    ]


def test_risk_unknown_level_and_duplicate_factor(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "risk.csv",
        RISK_HEADER,
        "1,2025,Дефицит педагогических кадров,критический",
        "1,2025,Низкий уровень оснащения школы,высокий",
        "1,2025,низкий уровень оснащения школы.,низкий",
    )
    first, second = errors_of(load_risk, path)
    assert (first.row, first.column) == (2, "Уровень")
    assert "неизвестный уровень «критический»" in first.message
    assert (second.row, second.column) == (4, None)
    assert second.message.startswith("повтор строки 3")
