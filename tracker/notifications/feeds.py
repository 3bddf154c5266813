"""Calendar feeds: their secret links and their contents (personal, per roadmap, one task)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from urllib.parse import urlsplit

from flask import current_app, get_template_attribute
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, Select, bindparam, select
from werkzeug.http import generate_etag

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.memo import Memo
from tracker.notifications.ical import CalendarTask, build_feed, build_task_ics
from tracker.notifications.policy import SILENT_ROADMAP_STATUSES
from tracker.orgs.models import Organization
from tracker.pool import prepared
from tracker.roadmaps.models import Activity, Roadmap
from tracker.stamps import state_of
from tracker.tasks.assignment import roadmaps_of_user_tasks, tasks_of_user
from tracker.tasks.models import Task, TaskStatus

_SALT = "calendar-feed"
_ROADMAP_SALT = "roadmap-calendar-feed"
# Tasks a personal feed shows: those still expecting something from the user.
FEED_STATUSES = (TaskStatus.planned, TaskStatus.in_progress, TaskStatus.submitted, TaskStatus.returned)
# A feed of nothing still needs a stable DTSTAMP.
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _serializer() -> URLSafeSerializer:
    """Return the signer of calendar links."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def calendar_token(user: User) -> str:
    """Return the signed token of a user's calendar link; it changes when the user's key is regenerated."""
    return _serializer().dumps([user.id, user.calendar_key])


def read_calendar_token(token: str) -> tuple[int, str] | None:
    """Return (user id, key) from a token, or None when the signature is wrong."""
    try:
        user_id, key = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(user_id), str(key)


def calendar_url(user: User) -> str:
    """Return the absolute https/http address of the user's personal calendar feed."""
    return f"{current_app.config['BASE_URL']}/calendar/{calendar_token(user)}.ics"


def roadmap_calendar_token(user: User, roadmap_id: int) -> str:
    """Return the signed token of a user's link to a roadmap's feed; revoked with the personal one."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_ROADMAP_SALT).dumps(
        [user.id, user.calendar_key, roadmap_id]
    )


def read_roadmap_calendar_token(token: str) -> tuple[int, str, int] | None:
    """Return (user id, key, roadmap id) from a roadmap feed token, or None when the signature is wrong."""
    try:
        user_id, key, roadmap_id = URLSafeSerializer(
            current_app.config["SECRET_KEY"], salt=_ROADMAP_SALT
        ).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return int(user_id), str(key), int(roadmap_id)


def roadmap_calendar_url(user: User, roadmap_id: int) -> str:
    """Return the absolute address of a roadmap's feed for this user."""
    return f"{current_app.config['BASE_URL']}/calendar/roadmap/{roadmap_calendar_token(user, roadmap_id)}.ics"


def webcal_url(url: str) -> str:
    """Return the webcal:// form of a feed address, which calendar programs open as a subscription."""
    return "webcal://" + url.split("://", 1)[-1]


@dataclass(frozen=True, slots=True)
class FeedOwner:
    """The user a personal feed is for: what the feed depends on, read as one plain row (calendar programs
    poll feeds all day, and a kept feed needs no more of the user)."""

    id: int
    role: Role
    organization_id: int
    calendar_key: str
    name: str
    timezone: str
    # The user's stamp and their organisation's as read (tracker/stamps.py): a kept owner is checked by them.
    stamp: int
    organization_stamp: int


_FEED_OWNER = prepared(
    select(
        User.id,
        User.role,
        User.organization_id,
        User.calendar_key,
        User.name,
        Organization.timezone,
        User.stamp,
        Organization.stamp,
    )
    .join(Organization, Organization.id == User.organization_id)
    .where(User.id == bindparam("user_id"), User.is_active_account.is_(True))
)

# Owners of the feeds this process served, by user id.
_OWNERS: Memo[FeedOwner] = Memo(4096)


def _read_owner(user_id: int, calendar_key: str) -> FeedOwner | None:
    """Read and keep the active user whose id and calendar key a feed token holds (None: none such)."""
    row = db.session.execute(_FEED_OWNER, {"user_id": user_id}).one_or_none()
    if row is None or row.calendar_key != calendar_key:
        return None
    owner = FeedOwner(*row)
    _OWNERS.put(owner.id, owner)
    return owner


def feed_of_token(token: str) -> Calendar | None:
    """Return the personal feed a token opens, or None for a wrong or revoked token.

    Calendar programs poll a feed all day: its owner is kept per process and checked in the feed's one
    statement (`personal_feed`); the owner is read again when that statement finds them changed — a new
    calendar key (the user's stamp changes with it), name, role, organisation or its time zone, an account
    made inactive or removed.
    """
    found = read_calendar_token(token)
    if found is None:
        return None
    user_id, calendar_key = found
    kept = _OWNERS.peek(user_id)
    if kept is not None and kept.calendar_key == calendar_key:
        calendar = personal_feed(kept, check=True)
        if calendar is not None:
            return calendar
    owner = _read_owner(user_id, calendar_key)
    return None if owner is None else personal_feed(owner)


def calendar_domain() -> str:
    """Return the host name that makes event UIDs unique: the one of BASE_URL."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def task_url(task_id: int) -> str:
    """Return the absolute address of a task's page."""
    return f"{current_app.config['BASE_URL']}/tasks/{task_id}"


def calendar_task(task: Task, activity: Activity, roadmap: Roadmap) -> CalendarTask:
    """Return the plain values of a task's calendar event."""
    number = f"{activity.number} " if activity.number else ""
    return CalendarTask(
        uid_seed=task.id,
        summary=f"{number}{activity.title}".strip(),
        description=task.label or "",
        due=task.due,
        start=task.start,
        url=task_url(task.id),
        # The optimistic-lock version grows with every change of the task, as SEQUENCE must.
        sequence=max(task.version - 1, 0),
        status=str(task.status),
        roadmap_title=roadmap.title,
        responsible=activity.responsible,
        result=activity.result,
    )


def task_ics(task: Task, activity: Activity, roadmap: Roadmap) -> bytes:
    """Return the .ics of one task."""
    return _task_ics(calendar_task(task, activity, roadmap), calendar_domain(), task.updated_dt)


@lru_cache(maxsize=1024)
def _task_ics(task: CalendarTask, domain: str, stamp: datetime) -> bytes:
    # Built once for all the task's recipients on a morning: the key is everything the bytes depend on.
    return build_task_ics(task, prodid_domain=domain, stamp=stamp)


@dataclass(frozen=True, slots=True)
class Calendar:
    """An iCalendar file and its entity tag (clients polling a feed send it back), computed once."""

    body: bytes
    etag: str

    @classmethod
    def of(cls, body: bytes) -> Calendar:
        """Return the calendar of a body."""
        return cls(body, generate_etag(body))


def _feed(name: str, rows: Iterable[tuple[Task, Activity, Roadmap]], tz: str, with_alarms: bool) -> Calendar:
    """Build a feed from (task, activity, roadmap) rows, stamped with the latest change among them."""
    events, stamp = [], _EPOCH
    for task, activity, roadmap in rows:
        events.append(calendar_task(task, activity, roadmap))
        stamp = max(stamp, task.updated_dt)
    kwargs = {} if with_alarms else {"alarm_at": None}
    body = build_feed(name, events, prodid_domain=calendar_domain(), stamp=stamp, tz=tz, **kwargs)
    return Calendar.of(body)


def personal_feed(owner: FeedOwner, *, check: bool = False) -> Calendar | None:
    """Build the feed of the user's open tasks in roadmaps being carried out.

    With `check`, the owner was read by an earlier request: None when their row or their organisation's has
    changed since.
    """
    # Calendar programs poll the same feed again and again: it is kept under the state of the roadmaps that
    # can hold the user's tasks (`roadmaps_of_user_tasks`), a few rows, rather than read from the tasks.
    key = (owner.id, owner.role, owner.organization_id)
    *state, users, user_stamp, organizations, organization_stamp = state_of(
        ("feed", *key),
        lambda: [
            _roadmaps_state(owner),
            (select(User).where(User.id == owner.id, User.is_active_account.is_(True)), User.stamp),
            (select(Organization).where(Organization.id == owner.organization_id), Organization.stamp),
        ],
    )
    as_read = (1, owner.stamp, 1, owner.organization_stamp)
    if check and (users, user_stamp, organizations, organization_stamp) != as_read:
        return None

    def build() -> Calendar:
        name = get_template_attribute("notifications/calendar.txt", "personal_name")(owner)
        return _feed(str(name).strip(), db.session.execute(_feed_query(owner)), owner.timezone, True)

    return _FEEDS.get((*key, owner.calendar_key, owner.name, owner.timezone, *state), build)


def _roadmaps_state(owner: FeedOwner) -> tuple[Select, ColumnElement]:
    """Return the source of `state_of` naming the roadmaps that can hold the user's tasks."""
    roadmaps = roadmaps_of_user_tasks(owner).subquery()
    return select(roadmaps), roadmaps.c.content_stamp


def _feed_query(owner: FeedOwner) -> Select:
    """Return the rows of a user's feed: (task, activity, roadmap), by due date."""
    return (
        tasks_of_user(owner)
        .add_columns(Activity, Roadmap)
        .join(Activity, Activity.id == Task.activity_id)
        .join(Roadmap, Roadmap.id == Task.roadmap_id)
        .where(Task.status.in_(FEED_STATUSES), Roadmap.status.notin_(SILENT_ROADMAP_STATUSES))
        .order_by(Task.due, Task.id)
    )


# Built feeds of this process; the key holds everything the bytes depend on.
_FEEDS: Memo[Calendar] = Memo(256)


def roadmap_feed(roadmap: Roadmap) -> Calendar:
    """Build the feed of every task of a roadmap, without alarms: it is for watching, not for doing."""
    query = (
        select(Task, Activity, Roadmap)
        .join(Activity, Activity.id == Task.activity_id)
        .join(Roadmap, Roadmap.id == Task.roadmap_id)
        .where(Task.roadmap_id == roadmap.id)
        .order_by(Task.due, Task.id)
    )
    name = get_template_attribute("notifications/calendar.txt", "roadmap_name")(roadmap)
    return _feed(str(name).strip(), db.session.execute(query), roadmap.organization.timezone, False)
