"""Writes of the notifications domain: settings, policies, calendar keys, the outbox. Flush, never commit."""

import logging
import secrets
from collections.abc import Collection, Iterable
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import and_, delete, exists, insert, or_, select, update

from tracker.auth.models import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.notifications.models import (
    MessageKind,
    MessageStatus,
    NotificationSetting,
    OutboxMessage,
    RoadmapReminderPolicy,
)
from tracker.notifications.policy import ReminderPolicy
from tracker.roadmaps.models import Roadmap
from tracker.tasks.models import Task

log = logging.getLogger(__name__)


def settings_of(user_id: int) -> NotificationSetting | None:
    """Return the user's notification settings row, if they ever changed anything."""
    return db.session.get(NotificationSetting, user_id)


def policy_overrides(default: ReminderPolicy, **values: Any) -> dict[str, Any]:
    """Return the JSON form of the values that differ from the default policy; None values are skipped."""
    result: dict[str, Any] = {}
    for name, value in values.items():
        if value is None:
            continue
        if name == "days_before":
            value = sorted({int(v) for v in value}, reverse=True)
            if tuple(value) != default.days_before:
                result[name] = value
        elif name == "send_at":
            if value != default.send_at:
                result[name] = value.strftime("%H:%M") if isinstance(value, time) else str(value)
        elif value != getattr(default, name):
            result[name] = value
    return result


def update_settings(
    user: User,
    *,
    paused_until: date | None,
    is_digest: bool,
    is_weekly_digest: bool,
    policy: dict[str, Any],
) -> NotificationSetting:
    """Save the user's reminder choices; the planner applies them at its next pass."""
    setting = settings_of(user.id)
    if setting is None:
        setting = NotificationSetting(user_id=user.id)
        db.session.add(setting)
    setting.paused_until = paused_until
    setting.is_digest = is_digest
    setting.is_weekly_digest = is_weekly_digest
    setting.policy = policy or None
    db.session.flush()
    return setting


def regenerate_calendar_key(user: User) -> None:
    """Give the user a new calendar key: every feed link made with the old one stops working."""
    user.calendar_key = secrets.token_urlsafe(18)
    db.session.flush()


def roadmap_policy_of(roadmap_id: int) -> RoadmapReminderPolicy | None:
    """Return a roadmap's reminder policy overrides, if any."""
    return db.session.get(RoadmapReminderPolicy, roadmap_id)


def set_roadmap_policy(user: User, roadmap: Roadmap, policy: dict[str, Any]) -> None:
    """Store a roadmap's overrides of the default reminder policy (empty: follow the defaults)."""
    row = roadmap_policy_of(roadmap.id)
    if not policy:
        if row is not None:
            db.session.delete(row)
        db.session.flush()
        return
    if row is None:
        row = RoadmapReminderPolicy(roadmap_id=roadmap.id)
        db.session.add(row)
    row.policy = policy
    row.updated_by_id = user.id
    db.session.flush()


# --- the outbox ---------------------------------------------------------------------------------------


def due_condition(now: datetime):
    """Return the condition of rows the sender should take now."""
    return and_(
        OutboxMessage.status == MessageStatus.planned,
        OutboxMessage.planned_dt <= now,
        or_(OutboxMessage.next_attempt_dt.is_(None), OutboxMessage.next_attempt_dt <= now),
    )


def insert_messages(rows: list[dict[str, Any]]) -> None:
    """Insert planned outbox rows in one statement."""
    if rows:
        db.session.execute(insert(OutboxMessage), rows)


def move_messages(changes: list[dict[str, Any]]) -> None:
    """Change the planned moments of unsent rows ({"id": …, "planned_dt": …}) in one statement."""
    if changes:
        db.session.execute(update(OutboxMessage), changes)


def delete_messages(ids: Collection[int]) -> int:
    """Delete unsent rows; rows being sent or already sent are never touched."""
    if not ids:
        return 0
    result = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == MessageStatus.planned)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def drop_unsent_outside(
    open_statuses: Iterable[str], silent_roadmap_statuses: Iterable[str], due_limit: date
) -> int:
    """Delete unsent reminders of tasks the planner no longer visits: closed, silent, or due far ahead."""
    gone = exists().where(
        Task.id == OutboxMessage.task_id,
        Roadmap.id == Task.roadmap_id,
        or_(
            Task.status.notin_(list(open_statuses)),
            Roadmap.status.in_(list(silent_roadmap_statuses)),
            Task.due > due_limit,
        ),
    )
    result = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.planned, OutboxMessage.task_id.is_not(None), gone)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def claim(ids: Collection[int], now: datetime, message_id: str) -> bool:
    """Mark rows as being sent; return False when another pass took any of them (the caller rolls back)."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)), OutboxMessage.status == MessageStatus.planned)
        .values(
            status=MessageStatus.sending,
            claimed_dt=now,
            attempts=OutboxMessage.attempts + 1,
            message_id=message_id,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == len(ids)


def mark_sent(ids: Collection[int], now: datetime) -> None:
    """Record that the server (or the mail folder) took the e-mail of these rows."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)))
        .values(status=MessageStatus.sent, sent_dt=now, next_attempt_dt=None, last_error="")
        .execution_options(synchronize_session=False)
    )


def release(ids: Collection[int], error: str, retry_at: datetime | None) -> None:
    """Return rows after a failed attempt: planned again from retry_at, or failed for good when None."""
    values: dict[str, Any] = {"last_error": error[:1000], "next_attempt_dt": retry_at}
    values["status"] = MessageStatus.planned if retry_at is not None else MessageStatus.failed
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(ids)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def defer_due(now: datetime, retry_at: datetime, error: str) -> int:
    """Postpone every row due now because the mail server cannot be reached; count it as an attempt.

    The attempt count keeps the planner from dropping these rows as stale while the server is down.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(due_condition(now))
        .values(next_attempt_dt=retry_at, attempts=OutboxMessage.attempts + 1, last_error=error[:1000])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def mark_stuck_uncertain(claimed_before: datetime, error: str) -> int:
    """Mark rows left in sending by a crashed pass as uncertain: the server may have the e-mail already."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == MessageStatus.sending, OutboxMessage.claimed_dt < claimed_before)
        .values(status=MessageStatus.uncertain, last_error=error)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def purge_sent(before: datetime) -> int:
    """Delete the record of e-mails sent or skipped before a moment; failed and uncertain ones stay."""
    result = db.session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.status.in_((MessageStatus.sent, MessageStatus.skipped)),
            OutboxMessage.planned_dt < before,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def queue_digest(
    user: User, key: str, payload: dict[str, Any], now: datetime, *, is_empty: bool
) -> OutboxMessage:
    """Queue a coordinator's digest, or record an empty one as skipped so it is not computed again."""
    message = OutboxMessage(
        recipient_id=user.id,
        task_id=None,
        kind=MessageKind.weekly,
        key=key,
        planned_dt=now,
        status=MessageStatus.skipped if is_empty else MessageStatus.planned,
        payload=payload,
        created_dt=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def retry_message(message: OutboxMessage) -> None:
    """Put a failed or uncertain row back in the queue at once (an administrator's decision)."""
    message.status = MessageStatus.planned
    message.next_attempt_dt = None
    message.claimed_dt = None
    # A retried row counts as one in retry, so the planner keeps it although its moment has passed.
    message.attempts = max(message.attempts, 1)
    db.session.flush()


def confirm_sent(message: OutboxMessage, now: datetime) -> None:
    """Record that an uncertain row did reach its recipient (an administrator checked the mail server)."""
    message.status = MessageStatus.sent
    message.sent_dt = message.claimed_dt or now
    db.session.flush()


def queue_security_notice(user: User, event: str, payload: dict[str, Any]) -> OutboxMessage:
    """Queue an e-mail telling the account owner about a security event; one per event and hour."""
    now = utcnow()
    key = f"security:{event}:{now.strftime('%Y-%m-%dT%H')}"
    existing = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.recipient_id == user.id, OutboxMessage.key == key)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    row = OutboxMessage(
        recipient_id=user.id,
        kind=MessageKind.security,
        key=key,
        planned_dt=now,
        payload={"event": event, **payload},
    )
    db.session.add(row)
    db.session.flush()
    return row
