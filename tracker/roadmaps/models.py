"""Roadmaps: sections of any depth, activities, revisions and the change history."""

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, new_stamp, utcnow
from tracker.extensions import db
from tracker.orgs.models import Organization


class RoadmapStatus(enum.StrEnum):
    """Life cycle of a roadmap (черновик → на согласовании → утверждена → исполняется → завершена / архив)."""

    draft = "draft"
    review = "review"
    approved = "approved"
    in_progress = "in_progress"
    completed = "completed"
    archived = "archived"


# Allowed status changes; anything else is refused by operations.
STATUS_TRANSITIONS: dict[RoadmapStatus, tuple[RoadmapStatus, ...]] = {
    RoadmapStatus.draft: (RoadmapStatus.review, RoadmapStatus.archived),
    RoadmapStatus.review: (RoadmapStatus.draft, RoadmapStatus.approved),
    RoadmapStatus.approved: (RoadmapStatus.in_progress, RoadmapStatus.review),
    RoadmapStatus.in_progress: (RoadmapStatus.completed, RoadmapStatus.review),
    RoadmapStatus.completed: (RoadmapStatus.archived, RoadmapStatus.in_progress),
    RoadmapStatus.archived: (RoadmapStatus.draft,),
}

# Column keys a roadmap may show, in the usual order.
ALL_COLUMNS = ("number", "title", "deadline", "responsible", "participants", "result", "control")


class Roadmap(db.Model):
    """A roadmap (дорожная карта) owned by a municipal body or a school."""

    __tablename__ = "roadmaps"
    # Pages name the state of roadmaps by status over the whole tree, or by owner over a part of it
    # (tracker/stamps.py): both from an index alone.
    __table_args__ = (
        Index("ix_roadmaps_status_owner_stamp", "status", "organization_id", "content_stamp"),
        Index("ix_roadmaps_owner_status_stamp", "organization_id", "status", "content_stamp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Owner; its subtree decides who sees the roadmap.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # Title as in the approved document.
    title: Mapped[str] = mapped_column(String(500))
    # First day of the programme period.
    period_start: Mapped[date] = mapped_column(Date)
    # Last day of the programme period.
    period_end: Mapped[date] = mapped_column(Date)
    # Life-cycle status.
    status: Mapped[RoadmapStatus] = mapped_column(
        Enum(RoadmapStatus, native_enum=False, length=20), default=RoadmapStatus.draft
    )
    # Passport: goal of the programme.
    goal: Mapped[str] = mapped_column(Text, default="")
    # Passport: tasks of the programme.
    tasks_text: Mapped[str] = mapped_column(Text, default="")
    # Passport: legal basis.
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    # Passport: developers of the programme.
    developers: Mapped[str] = mapped_column(Text, default="")
    # Passport: executors of the programme.
    executors: Mapped[str] = mapped_column(Text, default="")
    # Passport: expected results.
    expected_results: Mapped[str] = mapped_column(Text, default="")
    # Approving order: number.
    approval_order_number: Mapped[str | None] = mapped_column(String(50))
    # Approving order: date.
    approval_order_date: Mapped[date | None] = mapped_column(Date)
    # Approving body as written after «УТВЕРЖДЕНА» («приказом Комитета образования»).
    approved_by: Mapped[str] = mapped_column(String(300), default="")
    # Whether completed tasks wait for the controller's acceptance.
    is_acceptance_required: Mapped[bool] = mapped_column(default=True)
    # Column keys the roadmap's table uses, in order.
    columns: Mapped[list[str]] = mapped_column(JSON, default=lambda: list(ALL_COLUMNS))
    # Author of the record.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last change of anything in the roadmap.
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Raised whenever one of its tasks is added, changed or removed; cached task counts carry the value
    # they were computed at (tracker/tasks/rollups.py).
    tasks_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Replaced by a new random number whenever the roadmap or anything its pages show is written: its
    # sections, activities and their links, tasks, assignees and evidence (tracker/stamps.py).
    content_stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def period(self) -> tuple[date, date]:
        """Return the programme period as a pair of dates."""
        return (self.period_start, self.period_end)


class Section(db.Model):
    """A direction, task or group of activities; sections nest to any depth."""

    __tablename__ = "sections"
    __table_args__ = (Index("ix_sections_roadmap_position", "roadmap_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Roadmap it belongs to.
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    # Enclosing section; None at the top level.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    # Order among its siblings.
    position: Mapped[int] = mapped_column(default=0)
    # Number as written («1», «1.16», «I»), may be empty.
    number: Mapped[str] = mapped_column(String(40), default="")
    # Title as written.
    title: Mapped[str] = mapped_column(Text)


class Activity(db.Model):
    """An activity (мероприятие) with its deadline text and the schedule made from it."""

    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_roadmap_position", "roadmap_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Roadmap it belongs to.
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    # Section it sits in; None when the roadmap has no sections.
    section_id: Mapped[int | None] = mapped_column(ForeignKey("sections.id", ondelete="CASCADE"), index=True)
    # Order within its section.
    position: Mapped[int] = mapped_column(default=0)
    # Number as written («1.16.4»), may be empty.
    number: Mapped[str] = mapped_column(String(40), default="")
    # What is to be done.
    title: Mapped[str] = mapped_column(Text)
    # Deadline as written in the document.
    deadline_text: Mapped[str] = mapped_column(Text, default="")
    # Responsible, as written.
    responsible: Mapped[str] = mapped_column(Text, default="")
    # Participants, as written.
    participants: Mapped[str] = mapped_column(Text, default="")
    # Planned product or result, as written.
    result: Mapped[str] = mapped_column(Text, default="")
    # Who checks completion, as written.
    control: Mapped[str] = mapped_column(Text, default="")
    # Completion mark from the document (Отметка о выполнении), if any.
    completion_mark: Mapped[str] = mapped_column(Text, default="")
    # Texts of academic-year columns, {"2021/2022": "…"}.
    years: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # The deadline grammar could not fix the dates alone.
    is_review_needed: Mapped[bool] = mapped_column(default=False)
    # What the grammar assumed.
    schedule_note: Mapped[str] = mapped_column(Text, default="")
    # The rule in words («ежегодно в сентябре»).
    schedule_rule: Mapped[str] = mapped_column(Text, default="")
    # Dates were set by hand and win over the text.
    is_schedule_overridden: Mapped[bool] = mapped_column(default=False)
    # Folded text of the searchable fields (Cyrillic case-insensitive search on every database).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Folded responsible text for the responsible filter.
    responsible_norm: Mapped[str] = mapped_column(Text, default="")
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last change.
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    section: Mapped[Section | None] = relationship()


class LinkRole(enum.StrEnum):
    """How an organisation or user is named in an activity."""

    responsible = "responsible"
    participant = "participant"
    control = "control"


class ActivityLink(db.Model):
    """An organisation or user recognised in an activity's responsible, participants or control text."""

    __tablename__ = "activity_links"
    __table_args__ = (Index("ix_activity_links_org_role", "organization_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Activity that names it.
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"), index=True)
    # Column the name was found in.
    role: Mapped[LinkRole] = mapped_column(Enum(LinkRole, native_enum=False, length=20))
    # The organisation named, if recognised.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    # The user named, if recognised.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    organization: Mapped[Organization | None] = relationship(lazy="joined")


class Revision(db.Model):
    """A correction (корректировка) of a roadmap: the reason and the approving order."""

    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Roadmap corrected.
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), index=True)
    # Running number within the roadmap, from 1.
    number: Mapped[int] = mapped_column()
    # Why the roadmap was corrected.
    reason: Mapped[str] = mapped_column(Text)
    # Approving order: number.
    order_number: Mapped[str] = mapped_column(String(50), default="")
    # Approving order: date.
    order_date: Mapped[date | None] = mapped_column(Date)
    # Who recorded it.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When it was recorded.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by = relationship("User")


class HistoryEntry(db.Model):
    """One recorded change: who, when, what, before and after."""

    __tablename__ = "history_entries"
    __table_args__ = (
        Index("ix_history_entries_roadmap_created", "roadmap_id", "created_dt"),
        Index("ix_history_entries_task", "task_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Roadmap concerned.
    roadmap_id: Mapped[int | None] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    # Task concerned, for task events.
    task_id: Mapped[int | None] = mapped_column()
    # Who made the change; None for the system.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Moment of the change.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Action code, e.g. "activity.update".
    action: Mapped[str] = mapped_column(String(60))
    # Kind of object changed: roadmap, section, activity, task.
    entity_type: Mapped[str] = mapped_column(String(30))
    # Id of the object changed.
    entity_id: Mapped[int | None] = mapped_column()
    # Short label of the object at the time («1.16.4 Проведение …»).
    label: Mapped[str] = mapped_column(Text, default="")
    # Field values before the change.
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Field values after the change.
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Correction this change was recorded under; None while not yet recorded.
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("revisions.id", ondelete="SET NULL"), index=True
    )

    user = relationship("User", lazy="joined")
