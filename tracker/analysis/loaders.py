"""Read the Results, Social passport and Risk profile files (CSV or XLSX) into plain rows.

Every loader reads the whole file, collects every problem it finds (up to ``MAX_ERRORS``) as a
``RowError`` naming the file, row and column in Russian, and raises one ``DataFileError`` at the end, so a
bad file is never half-imported. Rows are streamed: CSV through ``csv.reader`` over the open file, XLSX
through openpyxl's read-only mode; only the current chunk of ``CHUNK_ROWS`` rows, the parsed rows and the
keys needed to spot duplicates are kept.

A region's files have hundreds of thousands of rows, nearly always all good, so each chunk is first
taken column by column: the distinct cells of a column are parsed once, and the loader's checks (counts
within participants, repeated rows) and the building of its rows run over whole columns through built-ins
(map, zip, dict) instead of Python code per row. A chunk with anything out of the ordinary — a bad cell,
an empty code or a blank row, a count above participants, a repeated row — is read again row by row,
which records its errors in row order, so the errors are exactly those of a row-by-row reading.

Headers are matched after normalisation (case, «ё» and punctuation ignored) against the spec's Russian
names and English aliases. Columns nobody asked for (say «% качества») are ignored, because real exports
carry many of them; a header row without the required columns is an error. Row numbers are the ones a
spreadsheet shows: the header row counts, blank rows count.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import logging
import operator
import os
import re
import warnings
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import BinaryIO, NoReturn

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from tracker.analysis.procedures import match_procedure, normalise_name, procedure_code

logger = logging.getLogger(__name__)

MAX_ERRORS = 100
# Rows are read this many at a time; a chunk without a problem is parsed and checked column by column.
# Small enough for a chunk's cells to stay in the processor's cache: 8,192 rows read a third slower.
CHUNK_ROWS = 1024
# The header may sit under a title block («Результаты ВПР, 2025 год»); look this many non-empty rows down.
HEADER_SEARCH_ROWS = 10

RISK_LOW = "низкий"
RISK_MEDIUM = "средний"
RISK_HIGH = "высокий"
RISK_LEVELS = (RISK_LOW, RISK_MEDIUM, RISK_HIGH)

Source = str | os.PathLike[str] | BinaryIO
Cells = Sequence[object]  # one row of a table as read
_TakeChunk = Callable[[Sequence[int], list[list]], bool]
_TakeRow = Callable[[int, list], None]


# Rows are plain mutable slotted dataclasses: frozen ones cost a few times more to build, and a large
# region has hundreds of thousands of result rows.
@dataclass(slots=True)
class ResultRow:
    """One school × year × procedure line of a Results file."""

    code: str
    name: str
    municipality: str
    year: int
    procedure: str  # catalogue code, or OTHER:<normalised name>
    procedure_name: str  # as written in the file
    participants: int
    low: int  # got «2» / did not pass the threshold
    grade3: int | None = None
    grade4: int | None = None
    grade5: int | None = None
    mean: float | None = None


@dataclass(slots=True)
class SocialRow:
    """One school × year line of a Social passport file (counts of students)."""

    code: str
    year: int
    total: int
    both_parents_higher: int
    single_parent: int
    registered: int
    low_income: int | None = None
    disabilities: int | None = None
    non_native: int | None = None


@dataclass(slots=True)
class RiskRow:
    """One school × year × factor line of a Risk profile file."""

    code: str
    year: int
    factor: str
    level: str  # one of RISK_LEVELS


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem found in an input file; ``row`` and ``column`` are None for whole-file problems."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        """Return the error as one Russian line naming the file, row and column."""
        place = [self.file]
        if self.row is not None:
            place.append(f"строка {self.row}")
        if self.column is not None:
            place.append(f"столбец «{self.column}»")
        return f"{', '.join(place)}: {self.message}"


class DataFileError(Exception):
    """An input file is unusable; ``errors`` lists every problem found (up to MAX_ERRORS)."""

    def __init__(self, errors: Sequence[RowError], truncated: bool = False) -> None:
        self.errors = list(errors)
        self.truncated = truncated
        super().__init__(self.describe())

    def describe(self) -> str:
        """Return all errors as Russian lines, ready for a terminal or a flash message."""
        lines = [str(error) for error in self.errors]
        if self.truncated:
            lines.append(f"… проверка остановлена после {MAX_ERRORS} ошибок")
        return "\n".join(lines)


@contextmanager
def paused_gc(*, long_lived: bool = False) -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects.

    With ``long_lived`` the objects built (rows, results) join the collector's oldest generation at once.
    """
    # Each collection of the oldest generation walks every live row; with hundreds of thousands of
    # rows being built that doubles the run time, and rows form no cycles for it to find.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # The first young collection after the pause would walk every object built during it only to
            # find them all alive (a tenth of a second for a region's rows). freeze() then unfreeze() moves
            # every tracked object to the oldest generation without walking any. Not done while the
            # application keeps objects frozen (say before forking workers): unfreeze() would release them.
            if long_lived and not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


class _BadValue(ValueError):
    """A cell value that cannot be used; the message is Russian and user-facing."""


def _text(value: object) -> str:
    if type(value) is str:  # the common case first: every CSV cell is a str
        return value.strip()
    if value is None:
        return ""
    # Excel stores codes typed as numbers as floats: 380000.0 is the code 380000.
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _count(value: object) -> int | None:
    """Parse a non-negative integer count; None for an empty cell."""
    if type(value) is str:
        try:
            number = int(value)
        except ValueError:
            text = value.strip()
            if not text:
                return None
            number = _count_text(text)
    elif value is None:
        return None
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise _BadValue(f"ожидается целое число, а не {value:g}")
        number = int(value)
    else:
        text = str(value).strip()
        if not text:
            return None
        try:
            number = int(text)
        except ValueError:
            number = _count_text(text)
    if number < 0:
        raise _BadValue(f"число не может быть отрицательным ({number})")
    return number


def _count_text(text: str) -> int:
    # Russian spreadsheets write thousands with (non-breaking) spaces and decimals with a comma.
    compact = re.sub(r"[\s\u00a0\u202f]", "", text).replace(",", ".")
    try:
        number = float(compact)
    except ValueError:
        raise _BadValue(f"ожидается целое число, а не «{text}»") from None
    if not number.is_integer():
        raise _BadValue(f"ожидается целое число, а не «{text}»")
    return int(number)


def _required_count(value: object) -> int:
    number = _count(value)
    if number is None:
        raise _BadValue("пустое значение")
    return number


def _mean(value: object) -> float | None:
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise _BadValue(f"ожидается число, а не «{_text(value)}»") from None
    if not 0 <= number < float("inf"):
        raise _BadValue(f"недопустимый средний балл ({_text(value)})")
    return number


_YEAR_SPAN_RE = re.compile(r"(\d{4})\s*[/\\\-–—]\s*(\d{4}|\d{2})(?:\s*(?:уч\.?\s*)?(?:г\.?|год|гг\.?))?")


# Years, procedure names, factors and levels repeat on every school, so their parsers are cached on
# the raw cell value (errors are not cached: they are raised again each time).
@lru_cache(maxsize=256)
def _year(value: object) -> int:
    """Parse «2025» or «2024/2025» (the calendar year the school year ends)."""
    text = _text(value)
    if text.isdigit() and len(text) == 4:
        year = int(text)
    else:
        match = _YEAR_SPAN_RE.fullmatch(text)
        if match is None:
            raise _BadValue(f"год должен быть вида 2025 или «2024/2025», а не «{text}»")
        start, end = int(match[1]), int(match[2])
        if end < 100:
            end += start - start % 100
        if end != start + 1:
            raise _BadValue(f"учебный год «{text}» должен охватывать два соседних года")
        year = end
    if not 1990 <= year <= 2100:
        raise _BadValue(f"год {year} вне допустимого диапазона")
    return year


@lru_cache(maxsize=4096)
def _name(value: object) -> str:
    text = _text(value)
    if not _normalised(text):
        raise _BadValue("пустое значение")
    return text


@lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    """Return ``normalise_name(text)``, cached: procedure and factor names repeat on every school."""
    return normalise_name(text)


def _absent(value: object) -> None:
    """Stand in for the parser of an optional column the file does not have."""
    return None


_LEVEL_NAMES = {
    **dict.fromkeys(("низкий", "низкая", "низкое", "low"), RISK_LOW),
    **dict.fromkeys(("средний", "средняя", "среднее", "medium", "moderate"), RISK_MEDIUM),
    **dict.fromkeys(("высокий", "высокая", "высокое", "high"), RISK_HIGH),
}


@lru_cache(maxsize=64)
def _level(value: object) -> str:
    text = _text(value)
    level = _LEVEL_NAMES.get(_normalised(text))
    if level is None:
        raise _BadValue(f"неизвестный уровень «{text}»: допустимы «низкий», «средний», «высокий»")
    return level


class _Parsed(dict):
    """``parse(cell)`` by cell, each cell parsed the first time it is looked up.

    A cell that fails to parse is not kept: its ``_BadValue`` is raised again each time.
    """

    __slots__ = ("parse",)

    def __init__(self, parse: Callable[[object], object]) -> None:
        super().__init__()
        self.parse = parse

    def __missing__(self, cell: object) -> object:
        value = self[cell] = self.parse(cell)
        return value


@dataclass(frozen=True, slots=True)
class _Column:
    field: str
    header: str  # the spec's Russian header, named when the column is missing
    parse: Callable[[object], object]
    aliases: tuple[str, ...] = ()
    required: bool = True


_CODE = _Column("code", "Код ОО", _text, ("код", "code", "код школы", "код организации"))
_YEAR = _Column("year", "Год", _year, ("year", "учебный год"))

# The order of each table is the order of the values a record carries.
RESULT_COLUMNS = (
    _CODE,
    _Column("name", "Наименование ОО", _text, ("наименование", "name", "название оо")),
    _Column("municipality", "Муниципалитет", _text, ("municipality", "муниципальное образование"), False),
    _YEAR,
    _Column("procedure", "Процедура", _name, ("procedure", "оценочная процедура")),
    _Column("participants", "Участников", _required_count, ("participants", "количество участников")),
    _Column(
        "low",
        "Получили «2» / не преодолели порог",
        _required_count,
        ("«2»", "получили «2»", "не преодолели порог", "low", "fail"),
    ),
    _Column("grade3", "«3»", _count, ("получили «3»", "grade3"), False),
    _Column("grade4", "«4»", _count, ("получили «4»", "grade4"), False),
    _Column("grade5", "«5»", _count, ("получили «5»", "grade5"), False),
    _Column("mean", "Средний балл", _mean, ("mean",), False),
)
SOCIAL_COLUMNS = (
    _CODE,
    _YEAR,
    _Column("total", "Всего обучающихся", _required_count, ("total", "обучающихся")),
    _Column("both_parents_higher", "Оба родителя с высшим образованием", _required_count, ("both parents",)),
    _Column("single_parent", "Из неполных семей", _required_count, ("single_parent",)),
    _Column("registered", "Состоят на учёте", _required_count, ("registered", "на учёте")),
    _Column("low_income", "Из малообеспеченных семей", _count, ("low_income",), False),
    _Column("disabilities", "С ОВЗ", _count, ("disabilities", "овз"), False),
    _Column("non_native", "Русский язык не родной", _count, ("non_native",), False),
)
RISK_COLUMNS = (
    _CODE,
    _YEAR,
    _Column("factor", "Фактор риска", _name, ("factor", "фактор")),
    _Column("level", "Уровень", _level, ("level", "уровень риска")),
)


class _Errors:
    """Collect a file's errors up to MAX_ERRORS."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.items: list[RowError] = []
        self.truncated = False

    @property
    def full(self) -> bool:
        """Tell whether the cap is reached and reading should stop."""
        return len(self.items) >= MAX_ERRORS

    def add(self, row: int | None, column: str | None, message: str) -> None:
        """Record one error unless the cap is reached."""
        if self.full:
            self.truncated = True
            return
        self.items.append(RowError(self.file, row, column, message))

    def fail(self, row: int | None, column: str | None, message: str) -> NoReturn:
        """Record one error and raise everything collected."""
        self.add(row, column, message)
        self.raise_if_any()
        raise AssertionError("raise_if_any raises once an error is recorded")

    def raise_if_any(self) -> None:
        """Raise DataFileError with everything collected, if anything was."""
        if self.items:
            logger.info("Rejected %s: %s errors", self.file, len(self.items))
            raise DataFileError(self.items, self.truncated)


class _Records:
    """The parsed data rows of one file: (row number, values in column order), cell errors recorded."""

    def __init__(self, table: Iterator[Cells], columns: Sequence[_Column], errors: _Errors) -> None:
        self.errors = errors
        index, self.header, header_row = _read_header(table, columns, errors)
        self._table = table
        self._first_row = header_row + 1
        # An absent optional column reads cell 0 through a parser that ignores it.
        self._plan = [(index.get(c.field, 0), c.parse if c.field in index else _absent) for c in columns]
        self._columns = [self.header.get(c.field) for c in columns]
        self._width = max(index.values()) + 1
        self._code_index = index["code"]
        # Columns repeat their values row after row (codes, years, procedure names, small counts): each
        # distinct cell is parsed once per column. A cell that fails to parse is not kept: its row is told.
        # Optional columns the file lacks at the end of the list (the grade counts and the mean of a results
        # file that has only the low count) are not looked up at all: their None values are appended.
        present = len(self._plan)
        while present > 1 and self._plan[present - 1][1] is _absent:
            present -= 1
        self._absent_count = len(self._plan) - present
        self._steps = [(i, parse, _Parsed(parse)) for i, parse in self._plan[:present]]

    def column(self, field: str) -> str | None:
        """Return the header of a field as written in the file (None when the column is absent)."""
        return self.header.get(field)

    def load(self, take_chunk: _TakeChunk, take_row: _TakeRow) -> None:
        """Read the data rows a chunk at a time: by column through ``take_chunk``, else through ``take_row``.

        ``take_chunk`` gets the row numbers and the values of a chunk, parsed column by column, when every
        cell parsed and every code is filled in; it returns False, having changed nothing, when the loader's
        own checks (counts, repeated rows) find a problem. Then, and for a chunk with a bad cell, a blank
        row or an empty code, ``take_row`` gets (row number, values in column order) for each row whose
        cells all parsed, the others being reported, in row order. Reading stops at the error cap.
        """
        errors, table = self.errors, self._table
        start = self._first_row  # the number of the next row to read
        last = 0  # the last data row read, to name the row a read error is in
        while True:
            chunk: list[Cells] = []
            failure = None
            try:
                # extend keeps the rows read before a read error: they are checked before it is reported.
                chunk.extend(islice(table, CHUNK_ROWS))
            except UnicodeDecodeError:
                failure = "не удалось прочитать текст: сохраните файл в кодировке UTF-8 или Windows-1251"
            except csv.Error as exc:
                failure = f"ошибка формата CSV ({exc})"
            if chunk:
                rownums = range(start, start + len(chunk))
                start, last = rownums.stop, rownums[-1]
                # At the error cap the row by row reading marks the errors truncated and stops.
                columns = None if errors.full else self._parse_columns(chunk)
                if columns is None or not take_chunk(rownums, columns):
                    for rownum, values in self._rows(rownums, chunk):
                        take_row(rownum, values)
                # Past the cap nothing but the truncated flag can change: the row by row reading stops here.
                if errors.truncated:
                    return
            if failure is not None:
                errors.add(last + 1, None, failure)
                return
            if len(chunk) < CHUNK_ROWS:
                return

    def _parse_columns(self, cells: Sequence[Cells]) -> list[list[object]] | None:
        """Return a chunk's parsed values column by column, or None if a cell is bad or a code empty."""
        width, count = self._width, len(cells)
        if min(map(len, cells)) < width:  # cells missing at the end read as empty, as row by row
            filler = (None,) * width
            cells = [row if len(row) >= width else (*row, *filler[len(row) :]) for row in cells]
        transposed = list(zip(*cells, strict=False))
        columns: list[list[object]] = []
        for i, parse, seen in self._steps:
            if parse is _absent:
                columns.append([None] * count)
                continue
            try:
                columns.append(list(map(seen.__getitem__, transposed[i])))
            except _BadValue:
                return None
        if not all(columns[0]):
            return None
        columns += [[None] * count for _ in range(self._absent_count)]
        return columns

    def _rows(self, rownums: range, chunk: Sequence[Cells]) -> Iterator[tuple[int, list[object]]]:
        """Yield the rows of a chunk whose every cell parsed; report the others; stop at the error cap."""
        errors, width, steps = self.errors, self._width, self._steps
        absent_tail = [None] * self._absent_count
        for rownum, cells in zip(rownums, chunk, strict=True):
            if errors.items and errors.full:
                errors.truncated = True
                return
            if len(cells) < width:
                cells = [*cells, *[None] * (width - len(cells))]
            try:
                values = [seen[cells[i]] for i, _, seen in steps]
                values += absent_tail
            except _BadValue:
                values = None
            if values is None or not values[0]:
                self._report(rownum, cells)
                continue
            yield rownum, values

    def _report(self, rownum: int, cells: Sequence[object]) -> None:
        """Report every bad cell of a row that failed to parse, or its empty code; skip blank rows."""
        if not _text(cells[self._code_index]):
            if not _is_blank(cells):
                self.errors.add(rownum, self.header["code"], "пустой код ОО")
            return
        for (i, parse), column in zip(self._plan, self._columns, strict=True):
            try:
                parse(cells[i])
            except _BadValue as exc:
                self.errors.add(rownum, column, str(exc))


@contextmanager
def _records(source: Source, filename: str | None, columns: Sequence[_Column]) -> Iterator[_Records]:
    """Open a source and yield its parsed records; raise DataFileError at the end if anything was wrong."""
    errors = _Errors(_display_name(source, filename))
    with paused_gc(long_lived=True), _open_table(source, errors) as table:
        yield _Records(table, columns, errors)
    errors.raise_if_any()


def load_results(
    source: Source, *, filename: str | None = None, strict_procedures: bool = False
) -> list[ResultRow]:
    """Read a Results file; with ``strict_procedures`` a name outside the catalogue is an error."""
    rows: list[ResultRow] = []
    seen: dict[tuple[object, ...], int] = {}
    with _records(source, filename, RESULT_COLUMNS) as records:
        errors = records.errors
        no_municipality = records.column("municipality") is None
        codes = _Parsed(procedure_code)  # a plain dict beats lru_cache's bookkeeping on every row

        def take_chunk(rownums: Sequence[int], columns: list[list]) -> bool:
            code, name, municipality, year, proc_name, participants, low, g3, g4, g5, mean = columns
            if strict_procedures and not all(map(match_procedure, set(proc_name))):
                return False
            counted = low
            for grades in (g3, g4, g5):
                if grades.count(None) != len(grades):
                    counted = list(map(operator.add, counted, [n or 0 for n in grades]))
            if any(map(operator.gt, counted, participants)):
                return False
            proc = list(map(codes.__getitem__, proc_name))
            if not _first_rows(seen, list(zip(code, year, proc, strict=True)), rownums):
                return False
            if no_municipality:
                municipality = [""] * len(rownums)
            rows.extend(
                map(
                    ResultRow,
                    code,
                    name,
                    municipality,
                    year,
                    proc,
                    proc_name,
                    participants,
                    low,
                    g3,
                    g4,
                    g5,
                    mean,
                )
            )
            return True

        def take_row(rownum: int, values: list) -> None:
            code, name, municipality, year, proc_name, participants, low, g3, g4, g5, mean = values
            if strict_procedures and match_procedure(proc_name) is None:
                errors.add(rownum, records.column("procedure"), f"неизвестная процедура «{proc_name}»")
                return
            counted = low + (g3 or 0) + (g4 or 0) + (g5 or 0)
            if counted > participants:
                _report_counts(records, rownum, participants, low=low, grade3=g3, grade4=g4, grade5=g5)
                return
            proc = procedure_code(proc_name)
            first = seen.setdefault((code, year, proc), rownum)
            if first != rownum:
                errors.add(rownum, None, f"повтор строки {first}: школа {code}, {year} год, «{proc_name}»")
                return
            rows.append(
                ResultRow(
                    code, name, municipality or "", year, proc, proc_name, participants, low, g3, g4, g5, mean
                )
            )

        records.load(take_chunk, take_row)
    logger.info("Loaded %s result rows from %s", len(rows), records.errors.file)
    return rows


def _first_rows(seen: dict[tuple[object, ...], int], keys: list[tuple], rownums: Sequence[int]) -> bool:
    """Record the row number of each key of a chunk; change nothing and return False if a key repeats."""
    firsts = list(map(seen.setdefault, keys, rownums))
    if firsts == list(rownums):
        return True
    # Undo: the keys this chunk added are those whose first row is their own row.
    for key, first, rownum in zip(keys, firsts, rownums, strict=True):
        if first == rownum:
            del seen[key]
    return False


def _report_counts(records: _Records, rownum: int, participants: int, **counts: int | None) -> None:
    """Report the counts above the number of participants, or their sum when none is alone."""
    over = {field: n for field, n in counts.items() if n is not None and n > participants}
    for field, n in over.items():
        records.errors.add(rownum, records.column(field), f"{n} больше числа участников ({participants})")
    if not over:
        total = sum(n or 0 for n in counts.values())
        message = f"сумма «2»…«5» ({total}) больше числа участников ({participants})"
        records.errors.add(rownum, records.column("participants"), message)


def load_social(source: Source, *, filename: str | None = None) -> list[SocialRow]:
    """Read a Social passport file; no group may be larger than the school."""
    rows: list[SocialRow] = []
    seen: dict[tuple[object, ...], int] = {}
    with _records(source, filename, SOCIAL_COLUMNS) as records:
        errors = records.errors

        def take_chunk(rownums: Sequence[int], columns: list[list]) -> bool:
            code, year, total, *parts = columns
            for part in parts:
                if None not in part:
                    if any(map(operator.gt, part, total)):
                        return False
                elif any(n is not None and n > of for n, of in zip(part, total, strict=True)):
                    return False
            if not _first_rows(seen, list(zip(code, year, strict=True)), rownums):
                return False
            rows.extend(map(SocialRow, code, year, total, *parts))
            return True

        def take_row(rownum: int, values: list) -> None:
            code, year, total, *parts = values
            bad = len(errors.items)
            for column, value in zip(SOCIAL_COLUMNS[3:], parts, strict=True):
                if value is not None and value > total:
                    message = f"доля больше 1: {value} из {total} обучающихся"
                    errors.add(rownum, records.column(column.field), message)
            if len(errors.items) != bad:
                return
            first = seen.setdefault((code, year), rownum)
            if first != rownum:
                errors.add(rownum, None, f"повтор строки {first}: школа {code}, {year} год")
                return
            rows.append(SocialRow(code, year, total, *parts))

        records.load(take_chunk, take_row)
    logger.info("Loaded %s social passport rows from %s", len(rows), records.errors.file)
    return rows


def load_risk(source: Source, *, filename: str | None = None) -> list[RiskRow]:
    """Read a Risk profile file; levels must be «низкий», «средний» or «высокий»."""
    rows: list[RiskRow] = []
    seen: dict[tuple[object, ...], int] = {}
    with _records(source, filename, RISK_COLUMNS) as records:
        normalised = _Parsed(_normalised)

        def take_chunk(rownums: Sequence[int], columns: list[list]) -> bool:
            code, year, factor, level = columns
            keys = list(zip(code, year, map(normalised.__getitem__, factor), strict=True))
            if not _first_rows(seen, keys, rownums):
                return False
            rows.extend(map(RiskRow, code, year, factor, level))
            return True

        def take_row(rownum: int, values: list) -> None:
            code, year, factor, level = values
            first = seen.setdefault((code, year, _normalised(factor)), rownum)
            if first != rownum:
                records.errors.add(
                    rownum, None, f"повтор строки {first}: школа {code}, {year} год, «{factor}»"
                )
                return
            rows.append(RiskRow(code, year, factor, level))

        records.load(take_chunk, take_row)
    logger.info("Loaded %s risk profile rows from %s", len(rows), records.errors.file)
    return rows


def _display_name(source: Source, filename: str | None) -> str:
    if filename:
        return filename
    if isinstance(source, str | os.PathLike):
        return Path(source).name
    return Path(str(getattr(source, "name", "файл"))).name


@contextmanager
def _open_table(source: Source, errors: _Errors) -> Iterator[Iterator[Cells]]:
    """Open a CSV or XLSX source and yield an iterator of its rows, from the first one."""
    with ExitStack() as stack:
        if isinstance(source, str | os.PathLike):
            try:
                stream: BinaryIO = stack.enter_context(open(source, "rb"))
            except FileNotFoundError:
                errors.fail(None, None, "файл не найден")
            except OSError as exc:
                errors.fail(None, None, f"не удалось открыть файл ({exc.strerror})")
        else:
            stream = source
            if not stream.seekable():
                stream = io.BytesIO(stream.read())
        head = stream.read(8)
        stream.seek(-len(head), io.SEEK_CUR)
        if head.startswith(b"PK\x03\x04"):
            yield _xlsx_rows(stream, stack, errors)
        elif head.startswith(b"\xd0\xcf\x11\xe0"):
            errors.fail(None, None, "формат .xls не поддерживается: сохраните файл как .xlsx или .csv")
        else:
            yield _csv_rows(stream, stack)


def _xlsx_rows(stream: BinaryIO, stack: ExitStack, errors: _Errors) -> Iterator[Cells]:
    try:
        # openpyxl warns about workbook features it skips (data validation, conditional formats);
        # none of them matter for reading values.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        logger.info("Unreadable workbook %s: %s", errors.file, exc)
        errors.fail(None, None, "не удалось прочитать файл XLSX")
    stack.callback(workbook.close)
    sheet = workbook.worksheets[0]
    # Some generators write a wrong sheet size; without this read-only mode would cut rows off.
    sheet.reset_dimensions()
    return map(_no_booleans, sheet.iter_rows(values_only=True))


def _no_booleans(cells: tuple) -> tuple:
    """Write a TRUE/FALSE cell as the text it is parsed from: as a key of parsed values True would equal 1."""
    if any(type(cell) is bool for cell in cells):
        return tuple(str(cell) if type(cell) is bool else cell for cell in cells)
    return cells


def _csv_rows(stream: BinaryIO, stack: ExitStack) -> Iterator[Cells]:
    sample = stream.read(65536)
    stream.seek(-len(sample), io.SEEK_CUR)
    encoding = _detect_encoding(sample)
    delimiter = _detect_delimiter(sample.decode(encoding, errors="ignore"))
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    # Detach rather than close: a stream passed in by the caller (an upload) stays the caller's.
    stack.callback(text.detach)
    return csv.reader(text, delimiter=delimiter)


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        # An incremental decoder tolerates a character cut in two at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1251"
    return "utf-8"


def _detect_delimiter(sample: str) -> str:
    # csv.Sniffer guesses wrongly on short files with quoted names; the most frequent candidate is
    # reliable because every data line carries several separators.
    counts = {d: sample.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _read_header(
    table: Iterator[Cells], columns: Sequence[_Column], errors: _Errors
) -> tuple[dict[str, int], dict[str, str], int]:
    """Find the header row; return the column index and the header as written, and the header row number.

    The table is left at the row after the header.
    """
    try:
        rownum, found = _find_header(table, _alias_map(columns))
    except (UnicodeDecodeError, csv.Error):
        errors.fail(None, None, "файл не читается как таблица CSV или XLSX")
    if not found:
        expected = ", ".join(f"«{c.header}»" for c in columns if c.required)
        errors.fail(rownum, None, f"не найдены заголовки столбцов; ожидаются {expected}")
    index: dict[str, int] = {}
    header: dict[str, str] = {}
    for i, field, text in found:
        if field in index:
            errors.add(rownum, text, f"столбец «{header[field]}» встречается дважды")
        index.setdefault(field, i)
        header.setdefault(field, text)
    for column in columns:
        if column.required and column.field not in index:
            errors.add(rownum, column.header, "нет обязательного столбца")
    errors.raise_if_any()
    return index, header, rownum


def _find_header(
    table: Iterator[Cells], aliases: dict[str, str]
) -> tuple[int | None, list[tuple[int, str, str]]]:
    """Return the header row number and its known columns, or the first non-empty row and nothing."""
    first_row: int | None = None
    looked = 0
    for rownum, cells in enumerate(table, 1):
        if _is_blank(cells):
            continue
        first_row = first_row or rownum
        texts = [_text(c) for c in cells]
        found = [
            (i, aliases[key], text)
            for i, text in enumerate(texts)
            if (key := normalise_name(text)) in aliases
        ]
        # Two known headers tell the header row from a title line above it; bare numbers do not count,
        # or a data row «1, 2, 3» would pass for «Код», «2», «3».
        if sum(not text.isdigit() for _, _, text in found) >= 2:
            return rownum, found
        looked += 1
        if looked >= HEADER_SEARCH_ROWS:
            break
    return first_row, []


@lru_cache(maxsize=8)
def _alias_map(columns: Sequence[_Column]) -> dict[str, str]:
    return {normalise_name(name): c.field for c in columns for name in (c.header, *c.aliases)}


def _is_blank(cells: Sequence[object]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)
