"""Tests of the iCalendar builders, read back with icalendar and recurring_ical_events."""

import dataclasses
from datetime import UTC, date, datetime, time, timedelta

import pytest
import recurring_ical_events
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar, Event

from tracker.notifications.ical import CalendarTask, build_feed, build_task_ics, task_uid

DOMAIN = "tracker.example.ru"
STAMP = datetime(2026, 3, 1, 7, 30, tzinfo=UTC)


def make_task(**kw: object) -> CalendarTask:
    """Return a calendar task with Russian text, overriding any field."""
    values: dict[str, object] = {
        "uid_seed": 42,
        "summary": "Совещание с директорами, ШНОР; итоги ВПР",
        "description": "Обсудить результаты",
        "due": date(2026, 3, 12),
        "start": date(2026, 3, 1),
        "url": f"https://{DOMAIN}/tasks/42",
        "sequence": 0,
        "status": "planned",
        "roadmap_title": "МППКО 2026–2028",
        "responsible": "Иванова А. А., МКУ «ЦРО»",
        "result": "Протокол совещания; аналитическая справка",
    }
    values.update(kw)
    return CalendarTask(**values)  # type: ignore[arg-type]


def task_ics(task: CalendarTask | None = None, **kw: object) -> bytes:
    """Build the .ics of a task (the sample one by default)."""
    return build_task_ics(task or make_task(), prodid_domain=DOMAIN, stamp=STAMP, **kw)  # type: ignore[arg-type]


def feed(tasks: list[CalendarTask], name: str = "Мои задачи, Иванова; ЦРО", **kw: object) -> bytes:
    """Build a feed of tasks with a name that needs escaping."""
    return build_feed(name, tasks, prodid_domain=DOMAIN, stamp=STAMP, **kw)  # type: ignore[arg-type]


def unfold(raw: bytes) -> str:
    """Return the content lines of an iCalendar file joined back."""
    return raw.replace(b"\r\n ", b"").decode()


def only_event(raw: bytes) -> Event:
    """Return the single event of an iCalendar file."""
    events = Calendar.from_ical(raw).walk("VEVENT")
    assert len(events) == 1
    assert isinstance(events[0], Event)
    return events[0]


def test_task_ics_calendar_properties() -> None:
    calendar = Calendar.from_ical(task_ics())
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == f"-//{DOMAIN}//tracker//RU"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"


def test_task_event_is_all_day_on_the_due_date() -> None:
    raw = task_ics()
    event = only_event(raw)
    assert event.decoded("DTSTART") == date(2026, 3, 12)
    assert not isinstance(event.decoded("DTSTART"), datetime)
    assert event.decoded("DTEND") == date(2026, 3, 13)
    assert "DTSTART;VALUE=DATE:20260312" in unfold(raw)
    assert "DTEND;VALUE=DATE:20260313" in unfold(raw)
    assert event.decoded("DTSTAMP") == STAMP
    assert event["TRANSP"] == "TRANSPARENT"
    assert event["STATUS"] == "CONFIRMED"


def test_uid_is_stable_and_sequence_is_written() -> None:
    first, second = task_ics(), task_ics()
    assert first == second
    changed = only_event(task_ics(make_task(sequence=3, summary="Другое название")))
    assert str(only_event(first)["UID"]) == str(changed["UID"]) == f"task-42@{DOMAIN}"
    assert only_event(first)["SEQUENCE"] == 0
    assert changed["SEQUENCE"] == 3
    assert task_uid(make_task(uid_seed="abc"), DOMAIN) == f"task-abc@{DOMAIN}"


def test_alarm_at_nine_the_day_before() -> None:
    alarms = only_event(task_ics()).walk("VALARM")
    assert len(alarms) == 1
    alarm = alarms[0]
    assert alarm["ACTION"] == "DISPLAY"
    assert alarm["DESCRIPTION"] == make_task().summary
    assert alarm.decoded("TRIGGER") == -timedelta(hours=15)
    assert alarm["TRIGGER"].params["RELATED"] == "START"
    assert "TRIGGER;RELATED=START:-PT15H" in unfold(task_ics())
    # Midnight of the due date minus the trigger is 09:00 the day before.
    assert datetime(2026, 3, 12) + alarm.decoded("TRIGGER") == datetime(2026, 3, 11, 9, 0)


def test_alarm_time_and_absence() -> None:
    alarm = only_event(task_ics(alarm_at=time(8, 30))).walk("VALARM")[0]
    assert alarm.decoded("TRIGGER") == -timedelta(hours=15, minutes=30)
    assert not only_event(task_ics(alarm_at=None)).walk("VALARM")
    assert not only_event(task_ics(make_task(status="done"))).walk("VALARM")


def test_cancelled_task_is_a_cancelled_event() -> None:
    event = only_event(task_ics(make_task(status="cancelled")))
    assert event["STATUS"] == "CANCELLED"
    assert not event.walk("VALARM")


def test_cyrillic_text_round_trips() -> None:
    task = make_task(location="Актовый зал")
    event = only_event(task_ics(task))
    assert str(event["SUMMARY"]) == task.summary
    assert str(event["LOCATION"]) == "Актовый зал"
    assert str(event["URL"]) == task.url
    assert str(event["DESCRIPTION"]).split("\n") == [
        "Обсудить результаты",
        "Дорожная карта: МППКО 2026–2028",
        "Ответственный: Иванова А. А., МКУ «ЦРО»",
        "Ожидаемый результат: Протокол совещания; аналитическая справка",
        "Срок выполнения: с 1 марта 2026 г. по 12 марта 2026 г.",
        f"Ссылка: https://{DOMAIN}/tasks/42",
    ]


def test_description_without_window_or_optional_fields() -> None:
    task = make_task(start=None, description="", url=None, result="", responsible="")
    event = only_event(task_ics(task))
    assert str(event["DESCRIPTION"]).split("\n") == [
        "Дорожная карта: МППКО 2026–2028",
        "Срок: 12 марта 2026 г.",
    ]
    assert "URL" not in event
    # A window of one day is just the due date.
    same_day = only_event(task_ics(make_task(start=date(2026, 3, 12))))
    assert "Срок: 12 марта 2026 г." in str(same_day["DESCRIPTION"])


def test_commas_and_semicolons_are_escaped() -> None:
    text = unfold(task_ics())
    assert "SUMMARY:Совещание с директорами\\, ШНОР\\; итоги ВПР\r\n" in text
    assert "Протокол совещания\\; аналитическая справка" in text


def test_crlf_line_endings_and_folding() -> None:
    raw = task_ics(make_task(description="Очень длинное описание мероприятия, " * 10))
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\n") == raw.count(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert any(line.startswith(b" ") for line in lines)
    for line in lines:
        assert len(line) <= 75
        line.decode("utf-8")  # folding never splits a character


def test_feed_calendar_properties() -> None:
    raw = feed([make_task()], tz="Asia/Irkutsk", refresh_hours=2)
    calendar = Calendar.from_ical(raw)
    text = unfold(raw)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert "X-WR-CALNAME:Мои задачи\\, Иванова\\; ЦРО\r\n" in text
    assert "\r\nNAME:Мои задачи\\, Иванова\\; ЦРО\r\n" in text
    # icalendar reads these properties as raw text, so undo the TEXT escaping by hand.
    name = str(calendar["X-WR-CALNAME"]).replace("\\,", ",").replace("\\;", ";")
    assert name == "Мои задачи, Иванова; ЦРО"
    assert calendar["X-WR-TIMEZONE"] == "Asia/Irkutsk"
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT2H\r\n" in text
    assert "X-PUBLISHED-TTL:PT2H\r\n" in text


def test_feed_is_ordered_stable_and_expands_by_date() -> None:
    tasks = [
        make_task(uid_seed=3, due=date(2026, 4, 2), summary="Мониторинг"),
        make_task(uid_seed=1, due=date(2026, 3, 12), summary="Совещание"),
        make_task(uid_seed=2, due=date(2026, 3, 20), start=None, summary="Отчёт"),
    ]
    raw = feed(tasks)
    assert raw == feed(list(reversed(tasks)))
    calendar = Calendar.from_ical(raw)
    uids = [str(e["UID"]) for e in calendar.walk("VEVENT")]
    assert uids == [f"task-1@{DOMAIN}", f"task-2@{DOMAIN}", f"task-3@{DOMAIN}"]

    march = recurring_ical_events.of(calendar).between(date(2026, 3, 1), date(2026, 4, 1))
    assert sorted(str(e["SUMMARY"]) for e in march) == ["Отчёт", "Совещание"]
    for event in march:
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
    on_due_day = recurring_ical_events.of(calendar).at(date(2026, 4, 2))
    assert [str(e["SUMMARY"]) for e in on_due_day] == ["Мониторинг"]


def test_feed_uids_survive_edits() -> None:
    task = make_task()
    before = only_event(feed([task]))
    after = only_event(feed([dataclasses.replace(task, sequence=1, due=date(2026, 3, 13))]))
    assert before["UID"] == after["UID"]
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)


def test_empty_feed_is_a_valid_calendar() -> None:
    calendar = Calendar.from_ical(feed([]))
    assert calendar["VERSION"] == "2.0"
    assert not calendar.walk("VEVENT")


def test_naive_stamp_is_refused() -> None:
    with pytest.raises(ValueError):
        build_task_ics(make_task(), prodid_domain=DOMAIN, stamp=datetime(2026, 3, 1))


TEXT = st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВЁЯ «»–№,;:\\\"'.!?0123456789\n", max_size=200)


@given(summary=TEXT.filter(str.strip), description=TEXT)
@settings(max_examples=60, deadline=None)
def test_any_russian_text_round_trips_within_line_limits(summary: str, description: str) -> None:
    raw = task_ics(make_task(summary=summary, description=description))
    event = only_event(raw)
    assert str(event["SUMMARY"]) == summary
    if description.strip():
        assert str(event["DESCRIPTION"]).startswith(description.strip())
    for line in raw.split(b"\r\n")[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")
