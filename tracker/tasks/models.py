"""Tasks: every deadline occurrence of an activity."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, utcnow
from tracker.extensions import db
from tracker.roadmaps.models import Activity, Roadmap


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
# Statuses in which the assignees still have to act.
OPEN_STATUSES = (TaskStatus.planned, TaskStatus.in_progress, TaskStatus.returned)

# The status machine: action → (statuses it starts from, status it leads to). `complete` leads to `done`
# instead when the roadmap does not require acceptance.
TRANSITIONS: dict[str, tuple[tuple[TaskStatus, ...], TaskStatus]] = {
    "start": ((TaskStatus.planned,), TaskStatus.in_progress),
    "complete": (OPEN_STATUSES, TaskStatus.submitted),
    "accept": ((TaskStatus.submitted,), TaskStatus.done),
    "return": ((TaskStatus.submitted,), TaskStatus.returned),
    "not_done": (OPEN_STATUSES, TaskStatus.not_done),
    "cancel": ((*OPEN_STATUSES, TaskStatus.submitted), TaskStatus.cancelled),
    "reopen": (CLOSED_STATUSES, TaskStatus.in_progress),
}


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
        Index("ix_tasks_roadmap_status", "roadmap_id", "status"),
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
    # Who submitted (or completed) it last.
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Who accepted it.
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When it was accepted.
    accepted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Window the schedule gave before a coordinator moved the due date; None while never moved.
    schedule_start: Mapped[date | None] = mapped_column(Date)
    # Due date the schedule gave before it was moved; regeneration matches tasks by it.
    schedule_due: Mapped[date | None] = mapped_column(Date)

    activity: Mapped[Activity] = relationship()
    roadmap: Mapped[Roadmap] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def has_work(self) -> bool:
        """Tell whether someone has worked on the task."""
        return self.status != TaskStatus.planned or bool(self.note)

    @property
    def is_touched(self) -> bool:
        """Tell whether the task must not vanish silently when its schedule is regenerated."""
        return self.has_work or self.origin == TaskOrigin.manual or self.schedule_due is not None

    @property
    def schedule_window(self) -> tuple[date, date]:
        """Return the window the schedule gave this task, before any move by hand."""
        return (self.schedule_start or self.start, self.schedule_due or self.due)


class TaskRollup(db.Model):
    """A roadmap's task counts by target organisation, status and lateness, cached for the dashboards.

    Valid while `version` equals the roadmap's `tasks_version` and `as_of` is today (lateness moves with the
    date); anything else is recomputed on the next read.
    """

    __tablename__ = "task_rollups"

    roadmap_id: Mapped[int] = mapped_column(ForeignKey("roadmaps.id", ondelete="CASCADE"), primary_key=True)
    # The roadmap's `tasks_version` the counts were computed at.
    version: Mapped[int]
    # The day lateness was judged on.
    as_of: Mapped[date] = mapped_column(Date)
    # Rows [target organisation id or null, status, is_late (0/1), count].
    counts: Mapped[list] = mapped_column(JSON)


class TaskAssignee(db.Model):
    """A person named by a coordinator as doing a task; without any, the responsible organisations do."""

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


class EvidenceKind(enum.StrEnum):
    """What a piece of evidence is."""

    file = "file"
    link = "link"


class Evidence(db.Model):
    """A file or a link attached to a task as proof of its completion."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Task it proves.
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    # File or link.
    kind: Mapped[EvidenceKind] = mapped_column(Enum(EvidenceKind, native_enum=False, length=10))
    # Name shown to people: the file name as uploaded, or the link's address.
    original_filename: Mapped[str] = mapped_column(String(500))
    # Address of a link; None for files.
    url: Mapped[str | None] = mapped_column(String(2000))
    # Random name under UPLOAD_DIR; None for links.
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Size in bytes.
    size: Mapped[int | None] = mapped_column(BigInteger)
    # Hex SHA-256 of the content, to prove the file was not changed.
    sha256: Mapped[str | None] = mapped_column(String(64))
    # MIME type decided from the checked content, never the browser's claim.
    content_type: Mapped[str | None] = mapped_column(String(100))
    # Who attached it.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by = relationship("User")


class TaskComment(db.Model):
    """A remark on a task; comments given with a status change carry that action."""

    __tablename__ = "task_comments"
    __table_args__ = (Index("ix_task_comments_task_created", "task_id", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Task discussed.
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"))
    # Author.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Text.
    body: Mapped[str] = mapped_column(Text)
    # Status action it came with («return», «accept», «not_done», «cancel», «reopen»), or empty.
    action: Mapped[str] = mapped_column(String(30), default="")
    # When.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", lazy="joined")
