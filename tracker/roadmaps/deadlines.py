"""Parse the free-text deadline of a roadmap activity into a schedule of occurrences (spec/deadlines.md).

``_tokenize`` normalises the text (NFKC, case, «ё», dashes, hyphenated PDF line breaks) and splits it into
numbers, dates («23.03», «12.2026»), month names in any case form, words and punctuation. ``_Parser`` scans
the tokens once; at every position it tries the rules anchored there (academic year, quarter, frequency,
«в течение …», qualifier, months and years) and a rule that matches emits atoms: dated windows, yearless
month templates, frequencies, markers and qualifiers. Tokens no rule starts with are skipped, so the words
around a deadline («после получения результатов …») do not matter. ``_interpret`` places the atoms in the
roadmap period or the academic-year column and words the rule and the note in Russian.
"""

from __future__ import annotations

import calendar
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import MAXYEAR, MINYEAR, date

logger = logging.getLogger(__name__)

__all__ = ["MONTHS", "Occurrence", "Schedule", "describe", "parse_deadline"]

MONTHS = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
_MONTHS_IN = (
    "январе", "феврале", "марте", "апреле", "мае", "июне",
    "июле", "августе", "сентябре", "октябре", "ноябре", "декабре",
)  # fmt: skip
_ABBREVIATIONS = {
    "янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7,
    "авг": 8, "сен": 9, "сент": 9, "окт": 10, "ноя": 11, "нояб": 11, "дек": 12,
}  # fmt: skip


def _month_forms() -> dict[str, int]:
    """Map every case form of every month name (and the usual abbreviations) to its number."""
    forms = dict(_ABBREVIATIONS)
    for number, name in enumerate(MONTHS, start=1):
        if name.endswith(("ь", "й")):
            endings = ("ь", "я", "ю", "е", "ем") if name.endswith("ь") else ("й", "я", "ю", "е", "ем")
            forms.update({name[:-1] + ending: number for ending in endings})
        else:
            forms.update({name + ending: number for ending in ("", "а", "у", "е", "ом")})
    return forms


_MONTH_FORMS = _month_forms()
_YEAR_MARKS = frozenset({"г", "гг", "год", "года", "году", "годы", "годов", "годах"})
_ACADEMIC_WORDS = frozenset({"уч", "учеб", "учебный", "учебного", "учебном", "учебные", "учебных"})
_UNITS = {
    "год": 12, "года": 12, "году": 12, "полугодие": 6, "полугодия": 6, "полугодии": 6,
    "квартал": 3, "квартала": 3, "квартале": 3, "месяц": 1, "месяца": 1, "месяце": 1,
}  # fmt: skip
_COUNT_WORDS = {
    "один": 1, "одного": 1, "два": 2, "двух": 2, "три": 3, "трех": 3, "четыре": 4, "четырех": 4,
    "пять": 5, "пяти": 5, "шесть": 6, "шести": 6, "двенадцать": 12, "дважды": 2, "трижды": 3,
}  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_ORDINAL_STEMS = (("перв", 1), ("втор", 2), ("трет", 3), ("четверт", 4))
_ORDINAL_SUFFIXES = frozenset({"й", "го", "м", "ом", "е", "ое", "ый", "ий", "я", "ая"})

_NO_MONTH = "месяц не указан — срок 31 декабря"
_SPACED = "месяцы через пробел прочитаны как диапазон"
_BY_YEARS = "период разбит по календарным годам"
_QUALIFIERS = {
    "plan": ("сроки определяет план другой организации — уточните даты", "по плану — сроки уточняются"),
    "need": ("проводится по необходимости — уточните даты", "по необходимости"),
    "request": ("проводится по запросу — уточните даты", "по запросу"),
    "unclear": ("сроки в тексте названы уточняемыми", "сроки уточняются"),
    "bad": ("конец диапазона раньше начала — диапазон пропущен", "диапазон с ошибкой"),
}
_EVERY = (("ежегодн", 12), ("ежекварт", 3), ("поквартальн", 3), ("ежемесячн", 1), ("помесячн", 1))
_BY_UNIT = {"годам": 12, "полугодиям": 6, "кварталам": 3, "месяцам": 1}


@dataclass(frozen=True)
class Occurrence:
    """One window of an activity: work may start on ``start`` and is due on ``due``."""

    start: date
    due: date


@dataclass(frozen=True)
class Schedule:
    """The occurrences a deadline phrase gives, what was assumed (``note``) and the rule in Russian words."""

    occurrences: list[Occurrence]
    needs_review: bool
    note: str
    rule: str


def parse_deadline(text: str, period: tuple[date, date], academic_year: int | None = None) -> Schedule:
    """Parse a Russian deadline phrase into the occurrences due inside ``period``."""
    if not isinstance(text, str):
        text = ""
    # bool is an int too; a column year outside any plausible range is ignored rather than trusted
    column = academic_year if type(academic_year) is int and 1900 <= academic_year <= 2200 else None
    atoms = _Parser(_tokenize(text)).parse()
    schedule = _interpret(atoms, period, column)
    if schedule.needs_review:
        logger.debug("deadline %r needs review: %s", text[:200], schedule.note)
    return schedule


def describe(schedule: Schedule) -> str:
    """Return the rule of a schedule followed by its assumptions, for display."""
    return f"{schedule.rule} ({schedule.note})" if schedule.note else schedule.rule


# --- tokens -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Tok:
    kind: str  # "num", "date", "month", "word" or "punct"
    text: str
    value: tuple[int, ...] = ()


_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d", "-"))
# a chain of fragments broken by hyphenated line ends, anchored at a word start so that a long run of letters
# is not rescanned from every position
_HYPHEN_CHAIN = re.compile(r"(?<![а-я])[а-я]+(?:-[ \t\r]*\n\s*[а-я]+)+")
_LINE_BREAK = re.compile(r"-[ \t\r]*\n\s*")
_FULL_MONTH_FORMS = frozenset(_MONTH_FORMS) - frozenset(_ABBREVIATIONS)
_TOKEN = re.compile(
    r"(?P<date>[0-9]{1,2}\.[0-9]{1,2}\.(?:[0-9]{4}|[0-9]{2})(?![0-9])|[0-9]{1,2}\.[0-9]{4}(?![0-9])"
    r"|[0-9]{1,2}\.[0-9]{1,2}(?![0-9]))|(?P<num>[0-9]+)|(?P<word>[a-zа-я]+)|(?P<punct>[-/,.;:()])"
)


def _join_hyphenated(match: re.Match[str]) -> str:
    word, *fragments = _LINE_BREAK.split(match.group())
    words = []
    for fragment in fragments:
        # «сентябрь-\nоктябрь» is a range that ends a line; «пе-\nриода», «март-\nа» are broken words
        if word in _FULL_MONTH_FORMS and word + fragment not in _MONTH_FORMS:
            words.append(word)
            word = fragment
        else:
            word += fragment
    return "-".join([*words, word])


def _date_token(text: str) -> _Tok | None:
    parts = text.split(".")
    if len(parts) == 2 and len(parts[1]) == 4:
        day, month, year = 0, int(parts[0]), int(parts[1])
    else:
        day, month = int(parts[0]), int(parts[1])
        year = 0 if len(parts) == 2 else int(parts[2]) + (2000 if len(parts[2]) == 2 else 0)
    if not 1 <= month <= 12 or not 0 <= day <= _last_day(2000, month) or year and not 1990 <= year <= 2100:
        return None
    return _Tok("date", text, (day, month, year))


def _tokenize(text: str) -> list[_Tok]:
    text = unicodedata.normalize("NFKC", text).lower().replace("ё", "е").replace("\u00ad", "")
    text = _HYPHEN_CHAIN.sub(_join_hyphenated, text.translate(_DASHES))
    tokens: list[_Tok] = []
    for match in _TOKEN.finditer(text):
        kind, value = match.lastgroup or "", match.group()
        if kind == "date":
            token = _date_token(value)
            if token is not None:
                tokens.append(token)
        elif kind == "num":
            # int() refuses very long digit strings; nothing that long is a day, a count or a year
            tokens.append(_Tok("num", value, (int(value) if len(value) <= 6 else -1,)))
        elif kind == "word" and value in _MONTH_FORMS:
            tokens.append(_Tok("month", value, (_MONTH_FORMS[value],)))
        else:
            tokens.append(_Tok(kind, value))
    return tokens


# --- atoms ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Template:
    """A window without a year («сентябрь–ноябрь», «до 25.12», «2 квартал»), placed in a year later."""

    m1: int
    m2: int
    d1: int | None = None
    d2: int | None = None
    name: str = ""  # the label when the months alone do not say it («2 квартал»)
    name_in: str = ""  # «во 2 квартале»
    ranged: bool = False  # joined by a dash or spaces, not a list of single months
    recurring: bool = False  # yearly by itself («в течение учебного года»)
    note: str = ""

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        if self.d1 is None and self.d2 is None:
            return (
                MONTHS[self.m1 - 1] if self.m1 == self.m2 else f"{MONTHS[self.m1 - 1]}–{MONTHS[self.m2 - 1]}"
            )
        if self.d1 is None and self.m1 == self.m2:
            return f"до {self.d2:02d}.{self.m2:02d}"
        return f"{self.d1 or 1:02d}.{self.m1:02d}–{self.d2 or _last_day(2000, self.m2):02d}.{self.m2:02d}"

    @property
    def label_in(self) -> str:
        if self.name or (self.m1, self.d1, self.d2) != (self.m2, None, None):
            return self.name_in
        return f"в {_MONTHS_IN[self.m1 - 1]}"


@dataclass(frozen=True)
class _Dated:
    """A window with an explicit year; ``repeat`` is its yearly template for «…, далее ежегодно»."""

    start: date
    due: date
    name: str = ""
    repeat: _Template | None = None
    span: bool = False  # several calendar years, one occurrence per year
    note: str = ""

    @property
    def label(self) -> str:
        return self.name or _label(self.start, self.due)

    @property
    def template(self) -> _Template:
        last = _last_day(self.due.year, self.due.month)
        start_day, due_day = self.start.day, self.due.day
        return self.repeat or _Template(
            self.start.month,
            self.due.month,
            start_day if start_day > 1 else None,
            due_day if due_day < last else None,
        )


@dataclass(frozen=True)
class _Point:
    month: int | None
    year: int | None
    day: int | None = None


@dataclass(frozen=True)
class _Freq:
    per_year: int
    note: str = ""


@dataclass(frozen=True)
class _Marker:
    kind: str  # "yearly" or "whole"


@dataclass(frozen=True)
class _Qualifier:
    kind: str  # a key of _QUALIFIERS


_Atom = _Template | _Dated | _Freq | _Marker | _Qualifier
_FULL_YEAR = _Template(1, 12, name="год")
_SCHOOL_YEAR = _Template(
    9, 5, name="учебный год", name_in="в течение учебного года (сентябрь–май)", recurring=True
)


def _last_day(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def _label(start: date, due: date) -> str:
    """Name a dated window in Russian: «февраль 2026», «2026/27 учебный год», «до 25.12.2026»."""
    if start.day != 1 or due.day != _last_day(due.year, due.month):
        end = f"{due.day:02d}.{due.month:02d}.{due.year}"
        if start.day == 1 and (start.year, start.month) == (due.year, due.month):
            return f"до {end}"
        return f"{start.day:02d}.{start.month:02d}{'' if start.year == due.year else f'.{start.year}'}–{end}"
    first, last = MONTHS[start.month - 1], MONTHS[due.month - 1]
    if start.year == due.year:
        if (start.month, due.month) == (1, 12):
            return f"{due.year} год"
        return f"{first} {due.year}" if start.month == due.month else f"{first}–{last} {due.year}"
    if (start.month, due.month, due.year - start.year) == (9, 5, 1):
        return f"{start.year}/{due.year % 100:02d} учебный год"
    if (start.month, due.month) == (1, 12):
        return f"{start.year}–{due.year} годы"
    return f"{first} {start.year} – {last} {due.year}"


# --- grammar ----------------------------------------------------------------------------------------------


class _Parser:
    """Scan tokens left to right; at each token try the rules anchored there, else skip the token."""

    def __init__(self, tokens: list[_Tok]) -> None:
        self.toks = tokens
        self.atoms: list[_Atom] = []

    def parse(self) -> list[_Atom]:
        rules = (self._academic_year, self._part_of_year, self._frequency, self._through, self._qualifier)
        i = 0
        while i < len(self.toks):
            for rule in (*rules, self._months_and_years):
                j = rule(i)
                if j is not None and j > i:
                    i = j
                    break
            else:
                i += 1
        return self.atoms

    def _tok(self, i: int) -> _Tok:
        return self.toks[i] if 0 <= i < len(self.toks) else _Tok("end", "")

    def _word(self, i: int) -> str:
        token = self._tok(i)
        return token.text if token.kind == "word" else ""

    def _punct(self, i: int) -> str:
        token = self._tok(i)
        return token.text if token.kind == "punct" else ""

    def _num(self, i: int, digits: int) -> int | None:
        token = self._tok(i)
        return token.value[0] if token.kind == "num" and len(token.text) <= digits else None

    def _year(self, i: int, short_ok: bool = False) -> tuple[int, int] | None:
        """Read a year: «2026», «2026 г.», «2020 г.г.», after a month also «21 г.»."""
        token = self._tok(i)
        if token.kind != "num":
            return None
        if len(token.text) == 4 and 1990 <= token.value[0] <= 2100:
            year = token.value[0]
        elif short_ok and len(token.text) == 2 and self._word(i + 1) in _YEAR_MARKS:
            year = 2000 + token.value[0]
        else:
            return None
        j = i + 1
        while self._word(j) in _YEAR_MARKS or (self._punct(j) == "." and self._word(j - 1) in ("г", "гг")):
            j += 1
        return year, j

    def _academic_year(self, i: int) -> int | None:
        """«2026/27 уч. год», «2026/2027 учебный год», «2026-2027 уч.г.»."""
        first, sep, second = self._num(i, 4), self._punct(i + 1), self._tok(i + 2)
        if first is None or not 1990 <= first <= 2100 or sep not in ("/", "-") or second.kind != "num":
            return None
        if second.text not in (str(first + 1), f"{(first + 1) % 100:02d}"):
            return None
        j, marked = i + 3, False
        while self._word(j) in _ACADEMIC_WORDS | _YEAR_MARKS or self._punct(j) == ".":
            marked = marked or self._word(j) in _ACADEMIC_WORDS
            j += 1
        if sep == "-" and not marked:  # «2021-2022 гг.» is two calendar years
            return None
        start, due = date(first, 9, 1), date(first + 1, 5, 31)
        self.atoms.append(_Dated(start, due, repeat=_SCHOOL_YEAR))
        return j

    def _ordinal(self, i: int) -> tuple[int, int] | None:
        number = self._num(i, 1)
        if number is not None:
            j = i + 1
            if self._punct(j) == "-" and self._word(j + 1) in _ORDINAL_SUFFIXES:  # «1-й», «2-е»
                j += 2
            return number, j
        word = self._word(i)
        if word in _ROMAN:
            return _ROMAN[word], i + 1
        return next(((n, i + 1) for stem, n in _ORDINAL_STEMS if word.startswith(stem)), None)

    def _part_of_year(self, i: int) -> int | None:
        """«2 квартал 2026г.», «I полугодие», «во втором квартале»."""
        ordinal = self._ordinal(i)
        if ordinal is None:
            return None
        n, j = ordinal
        word = self._word(j)
        if word.startswith("квартал") or word == "кв":
            size, noun, noun_in = 3, "квартал", "квартале"
        elif word.startswith("полугод"):
            size, noun, noun_in = 6, "полугодие", "полугодии"
        else:
            return None
        if not 1 <= n <= 12 // size:
            return None
        j += 2 if self._punct(j + 1) == "." else 1
        m1, m2 = (n - 1) * size + 1, n * size
        template = _Template(m1, m2, name=f"{n} {noun}", name_in=f"{'во' if n == 2 else 'в'} {n} {noun_in}")
        year = self._year(j)
        if year is None:
            self.atoms.append(template)
            return j
        y, j = year
        self.atoms.append(
            _Dated(date(y, m1, 1), date(y, m2, _last_day(y, m2)), name=f"{n} {noun} {y}", repeat=template)
        )
        return j

    def _frequency(self, i: int) -> int | None:
        """«ежегодно», «ежеквартально», «2 раза в год», «1 раз в полугодие», «по полугодиям»."""
        word, following = self._word(i), self._word(i + 1)
        unit = next((months for stem, months in _EVERY if word.startswith(stem)), None)
        if unit is not None:
            return self._emit_frequency(1, unit, i + 1)
        if word.startswith(("еженедел", "ежедневн")):
            self.atoms.append(_Freq(12, "работа чаще раза в месяц — задачи по месяцам"))
            return i + 1
        if word.startswith("кажд") and following.startswith("учебн"):
            self.atoms.append(_SCHOOL_YEAR)
            return i + 3 if self._word(i + 2) in _UNITS else i + 2
        if word.startswith("кажд") and following in _UNITS or word == "по" and following in _BY_UNIT:
            return self._emit_frequency(1, _UNITS.get(following) or _BY_UNIT[following], i + 2)
        count, j = self._num(i, 2), i + 1
        if count is None and word in ("раз", "раза"):  # «раз в квартал»
            count, j = 1, i
        elif count is None:
            count = _COUNT_WORDS.get(word)
        if not count:
            return None
        if self._word(j) in ("раз", "раза"):
            j += 1
        elif word not in ("дважды", "трижды"):
            return None
        while self._word(j) in ("в", "во", "за", "на", "каждый", "каждое", "каждую", "учебный"):
            j += 1
        if self._word(j) not in _UNITS:
            return None
        return self._emit_frequency(count, _UNITS[self._word(j)], j + 1)

    def _emit_frequency(self, count: int, unit_months: int, j: int) -> int:
        per_year = count * 12 // unit_months
        if per_year <= 1:
            self.atoms.append(_Marker("yearly"))
        elif per_year > 12:
            self.atoms.append(_Freq(12, f"{per_year} раз в год — задачи по месяцам"))
        else:
            self.atoms.append(_Freq(per_year))
        return j

    def _through(self, i: int) -> int | None:
        """«в течение (всего) периода / года / учебного года», «постоянно», «на протяжении всего срока»."""
        word = self._word(i)
        if word.startswith("постоянн") or word == "систематически":
            self.atoms.append(_Marker("whole"))
            return i + 1
        if word in ("весь", "всего", "всей") and self._word(i + 1).startswith(("период", "срок")):
            self.atoms.append(_Marker("whole"))
            return i + 2
        if word.startswith("учебн") and self._word(i + 1) in _UNITS and _UNITS[self._word(i + 1)] == 12:
            self.atoms.append(_SCHOOL_YEAR)
            return i + 2
        if (word, self._word(i + 1)) not in (("в", "течение"), ("в", "течении"), ("на", "протяжении")):
            return None
        j = i + 2
        while self._word(j) in ("всего", "всей", "этого", "каждого"):
            j += 1
        noun = self._word(j)
        if noun in ("года", "год"):
            self.atoms.append(_Marker("yearly"))
        elif noun.startswith("учебн") and self._word(j + 1) in ("года", "год"):
            self.atoms.append(_SCHOOL_YEAR)
            j += 1
        elif noun.startswith(("период", "срок", "программ", "реализац")):
            self.atoms.append(_Marker("whole"))
        else:
            return None
        return j + 1

    def _qualifier(self, i: int) -> int | None:
        """«по (отдельному) плану», «в соответствии с планом», «по необходимости», «по запросу»."""
        w0, w1, w2, w3 = (self._word(k) for k in range(i, i + 4))
        plan = ("план", "график", "календар")
        if w0 in ("по", "согласно") and (w1.startswith(plan) or w1 == "отдельному" and w2.startswith(plan)):
            kind, j = "plan", i + 2 + (w1 == "отдельному")
        elif (w0, w1) == ("в", "соответствии") and w2 in ("с", "со") and w3.startswith(plan):
            kind, j = "plan", i + 4
        elif w0 in ("по", "при") and w1 == "необходимости":
            kind, j = "need", i + 2
        elif (w0, w1) == ("по", "мере") and w2 in ("необходимости", "поступления"):
            kind, j = "need", i + 3
        elif w0 == "по" and w1.startswith("запрос"):
            kind, j = "request", i + 2
        elif w0.startswith("уточня"):
            kind, j = "unclear", i + 1
        else:
            return None
        self.atoms.append(_Qualifier(kind))
        return j

    def _point(self, i: int) -> tuple[_Point, int] | None:
        """Read «23.03», «12.2026», «25 декабря 2026 г.», «сент.», «май 2021», or a bare year."""
        token = self._tok(i)
        if token.kind == "date":
            day, month, year = token.value
            j = i + 1
            while self._word(j) in _YEAR_MARKS or (self._punct(j) == "." and self._word(j - 1) == "г"):
                j += 1
            return _Point(month, year or None, day or None), j
        day = self._num(i, 2)
        if day is not None and self._tok(i + 1).kind == "month":
            if not 1 <= day <= _last_day(2000, self._tok(i + 1).value[0]):
                return None
            i += 1
        else:
            day = None
        token = self._tok(i)
        if token.kind == "month":
            j = i + 2 if self._punct(i + 1) == "." and token.text in _ABBREVIATIONS else i + 1
            year = self._year(j, short_ok=True)
            if year is None:
                return _Point(token.value[0], None, day), j
            return _Point(token.value[0], year[0], day), year[1]
        year = self._year(i) if day is None else None
        return None if year is None else (_Point(None, year[0]), year[1])

    def _item(self, i: int) -> tuple[_Point, _Point | None, bool, int] | None:
        """Read a point or a range: «август-декабрь 2020», «с 1 сентября по 15 октября»."""
        opened = self._word(i) in ("с", "со")
        first = self._point(i + 1 if opened else i)
        if first is None:
            return None
        p1, j = first
        if self._punct(j) == "-" or opened and self._word(j) in ("по", "до"):
            second = self._point(j + 1)
            return (p1, second[0], False, second[1]) if second else (p1, None, False, j)
        if p1.month and p1.year is None and p1.day is None and self._tok(j).kind == "month":
            # months separated by spaces only: a dash lost in PDF conversion, read as a range
            p2, j = self._point(j) or (p1, j + 1)
            while p2.year is None and self._tok(j).kind == "month":
                p2, j = self._point(j) or (p2, j + 1)
            return p1, p2, True, j
        return p1, None, False, j

    def _months_and_years(self, i: int) -> int | None:
        """Read points and ranges joined by «,», «/» or «и»; a trailing year covers them all."""
        first = self._item(i)
        if first is None:
            return None
        items, j = [first[:3]], first[3]
        while self._punct(j) in (",", "/") or self._word(j) == "и":
            following = self._item(j + 1)
            if following is None or following[0].month is None:
                break
            items.append(following[:3])
            j = following[3]
        p1, p2, _ = items[-1]
        carry = (p2.year if p2 else None) or p1.year  # «апрель, май 2021»: the year belongs to every month
        atoms = [_resolve(p1, p2, spaced, carry) for p1, p2, spaced in items]
        self.atoms.extend(_merge_consecutive(atoms))
        return j


def _resolve(p1: _Point, p2: _Point | None, spaced: bool, carry: int | None) -> _Atom:
    """Turn a point or a range of points into a dated window, a span or a yearless template."""
    note = _SPACED if spaced else ""
    if p2 is None:
        year = p1.year or carry
        if p1.month is None and year:
            return _Dated(date(year, 1, 1), date(year, 12, 31), repeat=_FULL_YEAR, note=_NO_MONTH)
        month = p1.month or 12
        template = _Template(month, month, None, p1.day)
        return template if year is None else _Dated(date(year, month, 1), _end(p1, year), repeat=template)
    if p1.year is None and p2.year is None:
        if carry is None:
            return _Template(p1.month or 1, p2.month or 12, p1.day, p2.day, ranged=True, note=note)
        p2 = replace(p2, year=carry)
    if p1.year is not None and p2.year is not None:
        start, due = _start(p1, p1.year), _end(p2, p2.year)
        if due < start:
            return _Qualifier("bad")
        if start.year != due.year:
            return _Dated(start, due, repeat=_FULL_YEAR, span=True, note=_BY_YEARS)
    elif p2.year is not None:  # «август-декабрь 2020»: the range is placed by its last month
        due = _end(p2, p2.year)
        start = _start(p1, due.year)
        start = start if start <= due else _start(p1, due.year - 1)
    else:  # «сентябрь 2020 – май»
        assert p1.year is not None  # both yearless was handled above
        start = _start(p1, p1.year)
        due = _end(p2, start.year)
        due = due if due >= start else _end(p2, start.year + 1)
    return _Dated(start, due, note=note)


def _start(point: _Point, year: int) -> date:
    month = point.month or 1
    return date(year, month, min(point.day or 1, _last_day(year, month)))


def _end(point: _Point, year: int) -> date:
    month = point.month or 12
    return date(year, month, min(point.day or 31, _last_day(year, month)))


def _merge_consecutive(atoms: list[_Atom]) -> list[_Atom]:
    """Join listed consecutive months into one window: «апрель, май 2021» is April–May."""
    merged: list[_Atom] = []
    for atom in atoms:
        prev = merged[-1] if merged else None
        if isinstance(prev, _Template) and isinstance(atom, _Template) and not (prev.name or atom.name):
            if prev.d2 is None and atom.d1 is None and atom.m1 == prev.m2 + 1:
                merged[-1] = replace(prev, m2=atom.m2, d2=atom.d2, ranged=prev.ranged or atom.ranged)
                continue
        if isinstance(prev, _Dated) and isinstance(atom, _Dated) and not (prev.span or atom.span):
            if (atom.start - prev.due).days == 1 and atom.start.day == 1:
                merged[-1] = _Dated(prev.start, atom.due)
                continue
        merged.append(atom)
    return merged


# --- interpretation ---------------------------------------------------------------------------------------


def _years(period: tuple[date, date]) -> list[int]:
    # one year of margin each side: windows crossing New Year and academic years start in the year before
    return list(range(max(MINYEAR + 1, period[0].year - 1), min(MAXYEAR - 1, period[1].year + 1) + 1))


def _place(template: _Template, due_year: int) -> tuple[date, date]:
    """Place a yearless window so that it is due in ``due_year``; a window crossing New Year starts before."""
    due = date(due_year, template.m2, min(template.d2 or 31, _last_day(due_year, template.m2)))
    crossing = (template.m1, template.d1 or 1) > (template.m2, template.d2 or 31)
    start_year = due_year - 1 if crossing else due_year
    start = date(start_year, template.m1, min(template.d1 or 1, _last_day(start_year, template.m1)))
    return start, due


def _expand(template: _Template, years: Iterable[int], column: int | None) -> list[tuple[date, date]]:
    """Place a template in every year, or only in the academic-year column (Sep–Dec → Y, Jan–Aug → Y+1)."""
    if column is not None:
        return [_place(template, column if template.m2 >= 9 else column + 1)]
    return [_place(template, year) for year in years]


def _by_calendar_year(start: date, end: date) -> list[tuple[date, date]]:
    return [
        (max(start, date(year, 1, 1)), min(end, date(year, 12, 31)))
        for year in range(start.year, end.year + 1)
    ]


def _first_in_period(templates: list[_Template], period: tuple[date, date]) -> list[tuple[date, date]]:
    """Place each template at its first occurrence inside the period, each after the previous one."""
    placed: list[tuple[date, date]] = []
    for template in templates:
        for year in _years(period):
            start, due = _place(template, year)
            if period[0] <= due <= period[1] and (not placed or due > placed[-1][1]):
                placed.append((start, due))
                break
    return placed


def _even_parts(count: int) -> list[_Template]:
    bounds = [(12 * k + count // 2) // count for k in range(count + 1)]
    return [_Template(bounds[k] + 1, bounds[k + 1]) for k in range(count)]


def _join_and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} и {labels[-1]}"


def _yearly_rule(templates: list[_Template]) -> str:
    shown = list(dict.fromkeys(t for t in templates if t != _FULL_YEAR))
    if not shown:
        return "ежегодно"
    if len(shown) == 1 and shown[0].label_in:
        return f"ежегодно {shown[0].label_in}"
    return f"ежегодно, {_join_and([t.label for t in shown])}"


def _times(count: int) -> str:
    return "раза" if count % 10 in (2, 3, 4) and count % 100 not in (12, 13, 14) else "раз"


def _frequency_rule(per_year: int, windows: list[_Template], named: bool) -> str:
    if not named and per_year in (4, 12):
        return "ежеквартально" if per_year == 4 else "ежемесячно"
    ordered = sorted(windows, key=lambda t: (t.m2, t.d2 or 31))
    labels = [t.label if named else MONTHS[t.m2 - 1] for t in ordered]
    return f"{per_year} {_times(per_year)} в год: {', '.join(labels)}"


class _Builder:
    """Collect windows, rule parts and notes, then cut the windows to the period."""

    def __init__(self, period: tuple[date, date]) -> None:
        self.period = period
        self.windows: set[tuple[date, date]] = set()
        self.rules: list[str] = []
        self.notes: list[str] = []
        self.review = False

    def add(self, windows: Iterable[tuple[date, date]]) -> None:
        self.windows.update(windows)

    def note(self, text: str) -> None:
        if text and text not in self.notes:
            self.notes.append(text)

    def kept(self) -> list[Occurrence]:
        first, last = self.period
        return [
            Occurrence(start, due)
            for due, start in sorted((d, s) for s, d in self.windows if first <= d <= last)
        ]

    def schedule(self) -> Schedule:
        return Schedule(self.kept(), self.review, "; ".join(self.notes), "; ".join(self.rules))


def _interpret(atoms: list[_Atom], period: tuple[date, date], column: int | None) -> Schedule:
    """Turn parsed atoms into occurrences, the rule and the note."""
    b = _Builder(period)
    plain = [a for a in atoms if isinstance(a, _Template) and not a.recurring]
    school = list(dict.fromkeys(a for a in atoms if isinstance(a, _Template) and a.recurring))
    dated = list(dict.fromkeys(a for a in atoms if isinstance(a, _Dated)))
    freqs = list(dict.fromkeys(a for a in atoms if isinstance(a, _Freq)))
    markers = {a.kind for a in atoms if isinstance(a, _Marker)}
    qualifiers = list(dict.fromkeys(a.kind for a in atoms if isinstance(a, _Qualifier)))
    if not (plain or school or dated or freqs or markers):
        return _without_dates(b, qualifiers)
    yearly, whole = "yearly" in markers, "whole" in markers
    years = _years(period)
    if column is not None and (plain or school or freqs or markers):
        b.note(f"сроки отнесены к {column}/{(column + 1) % 100:02d} учебному году")

    spans = [d for d in dated if d.span]
    if spans and plain and (yearly or freqs):
        # «2026–2030 гг., ежегодно в мае»: the span bounds the yearly months instead of being a task itself
        years = [y for y in years if min(s.start.year for s in spans) <= y <= max(s.due.year for s in spans)]
        dated = [d for d in dated if not d.span]
    for atom in (*plain, *school, *dated, *freqs):
        b.note(atom.note)
    for d in dated:
        b.add(_by_calendar_year(d.start, d.due) if d.span else [(d.start, d.due)])
    if yearly and dated and not plain and not freqs:
        # «Октябрь 2026г., далее - ежегодно»: the first window, then its months every following year
        for d in dated:
            b.add(w for w in _expand(d.template, years, column) if w[1].year > d.due.year)
        b.rules.append(
            f"{', '.join(d.label for d in dated)}, далее {_yearly_rule([d.template for d in dated])}"
        )
    elif dated:
        once = [d.label for d in dated if not d.span]
        b.rules.extend([f"однократно: {', '.join(once)}"] if once else [])
        b.rules.extend(f"по календарным годам: {d.label}" for d in dated if d.span)

    for freq in freqs:
        windows = plain or _even_parts(freq.per_year)
        for template in windows:
            b.add(_expand(template, years, column))
        b.rules.append(_frequency_rule(freq.per_year, windows, bool(plain)))
        if not plain and freq.per_year not in (4, 12):
            parts = "равные части" if freq.per_year < 5 else "равных частей"
            b.note(f"месяцы не указаны — год разбит на {freq.per_year} {parts}")
        elif plain and len(plain) != freq.per_year:
            b.review = True
            b.note(f"названо сроков: {len(plain)}, а раз в год: {freq.per_year}")
    if plain and not freqs:
        _place_plain(b, plain, years, column, yearly)
    for template in school:
        b.add(_expand(template, years, column))
        b.rules.append(f"ежегодно {template.name_in}")
    if whole:  # in a column «постоянно» means the column's academic year
        b.add(_expand(_SCHOOL_YEAR, years, column) if column is not None else _by_calendar_year(*period))
        b.rules.append("постоянно, в течение всего периода")
        b.note(_BY_YEARS if column is None else "")
    if yearly and not (plain or dated or school or freqs or whole):
        b.add(_expand(_SCHOOL_YEAR if column is not None else _FULL_YEAR, years, column))
        b.rules.append("ежегодно")
        b.note(_NO_MONTH if column is None else "месяц не указан — весь учебный год")

    for kind in qualifiers:
        b.review = True
        b.note(_QUALIFIERS[kind][0])
        b.rules.append(_QUALIFIERS[kind][1])
    if not b.kept():
        b.review = True
        b.note("ни один срок не попадает в период дорожной карты")
    return b.schedule()


def _place_plain(
    b: _Builder, plain: list[_Template], years: list[int], column: int | None, yearly: bool
) -> None:
    """Place yearless months in the column's academic year, every year, or once inside the period."""
    if column is not None:
        windows = [w for t in plain for w in _expand(t, years, column)]
    elif yearly or any(t.ranged and t.d1 is None and t.d2 is None for t in plain):
        # a month range repeats every year; dates without a year («23.03-21.04») happen once
        for template in plain:
            b.add(_expand(template, years, column))
        b.rules.append(_yearly_rule(plain))
        b.note("" if yearly else "год не указан — срок повторяется ежегодно")
        return
    else:
        windows = _first_in_period(plain, b.period)
        used = ", ".join(str(y) for y in dict.fromkeys(due.year for _, due in windows)) or "нет"
        if b.period[0].year == b.period[1].year or all(t.d1 or t.d2 for t in plain):
            b.note(f"год не указан — взят {used}")
        else:  # «декабрь» in a five-year roadmap: which December is a guess
            b.review = True
            b.note(f"год не указан — взят первый такой срок в периоде ({used})")
    b.add(windows)
    labels = [_label(*w) for w in sorted(windows, key=lambda w: (w[1], w[0]))] or [t.label for t in plain]
    b.rules.append(f"однократно: {', '.join(labels)}")


def _without_dates(b: _Builder, qualifiers: list[str]) -> Schedule:
    """Build the schedule of a text with no date rule: a reference to another plan, or unknown text."""
    b.review = True
    if not qualifiers:
        b.rules.append("срок не распознан")
        b.note("текст срока не распознан — задайте сроки вручную")
    else:
        rule = "по плану другой организации" if "plan" in qualifiers else _QUALIFIERS[qualifiers[0]][1]
        b.rules.append(rule if rule.endswith("уточняются") else f"{rule} — сроки уточняются")
    for kind in qualifiers:
        b.note(_QUALIFIERS[kind][0])
    return b.schedule()
