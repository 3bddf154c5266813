"""Tests of the Russian working calendar and date wording."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.dates import (
    add_working_days,
    format_date_ru,
    is_working_day,
    local_moment,
    next_working_day,
    plural_ru,
    previous_working_day,
    public_holidays,
    relative_due_ru,
)

TASK_FORMS = ("задача", "задачи", "задач")


def _days(year: int) -> list[date]:
    start = date(year, 1, 1)
    return [start + timedelta(days=i) for i in range((date(year + 1, 1, 1) - start).days)]


@pytest.mark.parametrize("year", [2025, 2026, 2027, 2028])
def test_fixed_holidays_are_days_off(year: int) -> None:
    fixed = {date(year, 1, d) for d in range(1, 9)} | {
        date(year, 2, 23),
        date(year, 3, 8),
        date(year, 5, 1),
        date(year, 5, 9),
        date(year, 6, 12),
        date(year, 11, 4),
    }
    assert public_holidays(year) == fixed
    assert not any(is_working_day(d) for d in fixed)


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_decreed_years_have_the_official_number_of_working_days(year: int) -> None:
    # The production calendars of 2025–2027 all have 247 working days on the five-day week.
    assert sum(is_working_day(d) for d in _days(year)) == 247


@pytest.mark.parametrize(
    "day",
    [
        date(2025, 5, 2),
        date(2025, 5, 8),  # from Sunday 23 Feb
        date(2025, 6, 13),  # from Saturday 8 Mar
        date(2025, 11, 3),
        date(2025, 12, 31),
        date(2026, 1, 9),
        date(2026, 3, 9),
        date(2026, 5, 11),
        date(2026, 12, 31),
        date(2027, 2, 22),
        date(2027, 5, 3),
        date(2027, 11, 5),
        date(2027, 12, 31),
    ],
)
def test_decreed_weekdays_off(day: date) -> None:
    assert day.weekday() < 5
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2025, 11, 1), date(2027, 2, 20)])
def test_decreed_working_saturdays(day: date) -> None:
    assert day.weekday() == 5
    assert is_working_day(day)


def test_decree_overrides_the_general_rule() -> None:
    # Sunday 23 Feb 2025 would give Monday 24 Feb off; the decree moved that day to 8 May instead.
    assert is_working_day(date(2025, 2, 24))
    assert is_working_day(date(2025, 3, 10))


def test_general_rule_moves_a_weekend_holiday_to_the_next_working_day() -> None:
    # 2028 has no decree in the table: 4 Nov is a Saturday, so Monday 6 Nov is off.
    assert not is_working_day(date(2028, 11, 6))
    assert is_working_day(date(2028, 11, 7))
    # 9 May 2027 would be the same case, here the decree agrees with the rule.
    assert not is_working_day(date(2027, 5, 10))


def test_general_rule_leaves_the_new_year_block_to_the_decree() -> None:
    # 1–2 Jan 2028 fall on a weekend; only a decree can move those days, so 10 Jan stays working.
    assert is_working_day(date(2028, 1, 10))


def test_ordinary_weekdays_and_weekends() -> None:
    assert is_working_day(date(2026, 3, 12))
    assert not is_working_day(date(2026, 3, 14))
    assert not is_working_day(date(2026, 3, 15))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 12), date(2026, 3, 12)),  # working day itself
        (date(2026, 3, 15), date(2026, 3, 13)),  # Sunday → Friday
        (date(2026, 1, 5), date(2025, 12, 30)),  # New Year block and 31 Dec off
        (date(2025, 11, 3), date(2025, 11, 1)),  # working Saturday
        (date(2026, 3, 9), date(2026, 3, 6)),
    ],
)
def test_previous_working_day(day: date, expected: date) -> None:
    assert previous_working_day(day) == expected


def test_next_working_day_and_adding_working_days() -> None:
    assert next_working_day(date(2026, 1, 1)) == date(2026, 1, 12)
    assert next_working_day(date(2026, 3, 12)) == date(2026, 3, 12)
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 10)
    assert add_working_days(date(2026, 3, 6), 2) == date(2026, 3, 11)
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 10)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 6), -1)


@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)))
@settings(max_examples=200, deadline=None)
def test_previous_working_day_is_the_closest_one(day: date) -> None:
    found = previous_working_day(day)
    assert found <= day and is_working_day(found)
    gap = (day - found).days
    assert not any(is_working_day(found + timedelta(days=i)) for i in range(1, gap + 1))


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("Europe/Moscow", datetime(2026, 3, 12, 6, 0, tzinfo=UTC)),
        ("Asia/Irkutsk", datetime(2026, 3, 12, 1, 0, tzinfo=UTC)),
        ("Asia/Vladivostok", datetime(2026, 3, 11, 23, 0, tzinfo=UTC)),
    ],
)
def test_local_moment_is_aware_utc(tz: str, expected: datetime) -> None:
    moment = local_moment(date(2026, 3, 12), time(9, 0), tz)
    assert moment == expected
    assert moment.utcoffset() == timedelta(0)


def test_local_moment_rejects_an_aware_time() -> None:
    with pytest.raises(ValueError):
        local_moment(date(2026, 3, 12), time(9, 0, tzinfo=UTC), "Europe/Moscow")


def test_format_date_ru() -> None:
    assert format_date_ru(date(2026, 3, 12)) == "12 марта 2026 г."
    assert format_date_ru(date(2026, 1, 1)) == "1 января 2026 г."


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 задач"),
        (1, "1 задача"),
        (2, "2 задачи"),
        (4, "4 задачи"),
        (5, "5 задач"),
        (11, "11 задач"),
        (12, "12 задач"),
        (14, "14 задач"),
        (21, "21 задача"),
        (22, "22 задачи"),
        (25, "25 задач"),
        (101, "101 задача"),
        (111, "111 задач"),
    ],
)
def test_plural_ru(n: int, text: str) -> None:
    assert f"{n} {plural_ru(n, TASK_FORMS)}" == text


@given(st.integers(min_value=0, max_value=10**6))
@settings(max_examples=300, deadline=None)
def test_plural_ru_agrees_with_the_grammar_rule(n: int) -> None:
    if n % 10 == 1 and n % 100 != 11:
        expected = 0
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        expected = 1
    else:
        expected = 2
    assert plural_ru(n, TASK_FORMS) == TASK_FORMS[expected]


@pytest.mark.parametrize(
    ("offset", "text"),
    [
        (0, "сегодня"),
        (1, "завтра"),
        (2, "через 2 дня"),
        (3, "через 3 дня"),
        (5, "через 5 дней"),
        (21, "через 21 день"),
        (-1, "просрочено на 1 день"),
        (-5, "просрочено на 5 дней"),
        (-22, "просрочено на 22 дня"),
    ],
)
def test_relative_due_ru(offset: int, text: str) -> None:
    today = date(2026, 3, 12)
    assert relative_due_ru(today + timedelta(days=offset), today) == text
