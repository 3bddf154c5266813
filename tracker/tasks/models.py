"""Tasks: every deadline occurrence of an activity."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.roadmaps.models import Activity


class TaskStatus(enum.StrEnum):
    """State of a task."""

    planned = "planned"
    in_progress = "in_progress"
    submitted = "submitted"
    done = "done"
    returned = "returned"
    not_done = "not_done"
    cancelled = "cancelled"


# Statuses after which nothing more is expected from the assignees.
CLOSED_STATUSES = (TaskStatus.done, TaskStatus.not_done, TaskStatus.cancelled)


class TaskOrigin(enum.StrEnum):
    """Where a task's dates came from."""

    schedule = "schedule"
    manual = "manual"


class Task(db.Model):
    """One occurrence of an activity, with its window and status."""

    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_roadmap_due", "roadmap_id", "due"),
        Index("ix_tasks_activity_due", "activity_id", "due"),
        Index("ix_tasks_status_due", "status", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Activity it is an occurrence of.
    activity_id: Mapped[int] = mapped_column(ForeignKey("activities.id", ondelete="CASCADE"))
    # Roadmap, repeated here so lists filter without a join.
    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"))
    # Organisation the task is aimed at (a school for targeted support), if any.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # First day of the window.
    start: Mapped[date] = mapped_column(Date)
    # Due date.
    due: Mapped[date] = mapped_column(Date)
    # Current state.
    status: Mapped[TaskStatus] = mapped_column(
        Enum(TaskStatus, native_enum=False, length=20), default=TaskStatus.planned
    )
    # Whether the dates come from the deadline text or were set by hand.
    origin: Mapped[TaskOrigin] = mapped_column(
        Enum(TaskOrigin, native_enum=False, length=20), default=TaskOrigin.schedule
    )
    # The schedule no longer produces this task but it carries work, so the coordinator must decide.
    is_orphaned: Mapped[bool] = mapped_column(default=False)
    # Completion note (Отметка о выполнении).
    note: Mapped[str] = mapped_column(Text, default="")
    # Reason for «not done», «cancelled» or a moved due date.
    reason: Mapped[str] = mapped_column(Text, default="")
    # When it was submitted or completed.
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last change.
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic lock: two people completing one task cannot both win.
    version: Mapped[int] = mapped_column(default=1)
    # Free label for targeted tasks («МОУ «СОШ № 1»»).
    label: Mapped[str] = mapped_column(String(300), default="")

    activity: Mapped[Activity] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def has_work(self) -> bool:
        """Tell whether someone has worked on the task."""
        return self.status != TaskStatus.planned or bool(self.note)

    @property
    def is_touched(self) -> bool:
        """Tell whether the task must not vanish silently when its schedule is regenerated."""
        return self.has_work or self.origin == TaskOrigin.manual


class TaskAssignee(db.Model):
    """A person named by a coordinator as doing a task; without any, the responsible organisations' users do."""

    __tablename__ = "task_assignees"
    __table_args__ = (UniqueConstraint("task_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Task assigned.
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # Person assigned.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Coordinator who assigned them.
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
