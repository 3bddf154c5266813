"""The coordinator's digest: what became overdue during the past week and what waits for acceptance."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from tracker.auth.access import visible_roadmaps
from tracker.auth.models import User
from tracker.extensions import db
from tracker.notifications.feeds import task_url
from tracker.notifications.policy import ASSIGNEE_STATUSES, SILENT_ROADMAP_STATUSES
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, Roadmap
from tracker.tasks.assignment import responsible_org_ids
from tracker.tasks.models import Task, TaskStatus

WINDOW_DAYS = 7
# An e-mail listing more than this helps nobody; the rest is counted and left to the web pages.
MAX_ITEMS = 300


@dataclass(frozen=True)
class DigestItem:
    """One task in a digest."""

    task_id: int
    title: str
    label: str
    roadmap_id: int
    roadmap_title: str
    due: date
    status: str
    url: str


@dataclass
class DigestGroup:
    """The tasks of one responsible organisation."""

    name: str
    overdue: list[DigestItem] = field(default_factory=list)
    waiting: list[DigestItem] = field(default_factory=list)


@dataclass(frozen=True)
class Digest:
    """What a coordinator is told, grouped per responsible organisation."""

    since: date
    until: date
    groups: list[DigestGroup]
    overdue_count: int
    waiting_count: int
    total_overdue: int
    is_truncated: bool

    @property
    def is_empty(self) -> bool:
        """Tell whether there is nothing to say."""
        return not self.overdue_count and not self.waiting_count


def _roadmap_ids(user: User):
    """Return a query of the ids of the roadmaps in the user's scope that are being carried out."""
    return (
        visible_roadmaps(user)
        .where(Roadmap.status.notin_(SILENT_ROADMAP_STATUSES))
        .with_only_columns(Roadmap.id)
    )


def collect_digest(user: User, today: date) -> dict[str, Any]:
    """Return the digest contents for the week before `today` as a JSON-storable payload."""
    since, until = today - timedelta(days=WINDOW_DAYS), today - timedelta(days=1)
    roadmap_ids = _roadmap_ids(user)
    open_statuses = [TaskStatus(s) for s in ASSIGNEE_STATUSES]
    overdue = (
        db.session.execute(
            select(Task.id)
            .where(
                Task.roadmap_id.in_(roadmap_ids),
                Task.status.in_(open_statuses),
                Task.due.between(since, until),
            )
            .order_by(Task.due, Task.id)
            .limit(MAX_ITEMS + 1)
        )
        .scalars()
        .all()
    )
    waiting = (
        db.session.execute(
            select(Task.id)
            .where(Task.roadmap_id.in_(roadmap_ids), Task.status == TaskStatus.submitted)
            .order_by(Task.completed_dt, Task.id)
            .limit(MAX_ITEMS + 1)
        )
        .scalars()
        .all()
    )
    total_overdue = db.session.execute(
        select(func.count(Task.id)).where(
            Task.roadmap_id.in_(roadmap_ids), Task.status.in_(open_statuses), Task.due < today
        )
    ).scalar_one()
    return {
        "since": since.isoformat(),
        "until": until.isoformat(),
        "overdue": list(overdue[:MAX_ITEMS]),
        "waiting": list(waiting[:MAX_ITEMS]),
        "total_overdue": total_overdue,
        "is_truncated": len(overdue) > MAX_ITEMS or len(waiting) > MAX_ITEMS,
    }


def is_empty_payload(payload: dict[str, Any]) -> bool:
    """Tell whether a digest payload has nothing to say."""
    return not payload.get("overdue") and not payload.get("waiting")


def build_digest(payload: dict[str, Any]) -> Digest:
    """Load the tasks of a digest payload and group them per responsible organisation."""
    overdue_ids, waiting_ids = list(payload.get("overdue", [])), list(payload.get("waiting", []))
    ids = overdue_ids + waiting_ids
    rows = (
        db.session.execute(
            select(Task, Activity, Roadmap)
            .join(Activity, Activity.id == Task.activity_id)
            .join(Roadmap, Roadmap.id == Task.roadmap_id)
            .where(Task.id.in_(ids))
        ).all()
        if ids
        else []
    )
    org_ids = responsible_org_ids(ids)
    all_orgs = set().union(*org_ids.values()) if org_ids else set()
    names = (
        dict(
            db.session.execute(
                select(Organization.id, Organization.short_name).where(Organization.id.in_(all_orgs))
            ).all()
        )
        if all_orgs
        else {}
    )
    items: dict[int, tuple[DigestItem, list[str]]] = {}
    for task, activity, roadmap in rows:
        number = f"{activity.number} " if activity.number else ""
        item = DigestItem(
            task_id=task.id,
            title=f"{number}{activity.title}",
            label=task.label,
            roadmap_id=roadmap.id,
            roadmap_title=roadmap.title,
            due=task.due,
            status=str(task.status),
            url=task_url(task.id),
        )
        # Tasks with no recognised organisation are grouped under the responsible text as written.
        group_names = sorted(names[o] for o in org_ids.get(task.id, ()) if o in names)
        items[task.id] = (item, group_names or [activity.responsible.strip()])
    groups: dict[str, DigestGroup] = {}
    for section, section_ids in (("overdue", overdue_ids), ("waiting", waiting_ids)):
        for task_id in section_ids:
            if task_id not in items:
                continue
            item, group_names = items[task_id]
            for name in group_names:
                getattr(groups.setdefault(name, DigestGroup(name)), section).append(item)
    ordered = sorted(groups.values(), key=lambda g: (not g.name, g.name.casefold()))
    for group in ordered:
        group.overdue.sort(key=lambda i: (i.due, i.task_id))
    return Digest(
        since=date.fromisoformat(payload["since"]),
        until=date.fromisoformat(payload["until"]),
        groups=ordered,
        overdue_count=len([i for i in overdue_ids if i in items]),
        waiting_count=len([i for i in waiting_ids if i in items]),
        total_overdue=int(payload.get("total_overdue", 0)),
        is_truncated=bool(payload.get("is_truncated")),
    )
