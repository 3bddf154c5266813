"""Outbox of e-mails, users' reminder settings and roadmaps' reminder policies."""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db


class MessageKind(enum.StrEnum):
    """What an outbox row is about; the first four are the kinds of the reminder policy."""

    before = "before"
    due = "due"
    overdue = "overdue"
    review = "review"
    weekly = "weekly"
    security = "security"


# Kinds that remind the people doing a task (the controller's kind is "review").
ASSIGNEE_KINDS = (MessageKind.before, MessageKind.due, MessageKind.overdue)


class MessageStatus(enum.StrEnum):
    """Delivery state of an outbox row.

    planned → sending → sent is the normal way. An SMTP error puts the row back to planned with a later
    next_attempt_dt, and to failed after the last attempt. A row found in sending after a crash becomes
    uncertain: the server may have taken the e-mail, so it is never re-sent without an administrator.
    skipped marks a weekly digest that had nothing to say, so that it is not computed again.
    """

    planned = "planned"
    sending = "sending"
    sent = "sent"
    failed = "failed"
    uncertain = "uncertain"
    skipped = "skipped"


class OutboxMessage(db.Model):
    """One e-mail to one person (or one item of a digest e-mail), swept and sent by the scheduler."""

    __tablename__ = "outbox_messages"
    # The key spells task, kind and planned day ("task:15:before:3:2026-03-09"), so one reminder of a task
    # exists once per recipient whatever the number of passes; digests use "weekly:<Monday>".
    __table_args__ = (
        UniqueConstraint("recipient_id", "key"),
        Index("ix_outbox_messages_status_planned", "status", "planned_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Person the e-mail goes to.
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # Task the reminder is about; None for digests.
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # Reminder kind or digest.
    kind: Mapped[MessageKind] = mapped_column(Enum(MessageKind, native_enum=False, length=20))
    # Deduplication key within the recipient's rows.
    key: Mapped[str] = mapped_column(String(120))
    # Moment it is due to go out.
    planned_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    # Delivery state.
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=20), default=MessageStatus.planned
    )
    # SMTP attempts made so far.
    attempts: Mapped[int] = mapped_column(default=0)
    # Not before this moment after a failed attempt (back-off).
    next_attempt_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the current or last attempt started; a row left in sending too long is uncertain.
    claimed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the SMTP server (or the mail folder) took it.
    sent_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Last delivery error, for administrators.
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Message-ID of the e-mail that carried it (shared by the rows of one digest).
    message_id: Mapped[str | None] = mapped_column(String(200))
    # Digest contents fixed when the digest was queued.
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recipient: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<OutboxMessage {self.id} {self.key} → {self.recipient_id} {self.status}>"


class NotificationSetting(db.Model):
    """A user's reminder choices: vacation pause, daily digest, own policy overrides."""

    __tablename__ = "notification_settings"

    # The user; one row at most, created on first change.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # No reminders up to and including this day (vacation).
    paused_until: Mapped[date | None] = mapped_column(Date)
    # One e-mail a day with all due reminders instead of one e-mail each.
    is_digest: Mapped[bool] = mapped_column(default=False)
    # Coordinators: the Monday digest of the week.
    is_weekly_digest: Mapped[bool] = mapped_column(default=True)
    # Overrides of ReminderPolicy fields, applied after the roadmap's.
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Last change.
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RoadmapReminderPolicy(db.Model):
    """A roadmap's overrides of the default reminder policy."""

    __tablename__ = "roadmap_reminder_policies"

    # The roadmap.
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), primary_key=True)
    # Overrides of ReminderPolicy fields.
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Who changed it last.
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Last change.
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
