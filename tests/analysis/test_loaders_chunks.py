"""Tests for reading files a chunk of rows at a time: the errors are those of a row-by-row reading."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures import analysis as fixtures
from tracker.analysis import loaders
from tracker.analysis.loaders import MAX_ERRORS, DataFileError, load_results, load_risk, load_social

# The uploads' headers, comma-separated like the files written here.
RESULTS_HEADER, SOCIAL_HEADER, RISK_HEADER = (
    fixtures.RESULTS_HEADER.replace(";", ","),
    fixtures.SOCIAL_HEADER.replace(";", ","),
    fixtures.RISK_HEADER.replace(";", ","),
)
LOW = RESULTS_HEADER.rsplit(",", 1)[1]
PROCEDURES = ("ОГЭ математика", "ОГЭ русский язык", "ВПР математика 5 класс", "КДР математика 7 класс")


@pytest.fixture(autouse=True)
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read four rows at a time, so a short file spans several chunks."""
    monkeypatch.setattr(loaders, "CHUNK_ROWS", 4)


def write(folder: Path, name: str, *lines: str) -> Path:
    """Write a UTF-8 text file of lines and return its path."""
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def good(n: int, procedure: str = "ОГЭ математика", year: int = 2025) -> str:
    """Return a valid results line for school n."""
    return f"{n},Школа {n},Район,{year},{procedure},10,{n % 4}"


@contextmanager
def row_by_row() -> Iterator[None]:
    """Read every chunk row by row, as the loaders did before chunks were read by column."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loaders._Records, "_parse_columns", lambda self, cells: None)
        yield


def errors_of(load: Callable[..., object], path: Path, **options: object) -> list[tuple]:
    """Return (row, column, message) of each error a loader raises for a file."""
    with pytest.raises(DataFileError) as caught:
        load(path, **options)
    return [(e.row, e.column, e.message) for e in caught.value.errors]


def test_clean_chunks_read_every_row(tmp_path: Path) -> None:
    lines = [good(n, procedure) for n in range(1, 4) for procedure in PROCEDURES]  # three chunks
    rows = load_results(write(tmp_path, "results.csv", RESULTS_HEADER, *lines))
    assert [(r.code, r.procedure_name, r.participants, r.low) for r in rows] == [
        (str(n), procedure, 10, n % 4) for n in range(1, 4) for procedure in PROCEDURES
    ]
    assert rows[0].procedure == "OGE-MA" and rows[3].procedure == "OTHER:кдр математика 7 класс"
    assert {r.municipality for r in rows} == {"Район"} and {r.year for r in rows} == {2025}


def test_errors_in_later_chunks_after_a_clean_one(tmp_path: Path) -> None:
    lines = [good(n) for n in range(1, 13)]
    lines[5] = "6,Школа 6,Район,2025,ОГЭ математика,10,11"  # row 7, an otherwise clean second chunk
    lines[9] = "10,Школа 10,Район,2025,ОГЭ математика,x,0"  # row 11, third chunk
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert errors_of(load_results, path) == [
        (7, LOW, "11 больше числа участников (10)"),
        (11, "Участников", "ожидается целое число, а не «x»"),
    ]


def test_a_bad_first_and_last_row(tmp_path: Path) -> None:
    lines = [good(n) for n in range(1, 10)]
    lines[0] = ",Школа 1,Район,2025,ОГЭ математика,10,1"
    lines[-1] = "9,Школа 9,Район,2024/2026,ОГЭ математика,10,1"
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert errors_of(load_results, path) == [
        (2, "Код ОО", "пустой код ОО"),
        (10, "Год", "учебный год «2024/2026» должен охватывать два соседних года"),
    ]


def test_duplicates_within_and_across_chunks_name_the_first_row(tmp_path: Path) -> None:
    lines = [good(n) for n in range(1, 11)]
    lines[5] = good(2)  # row 7 repeats row 3, a chunk before
    lines[7] = good(8)  # row 9 is its own first row
    lines[8] = "8,Школа 8,Район,2024/2025,ОГЭ по математике,12,0"  # row 10 repeats row 9, same chunk
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert errors_of(load_results, path) == [
        (7, None, "повтор строки 3: школа 2, 2025 год, «ОГЭ математика»"),
        (10, None, "повтор строки 9: школа 8, 2025 год, «ОГЭ по математике»"),
    ]


def test_a_chunk_refused_for_a_repeat_leaves_no_keys_behind(tmp_path: Path) -> None:
    # Rows 2–5 form a chunk whose row 4 repeats row 2: its keys must be kept with their own rows only,
    # so the repeat of row 5 in the next chunk names row 5.
    lines = [good(1), good(2), good(1), good(3), good(3), good(4)]
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert [(row, message[:16]) for row, _, message in errors_of(load_results, path)] == [
        (4, "повтор строки 2:"),
        (6, "повтор строки 5:"),
    ]


def test_blank_and_short_rows(tmp_path: Path) -> None:
    lines = [good(1), "", good(2), " , , ", good(3), "4,Школа 4,Район,2025,ОГЭ математика,10", good(5)]
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert errors_of(load_results, path) == [(7, LOW, "пустое значение")]
    del lines[5]
    assert [r.code for r in load_results(write(tmp_path, "ok.csv", RESULTS_HEADER, *lines))] == [
        "1",
        "2",
        "3",
        "5",
    ]


def test_strict_procedures_in_a_later_chunk(tmp_path: Path) -> None:
    lines = [good(n) for n in range(1, 9)]
    lines[6] = good(7, "КДР математика 7 класс")
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert len(load_results(path)) == 8
    assert errors_of(load_results, path, strict_procedures=True) == [
        (8, "Процедура", "неизвестная процедура «КДР математика 7 класс»")
    ]


@pytest.mark.parametrize(("extra_rows", "truncated"), [(0, False), (1, True)])
def test_the_error_cap_at_the_end_of_a_chunk(tmp_path: Path, extra_rows: int, truncated: bool) -> None:
    # 100 bad rows fill 25 chunks exactly; the errors are truncated only if a row is left to read.
    lines = [f"{n},Ш,М,2025,ОГЭ математика,10,11" for n in range(MAX_ERRORS)]
    lines += [good(n) for n in range(1000, 1000 + extra_rows)]
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    with pytest.raises(DataFileError) as caught:
        load_results(path)
    assert len(caught.value.errors) == MAX_ERRORS
    assert caught.value.errors[-1].row == MAX_ERRORS + 1
    assert caught.value.truncated is truncated


def test_a_csv_error_after_bad_rows_of_the_same_chunk(tmp_path: Path) -> None:
    lines = [good(n) for n in range(1, 10)]
    lines[4] = "5,Ш,М,2025,ОГЭ математика,10,11"  # row 6, in the chunk of rows 6–9
    lines[6] = f"7,{'я' * 200_000},М,2025,ОГЭ математика,10,1"  # row 8: too long a cell for csv
    path = write(tmp_path, "results.csv", RESULTS_HEADER, *lines)
    assert errors_of(load_results, path) == [
        (6, LOW, "11 больше числа участников (10)"),
        (8, None, "ошибка формата CSV (field larger than field limit (131072))"),
    ]


def test_a_decoding_error_far_into_the_file(tmp_path: Path) -> None:
    # The encoding is guessed from the first 64 KB: a bad byte after them is met while reading, at a row
    # that depends on the decoder's buffer, which row by row reading finds as well.
    lines = [good(n) for n in range(1, 3000)]
    lines[1] = "2,Ш,М,2025,ОГЭ математика,10,11"
    path = tmp_path / "results.csv"
    path.write_bytes(("\n".join([RESULTS_HEADER, *lines]) + "\n").encode() + b"9999,\xff,M,2025,X,1,0\n")
    errors = errors_of(load_results, path)
    with row_by_row():
        assert errors == errors_of(load_results, path)
    message = "не удалось прочитать текст: сохраните файл в кодировке UTF-8 или Windows-1251"
    assert errors[0] == (3, LOW, "11 больше числа участников (10)")
    assert errors[1][1:] == (None, message) and 1000 < errors[1][0] <= 3001
    assert len(errors) == 2


def test_social_checks_in_chunks(tmp_path: Path) -> None:
    lines = [f"{n},2025,30,10,10,3" for n in range(1, 11)]
    lines[5] = "6,2025,30,10,31,3"  # row 7: a share above 1
    lines[8] = "3,2024/2025,30,10,10,3"  # row 10 repeats row 4
    path = write(tmp_path, "social.csv", SOCIAL_HEADER + ",С ОВЗ", *[f"{line}," for line in lines])
    assert errors_of(load_social, path) == [
        (7, "Из неполных семей", "доля больше 1: 31 из 30 обучающихся"),
        (10, None, "повтор строки 4: школа 3, 2025 год"),
    ]
    del lines[8]
    lines[5] = "6,2025,30,10,10,3"
    rows = load_social(write(tmp_path, "ok.csv", SOCIAL_HEADER + ",С ОВЗ", *[f"{line},2" for line in lines]))
    assert [(r.code, r.single_parent, r.disabilities, r.low_income) for r in rows][:2] == [
        ("1", 10, 2, None),
        ("2", 10, 2, None),
    ]


def test_risk_repeats_by_normalised_factor_across_chunks(tmp_path: Path) -> None:
    lines = [f"1,2025,Фактор {n},высокий" for n in range(1, 10)]
    lines[7] = "1,2025,фактор 2.,низкий"  # row 9 repeats row 3 once normalised
    path = write(tmp_path, "risk.csv", RISK_HEADER, *lines)
    assert errors_of(load_risk, path) == [(9, None, "повтор строки 3: школа 1, 2025 год, «фактор 2.»")]


def test_xlsx_in_chunks(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Результаты, 2025 год"])
    sheet.append([*RESULTS_HEADER.split(","), "Средний балл"])
    for n in range(1, 11):
        # Cells left empty at the end make the row shorter than the header.
        sheet.append(
            [380000 + n, "Школа", None, 2025, "ОГЭ математика", 10.0, n % 3, *([3.5] if n % 2 else [])]
        )
    path = tmp_path / "results.xlsx"
    workbook.save(path)
    rows = load_results(path)
    assert [(r.code, r.municipality, r.participants, r.mean) for r in rows][:2] == [
        ("380001", "", 10, 3.5),
        ("380002", "", 10, None),
    ]
    sheet.cell(row=10, column=7, value=2.5)
    workbook.save(path)
    assert errors_of(load_results, path) == [(10, LOW, "ожидается целое число, а не 2.5")]


# Random files with random defects: every chunk size gives what reading one row at a time gives.
CELLS = st.sampled_from(["", " ", "x", "-1", "2,5", "1 2", "2024/2026"])


@st.composite
def results_lines(draw: st.DrawFn) -> list[str]:
    """Draw results lines: good ones of a few schools (so some repeat), blank, short, with bad cells."""
    lines = []
    for _ in range(draw(st.integers(0, 14))):
        code = draw(st.integers(1, 6))
        participants = draw(st.integers(0, 12))
        cells = [
            str(code),
            "Ш",
            "М",
            draw(st.sampled_from(["2024", "2025", "2024/2025"])),
            draw(st.sampled_from(PROCEDURES)),
            str(participants),
            str(draw(st.integers(0, participants + 1))),
        ]
        kind = draw(st.sampled_from(["good"] * 6 + ["bad", "short", "blank"]))
        if kind == "bad":
            cells[draw(st.integers(0, 6))] = draw(CELLS)
        elif kind == "short":
            cells = cells[: draw(st.integers(0, 6))]
        elif kind == "blank":
            cells = []
        lines.append(",".join(cells))
    return lines


def read_with_chunks(size: int, data: bytes, strict: bool) -> tuple[object, ...]:
    """Return the rows (as repr), or the errors and truncation, of results read ``size`` rows a chunk."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loaders, "CHUNK_ROWS", size)
        try:
            rows = load_results(io.BytesIO(data), filename="r.csv", strict_procedures=strict)
        except DataFileError as exc:
            return ("errors", exc.errors, exc.truncated)
        return ("rows", [repr(row) for row in rows])


@settings(max_examples=80, deadline=None)
@given(lines=results_lines(), strict=st.booleans(), size=st.sampled_from([1, 2, 3, 5, 1000]))
def test_reading_by_column_gives_what_row_by_row_gives(lines: list[str], strict: bool, size: int) -> None:
    data = ("\n".join([RESULTS_HEADER, *lines]) + "\n").encode()
    with row_by_row():
        expected = read_with_chunks(size, data, strict)
    assert read_with_chunks(size, data, strict) == expected
