"""Russian working calendar, local moments and Russian wording of dates."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date

logger = logging.getLogger(__name__)

RU = Locale("ru")

# Non-working public holidays, Labour Code art. 112: (month, day).
_NEW_YEAR_BLOCK = tuple((1, day) for day in range(1, 9))
_HOLIDAYS = (*_NEW_YEAR_BLOCK, (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))

# The government moves days off every year by decree, so the general rule alone is wrong for some days
# (2025: the day off for Sunday 23 Feb went to 8 May, not to Monday 24 Feb).
_MAX_GAP_DAYS = 31


@dataclass(frozen=True)
class _Decree:
    """Days a yearly decree changes against the plain weekend/holiday calendar."""

    days_off: frozenset[date]  # weekdays that are not worked although they are no holiday
    working_days: frozenset[date]  # Saturdays or Sundays that are worked


def _decree(days_off: Sequence[str], working_days: Sequence[str] = ()) -> _Decree:
    return _Decree(
        frozenset(date.fromisoformat(d) for d in days_off),
        frozenset(date.fromisoformat(d) for d in working_days),
    )


# Decreed transfers ("О переносе выходных дней в <год> году"), the full list of extra days off including
# the ones the general rule would give. NEEDS A YEARLY UPDATE: the decree for the next year is published
# around September; until a year is listed here the general rule below applies, which misses the transfer
# of the January days that fall on a weekend. Hand-kept instead of depending on the `holidays` package:
# three lines a year, and the reminder schedule must not change silently with a dependency upgrade.
_DECREES: dict[int, _Decree] = {
    # Постановление Правительства РФ от 04.10.2024 № 1335.
    2025: _decree(
        ["2025-05-02", "2025-05-08", "2025-06-13", "2025-11-03", "2025-12-31"],
        ["2025-11-01"],
    ),
    # Постановление Правительства РФ от 24.09.2025 № 1466.
    2026: _decree(["2026-01-09", "2026-03-09", "2026-05-11", "2026-12-31"]),
    # Постановление Правительства РФ о переносе выходных дней в 2027 году (published September 2026).
    2027: _decree(
        ["2027-02-22", "2027-05-03", "2027-05-10", "2027-06-14", "2027-11-05", "2027-12-31"],
        ["2027-02-20"],
    ),
}


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


@cache
def public_holidays(year: int) -> frozenset[date]:
    """Return the non-working public holidays of a year."""
    return frozenset(date(year, month, day) for month, day in _HOLIDAYS)


@cache
def _transferred_days_off(year: int) -> frozenset[date]:
    """Return weekdays off in lieu of holidays on weekends (decree, or the Labour Code rule)."""
    if year in _DECREES:
        return _DECREES[year].days_off
    fixed = public_holidays(year)
    moved: set[date] = set()
    for month, day in _HOLIDAYS:
        if (month, day) in _NEW_YEAR_BLOCK:
            # January days on a weekend are moved by the yearly decree only, anywhere in the year.
            continue
        holiday = date(year, month, day)
        if not _is_weekend(holiday):
            continue
        candidate = holiday + timedelta(days=1)
        while _is_weekend(candidate) or candidate in fixed or candidate in moved:
            candidate += timedelta(days=1)
        moved.add(candidate)
    return frozenset(moved)


def is_working_day(d: date) -> bool:
    """Tell whether a date is a working day of the Russian five-day week."""
    decree = _DECREES.get(d.year)
    if decree is not None and d in decree.working_days:
        return True
    if _is_weekend(d) or d in public_holidays(d.year):
        return False
    return d not in _transferred_days_off(d.year)


def previous_working_day(d: date) -> date:
    """Return the date itself when it is a working day, else the closest working day before it."""
    for offset in range(_MAX_GAP_DAYS):
        candidate = d - timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {_MAX_GAP_DAYS} days before {d}")


def next_working_day(d: date) -> date:
    """Return the date itself when it is a working day, else the closest working day after it."""
    for offset in range(_MAX_GAP_DAYS):
        candidate = d + timedelta(days=offset)
        if is_working_day(candidate):
            return candidate
    raise ValueError(f"no working day within {_MAX_GAP_DAYS} days after {d}")


def add_working_days(d: date, n: int) -> date:
    """Return the n-th working day after a date (n >= 1), or the date itself shifted forward for n = 0."""
    if n < 0:
        raise ValueError("n must not be negative")
    current = next_working_day(d) if n == 0 else d
    for _ in range(n):
        current = next_working_day(current + timedelta(days=1))
    return current


def local_moment(d: date, hhmm: time, tz: str) -> datetime:
    """Return the aware UTC moment of a wall-clock time on a date in a time zone."""
    if hhmm.tzinfo is not None:
        raise ValueError("hhmm must be a naive wall-clock time")
    return datetime.combine(d, hhmm, tzinfo=ZoneInfo(tz)).astimezone(UTC)


@lru_cache(maxsize=4096)
def format_date_ru(d: date) -> str:
    """Format a date the Russian long way, «12 марта 2026 г.» (pages show the same few dates many times)."""
    # CLDR puts a narrow no-break space before «г.»; some mail-client fonts lack it, so use a plain one.
    return format_date(d, format="long", locale=RU).replace("\u202f", " ").replace("\xa0", " ")


def plural_ru(n: int, forms: tuple[str, str, str]) -> str:
    """Return the form (one, few, many) of a Russian noun that agrees with n, e.g. «задачи» for 2."""
    # CLDR rules via babel: 1, 21, 101 → one; 2–4, 22–24 → few; 0, 5–20, 11–14, 25 → many.
    tag = RU.plural_form(abs(n))
    return forms[{"one": 0, "few": 1}.get(tag, 2)]


_DAY_FORMS = ("день", "дня", "дней")


def relative_due_ru(due: date, today: date) -> str:
    """Describe a due date relative to today: «сегодня», «завтра», «через 3 дня», «просрочено на 5 дней»."""
    days = (due - today).days
    if days == 0:
        return "сегодня"
    if days == 1:
        return "завтра"
    if days > 1:
        return f"через {days} {plural_ru(days, _DAY_FORMS)}"
    late = -days
    return f"просрочено на {late} {plural_ru(late, _DAY_FORMS)}"
