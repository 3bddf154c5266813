"""Parse a roadmap file (.docx, .xlsx, .csv) into sections, activities and schedules (spec/import.md).

Pure: takes bytes, returns dataclasses; no Flask, no database. (The only outside input: a file that states
no period anywhere gets a default one around the current year, with a warning.)

Row numbers. Every activity and warning carries `row`, a 1-based number a coordinator can find in the
file. In a Word document it is the running number of the table row counted over all tables of the
document in order, header rows included (the second table's first row follows the first table's last
row; repeated page headers that Word draws itself are not rows and are not counted). In a spreadsheet or
CSV it is the row number Excel shows (for CSV, the record number). Warnings about the whole document
have `row=None`.

Header matching. Columns are found by meaning, never by position: each header text is normalised
(lower case, ё→е, letters only, so PDF debris like «Ответст- венный» still reads «ответственный») and
the role whose keyword occurs earliest in it wins («Участники мероприятия» is participants, «Мероприятия
/ предмет взаимодействия» is the title); a fuzzy match (difflib) catches typos when nothing matches
exactly. In multi-row headers each grid column takes its lowest non-empty header text, so «Мероприятия
по задачам» spanning «Наименование | Сроки | …» yields the sub-headings, and «2021/2022 уч.г.» under
«Ключевые мероприятия и сроки реализации» yields an academic-year column.
"""

from __future__ import annotations

import csv
import difflib
import io
import logging
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any, Literal

from tracker.roadmaps.deadlines import parse_deadline
from tracker.roadmaps.docx_reader import Block, DocParagraph, GridCell, GridTable, read_blocks

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
MAX_SHEET_ROWS = 20000
MAX_SHEET_COLUMNS = 60

PeriodSource = Literal["argument", "document", "default"]
FIELD_ROLES = ("title", "deadline", "responsible", "participants", "result", "control", "completion")
COMPARED_FIELDS = (
    "number", "title", "section_path", "deadline_text", "responsible", "participants", "result", "control",
)  # fmt: skip


class RoadmapFileError(Exception):
    """The file cannot be imported at all; `message` says why, in Russian."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(slots=True)
class ImportWarning:
    """Something the importer could not place or had to assume."""

    row: int | None
    message: str


@dataclass(slots=True)
class ParsedActivity:
    """One activity as read from the file, with its schedule."""

    row: int
    number: str | None
    title: str
    section_path: list[str]
    deadline_text: str | None = None
    responsible: str | None = None
    participants: str | None = None
    result: str | None = None
    control: str | None = None
    completion_mark: str | None = None
    years: dict[str, str] | None = None
    occurrences: list[tuple[date, date]] = field(default_factory=list)
    needs_review: bool = False
    schedule_note: str = ""
    schedule_rule: str = ""
    section_numbers: list[str] = field(default_factory=list)  # parallel to section_path, "" when unnumbered


@dataclass(slots=True)
class ParsedRoadmap:
    """A whole parsed roadmap."""

    title: str
    period: tuple[date, date]
    period_source: PeriodSource
    goal: str
    activities: list[ParsedActivity]
    warnings: list[ImportWarning]
    approval_date: date | None = None
    approval_number: str | None = None


# ---------------------------------------------------------------------------------------------- entry point


def read_roadmap(data: bytes, filename: str, period: tuple[date, date] | None = None) -> ParsedRoadmap:
    """Parse a roadmap file; raise RoadmapFileError when the file cannot be imported at all."""
    if period is not None and period[0] > period[1]:
        raise ValueError("period start is after its end")
    kind = _detect_kind(data, filename)
    log.info("importing %s as %s (%s bytes)", filename, kind, len(data))
    try:
        if kind == "docx":
            blocks = read_blocks(data)
        elif kind == "xlsx":
            blocks = _xlsx_blocks(data)
        else:
            blocks = _csv_blocks(data)
    except RoadmapFileError:
        raise
    except Exception as exc:  # a damaged file fails deep inside zipfile/lxml/openpyxl in many ways
        log.info("cannot open %s: %r", filename, exc)
        raise RoadmapFileError(_DAMAGED[kind]) from exc
    if not any(isinstance(b, GridTable) and b.rows for b in blocks):
        raise RoadmapFileError(
            "В документе нет ни одной таблицы. Мероприятия дорожной карты должны быть в таблице."
        )
    parser = _LayoutParser(blocks, strict_header=kind != "docx")
    try:
        parser.run()
        return parser.finish(period, PurePath(filename).stem)
    except RoadmapFileError:
        raise
    except Exception as exc:  # a bug on an unforeseen layout: the user gets a message, the log the trace
        log.exception("layout parsing failed for %s", filename)
        raise RoadmapFileError(
            "Не удалось разобрать структуру документа. Сохраните таблицу мероприятий в отдельный файл "
            ".docx или .xlsx и попробуйте снова."
        ) from exc


_DAMAGED = {
    "docx": "Файл повреждён: документ Word не читается. Откройте его в Word и сохраните заново как .docx.",
    "xlsx": "Файл повреждён: книга Excel не читается. Откройте её в Excel и сохраните заново как .xlsx.",
    "csv": "Файл CSV не удаётся прочитать: проверьте, что это текст с разделителями «;» или «,».",
}


# ------------------------------------------------------------------------------------------------- safety

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _detect_kind(data: bytes, filename: str) -> Literal["docx", "xlsx", "csv"]:
    """Decide by content what the file is, refusing anything unsafe or unsupported."""
    ext = PurePath(filename).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        raise RoadmapFileError(
            f"Файл слишком большой: {len(data) / 1024 / 1024:.1f} МБ, допускается не больше "
            f"{MAX_FILE_BYTES // 1024 // 1024} МБ."
        )
    if not data:
        raise RoadmapFileError("Файл пустой.")
    if data.startswith(_OLE_MAGIC):
        target = "Книга Excel (.xlsx)" if ext in (".xls", ".xlsx") else "Документ Word (.docx)"
        raise RoadmapFileError(
            "Документ защищён паролем или в старом формате .doc/.xls. Снимите пароль и выберите "
            f"«Файл → Сохранить как → {target}», затем загрузите новый файл."
        )
    if data.startswith(b"%PDF"):
        raise RoadmapFileError(
            "Это PDF, а не документ Word. Откройте его в Word и выберите «Сохранить как» .docx."
        )
    if data.startswith(b"{\\rtf"):
        raise RoadmapFileError("Это файл RTF. Откройте его в Word и выберите «Сохранить как» .docx.")
    if data.startswith(b"PK"):
        return _check_zip(data, ext)
    if ext in (".csv", ".txt", ".tsv"):
        return "csv"
    if ext in (".doc", ".xls"):
        raise RoadmapFileError(
            f"Формат {ext} не поддерживается: откройте файл и выберите «Сохранить как» .docx или .xlsx."
        )
    raise RoadmapFileError(
        f"Файл «{filename}» не является документом Word (.docx), книгой Excel (.xlsx) или таблицей CSV."
    )


def _check_zip(data: bytes, ext: str) -> Literal["docx", "xlsx"]:
    """Check an Office zip before anything parses it: size when unpacked, encryption, its kind."""
    damaged = "Файл повреждён: архив документа не открывается. Сохраните документ заново как .docx или .xlsx."
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception as exc:  # BadZipFile, but also ValueError/EOFError/struct errors on mangled headers
        raise RoadmapFileError(damaged) from exc
    declared = sum(info.file_size for info in infos)
    if len(infos) > MAX_ZIP_MEMBERS or declared > MAX_UNPACKED_BYTES:
        raise RoadmapFileError(
            f"Файл распаковывается больше чем в {MAX_UNPACKED_BYTES // 1024 // 1024} МБ "
            "и не может быть обработан (возможно, это «zip-бомба»)."
        )
    if any(info.flag_bits & 0x1 for info in infos):
        raise RoadmapFileError("Документ защищён паролем. Снимите пароль и сохраните его заново.")
    names = {info.filename for info in infos}
    if "word/document.xml" in names:
        kind: Literal["docx", "xlsx"] = "docx"
    elif "xl/workbook.xml" in names:
        kind = "xlsx"
    elif "content.xml" in names:
        raise RoadmapFileError(
            "Формат OpenDocument (.odt/.ods) не поддерживается: сохраните файл как .docx или .xlsx."
        )
    else:
        raise RoadmapFileError("Это архив, а не документ Word (.docx) или книга Excel (.xlsx).")
    # The central directory may lie; read every member for real with a running cap (zipfile also stops
    # at the declared size and checks the CRC, which catches a mangled member before python-docx does).
    total = 0
    try:
        for info in infos:
            with archive.open(info) as member:
                head = True
                while chunk := member.read(1 << 20):
                    total += len(chunk)
                    if total > MAX_UNPACKED_BYTES:
                        raise RoadmapFileError(
                            f"Файл распаковывается больше чем в {MAX_UNPACKED_BYTES // 1024 // 1024} МБ "
                            "и не может быть обработан."
                        )
                    # Entity declarations are never needed in Office XML and enable entity-expansion attacks.
                    if head and info.filename.endswith((".xml", ".rels")) and b"<!DOCTYPE" in chunk[:4096]:
                        raise RoadmapFileError(
                            "Файл содержит недопустимые конструкции XML и не может быть открыт."
                        )
                    head = False
    except RoadmapFileError:
        raise
    except Exception as exc:
        raise RoadmapFileError(damaged) from exc
    if kind == "docx" and ext in (".xlsx", ".csv"):
        log.info("file named %s is a Word document", ext)
    return kind


# ---------------------------------------------------------------------------------------- sheets and CSV


def _xlsx_blocks(data: bytes) -> list[Block]:
    """Read every worksheet of a workbook into a grid, merged ranges resolved."""
    import openpyxl  # noqa: PLC0415 — only spreadsheet imports pay for it

    with warnings.catch_warnings():
        # openpyxl warns about features it drops (data validation, conditional formats); irrelevant here.
        warnings.simplefilter("ignore")
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    blocks: list[Block] = []
    for sheet in book.worksheets:
        height, width = min(sheet.max_row, MAX_SHEET_ROWS), min(sheet.max_column, MAX_SHEET_COLUMNS)
        values = [
            [_cell_value(v) for v in row]
            for row in sheet.iter_rows(min_row=1, max_row=height, max_col=width, values_only=True)
        ]
        merges = [
            (m.min_row - 1, m.min_col - 1, m.max_row - 1, m.max_col - 1) for m in sheet.merged_cells.ranges
        ]
        blocks.append(_grid(values, merges, name=sheet.title))
    return blocks


def _cell_value(value: object) -> str:
    """Render a spreadsheet value as the text a user sees."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def _csv_blocks(data: bytes) -> list[Block]:
    """Decode a CSV (UTF-8 with or without BOM, UTF-16, cp1251) and split it on the sniffed delimiter."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif data.startswith(b"\xef\xbb\xbf"):
        text = data.decode("utf-8-sig")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1251")
    if "\x00" in text or sum(ch < " " and ch not in "\t\r\n" for ch in text[:20000]) > 20:
        raise RoadmapFileError("Файл не похож на таблицу CSV: он содержит двоичные данные.")
    lines = text.splitlines()
    delimiter = max(";,\t", key=lambda d: _delimiter_score(lines[:50], d))
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    return [_grid(rows[:MAX_SHEET_ROWS], [], name="")]


def _delimiter_score(lines: list[str], delimiter: str) -> tuple[int, int]:
    """Score a delimiter by how many sample rows share the modal field count (then by that count)."""
    widths = [len(r) for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)]
    if not widths:
        return (0, 0)
    width, count = Counter(widths).most_common(1)[0]
    return (count if width > 1 else 0, width)


def _grid(values: list[list[str]], merges: list[tuple[int, int, int, int]], name: str) -> GridTable:
    """Build a grid from plain rows and merged ranges (row0, col0, row1, col1, inclusive)."""
    width = min(max((len(r) for r in values), default=0), MAX_SHEET_COLUMNS)
    rows = [
        [GridCell(r[c] if c < len(r) else "", (i, c)) for c in range(width)] for i, r in enumerate(values)
    ]
    for r0, c0, r1, c1 in merges:
        if r0 >= len(rows) or c0 >= width:
            continue
        top = rows[r0][c0]
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            for c in range(c0, min(c1, width - 1) + 1):
                rows[r][c] = GridCell(top.text, top.origin, c1 - c0 + 1, continued=r > r0)
    return GridTable(rows, first_row=1, name=name)


# ---------------------------------------------------------------------------------------------------- text

_WS = re.compile(r"\s+")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_BREAK_HYPHEN = re.compile(r"(\w+)([-‐‑])[ \t]*\n\s*(\w+)")
_SPACED_HYPHEN = re.compile(r"([а-яё]+)- ([а-яё]+)")
_WORDS = re.compile(r"[а-яёa-z]{3,}")


class _Cleaner:
    """Normalise whitespace and join PDF hyphenation when the document itself knows the joined word."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.vocabulary = {w for t in texts for w in _WORDS.findall(t.lower())}

    def __call__(self, text: str) -> str:
        """Return `text` on one line with single spaces."""
        text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_INVISIBLE)
        text = re.sub(r"\u00ad\s*", "", text)
        text = _BREAK_HYPHEN.sub(self._join_break, text)
        text = _SPACED_HYPHEN.sub(self._join_spaced, text)
        return _WS.sub(" ", text).strip()

    def _join_break(self, m: re.Match[str]) -> str:
        left, hyphen, right = m.groups()
        if right[:1].islower() and (left + right).lower() in self.vocabulary:
            return left + right
        # Unknown: keep the hyphen but not the break («учителей-предметников»).
        return left + hyphen + right

    def _join_spaced(self, m: re.Match[str]) -> str:
        left, right = m.groups()
        joined = left + right
        return joined if joined.lower() in self.vocabulary else m.group(0)


_PLAIN = _Cleaner(())


def _plain(text: str) -> str:
    """Collapse whitespace without any vocabulary (headers, headings)."""
    return _PLAIN(text)


def _letters(text: str) -> str:
    """Return lower-case letters only, ё as е: the form headers are matched in."""
    return re.sub(r"[^a-zа-я]", "", text.lower().replace("ё", "е"))


# ------------------------------------------------------------------------------------------ header matching

# (role, keywords). The role whose keyword occurs earliest in the header wins; ties go to the earlier rule.
_ROLE_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("completion", ("отметк", "выполнени", "исполнени", "статус")),
    ("deadline", ("срок", "дата", "времяпроведения", "периодичн", "когда")),
    ("participants", ("участ", "соисполнит", "привлекаем")),
    ("responsible", ("ответствен", "координац", "исполнител", "куратор")),
    ("control", ("контрол",)),
    ("result", ("результат", "продукт", "документ", "показател", "индикатор", "итог", "эффект", "отчетн")),
    (
        "title",
        ("мероприят", "наименован", "содержани", "действи", "предмет", "видработ", "название", "работ"),
    ),
    ("task", ("задач",)),
    ("direction", ("направлени", "раздел", "цель", "цели", "блок", "модул", "механизм")),
)
_CONTENT_ROLES = frozenset({"title", "deadline", "responsible", "participants", "result", "year"})
_NUMBER_HEADER = re.compile(r"(№+|n|no|#|номер)\s*(п\s*[/.]?\s*п\.?)?\.?|п\s*/\s*п\.?|№.{0,18}", re.I)
_ACADEMIC_YEAR = re.compile(r"(?<!\d)(20\d\d)\s*[/\\\-–—]\s*(20\d\d|\d\d)(?!\d)")
_NUMBER = re.compile(r"(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,7})[.)]?")
_MAX_HEADER_LEN = 100


def _classify_header(text: str) -> str | None:
    """Return the role a header text names, or None."""
    if not text or len(text) > _MAX_HEADER_LEN:
        return None
    if _NUMBER_HEADER.fullmatch(text.strip()):
        return "number"
    letters = _letters(text)
    best: tuple[int, int, str] | None = None
    for order, (role, keywords) in enumerate(_ROLE_RULES):
        for keyword in keywords:
            pos = letters.find(keyword)
            if pos >= 0 and (best is None or (pos, order) < best[:2]):
                best = (pos, order, role)
    if best:
        return best[2]
    # Typos («Мероприяия», «Ответсвенный»): compare each word's prefix with the keyword stems.
    for word in re.findall(r"[а-яё]{5,}", text.lower().replace("ё", "е")):
        for role, keywords in _ROLE_RULES:
            for keyword in keywords:
                if (
                    len(keyword) >= 5
                    and difflib.SequenceMatcher(None, word[: len(keyword)], keyword).ratio() >= 0.8
                ):
                    return role
    return None


def _year_label(text: str) -> tuple[str, int] | None:
    """Return ("2021/2022", 2021) for an academic-year header, else None."""
    if len(text) > 40:
        return None
    m = _ACADEMIC_YEAR.search(text)
    if not m:
        return None
    first, second = int(m.group(1)), m.group(2)
    last = int(second) if len(second) == 4 else first // 100 * 100 + int(second)
    return (f"{first}/{last}", first) if last == first + 1 else None


def _is_number(text: str) -> bool:
    """Tell whether a cell text is an activity or section number («1», «1.16.4», «12.», «II»)."""
    return bool(_NUMBER.fullmatch(text.replace(" ", "").lstrip("№")))


def _normal_number(text: str) -> str:
    """Return a number as written, without spaces, «№» and a trailing dot or bracket."""
    return text.replace(" ", "").lstrip("№").rstrip(".)")


@dataclass(slots=True)
class _ColumnMap:
    """What each grid column of a table holds."""

    roles: dict[str, list[int]]
    years: list[tuple[str, int, int]]  # (label, academic year, column)
    labels: dict[int, str]
    header_texts: list[str]
    width: int
    title_source: Literal["column", "years", "none"] = "column"

    def col(self, role: str) -> int | None:
        """Return the first column of a role."""
        cols = self.roles.get(role)
        return cols[0] if cols else None


def _distinct(row: Sequence[GridCell]) -> list[tuple[int, GridCell]]:
    """Return (first column, cell) for each merged block of a row, in order."""
    seen: set[tuple[int, int]] = set()
    out = []
    for c, cell in enumerate(row):
        if cell.origin not in seen:
            seen.add(cell.origin)
            out.append((c, cell))
    return out


def _row_roles(row: Sequence[GridCell]) -> set[str]:
    """Return the roles named by a row's short cells."""
    roles = set()
    for _, cell in _distinct(row):
        text = _plain(cell.text)
        role = "year" if _year_label(text) else _classify_header(text)
        if role:
            roles.add(role)
    return roles


def _is_column_numbers(row: Sequence[GridCell]) -> bool:
    """Tell whether a row only numbers the columns («1 | 2 | 3 | …»)."""
    texts = [_plain(c.text) for _, c in _distinct(row) if not c.continued and c.text.strip()]
    return (
        len(texts) >= 3
        and all(t.isdigit() for t in texts)
        and [int(t) for t in texts] == sorted(int(t) for t in texts)
        and int(texts[0]) <= 2
    )


def _find_header(table: GridTable) -> tuple[int, int] | None:
    """Return (index of the first header row, number of header rows) of a table, or None."""
    for i, row in enumerate(table.rows[:12]):
        roles = _row_roles(row)
        if len(roles) >= 2 and roles & _CONTENT_ROLES:
            n = 1
            while i + n < len(table.rows) and n < 4:
                nxt = table.rows[i + n]
                own = [_plain(c.text) for _, c in _distinct(nxt) if not c.continued and c.text.strip()]
                if _is_column_numbers(nxt):
                    n += 1
                    break
                classified = sum(bool(_year_label(t) or _classify_header(t)) for t in own)
                if (
                    len(own) >= 2
                    and all(len(t) <= _MAX_HEADER_LEN and not _is_number(t) for t in own)
                    and classified * 2 >= len(own)
                ):
                    n += 1
                else:
                    break
            return i, n
    return None


def _column_map(table: GridTable, start: int, count: int) -> _ColumnMap:
    """Assign a role to each grid column from its lowest non-empty header text."""
    header = [row for row in table.rows[start : start + count] if not _is_column_numbers(row)]
    roles: dict[str, list[int]] = {}
    years: list[tuple[str, int, int]] = []
    labels: dict[int, str] = {}
    for c in range(table.width):
        text = next((t for row in reversed(header) if (t := _plain(row[c].text))), "")
        labels[c] = text
        if year := _year_label(text):
            years.append((year[0], year[1], c))
        elif role := _classify_header(text):
            roles.setdefault(role, []).append(c)
    cmap = _ColumnMap(roles, years, labels, [labels[c] for c in range(table.width)], table.width)
    data = table.rows[start + count :]
    if "number" not in roles and not labels.get(0) and data:
        # Layout 2: the «№» heading is left empty; the column is numbers all the same.
        texts = [t for row in data if (t := _plain(row[0].text))]
        if texts and sum(map(_is_number, texts)) * 2 >= len(texts):
            roles["number"] = [0]
    if "title" not in roles:
        for fallback in ("task", "direction"):
            if fallback in roles:
                roles["title"] = roles.pop(fallback)
                break
        else:
            cmap.title_source = "years" if years else "none"
    return cmap


# ---------------------------------------------------------------------------------------------- layout

_TOP_HEADING = re.compile(r"^(?:[IVXLC]{1,6}\.?\s|раздел\b|часть\b|глава\b)", re.I)
_SECTION_WORDS = re.compile(
    r"^(?:[IVXLC]{1,6}\.?\s|раздел\b|подраздел\b|направлени[ея]\b|задача\b|блок\b|модуль\b|цель\b)", re.I
)
_SECTION_RANK = (
    (re.compile(r"^(раздел|часть|глава)\b", re.I), 0),
    (re.compile(r"^(направлени|систем|блок|модул|механизм)", re.I), 1),
    (re.compile(r"^(функциональная\s+)?задач", re.I), 2),
)
_LEADING_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,3})*\.?|[IVXLC]{1,6}\.?)\s+(?=\S)")
_SKIPPED_PARAGRAPH = re.compile(r"^(продолжение|окончание)\s+табл|^таблица\s*№?\s*\d*\.?$", re.I)
_TITLE_HINT = re.compile(r"дорожн\w*\s+карт|программ|план\w*\s+мероприят|\bплан\b|комплекс\w*\s+мер", re.I)
_APPROVAL_LINE = re.compile(
    r"^(утвержд|согласован|приложени|к\s+приказу|к\s+постановлени|к\s+распоряжени|приказ|постановлени|"
    r"распоряжени|от\b|№|председател|начальник|директор|руководител|глав[аы]\b|м\.\s*п\.)",
    re.I,
)
_GOAL = re.compile(r"^цел[ьи]\b[^:]{0,40}:?\s*", re.I)
_TASKS = re.compile(r"^задачи\b[^:]{0,40}:?", re.I)
_LIST_ITEM = re.compile(r"^(\d{1,2}[.)]|[-–—•·]|[а-яё])")


@dataclass(slots=True)
class _Section:
    title: str
    number: str
    key: tuple[int, ...] | None  # numeric components, Roman numerals converted
    roman: bool
    rank: int | None


@dataclass(slots=True)
class _Draft:
    """An activity being assembled from one or more table rows."""

    row: int
    number: str | None
    fields: dict[str, str]
    years: dict[str, str] | None
    path: list[str]
    path_numbers: list[str]
    number_origin: tuple[int, int] | None
    title_origin: tuple[int, int] | None


class _LayoutParser:
    """Walk paragraphs and tables, tracking sections, and turn table rows into activity drafts."""

    def __init__(self, blocks: list[Block], strict_header: bool) -> None:
        self.blocks = blocks
        self.strict_header = strict_header
        self.warnings: list[ImportWarning] = []
        self.drafts: list[_Draft] = []
        self.front: list[str] = []  # paragraphs before the first table with a header
        self.pending: list[str] = []  # paragraphs since the last table
        self.base_path: list[str] = []
        self.base_has_top = False
        self.sections: list[_Section] = []
        self.cmap: _ColumnMap | None = None
        self.prev: _Draft | None = None
        self.started = False
        self.extra_text: list[str] = []  # text of tables without a header, searched for the period
        self.multi_sheet = sum(isinstance(b, GridTable) and bool(b.name) for b in blocks) > 1

    # -- document walk

    def run(self) -> None:
        """Parse every block."""
        tables = [b for b in self.blocks if isinstance(b, GridTable) and b.rows]
        headers = {id(t): _find_header(t) for t in tables}
        if not any(headers.values()):
            if self.strict_header:
                raise RoadmapFileError(
                    "В таблице не найдена строка заголовков. Нужны столбцы вроде «№», «Мероприятие», "
                    "«Срок», «Ответственный», «Результат»."
                )
            self._positional_fallback(tables)
            return
        for block in self.blocks:
            if isinstance(block, DocParagraph):
                if text := _plain(block.text):
                    self.pending.append(text)
                continue
            if not block.rows:
                continue
            try:
                self._table(block, headers[id(block)])
            except Exception:  # one odd table must not cost the whole preview
                log.exception("table at row %s failed", block.first_row)
                self._warn(block.first_row, "Таблицу не удалось разобрать; её мероприятия не импортированы.")

    def _table(self, table: GridTable, header: tuple[int, int] | None) -> None:
        """Parse one table: headings above it, its header, then its rows."""
        start = 0
        if header:
            first, count = header
            pre = [_plain(c.text) for row in table.rows[:first] for _, c in _distinct(row)]
            self.pending.extend(t for t in pre if t)
            self.cmap = _column_map(table, first, count)
            start = first + count
            self._warn_columns(table)
            self.prev = None
        elif self.cmap is None or self.cmap.width != table.width:
            if self.started:
                self._warn(table.first_row, "Таблица без строки заголовков пропущена: столбцы не распознаны.")
            self.extra_text.extend(_plain(c.text) for row in table.rows for _, c in _distinct(row))
            return
        self._headings(self.pending)
        self.pending = []
        if header and self.multi_sheet:
            self.base_path, self.base_has_top = [table.name], True
        self.started = True
        assert self.cmap is not None
        for r in range(start, len(table.rows)):
            self._row(table.rows[r], table.first_row + r, self.cmap, table.name)

    def _headings(self, paragraphs: list[str]) -> None:
        """Update the section path from the paragraphs above a table."""
        if not self.started:
            self.front = list(paragraphs)
            paragraphs = paragraphs[_front_matter_end(paragraphs) :]
        items: list[str] = []
        for text in paragraphs:
            if _SKIPPED_PARAGRAPH.match(text) or len(text) > 300:
                continue
            if text.startswith("(") and text.endswith(")"):
                continue  # the aim of the section, «(Создать …)», is not part of its name
            if items and (text[0].islower() or items[-1].endswith((",", "-", "–", ":"))):
                items[-1] += " " + text
            else:
                items.append(text)
        if not items:
            return
        tops = [i for i, t in enumerate(items) if _TOP_HEADING.match(t)]
        if tops:
            self.base_path, self.base_has_top = items[tops[-1] :], True
        elif self.base_has_top:
            self.base_path = self.base_path[:1] + items
        else:
            self.base_path = items
        self.sections = []
        self.prev = None

    # -- rows

    def _row(self, row: list[GridCell], rowno: int, cmap: _ColumnMap, sheet: str) -> None:
        """Turn one data row into a section, an activity, or a continuation of the previous activity."""
        own = [(c, cell) for c, cell in _distinct(row) if not cell.continued and cell.text.strip()]
        if not own or _is_column_numbers(row):
            return
        named = [(_plain(cell.text), h) for cell, h in zip(row, cmap.header_texts, strict=False) if h]
        if named and sum(t == h for t, h in named) * 5 >= 3 * len(named):
            return  # a header repeated as a real row (PDF conversions do this on every page)
        if self._section_row(row, own, cmap):
            return
        ncol = cmap.col("number")
        tcol = cmap.col("title")
        num_cell = row[ncol] if ncol is not None else None
        title_cell = row[tcol] if tcol is not None else None
        prev = self.prev
        num_text = _plain(num_cell.text) if num_cell is not None else ""
        if (
            prev
            and title_cell is not None
            and title_cell.continued
            and title_cell.origin == prev.title_origin
            and (num_cell is None or not num_text or num_cell.origin == prev.number_origin)
        ):
            self._append(prev, row, cmap, "; ")  # one activity spread over rows by a merged title cell
            return
        if not num_text and prev and self._continues(row, cmap, own):
            self._append(prev, row, cmap, "\n")
            self._warn(
                rowno,
                f"Строка без номера продолжает мероприятие {prev.number or ''} (строка {prev.row}) — "
                "вероятно, перенос на новую страницу; текст присоединён к нему.",
                sheet,
            )
            return
        self._activity(row, rowno, cmap, num_text, sheet)

    def _section_row(self, row: list[GridCell], own: list[tuple[int, GridCell]], cmap: _ColumnMap) -> bool:
        """Recognise a row spanning the table (a direction, part or numbered group) and enter it."""
        width = cmap.width
        wide = max(2, -(-width * 3 // 5))
        ncol = cmap.col("number")
        number = ""
        if len(own) == 1 and own[0][1].span >= wide:
            cell = own[0][1]
        elif (
            len(own) == 2
            and own[0][0] in (0, ncol)
            and _is_number(_plain(own[0][1].text))
            and own[1][1].span >= max(2, -(-(width - 1) * 3 // 5))
        ):
            number, cell = _normal_number(_plain(own[0][1].text)), own[1][1]
        elif (
            len(own) == 1
            and not any(c.continued for c in row)
            and not _is_number(text := _plain(own[0][1].text))
            and (_SECTION_WORDS.match(text) or (own[0][0] == ncol and ncol != cmap.col("title")))
        ):
            cell = own[0][1]  # a direction row of a spreadsheet: text alone, nothing merged
        else:
            return False
        lines = [ln.strip() for ln in cell.text.split("\n") if ln.strip()]
        if not number and len(lines) > 1 and _is_number(lines[0]):
            number, text = _normal_number(lines[0]), _plain(" ".join(lines[1:]))
        else:
            text = _plain(cell.text)
            if not number and (m := _LEADING_NUMBER.match(text)):
                number, text = _normal_number(m.group(1)), text[m.end() :]
        self._enter_section(_Section(text, number, _number_key(number), _is_roman(number), _rank(text)))
        self.prev = None
        return True

    def _enter_section(self, new: _Section) -> None:
        """Put a section on the stack below its nearest ancestor."""
        while self.sections and not _is_parent(self.sections[-1], new):
            self.sections.pop()
        self.sections.append(new)

    def _leave_sibling_sections(self, number: str | None) -> None:
        """Close a numbered group when an activity is numbered as its sibling (1.17 after group 1.16)."""
        key = _number_key(number or "") if number and not _is_roman(number) else None
        while key and len(key) >= 2 and self.sections:
            top = self.sections[-1]
            if (
                top.roman
                or not top.key
                or len(top.key) != len(key)
                or top.key[:-1] != key[:-1]
                or top.key == key
            ):
                break
            self.sections.pop()

    def _continues(self, row: list[GridCell], cmap: _ColumnMap, own: list[tuple[int, GridCell]]) -> bool:
        """Tell whether a row without a number carries the rest of the row above (a page break)."""
        tcol = cmap.col("title")
        if tcol is not None and (row[tcol].continued or not row[tcol].text.strip()):
            return True
        first = _plain(own[0][1].text)
        return bool(first) and (first[0].islower() or first[0] in ",;:)»-–—")

    def _fields(self, row: list[GridCell], cmap: _ColumnMap, own_only: bool) -> dict[str, str]:
        """Collect each role's raw text from a row (several columns of a role are joined)."""
        fields = {}
        for role in FIELD_ROLES:
            cols = cmap.roles.get(role)
            if not cols:
                continue
            seen: set[tuple[int, int]] = set()
            parts = []
            for c in cols:
                cell = row[c]
                if cell.origin in seen or (own_only and cell.continued):
                    continue
                seen.add(cell.origin)
                parts.append(cell.text)
            fields[role] = "\n".join(p for p in parts if p.strip())
        return fields

    def _years(self, row: list[GridCell], cmap: _ColumnMap, own_only: bool) -> dict[str, str] | None:
        """Collect the academic-year cells of a row."""
        if not cmap.years:
            return None
        return {label: ("" if own_only and row[c].continued else row[c].text) for label, _, c in cmap.years}

    def _append(self, draft: _Draft, row: list[GridCell], cmap: _ColumnMap, sep: str) -> None:
        """Append a row's own texts to an activity."""
        for role, text in self._fields(row, cmap, own_only=True).items():
            if text.strip():
                draft.fields[role] = _join(draft.fields.get(role, ""), text, sep)
        if draft.years is not None:
            for label, text in (self._years(row, cmap, own_only=True) or {}).items():
                if text.strip():
                    draft.years[label] = _join(draft.years.get(label, ""), text, sep)

    def _activity(self, row: list[GridCell], rowno: int, cmap: _ColumnMap, num_text: str, sheet: str) -> None:
        """Start a new activity from a row."""
        fields = self._fields(row, cmap, own_only=False)
        number: str | None = None
        if num_text:
            if _is_number(num_text) or len(num_text) <= 12:
                number = _normal_number(num_text) if _is_number(num_text) else num_text
            else:
                self._warn(rowno, f"В столбце номера стоит текст «{num_text[:60]}» — номер не задан.", sheet)
        elif "number" in cmap.roles:
            self._warn(rowno, "У мероприятия нет номера.", sheet)
        self._leave_sibling_sections(number)
        path = [s.title for s in self.sections]
        numbers = [s.number for s in self.sections]
        for role in ("direction", "task"):
            for c in cmap.roles.get(role, [])[:1]:
                if text := _plain(row[c].text):
                    path.append(text)
                    numbers.append("")
        ncol, tcol = cmap.col("number"), cmap.col("title")
        draft = _Draft(
            rowno,
            number,
            fields,
            self._years(row, cmap, own_only=False),
            self.base_path + path,
            [""] * len(self.base_path) + numbers,
            row[ncol].origin if ncol is not None else None,
            row[tcol].origin if tcol is not None else None,
        )
        self.drafts.append(draft)
        self.prev = draft

    # -- fallbacks and warnings

    def _positional_fallback(self, tables: list[GridTable]) -> None:
        """Read the biggest table by position when no header matched anywhere (unknown layout)."""
        table = max(tables, key=lambda t: len(t.rows) * t.width)
        self.pending = [
            t
            for b in self.blocks[: next(i for i, b in enumerate(self.blocks) if b is table)]
            if isinstance(b, DocParagraph) and (t := _plain(b.text))
        ]
        first_col = [t for row in table.rows if (t := _plain(row[0].text))]
        numbered = table.width > 1 and sum(map(_is_number, first_col)) * 2 >= max(1, len(first_col))
        roles = {"number": [0], "title": [1]} if numbered else {"title": [0]}
        self.cmap = _ColumnMap(roles, [], {}, [""] * table.width, table.width)
        self._warn(
            table.first_row,
            "Строка заголовков таблицы не распознана: номер и наименование взяты по положению столбцов, "
            "остальные столбцы не импортированы. Проверьте мероприятия.",
        )
        self._headings(self.pending)
        self.started = True
        for r, row in enumerate(table.rows):
            if numbered and not self.drafts and not _is_number(_plain(row[0].text)):
                continue  # whatever heads a numbered table is its unrecognised header
            self._row(row, table.first_row + r, self.cmap, table.name)

    def _warn_columns(self, table: GridTable) -> None:
        """Warn about header columns that were not recognised."""
        cmap = self.cmap
        assert cmap is not None
        used = {c for cols in cmap.roles.values() for c in cols} | {c for _, _, c in cmap.years}
        for c in range(cmap.width):
            if c not in used and cmap.labels.get(c) and (c == 0 or cmap.labels[c] != cmap.labels.get(c - 1)):
                self._warn(
                    table.first_row,
                    f"Столбец «{cmap.labels[c][:80]}» не распознан — его данные не импортированы.",
                    table.name,
                )
        if cmap.title_source == "years":
            self._warn(
                table.first_row,
                "В таблице нет столбца с наименованием мероприятия: оно взято из текста по учебным годам.",
                table.name,
            )
        elif cmap.title_source == "none":
            self._warn(table.first_row, "Не найден столбец с наименованием мероприятия.", table.name)

    def _warn(self, row: int | None, message: str, sheet: str = "") -> None:
        """Record a warning (prefixed with the sheet when a workbook has several)."""
        if sheet and self.multi_sheet:
            message = f"Лист «{sheet}»: {message}"
        self.warnings.append(ImportWarning(row, message))

    # -- result

    def finish(self, period: tuple[date, date] | None, fallback_title: str) -> ParsedRoadmap:
        """Clean the texts, find the title and period, and compute every schedule."""
        raw = [t for d in self.drafts for t in (*d.fields.values(), *(d.years or {}).values())]
        clean = _Cleaner(raw + self.front)
        front = _front(self.front, self.extra_text)
        title = front.title or fallback_title
        deadline_texts = [_plain(d.fields.get("deadline", "")) for d in self.drafts] + [
            _plain(t) for d in self.drafts for t in (d.years or {}).values()
        ]
        year_columns = sorted({ay for d in self.drafts for ay in _draft_years(d)})
        found, source, notes = _period(period, title, self.front + self.extra_text, front.approval_date,
                                       deadline_texts, year_columns)  # fmt: skip
        self.warnings[:0] = [ImportWarning(None, n) for n in notes]
        activities = [self._activity_of(d, clean, found) for d in self.drafts]
        self._check_duplicates(activities)
        if not activities:
            self.warnings.append(ImportWarning(None, "В документе не найдено ни одного мероприятия."))
        # Document-level notes first, then by row; the sort is stable, so a row's warnings keep their order.
        self.warnings.sort(key=lambda w: (w.row is not None, w.row or 0))
        return ParsedRoadmap(
            title,
            found,
            source,
            front.goal,
            activities,
            self.warnings,
            front.approval_date,
            front.approval_number,
        )

    def _activity_of(
        self, draft: _Draft, clean: Callable[[str], str], period: tuple[date, date]
    ) -> ParsedActivity:
        """Build the final activity from a draft."""
        cmap_fields = {role: clean(text) for role, text in draft.fields.items()}
        years = (
            {label: clean(text) for label, text in draft.years.items()} if draft.years is not None else None
        )
        title = cmap_fields.get("title", "")
        if not title and years:
            first = next((t for t in years.values() if t), "")
            title = re.sub(r"\s*\([^()]*\)\s*$", "", first)
        if not title:
            self._warn(draft.row, "У мероприятия нет наименования.")
        activity = ParsedActivity(
            row=draft.row,
            number=draft.number,
            title=title,
            section_path=[clean(p) for p in draft.path],
            deadline_text=cmap_fields.get("deadline"),
            responsible=cmap_fields.get("responsible"),
            participants=cmap_fields.get("participants"),
            result=cmap_fields.get("result"),
            control=cmap_fields.get("control"),
            completion_mark=cmap_fields.get("completion"),
            years=years,
            section_numbers=draft.path_numbers,
        )
        _apply_schedule(activity, period, self.warnings)
        return activity

    def _check_duplicates(self, activities: list[ParsedActivity]) -> None:
        """Warn when a number repeats inside one section."""
        seen: dict[tuple[tuple[str, ...], str], int] = {}
        for a in activities:
            if not a.number:
                continue
            key = (tuple(a.section_path), a.number)
            if key in seen:
                self.warnings.append(
                    ImportWarning(
                        a.row, f"Номер {a.number} уже встречался в этом разделе (строка {seen[key]})."
                    )
                )
            else:
                seen[key] = a.row


def _join(left: str, right: str, sep: str) -> str:
    """Join two raw fragments of one field."""
    return f"{left}{sep}{right}" if left.strip() else right


def _draft_years(draft: _Draft) -> Iterable[int]:
    """Yield the academic years of a draft's non-empty year cells."""
    for label, text in (draft.years or {}).items():
        if text.strip():
            yield int(label[:4])


def _roman(text: str) -> int | None:
    """Convert a Roman numeral (I … XXXIX and so on) to an integer."""
    values = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    if not text or any(ch not in values for ch in text):
        return None
    total = 0
    for ch, nxt in zip(text, [*text[1:], ""], strict=True):
        v = values[ch]
        total += -v if nxt and values[nxt] > v else v
    return total


def _is_roman(number: str) -> bool:
    return bool(number) and _roman(number) is not None


def _number_key(number: str) -> tuple[int, ...] | None:
    """Return the numeric components of a section number."""
    if not number:
        return None
    if (roman := _roman(number)) is not None:
        return (roman,)
    try:
        return tuple(int(p) for p in number.split(".") if p)
    except ValueError:
        return None


def _rank(text: str) -> int | None:
    """Return the hierarchy rank a section title's first word implies (раздел < направление < задача)."""
    return next((rank for pattern, rank in _SECTION_RANK if pattern.match(text)), None)


def _is_parent(parent: _Section, child: _Section) -> bool:
    """Tell whether `child` nests inside `parent` (by numbering, else by the words they start with)."""
    if parent.key and child.key:
        if parent.roman != child.roman:
            return parent.roman  # Roman parts hold Arabic-numbered directions, never the other way round
        return len(parent.key) < len(child.key) and child.key[: len(parent.key)] == parent.key
    if parent.rank is not None and child.rank is not None:
        return parent.rank < child.rank
    # A numbered sub-section under an unnumbered heading nests; an unnumbered one replaces its sibling.
    return parent.key is None and child.key is not None


# --------------------------------------------------------------------------------- title, goal and period


@dataclass(slots=True)
class _Front:
    title: str = ""
    goal: str = ""
    approval_date: date | None = None
    approval_number: str | None = None


_MONTHS_GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
_APPROVAL_DATE = re.compile(r"\bот\s*«?\s*(\d{1,2})\s*»?[\s.]*(\d{1,2}|[а-я]+)[\s.]+((?:19|20)\d\d)", re.I)
_APPROVAL_NUMBER = re.compile(r"№\s*([\w][\w\-/.]*)")
_YEAR_RANGE = re.compile(r"(?<!\d)((?:19|20)\d\d)\s*(?:г\.?\s*)?[-–—]\s*((?:19|20)\d\d)(?!\d)")
_ACADEMIC_RANGE = re.compile(
    r"(?<!\d)(20\d\d)\s*/\s*\d{2,4}\s*[-–—]\s*(20\d\d)\s*/\s*(\d{2,4})\s*(?:уч|учебн)", re.I
)
_UNTIL_YEAR = re.compile(r"\bдо\s+((?:19|20)\d\d)\s*(?:г|год)", re.I)
_SINGLE_YEAR = re.compile(r"\bна\s+((?:19|20)\d\d)\s*(?:г\.|г\b|год)", re.I)
_ANY_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _front_matter_end(paragraphs: list[str]) -> int:
    """Return the index of the first paragraph after the approval block, title, goal and tasks."""
    end = 0
    title = _title_index(paragraphs)
    if title is not None:
        end = title + len(_title_parts(paragraphs, title))
    in_tasks = False
    for i in range(end, len(paragraphs)):
        text = paragraphs[i]
        if _GOAL.match(text) or _TASKS.match(text):
            in_tasks = bool(_TASKS.match(text)) or in_tasks
            end = i + 1
        elif in_tasks and _LIST_ITEM.match(text) and not _TOP_HEADING.match(text):
            end = i + 1
        elif text[:1].islower() and end == i:
            end = i + 1  # a goal or title broken over paragraphs
        else:
            break
    return end


def _title_index(paragraphs: list[str]) -> int | None:
    return next(
        (
            i
            for i, p in enumerate(paragraphs)
            if _TITLE_HINT.search(p) and not _APPROVAL_LINE.match(p) and len(p) <= 400
        ),
        None,
    )


def _title_parts(paragraphs: list[str], index: int) -> list[str]:
    """Return the paragraphs that make up the title starting at `index`."""
    parts = [paragraphs[index]]
    for nxt in paragraphs[index + 1 : index + 3]:
        title = " ".join(parts)
        if _GOAL.match(nxt) or _TASKS.match(nxt) or _TOP_HEADING.match(nxt) or nxt.startswith("("):
            break
        if (
            nxt[:1].islower()
            or (title.isupper() and len(title) < 60)
            or (not _has_period(title) and _has_period(nxt) and len(nxt) < 200)
        ):
            parts.append(nxt)
        else:
            break
    return parts


def _has_period(text: str) -> bool:
    return bool(_YEAR_RANGE.search(text) or _UNTIL_YEAR.search(text) or _ACADEMIC_RANGE.search(text))


def _front(paragraphs: list[str], extra: list[str]) -> _Front:
    """Find the title, the goal and the approval order in the text above the table."""
    front = _Front()
    index = _title_index(paragraphs)
    if index is not None:
        front.title = " ".join(_title_parts(paragraphs, index))
    else:
        front.title = next((p for p in paragraphs if not _APPROVAL_LINE.match(p) and len(p) <= 300), "")
    goals = [_GOAL.sub("", p, count=1) for p in paragraphs if _GOAL.match(p)]
    front.goal = " ".join(goals)
    # The approval block sits above the title, or in a layout table of its own (`extra`).
    for text in paragraphs[: index if index is not None else 15] + extra:
        if m := _APPROVAL_DATE.search(text):
            front.approval_date = _approval_date(*m.groups())
            if n := _APPROVAL_NUMBER.search(text[m.end() :] + " " + text[: m.start()]):
                front.approval_number = n.group(1).rstrip(".")
            if front.approval_date:
                break
    return front


def _approval_date(day: str, month: str, year: str) -> date | None:
    """Build the approval date from «12.01.2026» or «12 января 2026» parts."""
    month_number = (
        int(month)
        if month.isdigit()
        else next((i + 1 for i, m in enumerate(_MONTHS_GENITIVE) if month.lower().startswith(m[:3])), 0)
    )
    try:
        return date(int(year), month_number, int(day))
    except ValueError:
        return None


def _period(
    given: tuple[date, date] | None,
    title: str,
    paragraphs: list[str],
    approval: date | None,
    deadline_texts: list[str],
    year_columns: list[int],
) -> tuple[tuple[date, date], PeriodSource, list[str]]:
    """Return the roadmap period, where it came from and the notes to show about it."""
    if given:
        return given, "argument", []
    for text in [title, *paragraphs]:
        if m := _ACADEMIC_RANGE.search(text):
            first, last = int(m.group(1)), int(m.group(2)) + 1
            return (date(first, 9, 1), date(last, 8, 31)), "document", []
        if (m := _YEAR_RANGE.search(text)) and int(m.group(1)) <= int(m.group(2)) <= int(m.group(1)) + 15:
            return (date(int(m.group(1)), 1, 1), date(int(m.group(2)), 12, 31)), "document", []
        if m := _UNTIL_YEAR.search(text):
            end = int(m.group(1))
            if approval and approval.year <= end:
                return (date(approval.year, 1, 1), date(end, 12, 31)), "document", []
            years = [
                int(y) for t in deadline_texts for y in _ANY_YEAR.findall(t) if end - 15 <= int(y) <= end
            ]
            start = min(years) if years else end
            note = (
                f"Год начала периода не указан (нет даты приказа): принят {start} — самый ранний год "
                "в сроках мероприятий. Проверьте период."
                if years
                else f"Год начала периода не указан: принят {start}. Укажите период при импорте."
            )
            return (date(start, 1, 1), date(end, 12, 31)), "document", [note]
        if m := _SINGLE_YEAR.search(text):
            year = int(m.group(1))
            return (date(year, 1, 1), date(year, 12, 31)), "document", []
    if year_columns:
        start, end = date(year_columns[0], 9, 1), date(year_columns[-1] + 1, 8, 31)
        return (
            (start, end),
            "document",
            [
                "Период не указан в документе: взят по столбцам учебных годов, "
                f"{start:%d.%m.%Y}–{end:%d.%m.%Y}."
            ],
        )
    years = sorted({int(y) for t in deadline_texts for y in _ANY_YEAR.findall(t)})
    if years and years[-1] - years[0] <= 10:
        first, last = years[0], max(years[-1], years[0] + 2)
    else:
        first = date.today().year
        last = first + 2
    return (
        (date(first, 1, 1), date(last, 12, 31)),
        "default",
        [
            f"Период дорожной карты не найден в документе: принят 01.01.{first}–31.12.{last}. "
            "Укажите период при импорте."
        ],
    )


# ------------------------------------------------------------------------------------------------ schedule


def _apply_schedule(activity: ParsedActivity, period: tuple[date, date], warns: list[ImportWarning]) -> None:
    """Compute an activity's occurrences from its deadline text and academic-year cells."""
    inputs: list[tuple[str, int | None, str]] = []
    if activity.deadline_text:
        inputs.append((activity.deadline_text, None, ""))
    for label, text in (activity.years or {}).items():
        if text:
            inputs.append((text, int(label[:4]), label))
    if not inputs:
        activity.needs_review = True
        activity.schedule_note = "срок не указан"
        warns.append(ImportWarning(activity.row, "Срок мероприятия не указан — задайте расписание вручную."))
        return
    occurrences: set[tuple[date, date]] = set()
    notes: list[str] = []
    rules: list[str] = []
    review = False
    for text, academic_year, label in inputs:
        try:
            schedule = parse_deadline(text, period, academic_year=academic_year)
        except Exception:  # a parser bug on one odd phrase must not stop the import
            log.exception("parse_deadline failed on %r", text)
            review = True
            continue
        occurrences.update((o.start, o.due) for o in schedule.occurrences)
        review = review or bool(schedule.needs_review)
        if schedule.note:
            notes.append(f"{label}: {schedule.note}" if label else schedule.note)
        if schedule.rule:
            rules.append(f"{label}: {schedule.rule}" if label else schedule.rule)
    activity.occurrences = sorted(occurrences, key=lambda o: (o[1], o[0]))
    activity.needs_review = review
    activity.schedule_note = "; ".join(notes)
    activity.schedule_rule = "; ".join(rules)
    if not activity.occurrences:
        shown = activity.deadline_text or "; ".join(t for t, _, _ in inputs)
        warns.append(
            ImportWarning(
                activity.row, f"Срок «{shown[:100]}» не дал ни одной даты — задайте расписание вручную."
            )
        )


def correct_deadlines(parsed: ParsedRoadmap, corrections: dict[int, str]) -> None:
    """Replace the deadline texts of the activities at the given rows and recompute their schedules."""
    for activity in parsed.activities:
        text = corrections.get(activity.row)
        if text is None:
            continue
        # Drop exactly the warnings the old text produced, so the row's other warnings stay.
        stale: list[ImportWarning] = []
        _apply_schedule(activity, parsed.period, stale)
        for old in stale:
            if old in parsed.warnings:
                parsed.warnings.remove(old)
        activity.deadline_text = _plain(text) or None
        fresh: list[ImportWarning] = []
        _apply_schedule(activity, parsed.period, fresh)
        parsed.warnings.extend(fresh)
    parsed.warnings.sort(key=lambda w: (w.row is not None, w.row or 0))


# -------------------------------------------------------------------------------------------------- JSON


def to_json(parsed: ParsedRoadmap) -> dict[str, Any]:
    """Return the dry-run JSON of spec/import.md."""
    activities = []
    for a in parsed.activities:
        item: dict[str, Any] = {
            "number": a.number,
            "title": a.title,
            "section_path": list(a.section_path),
            "deadline_text": a.deadline_text,
            "responsible": a.responsible,
            "participants": a.participants,
            "result": a.result,
            "control": a.control,
        }
        if a.years is not None:
            item["years"] = dict(a.years)
        item["occurrences"] = [{"start": s.isoformat(), "due": d.isoformat()} for s, d in a.occurrences]
        item["needs_review"] = a.needs_review
        activities.append(item)
    return {
        "title": parsed.title,
        "period": {"start": parsed.period[0].isoformat(), "end": parsed.period[1].isoformat()},
        "activities": activities,
        "warnings": [{"row": w.row, "message": w.message} for w in parsed.warnings],
    }


# ---------------------------------------------------------------------------------------------- re-import


@dataclass(frozen=True, slots=True)
class ActivityKey:
    """An activity already in the database, as far as re-import comparison needs it."""

    id: int
    number: str | None
    title: str
    section_path: tuple[str, ...] = ()
    deadline_text: str | None = None
    responsible: str | None = None
    participants: str | None = None
    result: str | None = None
    control: str | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One changed field of a matched activity."""

    field: str
    old: str | list[str] | None
    new: str | list[str] | None


@dataclass(slots=True)
class ActivityChange:
    """A stored activity matched to a parsed one whose fields differ."""

    current: ActivityKey
    parsed: ParsedActivity
    changes: list[FieldChange]

    @property
    def fields(self) -> list[str]:
        """Return the names of the changed fields."""
        return [c.field for c in self.changes]


@dataclass(slots=True)
class Comparison:
    """The difference between the stored roadmap and a re-imported file."""

    added: list[ParsedActivity]
    removed: list[ActivityKey]
    changed: list[ActivityChange]
    unchanged: list[tuple[ActivityKey, ParsedActivity]]


_SAME_PLACE_SIMILARITY = 0.5
_TITLE_SIMILARITY = 0.8
_MAX_FUZZY_PAIRS = 200_000


def compare(current: list[ActivityKey], parsed: ParsedRoadmap) -> Comparison:
    """Match stored activities to parsed ones and list what was added, removed and changed."""
    new = parsed.activities
    titles_old = [_norm_title(c.title) for c in current]
    titles_new = [_norm_title(a.title) for a in new]
    match: dict[int, int] = {}  # parsed index -> current index

    def assign(candidates: list[tuple[float, int, int]]) -> None:
        # Greedy on (best score, then document order) keeps the result deterministic.
        for _, i, j in sorted(candidates, key=lambda x: (-x[0], x[1], x[2])):
            if i not in match and j not in match.values():
                match[i] = j

    by_place: dict[tuple[tuple[str, ...], str], list[int]] = {}
    for j, c in enumerate(current):
        if c.number:
            by_place.setdefault((_norm_path(c.section_path), c.number), []).append(j)
    assign(
        [
            (ratio, i, j)
            for i, a in enumerate(new)
            if a.number
            for j in by_place.get((_norm_path(a.section_path), a.number), [])
            if (ratio := _similarity(titles_new[i], titles_old[j], _SAME_PLACE_SIMILARITY))
            >= _SAME_PLACE_SIMILARITY
        ]
    )
    rest_new = [i for i in range(len(new)) if i not in match]
    rest_old = [j for j in range(len(current)) if j not in set(match.values())]
    candidates = []
    if len(rest_new) * len(rest_old) > _MAX_FUZZY_PAIRS:
        # Two large unrelated lists would make difflib quadratic: settle for identical titles.
        old_by_title: dict[str, list[int]] = {}
        for j in rest_old:
            old_by_title.setdefault(titles_old[j], []).append(j)
        pairs = [(1.0, i, j) for i in rest_new for j in old_by_title.get(titles_new[i], [])]
    else:
        pairs = [
            (ratio, i, j)
            for i in rest_new
            for j in rest_old
            if (ratio := _similarity(titles_new[i], titles_old[j], _TITLE_SIMILARITY)) >= _TITLE_SIMILARITY
        ]
    for ratio, i, j in pairs:
        # Identical titles recur in different sections («Анализ эффективности принятых мер»): prefer
        # the one in the same section, then the one with the same number.
        same_path = _norm_path(new[i].section_path) == _norm_path(current[j].section_path)
        score = ratio + 0.1 * same_path + 0.05 * ((new[i].number or "") == (current[j].number or ""))
        candidates.append((score, i, j))
    assign(candidates)
    matched_old = set(match.values())
    result = Comparison(
        added=[a for i, a in enumerate(new) if i not in match],
        removed=[c for j, c in enumerate(current) if j not in matched_old],
        changed=[],
        unchanged=[],
    )
    for i, a in enumerate(new):
        if i not in match:
            continue
        c = current[match[i]]
        changes = _changes(c, a)
        if changes:
            result.changed.append(ActivityChange(c, a, changes))
        else:
            result.unchanged.append((c, a))
    return result


def _changes(old: ActivityKey, new: ParsedActivity) -> list[FieldChange]:
    """List the fields that differ between a stored and a parsed activity."""
    out = []
    for name in COMPARED_FIELDS:
        before, after = getattr(old, name), getattr(new, name)
        if name == "section_path":
            if _norm_path(before) != _norm_path(after):
                out.append(FieldChange(name, list(before), list(after)))
        elif _WS.sub(" ", before or "").strip() != _WS.sub(" ", after or "").strip():
            out.append(FieldChange(name, before, after))
    return out


def _norm_title(text: str) -> str:
    return _WS.sub(" ", text or "").strip().casefold().replace("ё", "е")


def _norm_path(path: Sequence[str]) -> tuple[str, ...]:
    return tuple(_norm_title(p) for p in path)


def _similarity(a: str, b: str, floor: float) -> float:
    """Return difflib's ratio of two titles, skipping the full computation when it cannot reach `floor`."""
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
        return 0.0
    return matcher.ratio()
