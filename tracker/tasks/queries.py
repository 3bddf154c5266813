"""Reads behind the task pages: a fixed number of queries per page, whatever the number of tasks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, case, extract, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload

from tracker.auth.access import user_scope
from tracker.auth.models import User
from tracker.db import normalize_text
from tracker.extensions import db
from tracker.memo import Memo
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, ActivityLink, HistoryEntry, LinkRole, Roadmap, Section
from tracker.tasks.assignment import tasks_of_user
from tracker.tasks.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Evidence,
    Task,
    TaskComment,
    TaskStatus,
)
from tracker.tasks.permissions import (
    LISTED_ROADMAP_STATUSES,
    controlled_condition,
    coordinated_roadmap_ids,
    visible_roadmap_ids,
)

MY_GROUP_LIMIT = 100
MY_GROUPS = ("overdue", "week", "later", "submitted", "to_accept", "closed")
LATER_LIMIT = 20
DONE_LIMIT = 10


def with_details(query: Select) -> Select:
    """Load each task's activity and roadmap with it, so lists do not query per row."""
    return query.options(joinedload(Task.activity), joinedload(Task.roadmap))


def _count(query: Select) -> int:
    """Return the number of rows a query would give."""
    return db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar() or 0


@dataclass
class Group:
    """A group of «Мои задачи»: the first tasks and how many there are in all."""

    tasks: list = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        """Return how many tasks are not shown."""
        return self.total - len(self.tasks)


# What a line of «Мои задачи» shows, besides the task's own columns.
MY_TASK_DETAILS = (Activity.number, Activity.title, Roadmap.title.label("roadmap_title"))


# The statement of «Мои задачи» by everything it is built from; per process. Building it costs more than
# running it, and people come back to the page many times a day.
_MY_STATEMENTS: Memo[Select] = Memo(128)


def my_tasks(user: User, today: date) -> dict[str, Group]:
    """Return the user's tasks grouped: overdue, this week, later, submitted, to accept, recently closed.

    One statement gives every group's first lines with the group's size: a page of plain rows, not objects.
    """
    key = (user.id, user.role, user.organization_id, user_scope(user), today)
    result = {name: Group() for name in MY_GROUPS}
    for row in db.session.execute(_MY_STATEMENTS.get(key, lambda: _my_tasks_statement(user, today))):
        group = result[row.grp]
        group.tasks.append(row)
        group.total = row.total
    for group in result.values():
        group.tasks.sort(key=lambda row: row.position)
    return result


def _my_tasks_statement(user: User, today: date) -> Select:
    """Build the statement of «Мои задачи»: per group its first tasks, each line with the group's size."""
    listed = visible_roadmaps_in(user, LISTED_ROADMAP_STATUSES)
    mine = tasks_of_user(user).where(Task.roadmap_id.in_(listed))
    open_mine = mine.where(Task.status.in_(OPEN_STATUSES))
    # A rolling week rather than the calendar one: on Friday the next Monday matters as much.
    week_end = today + timedelta(days=6)
    by_due = (Task.due, Task.id)
    to_accept = select(Task).where(
        Task.roadmap_id.in_(listed),
        Task.status == TaskStatus.submitted,
        or_(controlled_condition(user), Task.roadmap_id.in_(coordinated_roadmap_ids(user))),
    )
    groups = {  # in the order of MY_GROUPS
        "overdue": (open_mine.where(Task.due < today), by_due, MY_GROUP_LIMIT),
        "week": (open_mine.where(Task.due >= today, Task.due <= week_end), by_due, MY_GROUP_LIMIT),
        "later": (open_mine.where(Task.due > week_end), by_due, LATER_LIMIT),
        "submitted": (mine.where(Task.status == TaskStatus.submitted), by_due, MY_GROUP_LIMIT),
        "to_accept": (to_accept, (Task.completed_dt, Task.id), MY_GROUP_LIMIT),
        "closed": (
            mine.where(Task.status.in_(CLOSED_STATUSES)),
            (Task.updated_dt.desc(), Task.id.desc()),
            DONE_LIMIT,
        ),
    }
    parts = []
    for key, (query, order, limit) in groups.items():
        # The window counts every task of the group before LIMIT keeps the first ones. The activity and the
        # roadmap are joined to those only: joined inside, they would lead SQLite to start from them.
        first = (
            query.with_only_columns(
                literal(key).label("grp"),
                func.count().over().label("total"),
                func.row_number().over(order_by=order).label("position"),
                Task.id,
                Task.due,
                Task.status,
                Task.label,
                Task.activity_id,
                Task.roadmap_id,
            )
            .order_by(*order)
            .limit(limit)
            .subquery()
        )
        parts.append(
            select(first, *MY_TASK_DETAILS)
            .join(Activity, Activity.id == first.c.activity_id)
            .join(Roadmap, Roadmap.id == first.c.roadmap_id)
        )
    return union_all(*parts)


def visible_roadmaps_in(user: User, statuses) -> Select:
    """Return a query of the ids of visible roadmaps in the given statuses."""
    return visible_roadmap_ids(user).where(Roadmap.status.in_(statuses))


def task_details(task: Task) -> dict:
    """Return a task's evidence, comments and history, oldest first."""

    def of_task(model, *options) -> list:
        query = select(model).options(*options).where(model.task_id == task.id)
        return list(db.session.execute(query.order_by(model.created_dt, model.id)).scalars())

    return {
        "evidence": of_task(Evidence, joinedload(Evidence.uploaded_by)),
        "comments": of_task(TaskComment),
        "history": of_task(HistoryEntry),
    }


def users_by_id(ids: set[int | None]) -> dict[int, User]:
    """Return users by id in one query."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return {u.id: u for u in db.session.execute(select(User).where(User.id.in_(ids))).scalars()}


@dataclass(frozen=True)
class TaskFilter:
    """Filters of a roadmap's task list."""

    status: str = ""
    direction: int | None = None
    organization: int | None = None
    overdue: bool = False
    due_from: date | None = None
    due_to: date | None = None
    text: str = ""


def filtered_tasks(roadmap: Roadmap, flt: TaskFilter, today: date) -> Select:
    """Return a query of the roadmap's tasks matching the filters, in due order."""
    query = select(Task).where(Task.roadmap_id == roadmap.id)
    if flt.status in TaskStatus.__members__:
        query = query.where(Task.status == TaskStatus(flt.status))
    if flt.overdue:
        query = query.where(Task.due < today, Task.status.notin_(CLOSED_STATUSES))
    if flt.due_from:
        query = query.where(Task.due >= flt.due_from)
    if flt.due_to:
        query = query.where(Task.due <= flt.due_to)
    if flt.direction:
        query = query.where(
            Task.activity_id.in_(
                select(Activity.id).where(
                    Activity.roadmap_id == roadmap.id,
                    Activity.section_id.in_(section_subtree(roadmap.id, flt.direction)),
                )
            )
        )
    if flt.organization:
        responsible = select(ActivityLink.activity_id).where(
            ActivityLink.role == LinkRole.responsible, ActivityLink.organization_id == flt.organization
        )
        query = query.where(
            or_(
                Task.organization_id == flt.organization,
                (Task.organization_id.is_(None)) & Task.activity_id.in_(responsible),
            )
        )
    if flt.text:
        found = Activity.search_text.contains(normalize_text(flt.text), autoescape=True)
        query = query.where(
            Task.activity_id.in_(select(Activity.id).where(Activity.roadmap_id == roadmap.id, found))
        )
    return query.order_by(Task.due, Task.id)


def section_subtree(roadmap_id: int, root: int) -> list[int]:
    """Return the ids of a section of the roadmap and of all sections under it."""
    rows = db.session.execute(
        select(Section.id, Section.parent_id).where(Section.roadmap_id == roadmap_id)
    ).all()
    inside, changed = {root}, True
    while changed:
        changed = False
        for section_id, parent in rows:
            if parent in inside and section_id not in inside:
                inside.add(section_id)
                changed = True
    return sorted(inside)


def grouped_counts(keys: list, where: list, today: date) -> list[tuple]:
    """Return rows (*keys, status, is_late, count) of the tasks matching `where`.

    The lateness flag is computed in a subquery and grouped by its column: PostgreSQL does not see two
    CASE expressions with separately bound dates as the same expression, so grouping by the CASE itself fails.
    """
    late = case((Task.due < today, 1), else_=0)
    inner = select(*keys, Task.status.label("status"), late.label("is_late")).where(*where).subquery()
    columns = [inner.c[column.key if hasattr(column, "key") else column.name] for column in keys]
    return db.session.execute(
        select(*columns, inner.c.status, inner.c.is_late, func.count()).group_by(
            *columns, inner.c.status, inner.c.is_late
        )
    ).all()


def activity_status_rows(roadmap_id: int, today: date) -> list[tuple]:
    """Return (activity_id, target org id, status, is_late, count) rows of a roadmap."""
    return grouped_counts([Task.activity_id, Task.organization_id], [Task.roadmap_id == roadmap_id], today)


def roadmap_structure(roadmap_id: int) -> tuple[list[Section], dict[int, int | None], dict[int, list[int]]]:
    """Return the roadmap's sections, each activity's section and each activity's responsible bodies."""
    sections = list(db.session.execute(select(Section).where(Section.roadmap_id == roadmap_id)).scalars())
    activity_section = dict(
        db.session.execute(
            select(Activity.id, Activity.section_id).where(Activity.roadmap_id == roadmap_id)
        ).all()
    )
    responsible: dict[int, list[int]] = {}
    for activity_id, org_id in db.session.execute(
        select(ActivityLink.activity_id, ActivityLink.organization_id)
        .join(Activity, Activity.id == ActivityLink.activity_id)
        .where(
            Activity.roadmap_id == roadmap_id,
            ActivityLink.role == LinkRole.responsible,
            ActivityLink.organization_id.is_not(None),
        )
    ):
        responsible.setdefault(activity_id, []).append(org_id)
    return sections, activity_section, responsible


def organizations_by_id(ids) -> dict[int, Organization]:
    """Return organisations by id in one query."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    rows = db.session.execute(select(Organization).where(Organization.id.in_(ids))).scalars()
    return {o.id: o for o in rows}


def overdue_tasks(roadmap_id: int, today: date, limit: int, offset: int = 0) -> tuple[list[Task], int]:
    """Return a page of the roadmap's overdue tasks, the longest overdue first, and their number."""
    query = select(Task).where(
        Task.roadmap_id == roadmap_id, Task.due < today, Task.status.notin_(CLOSED_STATUSES)
    )
    tasks = (
        db.session.execute(with_details(query).order_by(Task.due, Task.id).limit(limit).offset(offset))
        .unique()
        .scalars()
        .all()
    )
    return list(tasks), _count(query)


def timeline_rows(roadmap_id: int, year: int, today: date) -> list[tuple]:
    """Return (activity_id, month, status, is_late, count) rows of the tasks due in a year."""
    month = extract("month", Task.due).label("month")
    return grouped_counts(
        [Task.activity_id, month],
        [Task.roadmap_id == roadmap_id, Task.due >= date(year, 1, 1), Task.due <= date(year, 12, 31)],
        today,
    )


def task_years(roadmap: Roadmap) -> list[int]:
    """Return the years the roadmap's period covers."""
    return list(range(roadmap.period_start.year, roadmap.period_end.year + 1))


@dataclass
class Mark:
    """One task's completion mark in the roadmap table."""

    task_id: int
    status: str
    due: date
    completed: date | None
    note: str
    reason: str
    label: str
    evidence: list[Evidence] = field(default_factory=list)


MARKS_PER_ACTIVITY = 3


def completion_marks(roadmap: Roadmap) -> dict[int, list[Mark]]:
    """Return per activity the latest completion marks (done, submitted, not done) with their evidence."""
    roadmap_id = roadmap.id
    zone = ZoneInfo(roadmap.organization.timezone)
    reported = (TaskStatus.done, TaskStatus.submitted, TaskStatus.not_done)
    rank = (
        func.row_number()
        .over(partition_by=Task.activity_id, order_by=(Task.due.desc(), Task.id.desc()))
        .label("rank")
    )
    inner = (
        select(
            Task.id,
            Task.activity_id,
            Task.status,
            Task.due,
            Task.completed_dt,
            Task.note,
            Task.reason,
            Task.label,
            rank,
        )
        .where(Task.roadmap_id == roadmap_id, Task.status.in_(reported))
        .subquery()
    )
    rows = db.session.execute(
        select(inner).where(inner.c.rank <= MARKS_PER_ACTIVITY).order_by(inner.c.activity_id, inner.c.due)
    ).all()
    evidence: dict[int, list[Evidence]] = {}
    if rows:
        for item in db.session.execute(
            select(Evidence)
            .where(Evidence.task_id.in_([r.id for r in rows]))
            .order_by(Evidence.kind, Evidence.id)
        ).scalars():
            evidence.setdefault(item.task_id, []).append(item)
    marks: dict[int, list[Mark]] = {}
    for row in rows:
        marks.setdefault(row.activity_id, []).append(
            Mark(
                task_id=row.id,
                status=getattr(row.status, "value", row.status),
                due=row.due,
                # The day as the municipality lived it, not the UTC date.
                completed=row.completed_dt.astimezone(zone).date() if row.completed_dt else None,
                note=row.note or "",
                reason=row.reason or "",
                label=row.label or "",
                evidence=evidence.get(row.id, []),
            )
        )
    return marks
