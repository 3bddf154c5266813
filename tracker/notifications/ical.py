"""Build iCalendar files for tasks: the .ics of one task (e-mail, task page) and calendar feeds.

Each task is one all-day event on its due date (DTSTART;VALUE=DATE = due, DTEND = the next day). A task
with an execution window (start … due) is still shown on the due day only, with the window written in
the description: a bar spanning weeks would cover the whole calendar of a busy officer, and the deadline
is what the event is for. Events are TRANSPARENT so that deadlines never block free/busy time.

Output is deterministic for the same input (DTSTAMP is an argument, tasks are sorted), so a feed fetched
twice is byte-identical and UIDs never change. The caller raises ``CalendarTask.sequence`` on every change
of the task so that clients replace the copy they already have.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from icalendar import Alarm, Calendar, Event, vDuration, vText

from tracker.dates import format_date_ru

logger = logging.getLogger(__name__)

# Statuses after which a task needs no alarm any more.
_CLOSED_STATUSES = frozenset({"done", "cancelled", "not_done"})
DEFAULT_ALARM_AT = time(9, 0)

# Calendar text is built here rather than in a template: this builder stays pure and the labels are the
# only Russian words it needs, kept together in one place.
_LABELS = {
    "roadmap": "Дорожная карта",
    "responsible": "Ответственный",
    "result": "Ожидаемый результат",
    "window": "Срок выполнения",
    "due": "Срок",
    "link": "Ссылка",
}


@dataclass(frozen=True)
class CalendarTask:
    """The plain values a calendar event of a task is built from."""

    uid_seed: str | int  # task id; the UID is task-<uid_seed>@<domain>
    summary: str  # activity name
    description: str  # free text shown first, may be empty
    due: date
    start: date | None  # start of the execution window, if any
    url: str | None  # absolute link to the task page
    sequence: int  # raised by the caller on every change of the task
    status: str  # task status (planned, in_progress, …, cancelled)
    roadmap_title: str
    responsible: str
    result: str  # expected result or evidence
    location: str | None = None


def task_uid(task: CalendarTask, domain: str) -> str:
    """Return the stable UID of a task's event."""
    return f"task-{task.uid_seed}@{domain}"


def _utc(stamp: datetime) -> datetime:
    if stamp.tzinfo is None:
        raise ValueError("stamp must be an aware datetime")
    return stamp.astimezone(UTC)


def _description(task: CalendarTask) -> str:
    """Compose the event description: free text, then roadmap, responsible, result, window and link."""
    lines = [task.description.strip()] if task.description.strip() else []
    if task.roadmap_title:
        lines.append(f"{_LABELS['roadmap']}: {task.roadmap_title}")
    if task.responsible:
        lines.append(f"{_LABELS['responsible']}: {task.responsible}")
    if task.result:
        lines.append(f"{_LABELS['result']}: {task.result}")
    if task.start is not None and task.start < task.due:
        window = f"с {format_date_ru(task.start)} по {format_date_ru(task.due)}"
        lines.append(f"{_LABELS['window']}: {window}")
    else:
        lines.append(f"{_LABELS['due']}: {format_date_ru(task.due)}")
    if task.url:
        lines.append(f"{_LABELS['link']}: {task.url}")
    return "\n".join(lines)


def _alarm(task: CalendarTask, alarm_at: time) -> Alarm:
    """Return a display alarm at alarm_at on the day before the due date."""
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", task.summary)
    # All-day events start at local midnight, so "09:00 the day before" is 15 hours before the start;
    # Outlook and Thunderbird both take a negative duration related to START for all-day events.
    before_midnight = timedelta(hours=24) - timedelta(hours=alarm_at.hour, minutes=alarm_at.minute)
    alarm.add("trigger", -before_midnight, parameters={"RELATED": "START"})
    return alarm


def _event(task: CalendarTask, domain: str, stamp: datetime, alarm_at: time | None) -> Event:
    event = Event()
    event.add("uid", task_uid(task, domain))
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", task.due)
    event.add("dtend", task.due + timedelta(days=1))
    event.add("summary", task.summary)
    event.add("description", _description(task))
    if task.location:
        event.add("location", task.location)
    if task.url:
        event.add("url", task.url)
    event.add("sequence", task.sequence)
    event.add("status", "CANCELLED" if task.status == "cancelled" else "CONFIRMED")
    event.add("transp", "TRANSPARENT")
    if alarm_at is not None and task.status not in _CLOSED_STATUSES:
        event.add_component(_alarm(task, alarm_at))
    return event


def _calendar(domain: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", f"-//{domain}//tracker//RU")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    return calendar


def build_task_ics(
    task: CalendarTask,
    *,
    prodid_domain: str,
    stamp: datetime,
    alarm_at: time | None = DEFAULT_ALARM_AT,
) -> bytes:
    """Build the .ics of one task: METHOD:PUBLISH with one all-day event and a display alarm."""
    calendar = _calendar(prodid_domain)
    calendar.add_component(_event(task, prodid_domain, stamp, alarm_at))
    return calendar.to_ical()


def build_feed(
    name: str,
    tasks: Iterable[CalendarTask],
    *,
    prodid_domain: str,
    stamp: datetime,
    tz: str = "Europe/Moscow",
    refresh_hours: int = 1,
    alarm_at: time | None = DEFAULT_ALARM_AT,
) -> bytes:
    """Build a subscribable calendar feed of tasks, one all-day event each, ordered by due date."""
    calendar = _calendar(prodid_domain)
    # vText escapes commas and semicolons; X- properties would otherwise be written raw.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", tz)
    refresh = timedelta(hours=refresh_hours)
    calendar.add("refresh-interval", vDuration(refresh), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    ordered = sorted(tasks, key=lambda t: (t.due, str(t.uid_seed)))
    for task in ordered:
        calendar.add_component(_event(task, prodid_domain, stamp, alarm_at))
    logger.debug("built feed %r with %s events", name, len(ordered))
    return calendar.to_ical()
