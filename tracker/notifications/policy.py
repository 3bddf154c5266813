"""Plan the reminders of one task for one recipient: which to send now and which come next.

The sweep in ``notifications/jobs.py`` calls :func:`plan_reminders` for every open task and recipient and
stores each result under the unique key (task, recipient, kind, ``key_suffix``):

* rows with ``planned_dt <= now`` that are not sent yet are sent (or go into the daily digest);
* rows with ``planned_dt > now`` are kept as the schedule and may be shown ("next reminder on …");
* stored unsent rows that a later call no longer returns are stale (due date moved, task closed, pause,
  superseded) and must be dropped, never sent.

Decisions the issue leaves open:

* A reminder whose day is a weekend or public holiday moves to the previous working day; overdue and
  review reminders move to the next working day instead, since "overdue" cannot be said before the due
  date has passed and a review cannot be chased before it is due.
* Several reminders shifted onto the same day collapse into one. ``kind`` and ``days`` describe the
  actual send day, so a 1-day reminder moved from Sunday to Friday is ``before`` with ``days=3``.
* Catching up never floods: of the reminders already due only the latest one is returned, and only
  while it is at most ``grace`` old. A task created two days before its due date gets no 14-day or
  3-day reminder at all; a sweep that was down for a day sends one reminder, not three.
* Reminders planned before the task was created are dropped (its assignment e-mail already went out).
* A pause (vacation) drops the reminders that fall on or before ``paused_until`` instead of postponing
  them; the next regular one (due day, weekly overdue) follows as planned.
* Roadmaps in draft, under approval (review) or archived send nothing.
* Submitted tasks remind the controller ("review") ``review_after_working_days`` working days after
  submission and then every ``review_every_days`` days until accepted or returned.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from tracker.dates import add_working_days, local_moment, next_working_day, previous_working_day

logger = logging.getLogger(__name__)

Kind = Literal["before", "due", "overdue", "review"]
Role = Literal["assignee", "controller"]

ASSIGNEE_STATUSES = frozenset({"planned", "in_progress", "returned"})
REVIEW_STATUSES = frozenset({"submitted"})
CLOSED_STATUSES = frozenset({"done", "cancelled", "not_done"})
TASK_STATUSES = ASSIGNEE_STATUSES | REVIEW_STATUSES | CLOSED_STATUSES
# Officers are chased only for an approved plan: not while it is drafted or under approval, nor archived.
SILENT_ROADMAP_STATUSES = frozenset({"draft", "review", "archived"})

DEFAULT_GRACE = timedelta(hours=12)
DEFAULT_HORIZON_DAYS = 31


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out; the defaults of the issue, overridable per roadmap and per user."""

    days_before: tuple[int, ...] = (14, 3, 1, 0)  # calendar days before the due date, 0 = on the day
    send_at: time = time(9, 0)  # wall-clock time in the recipient organisation's time zone
    overdue_first_after_days: int = 1  # first overdue reminder this many days after the due date
    overdue_every_days: int = 7  # then every this many days; 0 = only once
    review_after_working_days: int = 2  # controller: working days after submission
    review_every_days: int = 7  # then every this many days; 0 = only once
    enabled: bool = True

    def __post_init__(self) -> None:
        days = tuple(sorted({int(d) for d in self.days_before}, reverse=True))
        if any(d < 0 for d in days):
            raise ValueError("days_before must not be negative")
        # Frozen, so normalise through object.__setattr__: overrides arrive as JSON lists.
        object.__setattr__(self, "days_before", days)
        if self.send_at.tzinfo is not None:
            raise ValueError("send_at must be a naive wall-clock time")
        if self.overdue_first_after_days < 1 or self.review_after_working_days < 1:
            raise ValueError("the first overdue and review reminders need at least one day")
        if self.overdue_every_days < 0 or self.review_every_days < 0:
            raise ValueError("repeat intervals must not be negative")


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder: what it is about, when it goes out, and the suffix of its unique key.

    ``days`` counts from the actual send day: days before the due date ("before"/"due"), days past it
    ("overdue"), or days since submission ("review"). Render wording from the due date and the send
    day (``relative_due_ru``), not from the nominal policy offsets.
    """

    kind: Kind
    days: int
    planned_dt: datetime  # aware UTC
    key_suffix: str  # "<kind>:<days>:<local send date>", deterministic


_FIELDS = {f.name for f in dataclasses.fields(ReminderPolicy)}


def _coerce(name: str, value: object) -> Any:
    """Turn a JSON-stored override value into the field's type."""
    if name == "days_before":
        if isinstance(value, str | bytes) or not isinstance(value, list | tuple | set | frozenset):
            raise ValueError("days_before must be a list of integers")
        return tuple(int(v) for v in value)
    if name == "send_at":
        if isinstance(value, time):
            return value
        if isinstance(value, str):
            return time.fromisoformat(value)
        raise ValueError("send_at must be a time or an 'HH:MM' string")
    if name == "enabled":
        if not isinstance(value, bool):
            raise ValueError("enabled must be a boolean")
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{name} must be an integer")
    return value


def merge_policy(
    default: ReminderPolicy,
    roadmap_override: Mapping[str, object] | None = None,
    user_override: Mapping[str, object] | None = None,
) -> ReminderPolicy:
    """Return the default policy with the roadmap's and then the user's overrides applied (None = inherit)."""
    policy = default
    for override in (roadmap_override, user_override):
        if not override:
            continue
        unknown = set(override) - _FIELDS
        if unknown:
            raise ValueError(f"unknown reminder policy fields: {sorted(unknown)}")
        changes = {k: _coerce(k, v) for k, v in override.items() if v is not None}
        policy = dataclasses.replace(policy, **changes)
    return policy


def _assignee_days(due: date, policy: ReminderPolicy, until: date, since: date) -> Iterator[date]:
    """Yield the send days of the before/due and overdue series between since and until."""
    for offset in policy.days_before:
        yield previous_working_day(due - timedelta(days=offset))
    first = policy.overdue_first_after_days
    every = policy.overdue_every_days
    # Skip the weekly reminders long gone so a task overdue for years costs no long loop; the margin
    # covers the forward shift over the longest holiday block.
    k = 0
    if every and since > due + timedelta(days=first):
        k = max(0, ((since - due).days - first) // every - 2)
    while True:
        nominal = due + timedelta(days=first + k * every)
        if nominal > until:
            return
        yield next_working_day(nominal)
        if not every:
            return
        k += 1


def _review_days(submitted_on: date, policy: ReminderPolicy, until: date) -> Iterator[date]:
    """Yield the send days of the controller's review reminders up to until."""
    first = add_working_days(submitted_on, policy.review_after_working_days)
    k = 0
    while True:
        nominal = first + timedelta(days=k * policy.review_every_days)
        if nominal > until:
            return
        yield next_working_day(nominal)
        if not policy.review_every_days:
            return
        k += 1


def _reminder(kind: Kind, days: int, day: date, policy: ReminderPolicy, tz: str) -> PlannedReminder:
    return PlannedReminder(
        kind=kind,
        days=days,
        planned_dt=local_moment(day, policy.send_at, tz),
        key_suffix=f"{kind}:{days}:{day.isoformat()}",
    )


def plan_reminders(
    *,
    due: date,
    status: str,
    roadmap_status: str,
    policy: ReminderPolicy,
    tz: str,
    now: datetime,
    paused_until: date | None = None,
    recipient_role: Role = "assignee",
    created_dt: datetime | None = None,
    submitted_on: date | None = None,
    horizon_days: int = DEFAULT_HORIZON_DAYS,
    grace: timedelta = DEFAULT_GRACE,
) -> list[PlannedReminder]:
    """Return the reminder to send now (at most one) and the next ones within the horizon, by time."""
    # str() turns the models' StrEnum members into their plain values.
    status, roadmap_status = str(status), str(roadmap_status)
    if now.tzinfo is None or (created_dt is not None and created_dt.tzinfo is None):
        raise ValueError("now and created_dt must be aware datetimes")
    if status not in TASK_STATUSES:
        raise ValueError(f"unknown task status {status!r}")
    if recipient_role not in ("assignee", "controller"):
        raise ValueError(f"unknown recipient role {recipient_role!r}")
    if not policy.enabled or roadmap_status in SILENT_ROADMAP_STATUSES:
        return []

    zone = ZoneInfo(tz)
    horizon_end = now + timedelta(days=horizon_days)
    until = horizon_end.astimezone(zone).date()
    since = (now - grace).astimezone(zone).date()

    if recipient_role == "assignee" and status in ASSIGNEE_STATUSES:
        send_days = set(_assignee_days(due, policy, until, since))
        reminders = []
        for day in send_days:
            left = (due - day).days
            if left > 0:
                reminders.append(_reminder("before", left, day, policy, tz))
            elif left == 0:
                reminders.append(_reminder("due", 0, day, policy, tz))
            else:
                reminders.append(_reminder("overdue", -left, day, policy, tz))
    elif recipient_role == "controller" and status in REVIEW_STATUSES:
        if submitted_on is None:
            raise ValueError("controller reminders need submitted_on")
        reminders = [
            _reminder("review", (day - submitted_on).days, day, policy, tz)
            for day in set(_review_days(submitted_on, policy, until))
        ]
    else:
        return []

    reminders.sort(key=lambda r: r.planned_dt)
    past = [r for r in reminders if r.planned_dt <= now]
    # Only the newest due reminder may still go out, and only while fresh: older ones are superseded.
    current = [past[-1]] if past and now - past[-1].planned_dt <= grace else []
    upcoming = [r for r in reminders if now < r.planned_dt <= horizon_end]

    planned = []
    for reminder in current + upcoming:
        if created_dt is not None and reminder.planned_dt < created_dt:
            continue
        if paused_until is not None and reminder.planned_dt.astimezone(zone).date() <= paused_until:
            continue
        planned.append(reminder)
    logger.debug("planned %s reminders due %s status %s tz %s", len(planned), due, status, tz)
    return planned
