"""Tests of the deadline grammar: real-roadmap samples, generated round trips of each rule, properties."""

from __future__ import annotations

import calendar
import json
import random
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.roadmaps.deadlines import Occurrence, Schedule, describe, parse_deadline

SAMPLES_PATH = Path(__file__).resolve().parents[1] / "samples" / "deadlines.json"
SAMPLES = json.loads(SAMPLES_PATH.read_text(encoding="utf-8"))

# written out here rather than imported, so the tests do not share a mistake with the module
NOMINATIVE = (
    "январь", "февраль", "март", "апрель", "май", "июнь",
    "июль", "август", "сентябрь", "октябрь", "ноябрь", "декабрь",
)  # fmt: skip
GENITIVE = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
PREPOSITIONAL = (
    "январе", "феврале", "марте", "апреле", "мае", "июне",
    "июле", "августе", "сентябре", "октябре", "ноябре", "декабре",
)  # fmt: skip
DASHES = ("-", "–", "—", "−")
YEAR_MARKS = ("", " г.", "г.", "г", " года", " гг.", "г.г.")
WIDE = (date(2000, 1, 1), date(2099, 12, 31))
PERIOD = (date(2026, 1, 1), date(2030, 12, 31))
CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)

SETTINGS = settings(max_examples=150, deadline=None, database=None)
months = st.integers(min_value=1, max_value=12)
years = st.integers(min_value=2000, max_value=2090)


def last(year: int, month: int) -> date:
    """Return the last day of a month."""
    return date(year, month, calendar.monthrange(year, month)[1])


def month_window(year: int, month: int) -> Occurrence:
    """Return the occurrence covering one whole month."""
    return Occurrence(date(year, month, 1), last(year, month))


def styled(word: str, style: int) -> str:
    """Write a word in lower case, capitalised or in capitals."""
    return (word, word.capitalize(), word.upper())[style]


def assert_well_formed(schedule: Schedule, period: tuple[date, date]) -> None:
    """Check the invariants every schedule keeps, whatever the text."""
    assert isinstance(schedule, Schedule)
    occurrences = schedule.occurrences
    assert occurrences == sorted(occurrences, key=lambda o: (o.due, o.start))
    assert len(set(occurrences)) == len(occurrences)
    assert all(period[0] <= o.due <= period[1] and o.start <= o.due for o in occurrences)
    assert isinstance(schedule.note, str) and isinstance(schedule.rule, str) and schedule.rule
    assert isinstance(schedule.needs_review, bool)
    if not occurrences:
        assert schedule.needs_review


# --- samples from real roadmaps ---------------------------------------------------------------------------


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{n:02d}:{s['text'][:40]}" for n, s in enumerate(SAMPLES)])
def test_sample_phrase(sample: dict) -> None:
    period = (date.fromisoformat(sample["period"][0]), date.fromisoformat(sample["period"][1]))
    schedule = parse_deadline(sample["text"], period, sample["academic_year"])
    dues = [o.due.isoformat() for o in schedule.occurrences]
    if isinstance(sample["expect"], list):
        assert dues == sample["expect"]
    elif isinstance(sample["expect"], int):
        assert len(dues) == sample["expect"]
    if sample["review"] is not None:
        assert schedule.needs_review is sample["review"]
    assert_well_formed(schedule, period)


# --- round trips of each rule with other months and years -------------------------------------------------


@SETTINGS
@given(month=months, year=years, mark=st.sampled_from(YEAR_MARKS), style=st.integers(0, 2))
def test_month_and_year_is_that_month(month: int, year: int, mark: str, style: int) -> None:
    schedule = parse_deadline(f"{styled(NOMINATIVE[month - 1], style)} {year}{mark}", WIDE)
    assert schedule.occurrences == [month_window(year, month)]
    assert not schedule.needs_review
    assert schedule.rule == f"однократно: {NOMINATIVE[month - 1]} {year}"


@SETTINGS
@given(first=months, end=months, year=years, dash=st.sampled_from(DASHES), mark=st.sampled_from(YEAR_MARKS))
def test_month_range_with_year_is_one_window_placed_by_its_last_month(
    first: int, end: int, year: int, dash: str, mark: str
) -> None:
    text = f"{NOMINATIVE[first - 1].capitalize()} {dash} {NOMINATIVE[end - 1]} {year}{mark}"
    start_year = year if first <= end else year - 1
    assert parse_deadline(text, WIDE).occurrences == [Occurrence(date(start_year, first, 1), last(year, end))]


@SETTINGS
@given(first=months, year=years)
def test_listed_consecutive_months_make_one_window(first: int, year: int) -> None:
    second = first % 12 + 1
    schedule = parse_deadline(f"{NOMINATIVE[first - 1]}, {NOMINATIVE[second - 1]} {year}", WIDE)
    if second > first:
        assert schedule.occurrences == [Occurrence(date(year, first, 1), last(year, second))]
    else:  # «декабрь, январь» are two windows
        assert len(schedule.occurrences) == 2


@SETTINGS
@given(first=months, end=months, year=years)
def test_months_separated_by_spaces_are_a_range_with_a_note(first: int, end: int, year: int) -> None:
    schedule = parse_deadline(f"{NOMINATIVE[first - 1]}  {NOMINATIVE[end - 1]}\n{year}", WIDE)
    start_year = year if first <= end else year - 1
    assert schedule.occurrences == [Occurrence(date(start_year, first, 1), last(year, end))]
    assert "пробел" in schedule.note


@SETTINGS
@given(
    month=months,
    start=st.integers(2000, 2080),
    length=st.integers(0, 8),
    shape=st.sampled_from(["ежегодно, {nom}", "{nom} ежегодно", "Ежегодно в {prep}", "{nom}, ежегодно"]),
)
def test_yearly_month_recurs_every_year_of_the_period(
    month: int, start: int, length: int, shape: str
) -> None:
    period = (date(start, 1, 1), date(start + length, 12, 31))
    text = shape.format(nom=NOMINATIVE[month - 1], prep=PREPOSITIONAL[month - 1])
    schedule = parse_deadline(text, period)
    assert schedule.occurrences == [month_window(y, month) for y in range(start, start + length + 1)]
    assert schedule.rule == f"ежегодно в {PREPOSITIONAL[month - 1]}"
    assert not schedule.needs_review


@SETTINGS
@given(first=months, end=months, start=st.integers(2000, 2080))
def test_yearless_range_recurs_every_year(first: int, end: int, start: int) -> None:
    period = (date(start, 1, 1), date(start + 4, 12, 31))
    schedule = parse_deadline(f"{NOMINATIVE[first - 1]}-{NOMINATIVE[end - 1]}", period)
    assert [o.due for o in schedule.occurrences] == [last(y, end) for y in range(start, start + 5)]
    assert schedule.note


FREQUENCIES = [
    (2, "2 раза в год"), (2, "Два раза в год"), (2, "1 раз в полугодие"), (2, "По полугодиям"),
    (2, "не менее двух раз в год"), (3, "Три раза в год"), (3, "3 раза в год"), (4, "Ежеквартально"),
    (4, "1 раз в квартал"), (6, "6 раз в год"), (12, "Ежемесячно"), (12, "12 раз в год"),
]  # fmt: skip


@SETTINGS
@given(frequency=st.sampled_from(FREQUENCIES), start=st.integers(2000, 2080), length=st.integers(0, 5))
def test_n_times_a_year_splits_every_year_evenly(frequency: tuple[int, str], start: int, length: int) -> None:
    per_year, text = frequency
    period = (date(start, 1, 1), date(start + length, 12, 31))
    occurrences = parse_deadline(text, period).occurrences
    assert len(occurrences) == per_year * (length + 1)
    step = 12 // per_year
    for index, occurrence in enumerate(occurrences):
        year, part = start + index // per_year, index % per_year
        assert occurrence == Occurrence(date(year, part * step + 1, 1), last(year, (part + 1) * step))


@SETTINGS
@given(pair=st.lists(months, min_size=2, max_size=2, unique=True), start=st.integers(2000, 2080))
def test_named_months_of_a_frequency_are_used(pair: list[int], start: int) -> None:
    first, second = pair
    if abs(first - second) == 1:
        second = (first + 5) % 12 + 1  # consecutive listed months would make one window
    period = (date(start, 1, 1), date(start + 2, 12, 31))
    text = f"2 раза в год ({NOMINATIVE[first - 1]}, {NOMINATIVE[second - 1]})"
    schedule = parse_deadline(text, period)
    expected = sorted(last(y, m) for y in range(start, start + 3) for m in (first, second))
    assert [o.due for o in schedule.occurrences] == expected
    assert not schedule.needs_review


@SETTINGS
@given(month=months, column=st.integers(2000, 2080), style=st.integers(0, 2))
def test_academic_column_places_september_to_december_in_its_first_year(
    month: int, column: int, style: int
) -> None:
    text = f"Рефлексивный семинар ({styled(NOMINATIVE[month - 1], style)})"
    schedule = parse_deadline(text, WIDE, academic_year=column)
    assert schedule.occurrences == [month_window(column if month >= 9 else column + 1, month)]
    assert not schedule.needs_review


@SETTINGS
@given(first=months, end=months, column=st.integers(2000, 2080))
def test_academic_column_places_a_range_by_its_last_month(first: int, end: int, column: int) -> None:
    schedule = parse_deadline(f"Подготовка ({NOMINATIVE[first - 1]}-{NOMINATIVE[end - 1]})", WIDE, column)
    due_year = column if end >= 9 else column + 1
    start_year = due_year if first <= end else due_year - 1
    assert schedule.occurrences == [Occurrence(date(start_year, first, 1), last(due_year, end))]


@SETTINGS
@given(month=months, column=st.integers(2000, 2080), year=years)
def test_explicit_year_wins_over_the_column(month: int, column: int, year: int) -> None:
    schedule = parse_deadline(f"Совещание ({NOMINATIVE[month - 1]} {year} г.)", WIDE, column)
    assert schedule.occurrences == [month_window(year, month)]


@SETTINGS
@given(
    first=months,
    end=months,
    start=st.integers(2000, 2080),
    length=st.integers(1, 8),
    dash=st.sampled_from(DASHES),
    mark=st.sampled_from(YEAR_MARKS),
)
def test_span_gives_one_window_per_calendar_year(
    first: int, end: int, start: int, length: int, dash: str, mark: str
) -> None:
    text = f"{NOMINATIVE[first - 1]} {start}{mark} {dash} {NOMINATIVE[end - 1]} {start + length}{mark}"
    occurrences = parse_deadline(text, WIDE).occurrences
    assert len(occurrences) == length + 1
    assert occurrences[0] == Occurrence(date(start, first, 1), date(start, 12, 31))
    assert occurrences[-1] == Occurrence(date(start + length, 1, 1), last(start + length, end))
    assert all(o == Occurrence(date(o.due.year, 1, 1), date(o.due.year, 12, 31)) for o in occurrences[1:-1])


@SETTINGS
@given(start=st.integers(2000, 2080), length=st.integers(1, 8), mark=st.sampled_from(YEAR_MARKS))
def test_span_of_years(start: int, length: int, mark: str) -> None:
    occurrences = parse_deadline(f"{start}-{start + length}{mark}", WIDE).occurrences
    assert occurrences == [
        Occurrence(date(y, 1, 1), date(y, 12, 31)) for y in range(start, start + length + 1)
    ]


@SETTINGS
@given(year=years, form=st.sampled_from([" год", "г.", " г.", " года", "г"]))
def test_year_alone_is_the_whole_year(year: int, form: str) -> None:
    schedule = parse_deadline(f"{year}{form}", WIDE)
    assert schedule.occurrences == [Occurrence(date(year, 1, 1), date(year, 12, 31))]
    assert "31 декабря" in schedule.note


@SETTINGS
@given(
    quarter=st.integers(1, 4),
    form=st.integers(0, 2),
    year=years,
    mark=st.sampled_from(YEAR_MARKS),
)
def test_quarter_of_a_year(quarter: int, form: int, year: int, mark: str) -> None:
    ordinal = (
        str(quarter),
        ("I", "II", "III", "IV")[quarter - 1],
        ("первый", "второй", "третий", "четвертый")[quarter - 1],
    )
    schedule = parse_deadline(f"{ordinal[form]} квартал {year}{mark}", WIDE)
    assert schedule.occurrences == [Occurrence(date(year, quarter * 3 - 2, 1), last(year, quarter * 3))]
    assert schedule.rule == f"однократно: {quarter} квартал {year}"


@SETTINGS
@given(half=st.integers(1, 2), year=years)
def test_half_year(half: int, year: int) -> None:
    schedule = parse_deadline(f"{half} полугодие {year}", WIDE)
    assert schedule.occurrences == [Occurrence(date(year, half * 6 - 5, 1), last(year, half * 6))]


@SETTINGS
@given(year=years, form=st.sampled_from(["{y}/{s:02d} уч. год", "{y}/{n} учебный год", "{y}-{n} уч.г."]))
def test_academic_year_phrase(year: int, form: str) -> None:
    text = form.format(y=year, s=(year + 1) % 100, n=year + 1)
    assert parse_deadline(text, WIDE).occurrences == [Occurrence(date(year, 9, 1), date(year + 1, 5, 31))]


@SETTINGS
@given(
    month=months, year=st.integers(2000, 2080), mark=st.sampled_from(YEAR_MARKS), dash=st.sampled_from(DASHES)
)
def test_first_time_then_yearly(month: int, year: int, mark: str, dash: str) -> None:
    period = (date(year - 1, 1, 1), date(year + 4, 12, 31))
    schedule = parse_deadline(f"{NOMINATIVE[month - 1]} {year}{mark}, далее {dash} ежегодно", period)
    assert schedule.occurrences == [month_window(y, month) for y in range(year, year + 5)]


@SETTINGS
@given(first=months, later=months, year=st.integers(2000, 2080))
def test_dated_month_then_another_month_every_year(first: int, later: int, year: int) -> None:
    period = (date(year, 1, 1), date(year + 3, 12, 31))
    text = f"{NOMINATIVE[first - 1]} {year} {NOMINATIVE[later - 1].capitalize()} ежегодно"
    expected = {month_window(year, first), *(month_window(y, later) for y in range(year, year + 4))}
    assert set(parse_deadline(text, period).occurrences) == expected


@SETTINGS
@given(month=months, start=st.integers(2000, 2080), day_of_year=st.integers(0, 364))
def test_bare_month_is_the_first_one_inside_the_period_and_needs_review(
    month: int, start: int, day_of_year: int
) -> None:
    period_start = date.fromordinal(date(start, 1, 1).toordinal() + day_of_year)
    period = (period_start, date(start + 4, 12, 31))
    schedule = parse_deadline(NOMINATIVE[month - 1].capitalize(), period)
    expected_year = start if last(start, month) >= period_start else start + 1
    assert schedule.occurrences == [month_window(expected_year, month)]
    assert schedule.needs_review


@SETTINGS
@given(day=st.integers(1, 28), month=months, year=years)
def test_day_and_month_in_words_or_digits(day: int, month: int, year: int) -> None:
    in_words = parse_deadline(f"до {day} {GENITIVE[month - 1]} {year} г.", WIDE)
    in_digits = parse_deadline(f"до {day:02d}.{month:02d}.{year}", WIDE)
    assert (
        in_words.occurrences
        == in_digits.occurrences
        == [Occurrence(date(year, month, 1), date(year, month, day))]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Ноябрь 2027 года, далее – ежегодно",
            [(2027, 11, 11), (2028, 11, 11), (2029, 11, 11), (2030, 11, 11)],
        ),
        ("III квартал 2028 г., далее ежегодно", [(2028, 7, 9), (2029, 7, 9), (2030, 7, 9)]),
        ("с 2027 по 2029 год", [(2027, 1, 12), (2028, 1, 12), (2029, 1, 12)]),
        ("в мае и ноябре, ежегодно", [(y, m, m) for y in range(2026, 2031) for m in (5, 11)]),
        ("Дважды в год (апрель, октябрь)", [(y, m, m) for y in range(2026, 2031) for m in (4, 10)]),
        ("первое полугодие 2029 г.", [(2029, 1, 6)]),
        ("1-й квартал 2027 года", [(2027, 1, 3)]),
        ("сент.-нояб. 2026", [(2026, 9, 11)]),
        ("12.2026", [(2026, 12, 12)]),
        ("2026-2027 уч.г.", [(2027, 9, 5)]),
        ("В течение 2026-2027 учебного года", [(2027, 9, 5)]),
        ("2026–2030 гг., ежегодно в мае", [(y, 5, 5) for y in range(2026, 2031)]),
        ("Не реже одного раза в месяц", [(y, m, m) for y in range(2026, 2031) for m in range(1, 13)]),
    ],
)
def test_phrases_not_in_the_samples(text: str, expected: list[tuple[int, int, int]]) -> None:
    # each expected window is (year of the due date, first month, last month)
    windows = [(o.due.year, o.start.month, o.due.month) for o in parse_deadline(text, PERIOD).occurrences]
    assert windows == expected


def test_dates_without_a_year_take_the_period_start_year() -> None:
    schedule = parse_deadline("23.03-21.04", (date(2021, 1, 1), date(2024, 12, 31)))
    assert schedule.occurrences == [Occurrence(date(2021, 3, 23), date(2021, 4, 21))]
    assert "2021" in schedule.note


@pytest.mark.parametrize(
    ("text", "count"),
    [("Ежемесячно", 60), ("Ежеквартально", 20), ("По полугодиям", 10), ("В течение учебного года", 5)],
)
def test_recurring_words(text: str, count: int) -> None:
    assert len(parse_deadline(text, PERIOD).occurrences) == count


def test_whole_period_follows_the_period_bounds() -> None:
    period = (date(2026, 3, 15), date(2028, 6, 30))
    expected = [
        Occurrence(date(2026, 3, 15), date(2026, 12, 31)),
        Occurrence(date(2027, 1, 1), date(2027, 12, 31)),
        Occurrence(date(2028, 1, 1), date(2028, 6, 30)),
    ]
    assert parse_deadline("Постоянно", period).occurrences == expected
    assert parse_deadline("В течение\nвсего пе-\nриода", period).occurrences == expected


@pytest.mark.parametrize(
    "text",
    [
        "По плану ГАУ ИО ЦОПМКиМКО",
        "В соответствии с планом деятельности лаборатории",
        "согласно графику министерства",
        "по необходимости",
    ],
)
def test_reference_to_another_plan_gives_nothing_and_needs_review(text: str) -> None:
    schedule = parse_deadline(text, PERIOD)
    assert schedule.occurrences == [] and schedule.needs_review
    assert "сроки уточняются" in schedule.rule


@pytest.mark.parametrize(
    "text",
    [
        "Ежегодно по плану Комитета образования",
        "Май, декабрь ежегодно по необходимости",
        "2 раза в год по запросу",
        "Сентябрь 2027 г. в соответствии с планом ИРО",
    ],
)
def test_qualified_date_rule_keeps_dates_and_needs_review(text: str) -> None:
    schedule = parse_deadline(text, PERIOD)
    assert schedule.occurrences and schedule.needs_review


# --- rule and note in Russian -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("Август ежегодно", "ежегодно в августе"),
        ("Ежегодно (сентябрь – ноябрь, апрель)", "ежегодно, сентябрь–ноябрь и апрель"),
        ("Май, декабрь ежегодно", "ежегодно, май и декабрь"),
        ("Два раза в год", "2 раза в год: июнь, декабрь"),
        ("2 раза в год (декабрь, май)", "2 раза в год: май, декабрь"),
        ("Февраль 2026 г.", "однократно: февраль 2026"),
        ("Октябрь 2026г., далее - ежегодно", "октябрь 2026, далее ежегодно в октябре"),
        ("Ежеквартально", "ежеквартально"),
        ("2026/27 уч. год", "однократно: 2026/27 учебный год"),
        ("По плану ГАУ ИО ЦОПМКиМКО", "по плану другой организации — сроки уточняются"),
    ],
)
def test_rule_reads_in_russian(text: str, rule: str) -> None:
    assert parse_deadline(text, PERIOD).rule == rule


@pytest.mark.parametrize(
    "text",
    ["ежегодно", "Сентябрь декабрь 2026", "Сентябрь-апрель", "декабрь", "2 раза в год", "Мероприятие", ""],
)
def test_note_says_what_was_assumed(text: str) -> None:
    schedule = parse_deadline(text, PERIOD)
    assert CYRILLIC.search(schedule.note) and CYRILLIC.search(schedule.rule)
    assert describe(schedule).startswith(schedule.rule) and schedule.note in describe(schedule)


def test_note_is_empty_when_nothing_was_assumed() -> None:
    assert parse_deadline("Ежегодно (сентябрь – ноябрь, апрель)", PERIOD).note == ""


# --- properties -------------------------------------------------------------------------------------------

periods = st.tuples(
    st.dates(date(1995, 1, 1), date(2040, 12, 31)), st.dates(date(1995, 1, 1), date(2040, 12, 31))
).map(lambda pair: (min(pair), max(pair)))
columns = st.none() | st.integers(-5, 10_000)
VOCABULARY = [
    *NOMINATIVE, *GENITIVE, *PREPOSITIONAL, "2020", "2026", "2027", "2031", "26", "27", "1", "2", "3", "12",
    "31", "23.03", "21.04", "01.2026", "31.12.2026", "29.02", "г.", "гг.", "года", "год", "уч.", "учебного",
    "квартал", "полугодие", "I", "II", "первый", "раз", "раза", "в", "два", "три", "ежегодно", "ежемесячно",
    "ежеквартально", "далее", "-", "–", "/", ",", "(", ")", ".", "и", "с", "по", "до", "плану", "запросу",
    "необходимости", "в течение", "всего", "периода", "постоянно", "каждый", "месяц", "не менее", "\n",
    "пе-\nриода", "сентябрь-\nоктябрь",
]  # fmt: skip


@SETTINGS
@given(text=st.text(max_size=300), period=periods, column=columns)
def test_arbitrary_text_never_raises_and_is_well_formed(
    text: str, period: tuple[date, date], column: int | None
) -> None:
    schedule = parse_deadline(text, period, column)
    assert_well_formed(schedule, period)
    assert parse_deadline(text, period, column) == schedule


@SETTINGS
@given(words=st.lists(st.sampled_from(VOCABULARY), max_size=14), period=periods, column=columns)
def test_any_sequence_of_grammar_words_is_well_formed(
    words: list[str], period: tuple[date, date], column: int | None
) -> None:
    text = " ".join(words)
    schedule = parse_deadline(text, period, column)
    assert_well_formed(schedule, period)
    assert parse_deadline(text, period, column) == schedule


@pytest.mark.parametrize(
    "text",
    ["", "   ", "None", "\x00\ufeff", "𝔉𝔢𝔟𝔯𝔲𝔞𝔯𝔶 ２０２６", "9" * 10_000, "май " * 20_000, "а" * 200_000],
)
def test_garbage_and_huge_text(text: str) -> None:
    assert_well_formed(parse_deadline(text, PERIOD), PERIOD)


def test_non_string_and_extreme_inputs() -> None:
    assert parse_deadline(None, PERIOD).needs_review  # type: ignore[arg-type]
    assert parse_deadline("Сентябрь-апрель", (date.min, date.max)).occurrences
    assert parse_deadline("ежегодно", (date(2030, 1, 1), date(2026, 1, 1))).occurrences == []


def add_noise(text: str, rnd: random.Random) -> str:
    """Vary what must not matter: case, «ё», dashes, spaces, line breaks, «г.» forms, PDF hyphenation."""
    # «г.» forms after a four-digit year, never before «/» («2026/27» is an academic year)
    text = re.sub(
        r"(?<!\d)(\d{4})(?:\s?(?:г\.г\.|гг\.|г\.|года|г)(?![а-я]))?(?![\d/])",
        lambda m: m.group(1) + rnd.choice(YEAR_MARKS),
        text,
    )
    # a space before a dash is kept: «далее -\nежегодно» must not turn into a hyphenated word
    text = re.sub(r"[-–—−](\s*)", lambda m: rnd.choice(DASHES) + (m.group(1) or rnd.choice(["", " "])), text)
    text = re.sub(r" +", lambda _: rnd.choice([" ", "  ", "\n", " \n ", "\t"]), text)
    words = list(re.finditer(r"[А-Яа-яЁё]{4,}", text))
    if words and rnd.random() < 0.5:  # a word broken across lines by PDF conversion
        word = rnd.choice(words)
        cut = rnd.randint(word.start() + 2, word.end() - 2)
        text = f"{text[:cut]}-\n{text[cut:]}"
    text = "".join(c.upper() if rnd.random() < 0.3 else c.lower() if rnd.random() < 0.3 else c for c in text)
    text = "".join(rnd.choice("ёЁ") if c in "еЕ" and rnd.random() < 0.3 else c for c in text)
    return rnd.choice(["", " ", "\n"]) + text + rnd.choice(["", " ", "\n"])


@SETTINGS
@given(sample=st.sampled_from(SAMPLES), rnd=st.randoms(use_true_random=False))
def test_formatting_noise_does_not_change_the_result(sample: dict, rnd: random.Random) -> None:
    period = (date.fromisoformat(sample["period"][0]), date.fromisoformat(sample["period"][1]))
    noisy = add_noise(sample["text"], rnd)
    assert parse_deadline(noisy, period, sample["academic_year"]) == parse_deadline(
        sample["text"], period, sample["academic_year"]
    ), noisy
