"""Background work: one sweep over database rows, run by exactly one scheduler process.

Every pass runs three jobs, each as if it were `now`:

* ``plan_reminders_job`` keeps the outbox in step with the reminder policy: for every open task and each
  of its recipients it stores the rows ``policy.plan_reminders`` returns, moves rows whose moment changed
  and drops unsent rows it no longer returns, so a changed due date, status, pause or policy re-plans the
  unsent reminders at the next pass. Tasks are read in keyset chunks: the pass is linear and its memory flat.
* ``weekly_digest_job`` queues each coordinator's digest on Monday from 08:00 local time, once a week.
* ``send_outbox_job`` sends the rows that are due, one e-mail per row, or one per recipient in digest mode.

Why a crash never re-sends (and never storms): e-mails go in batches of SEND_BATCH. The rows of a batch
are claimed — status ``sending``, committed — before the server sees any of them, and the ones taken are
marked ``sent`` in one commit after the batch. A pass killed in between leaves the rows of that one batch
in ``sending``: those handed over before the crash (most likely delivered), the one in flight, and those
not tried yet (not delivered). No pass ever sends such a row; once it is older than STUCK_AFTER it becomes
``uncertain`` and is listed for administrators, who check the mail server and resend or confirm it. The
alternative, re-sending automatically, would turn a crash loop into a storm of repeats; losing track of a
few e-mails is the lesser evil. Two commits per batch instead of two per e-mail make a big morning several
times faster. All other rows are either sent and marked or still planned, and the next pass sends them
exactly once.

SMTP failures: an unreachable server (refused connection, timeout, bad login) stops the pass and
postpones every due row by RETRY_WHEN_UNREACHABLE, indefinitely; a 4xx answer to one message retries it
with exponential back-off up to MAX_ATTEMPTS, a 5xx answer fails it at once. Failed and uncertain rows and
rows waiting for a retry are shown on the administrators' outbox page.
"""

from __future__ import annotations

import logging
import signal
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import chain
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask import Flask, current_app, get_template_attribute
from sqlalchemy import or_, select

from tracker.auth.models import Role, User
from tracker.dates import relative_due_ru
from tracker.extensions import db
from tracker.notifications import operations as ops
from tracker.notifications.digest import build_digest, collect_digest, is_empty_payload
from tracker.notifications.email import (
    Attachment,
    DeliveryError,
    Mail,
    Mailer,
    build_message,
    make_message_id,
    render_email,
)
from tracker.notifications.feeds import calendar_domain, calendar_task, task_ics, task_url
from tracker.notifications.ical import build_feed
from tracker.notifications.models import (
    MessageKind,
    MessageStatus,
    NotificationSetting,
    OutboxMessage,
    RoadmapReminderPolicy,
)
from tracker.notifications.policy import (
    ASSIGNEE_STATUSES,
    REVIEW_STATUSES,
    SILENT_ROADMAP_STATUSES,
    PlannedReminder,
    ReminderPolicy,
    merge_policy,
    plan_reminders,
)
from tracker.notifications.recipients import controllers_for_tasks
from tracker.roadmaps.models import Activity, Roadmap, RoadmapStatus
from tracker.tasks.assignment import assignees_for_tasks
from tracker.tasks.models import Task, TaskStatus
from tracker.tasks.rollups import refresh_rollups_job

log = logging.getLogger(__name__)

TASK_CHUNK = 500
RECIPIENT_CHUNK = 200
# E-mails claimed in one commit and recorded as sent in one more: a crash leaves at most this many rows in
# `sending` (see the module docstring), and the pass commits twice per batch instead of twice per e-mail.
SEND_BATCH = 20
# Rows are stored this far ahead: enough to show what comes next, few enough to keep the table small.
PLAN_HORIZON_DAYS = 3
# A reminder moves to an earlier working day by at most the New Year holidays (about ten days).
SHIFT_MARGIN_DAYS = 12
# Sent rows this recent are looked up so a reminder already sent is never planned again.
KNOWN_WINDOW = timedelta(days=2)
STUCK_AFTER = timedelta(minutes=15)
RETRY_WHEN_UNREACHABLE = timedelta(minutes=5)
MAX_ATTEMPTS = 10
MAX_BACKOFF_MINUTES = 120
DIGEST_AT = time(8, 0)
# The record of sent e-mails is kept this long; the planner itself needs only the last two days of it.
KEEP_SENT = timedelta(days=180)
OPEN_STATUSES = [TaskStatus(s) for s in sorted(ASSIGNEE_STATUSES | REVIEW_STATUSES)]
SILENT_STATUSES = [RoadmapStatus(s) for s in sorted(SILENT_ROADMAP_STATUSES)]
UNCERTAIN_NOTE = "the pass stopped between the SMTP call and its record; the e-mail may have been delivered"


class Choice(NamedTuple):
    """A user's reminder settings as plain values (the defaults when they never changed anything)."""

    paused_until: date | None = None
    is_digest: bool = False
    is_weekly_digest: bool = True
    policy: dict[str, Any] | None = None


class PolicyBook:
    """The default policy and the overrides of the roadmaps and users met during one pass."""

    def __init__(self) -> None:
        self.default = ReminderPolicy()
        self._roadmaps: dict[int, dict[str, Any] | None] = {}
        self._choices: dict[int, Choice] = {}

    def load(self, roadmap_ids: Iterable[int], user_ids: Iterable[int]) -> None:
        """Fetch the overrides not fetched yet, one query per table."""
        new_roadmaps = set(roadmap_ids) - self._roadmaps.keys()
        if new_roadmaps:
            found = dict(
                db.session.execute(
                    select(RoadmapReminderPolicy.roadmap_id, RoadmapReminderPolicy.policy).where(
                        RoadmapReminderPolicy.roadmap_id.in_(new_roadmaps)
                    )
                ).all()
            )
            for roadmap_id in new_roadmaps:
                self._roadmaps[roadmap_id] = found.get(roadmap_id) or None
        new_users = set(user_ids) - self._choices.keys()
        if new_users:
            rows = db.session.execute(
                select(
                    NotificationSetting.user_id,
                    NotificationSetting.paused_until,
                    NotificationSetting.is_digest,
                    NotificationSetting.is_weekly_digest,
                    NotificationSetting.policy,
                ).where(NotificationSetting.user_id.in_(new_users))
            ).all()
            for user_id, *values in rows:
                self._choices[user_id] = Choice(*values)
            for user_id in new_users:
                self._choices.setdefault(user_id, Choice())

    def choice(self, user_id: int) -> Choice:
        """Return a loaded user's settings."""
        return self._choices.get(user_id, Choice())

    def policy(self, roadmap_id: int, user_id: int) -> ReminderPolicy:
        """Return the policy for one recipient of one roadmap's tasks: default, roadmap's, then user's."""
        roadmap_override = self._roadmaps.get(roadmap_id)
        choice = self.choice(user_id)
        user_override = dict(choice.policy or {})
        if choice.is_digest:
            # One digest a day needs one moment a day, whatever time the roadmaps chose.
            user_override.setdefault("send_at", self.default.send_at.strftime("%H:%M"))
        if not roadmap_override and not user_override:
            return self.default
        try:
            return merge_policy(self.default, roadmap_override, user_override)
        except ValueError:
            log.warning("invalid reminder policy of roadmap %s or user %s ignored", roadmap_id, user_id)
            return self.default

    def longest_lead_days(self) -> int:
        """Return the most days before a due date that any stored policy reminds at."""
        days = list(self.default.days_before)
        stored = chain(
            db.session.execute(select(RoadmapReminderPolicy.policy)).scalars(),
            db.session.execute(select(NotificationSetting.policy)).scalars(),
        )
        for policy in stored:
            try:
                days.extend(int(d) for d in (policy or {}).get("days_before") or ())
            except (TypeError, ValueError, AttributeError):
                continue
        return max(days, default=0)


def reminder_key(task_id: int, suffix: str) -> str:
    """Return the outbox key of a task's reminder: task, kind, days and local send day."""
    return f"task:{task_id}:{suffix}"


def fits_due(key: str, due: date) -> bool:
    """Tell whether a stored reminder key was planned for this due date (the date may have moved since)."""
    try:
        _, _, kind, days, day = key.split(":")
        shift, sent_on = timedelta(days=int(days)), date.fromisoformat(day)
    except ValueError:
        return False
    if kind in (MessageKind.before, MessageKind.due):
        return sent_on + shift == due
    if kind == MessageKind.overdue:
        return sent_on - shift == due
    return True


def _role_of(kind: str) -> str:
    return "controller" if kind == MessageKind.review else "assignee"


# --- planning -----------------------------------------------------------------------------------------


def plan_reminders_job(now: datetime) -> dict[str, int]:
    """Bring the outbox in step with the reminder policy for every open task and recipient."""
    book = PolicyBook()
    # Tasks due later than this cannot have a reminder within the horizon.
    lead_days = PLAN_HORIZON_DAYS + book.longest_lead_days() + SHIFT_MARGIN_DAYS
    due_limit = (now + timedelta(days=lead_days)).date()
    stats: Counter[str] = Counter()
    stats["dropped"] += ops.drop_unsent_outside(OPEN_STATUSES, SILENT_STATUSES, due_limit)
    db.session.commit()
    after = 0
    while True:
        tasks = db.session.execute(
            select(
                Task.id,
                Task.due,
                Task.status,
                Task.created_dt,
                Task.completed_dt,
                Task.updated_dt,
                Task.roadmap_id,
                Roadmap.status.label("roadmap_status"),
            )
            .join(Roadmap, Roadmap.id == Task.roadmap_id)
            .where(
                Task.id > after,
                Task.status.in_(OPEN_STATUSES),
                Roadmap.status.notin_(SILENT_STATUSES),
                Task.due <= due_limit,
            )
            .order_by(Task.id)
            .limit(TASK_CHUNK)
        ).all()
        if not tasks:
            break
        after = tasks[-1].id
        _plan_chunk(tasks, now, book, stats)
        db.session.commit()
        stats["tasks"] += len(tasks)
    return dict(stats)


def _plan_chunk(tasks: list, now: datetime, book: PolicyBook, stats: Counter[str]) -> None:
    """Plan one chunk of tasks: a fixed number of queries whatever its size."""
    ids = [t.id for t in tasks]
    review_ids = [t.id for t in tasks if t.status in REVIEW_STATUSES]
    people = assignees_for_tasks([t.id for t in tasks if t.status not in REVIEW_STATUSES])
    people.update(controllers_for_tasks(review_ids))
    book.load({t.roadmap_id for t in tasks}, {u.id for users in people.values() for u in users})

    wanted: dict[tuple[int, str], tuple[int, PlannedReminder]] = {}
    recipients: set[tuple[int, int, str]] = set()
    newest_due: dict[tuple[int, int], datetime] = {}
    for task in tasks:
        role = "controller" if task.status in REVIEW_STATUSES else "assignee"
        # Colleagues in one time zone under one policy share a schedule: plan it once per task.
        schedules: dict[tuple, list[PlannedReminder]] = {}
        for user in people.get(task.id, []):
            recipients.add((task.id, user.id, role))
            tz = user.organization.timezone
            submitted_on = None
            if role == "controller":
                submitted_on = (task.completed_dt or task.updated_dt).astimezone(ZoneInfo(tz)).date()
            policy, paused_until = book.policy(task.roadmap_id, user.id), book.choice(user.id).paused_until
            shape = (tz, policy, paused_until, submitted_on)
            if shape not in schedules:
                schedules[shape] = plan_reminders(
                    due=task.due,
                    status=task.status,
                    roadmap_status=task.roadmap_status,
                    policy=policy,
                    tz=tz,
                    now=now,
                    paused_until=paused_until,
                    recipient_role=role,
                    created_dt=task.created_dt,
                    submitted_on=submitted_on,
                    horizon_days=PLAN_HORIZON_DAYS,
                )
            for reminder in schedules[shape]:
                wanted[(user.id, reminder_key(task.id, reminder.key_suffix))] = (task.id, reminder)
                if reminder.planned_dt <= now:
                    pair = (task.id, user.id)
                    newest_due[pair] = max(newest_due.get(pair, reminder.planned_dt), reminder.planned_dt)

    existing = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient_id,
            OutboxMessage.task_id,
            OutboxMessage.kind,
            OutboxMessage.key,
            OutboxMessage.status,
            OutboxMessage.planned_dt,
            OutboxMessage.attempts,
        ).where(
            OutboxMessage.task_id.in_(ids),
            or_(
                OutboxMessage.status == MessageStatus.planned, OutboxMessage.planned_dt >= now - KNOWN_WINDOW
            ),
        )
    ).all()
    known = {(row.recipient_id, row.key): row for row in existing}
    inserts, moves = [], []
    for (user_id, key), (task_id, reminder) in wanted.items():
        row = known.get((user_id, key))
        if row is None:
            inserts.append(
                {
                    "recipient_id": user_id,
                    "task_id": task_id,
                    "kind": MessageKind(reminder.kind),
                    "key": key,
                    "planned_dt": reminder.planned_dt,
                    "status": MessageStatus.planned,
                    "attempts": 0,
                    "last_error": "",
                    "created_dt": now,
                }
            )
        elif (
            row.status == MessageStatus.planned and not row.attempts and row.planned_dt != reminder.planned_dt
        ):
            moves.append({"id": row.id, "planned_dt": reminder.planned_dt})
    due_of = {t.id: t.due for t in tasks}
    drops = [
        row.id
        for row in existing
        if row.status == MessageStatus.planned
        and (row.recipient_id, row.key) not in wanted
        and not _keeps_retry(row, now, recipients, newest_due, due_of)
    ]
    ops.insert_messages(inserts)
    ops.move_messages(moves)
    stats["planned"] += len(inserts)
    stats["moved"] += len(moves)
    stats["dropped"] += ops.delete_messages(drops)


def _keeps_retry(row, now: datetime, recipients: set, newest_due: dict, due_of: dict[int, date]) -> bool:
    """Tell whether an unsent row the policy no longer returns is kept because delivery failed in time.

    The policy forgets a reminder once it is older than its grace period; a row that was due and could
    not be sent (mail server down) stays until delivered, unless the task, its due date or the recipient
    changed, or a newer reminder of the same task is due for the same person.
    """
    if not row.attempts or row.planned_dt > now:
        return False
    if (row.task_id, row.recipient_id, _role_of(row.kind)) not in recipients:
        return False
    if not fits_due(row.key, due_of[row.task_id]):
        return False
    newer = newest_due.get((row.task_id, row.recipient_id))
    return newer is None or newer <= row.planned_dt


# --- coordinator digests ------------------------------------------------------------------------------


def weekly_digest_job(now: datetime) -> dict[str, int]:
    """Queue every coordinator's digest of the past week on Monday morning, at most once a week."""
    coordinators = (
        db.session.execute(
            select(User)
            .where(User.role == Role.coordinator, User.is_active_account.is_(True))
            .order_by(User.id)
        )
        .scalars()
        .all()
    )
    due: list[tuple[User, str, date]] = []
    for user in coordinators:
        local = now.astimezone(ZoneInfo(user.organization.timezone))
        if local.weekday() == 0 and local.time() >= DIGEST_AT:
            due.append((user, f"weekly:{local.date().isoformat()}", local.date()))
    stats: Counter[str] = Counter()
    if not due:
        return dict(stats)
    book = PolicyBook()
    book.load((), [user.id for user, _, _ in due])
    known = set(
        db.session.execute(
            select(OutboxMessage.recipient_id, OutboxMessage.key).where(
                OutboxMessage.recipient_id.in_([user.id for user, _, _ in due]),
                OutboxMessage.key.in_(sorted({key for _, key, _ in due})),
            )
        ).all()
    )
    for user, key, today in due:
        if (user.id, key) in known or not book.choice(user.id).is_weekly_digest:
            continue
        payload = collect_digest(user, today)
        empty = is_empty_payload(payload)
        ops.queue_digest(user, key, payload, now, is_empty=empty)
        stats["empty" if empty else "queued"] += 1
    db.session.commit()
    return dict(stats)


def on_demand_digest_key(now: datetime) -> str:
    """Return the outbox key of a digest asked for at this moment."""
    return f"weekly:asked:{now.astimezone(UTC).isoformat(timespec='seconds')}"


# --- sending ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderItem:
    """What a reminder e-mail says about one task."""

    kind: str
    task_id: int
    title: str
    label: str
    roadmap_title: str
    due: date
    relative: str
    status: str
    responsible: str
    result: str
    url: str
    submitted_on: date | None


@dataclass
class Outgoing:
    """One e-mail ready to go and the outbox rows it carries."""

    ids: list[int]
    attempts: int
    message: Mail | None = None
    error: str = ""


def backoff(attempts: int) -> timedelta:
    """Return the wait before the next attempt after `attempts` failed ones: 1, 2, 4 … 120 minutes."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), MAX_BACKOFF_MINUTES))


def send_outbox_job(now: datetime) -> dict[str, Any]:
    """Send every due outbox row, marking each as it goes, and stop early when the server is unreachable."""
    stats: Counter[str] = Counter()
    stats["purged"] = ops.purge_sent(now - KEEP_SENT)
    stats["uncertain"] = ops.mark_stuck_uncertain(now - STUCK_AFTER, UNCERTAIN_NOTE)
    if stats["uncertain"]:
        log.warning("%s e-mails left in sending by a stopped pass are now uncertain", stats["uncertain"])
    db.session.commit()
    book = PolicyBook()
    with Mailer(current_app.config) as mailer:
        after = 0
        while True:
            recipient_ids = (
                db.session.execute(
                    select(OutboxMessage.recipient_id)
                    .where(ops.due_condition(now), OutboxMessage.recipient_id > after)
                    .group_by(OutboxMessage.recipient_id)
                    .order_by(OutboxMessage.recipient_id)
                    .limit(RECIPIENT_CHUNK)
                )
                .scalars()
                .all()
            )
            if not recipient_ids:
                break
            after = recipient_ids[-1]
            batch, stale = _prepare(recipient_ids, now, book)
            stats["dropped"] += ops.delete_messages(stale)
            db.session.commit()
            for start in range(0, len(batch), SEND_BATCH):
                stopped = _deliver(batch[start : start + SEND_BATCH], mailer, now, stats)
                if stopped is not None:
                    stats["deferred"] += ops.defer_due(now, now + RETRY_WHEN_UNREACHABLE, stopped.error)
                    db.session.commit()
                    return {**stats, "mode": "folder" if mailer.is_file_mode else "smtp"}
    return {**stats, "mode": "folder" if mailer.is_file_mode else "smtp"}


def _deliver(batch: list[Outgoing], mailer: Mailer, now: datetime, stats: Counter[str]) -> Outgoing | None:
    """Claim a few e-mails in one commit, send them, record what happened in one more commit.

    Return the e-mail that found the server unreachable (the rest of the batch is released), else None.
    """
    claimed = _claim(batch, now, stats)
    # The claims are durable before the server sees anything: a crash from here on never re-sends.
    db.session.commit()
    sent: list[int] = []
    stopped = None
    try:
        for position, outgoing in enumerate(claimed):
            outcome = _send(outgoing, mailer, now)
            stats[outcome] += 1
            if outcome == "sent":
                sent += outgoing.ids
            elif outcome == "unreachable":
                for untried in claimed[position + 1 :]:
                    ops.release(untried.ids, outgoing.error, now + RETRY_WHEN_UNREACHABLE)
                stopped = outgoing
                break
    except Exception:
        # Record what was sent before an unexpected error (the rest of the batch becomes uncertain).
        _record(sent, now)
        raise
    _record(sent, now)
    return stopped


def _record(sent: list[int], now: datetime) -> None:
    """Mark the rows of the e-mails taken as sent and commit the batch's outcome."""
    if sent:
        ops.mark_sent(sent, now)
    db.session.commit()


def _claim(batch: list[Outgoing], now: datetime, stats: Counter[str]) -> list[Outgoing]:
    """Claim the rows of a batch (uncommitted) and fail those without a message; return the claimed ones."""
    pending = list(batch)
    while True:
        claimed: list[Outgoing] = []
        failed = 0
        for outgoing in pending:
            if outgoing.message is None:
                ops.release(outgoing.ids, outgoing.error, None)
                failed += 1
            elif ops.claim(outgoing.ids, now, outgoing.message.message_id):
                claimed.append(outgoing)
            else:
                # Another pass took some of its rows: undo the batch's claims and claim the rest again.
                db.session.rollback()
                stats["taken"] += 1
                pending.remove(outgoing)
                break
        else:
            if failed:
                stats["failed"] += failed
            return claimed


def _send(outgoing: Outgoing, mailer: Mailer, now: datetime) -> str:
    """Send one claimed e-mail; release its rows (uncommitted) when it was not taken; return what happened."""
    attempts = outgoing.attempts + 1
    try:
        mailer.send(outgoing.message)
    except DeliveryError as exc:
        outgoing.error = str(exc)
        if exc.unreachable:
            log.warning("mail server unreachable, postponing: %s", exc)
            ops.release(outgoing.ids, outgoing.error, now + RETRY_WHEN_UNREACHABLE)
            return "unreachable"
        final = exc.permanent or attempts >= MAX_ATTEMPTS
        log.warning(
            "e-mail of outbox rows %s refused (%s): %s", outgoing.ids, "final" if final else "retry", exc
        )
        ops.release(outgoing.ids, outgoing.error, None if final else now + backoff(attempts))
        return "failed" if final else "retry"
    return "sent"


def _prepare(recipient_ids: list[int], now: datetime, book: PolicyBook) -> tuple[list[Outgoing], list[int]]:
    """Load the due rows of some recipients, drop the stale ones and render the e-mails."""
    rows = (
        db.session.execute(
            select(OutboxMessage)
            .where(ops.due_condition(now), OutboxMessage.recipient_id.in_(recipient_ids))
            .order_by(OutboxMessage.recipient_id, OutboxMessage.planned_dt, OutboxMessage.id)
        )
        .scalars()
        .all()
    )
    task_ids = {row.task_id for row in rows if row.task_id is not None}
    found = (
        {
            task.id: (task, activity, roadmap)
            for task, activity, roadmap in db.session.execute(
                select(Task, Activity, Roadmap)
                .join(Activity, Activity.id == Task.activity_id)
                .join(Roadmap, Roadmap.id == Task.roadmap_id)
                .where(Task.id.in_(task_ids))
            )
        }
        if task_ids
        else {}
    )
    users = {u.id: u for u in db.session.execute(select(User).where(User.id.in_(recipient_ids))).scalars()}
    book.load((), recipient_ids)

    stale: list[int] = []
    outgoing: list[Outgoing] = []
    per_user: dict[int, list[tuple[OutboxMessage, tuple[Task, Activity, Roadmap]]]] = {}
    for row in rows:
        user = users.get(row.recipient_id)
        if user is None or not user.is_active:
            stale.append(row.id)
        elif row.kind == MessageKind.weekly:
            outgoing.append(_render(_weekly, [row], user, row, now))
        elif row.kind == MessageKind.security:
            outgoing.append(_render(_security, [row], user, row, now))
        elif row.task_id in found and _still_wanted(row, found[row.task_id], user, book.choice(user.id)):
            per_user.setdefault(user.id, []).append((row, found[row.task_id]))
        else:
            stale.append(row.id)
    for user_id, items in per_user.items():
        user = users[user_id]
        if book.choice(user_id).is_digest and len(items) > 1:
            outgoing.append(_render(_daily, [row for row, _ in items], user, items, now))
        else:
            outgoing.extend(_render(_single, [row], user, (row, task), now) for row, task in items)
    return outgoing, stale


Found = tuple[Task, Activity, Roadmap]


def _still_wanted(row: OutboxMessage, found: Found, user: User, choice: Choice) -> bool:
    """Check a due row against the task as it is now: status, due date, roadmap status, pause."""
    task, _, roadmap = found
    if roadmap.status in SILENT_ROADMAP_STATUSES:
        return False
    if row.kind == MessageKind.review:
        if task.status not in REVIEW_STATUSES:
            return False
    elif task.status not in ASSIGNEE_STATUSES or not fits_due(row.key, task.due):
        return False
    local_day = row.planned_dt.astimezone(ZoneInfo(user.organization.timezone)).date()
    return choice.paused_until is None or local_day > choice.paused_until


def _render(builder, rows: list[OutboxMessage], user: User, subject: Any, now: datetime) -> Outgoing:
    """Build one e-mail with `builder`; a template error fails its rows instead of stopping the pass."""
    outgoing = Outgoing(ids=[row.id for row in rows], attempts=max(row.attempts for row in rows))
    try:
        outgoing.message = builder(user, subject, now, message_id=make_message_id(_local_part(outgoing.ids)))
    except Exception as exc:
        log.exception("cannot build the e-mail of outbox rows %s", outgoing.ids)
        outgoing.error = f"{type(exc).__name__}: {exc}"[:500]
    return outgoing


def _local_part(ids: list[int]) -> str:
    """Return the Message-ID local part of rows: the same rows always give the same one."""
    return f"outbox-{ids[0]}" if len(ids) == 1 else f"outbox-{ids[0]}-{len(ids)}"


def _item(row: OutboxMessage, found: Found, user: User, now: datetime) -> ReminderItem:
    """Return the reminder's wording values, relative to the recipient's local day of sending."""
    task, activity, roadmap = found
    zone = ZoneInfo(user.organization.timezone)
    submitted = task.completed_dt or task.updated_dt
    return ReminderItem(
        kind=str(row.kind),
        task_id=task.id,
        title=f"{activity.number} {activity.title}".strip() if activity.number else activity.title,
        label=task.label,
        roadmap_title=roadmap.title,
        due=task.due,
        relative=relative_due_ru(task.due, now.astimezone(zone).date()),
        status=str(task.status),
        responsible=activity.responsible,
        result=activity.result,
        url=task_url(task.id),
        submitted_on=submitted.astimezone(zone).date() if submitted else None,
    )


def _common(user: User) -> dict[str, Any]:
    """Return the values every e-mail template gets."""
    base = current_app.config["BASE_URL"]
    return {"user": user, "base_url": base, "profile_url": f"{base}/profile"}


def _envelope(rendered, user: User, now: datetime, message_id: str, attachments=()) -> Mail:
    return build_message(
        rendered,
        to_name=user.name,
        to_email=user.email,
        sender=current_app.config["MAIL_FROM"],
        message_id=message_id,
        date=now,
        attachments=attachments,
    )


def _ics(filename: str, content: bytes) -> Attachment:
    # Without an explicit charset mail clients read a text/* part as ASCII and garble the Cyrillic.
    return Attachment(filename, content, "text", "calendar", (("method", "PUBLISH"), ("charset", "utf-8")))


def _single(user: User, subject: tuple[OutboxMessage, tuple], now: datetime, *, message_id: str) -> Any:
    """Build the e-mail of one reminder with the task's .ics attached."""
    row, found = subject
    item = _item(row, found, user, now)
    rendered = render_email("reminder", item=item, **_common(user))
    calendar = task_ics(*found)
    return _envelope(rendered, user, now, message_id, [_ics(f"task-{item.task_id}.ics", calendar)])


def _daily(user: User, items: list[tuple[OutboxMessage, tuple]], now: datetime, *, message_id: str) -> Any:
    """Build a digest-mode e-mail of all the user's reminders due now, with one .ics of all their tasks."""
    reminders = sorted(
        (_item(row, found, user, now) for row, found in items), key=lambda i: (i.due, i.task_id)
    )
    today = now.astimezone(ZoneInfo(user.organization.timezone)).date()
    rendered = render_email("daily", items=reminders, today=today, **_common(user))
    name = get_template_attribute("notifications/calendar.txt", "daily_name")(today)
    calendar = build_feed(
        " ".join(str(name).split()),
        [calendar_task(*found) for _, found in items],
        prodid_domain=calendar_domain(),
        stamp=max(found[0].updated_dt for _, found in items),
        tz=user.organization.timezone,
    )
    return _envelope(rendered, user, now, message_id, [_ics("tasks.ics", calendar)])


def _weekly(user: User, row: OutboxMessage, now: datetime, *, message_id: str) -> Any:
    """Build a coordinator's digest e-mail from the payload fixed when it was queued."""
    digest = build_digest(row.payload or {})
    rendered = render_email("weekly", digest=digest, **_common(user))
    return _envelope(rendered, user, now, message_id)


def _security(user: User, row: OutboxMessage, now: datetime, *, message_id: str) -> Any:
    """Build a notice to an account owner about a security event (sign-in paused after wrong passwords)."""
    payload = row.payload or {}
    local = row.planned_dt.astimezone(ZoneInfo(user.organization.timezone))
    rendered = render_email(
        "security", event=payload.get("event"), ip=payload.get("ip", ""), moment=local, **_common(user)
    )
    return _envelope(rendered, user, now, message_id)


# --- the sweep ----------------------------------------------------------------------------------------

# Each job takes `now` so tests and `tracker notify run-once --now …` can act at any moment. Planning
# runs before sending so that a due date changed a minute ago is honoured by this very pass; the dashboards'
# cached task counts are recounted last.
JOBS: list = [plan_reminders_job, weekly_digest_job, send_outbox_job, refresh_rollups_job]


def sweep(now: datetime) -> dict:
    """Run every registered job once as if it were `now`; return what each reported."""
    report: dict[str, Any] = {"now": now.isoformat()}
    for job in JOBS:
        try:
            report[job.__name__] = job(now)
        except Exception as exc:
            # One broken job must not keep the others (sending above all) from running.
            db.session.rollback()
            log.exception("job %s failed", job.__name__)
            report[job.__name__] = {"error": f"{type(exc).__name__}: {exc}"}
    return report


def run_scheduler(app: Flask) -> None:
    """Run the sweep every SCHEDULER_INTERVAL_SECONDS until the process is stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone="UTC")

    def tick() -> None:
        with app.app_context():
            try:
                sweep(datetime.now(UTC))
            except Exception:
                # A failed pass is logged and retried at the next tick; unsent rows are picked up again.
                log.exception("sweep failed")

    scheduler.add_job(
        tick,
        "interval",
        seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
        id="sweep",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now(UTC),
    )
    signal.signal(signal.SIGTERM, lambda *_: scheduler.shutdown(wait=False))
    log.info("scheduler started: sweep every %s s", app.config["SCHEDULER_INTERVAL_SECONDS"])
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("scheduler stopped")
