"""Aim activities at schools: one task per targeted school for every window of the activity.

An activity's targets are schools named directly and groups of a stored run («ШНОР 2025»). Only the schools
inside the area of the roadmap's owner (its municipality or region) are aimed at: a municipal plan never
hands tasks to another municipality's schools, even when a region run lists them.

``tracker.tasks.operations.apply_windows`` asks ``apply_targeted_windows`` first. An activity with neither
targets nor school tasks is left to it, so plans without targeting behave exactly as before. Work is never
dropped silently here either: a task that no longer fits but carries work is flagged ``is_orphaned``.

A target on a group is pinned to its run, so storing a new run changes nobody's tasks; the coordinator
moves the targets to the new run after seeing who joins and who leaves (``retarget_preview``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, exists, func, select

from tracker.analysis.classify import GROUP_LABELS
from tracker.analysis.models import GROUP_COLUMNS, ActivityTarget, ClassificationRun, RunSchool
from tracker.analysis.scope import SCHOOL_KINDS, area_of, visible_schools
from tracker.auth.access import can_edit_roadmap, visible_roadmaps
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, Roadmap
from tracker.roadmaps.operations import activity_label, record
from tracker.tasks.models import CLOSED_STATUSES, Task, TaskOrigin, TaskStatus

logger = logging.getLogger(__name__)

# (organization_id, run_id, group_code): a school target has only the first, a group target the other two.
TargetSpec = tuple[int | None, int | None, str | None]
TaskKey = tuple[int | None, date, date]
Window = tuple[date, date]


def school_spec(organization_id: int) -> TargetSpec:
    """Return the spec of a target on one school."""
    return (organization_id, None, None)


def group_spec(run_id: int, group: str) -> TargetSpec:
    """Return the spec of a target on a group of a run."""
    return (None, run_id, group)


def specs_of(targets: Iterable[ActivityTarget]) -> list[TargetSpec]:
    """Return stored targets as specs."""
    return [(t.organization_id, t.run_id, t.group_code) for t in targets]


def targets_of(activity_ids: Sequence[int]) -> dict[int, list[ActivityTarget]]:
    """Return the stored targets of the activities, by activity id."""
    result: dict[int, list[ActivityTarget]] = {}
    if not activity_ids:
        return result
    for target in db.session.execute(
        select(ActivityTarget).where(ActivityTarget.activity_id.in_(activity_ids)).order_by(ActivityTarget.id)
    ).scalars():
        result.setdefault(target.activity_id, []).append(target)
    return result


def roadmap_area(roadmap: Roadmap) -> Organization:
    """Return the municipality or region whose schools a roadmap's activities may be aimed at."""
    return area_of(roadmap.organization)


def resolve_schools(specs: Iterable[TargetSpec], area: Organization) -> dict[int, str]:
    """Return the schools the targets name inside the area: id → short name, in name order."""
    specs = list(specs)
    school_ids = {org_id for org_id, _, _ in specs if org_id is not None}
    found: dict[int, str] = {}
    if school_ids:
        found.update(
            db.session.execute(
                select(Organization.id, Organization.short_name).where(
                    Organization.id.in_(school_ids),
                    Organization.path.startswith(area.path),
                    Organization.kind.in_(SCHOOL_KINDS),
                )
            ).all()
        )
    for _, run_id, group in specs:
        if run_id is None or group not in GROUP_COLUMNS:
            continue
        found.update(
            db.session.execute(
                select(Organization.id, Organization.short_name)
                .join(RunSchool, RunSchool.organization_id == Organization.id)
                .where(
                    RunSchool.run_id == run_id,
                    getattr(RunSchool, GROUP_COLUMNS[group]).is_(True),
                    Organization.path.startswith(area.path),
                )
            ).all()
        )
    return dict(sorted(found.items(), key=lambda item: (item[1], item[0])))


def target_labels(specs: Iterable[TargetSpec]) -> list[str]:
    """Return the targets as words: «ШНОР 2025», school short names."""
    specs = list(specs)
    run_ids = {run_id for _, run_id, _ in specs if run_id is not None}
    school_ids = {org_id for org_id, _, _ in specs if org_id is not None}
    years = (
        dict(
            db.session.execute(
                select(ClassificationRun.id, ClassificationRun.year).where(ClassificationRun.id.in_(run_ids))
            ).all()
        )
        if run_ids
        else {}
    )
    names = (
        dict(
            db.session.execute(
                select(Organization.id, Organization.short_name).where(Organization.id.in_(school_ids))
            ).all()
        )
        if school_ids
        else {}
    )
    groups = [
        f"{GROUP_LABELS.get(group, group)} {years.get(run_id, '')} (расчёт № {run_id})"
        for _, run_id, group in specs
        if run_id is not None
    ]
    schools = sorted(names.get(org_id, str(org_id)) for org_id, _, _ in specs if org_id is not None)
    return groups + schools


@dataclass
class TaskPlan:
    """How an activity's tasks change: kept (with their label), added, removed and flagged."""

    keep: list[tuple[Task, str]] = field(default_factory=list)
    add: list[tuple[TaskKey, str]] = field(default_factory=list)
    remove: list[Task] = field(default_factory=list)
    flag: list[Task] = field(default_factory=list)


def plan_tasks(
    existing: Sequence[Task], wanted: dict[TaskKey, str], origin: TaskOrigin, keep_manual: bool = True
) -> TaskPlan:
    """Match tasks to wanted (school, start, due) keys: keep matches, add the rest, drop or flag others."""
    wanted = dict(wanted)
    plan = TaskPlan()
    for task in existing:
        # As in apply_windows: a task whose due date was moved by hand stands for its scheduled window.
        key = (task.organization_id, *task.schedule_window)
        if key in wanted:
            plan.keep.append((task, wanted.pop(key)))
        # The same rule as apply_windows: dates set by hand only protect tasks that carry work.
        elif task.has_work if (origin == TaskOrigin.manual or not keep_manual) else task.is_touched:
            plan.flag.append(task)
        else:
            plan.remove.append(task)
    plan.add = list(wanted.items())
    return plan


def _wanted(specs: Sequence[TargetSpec], roadmap: Roadmap, windows: Sequence[Window]) -> dict[TaskKey, str]:
    """Return the task keys an activity should have: per targeted school and window, or per window."""
    if not specs:
        return {(None, start, due): "" for start, due in windows}
    schools = resolve_schools(specs, roadmap_area(roadmap))
    return {(org_id, start, due): name for org_id, name in schools.items() for start, due in windows}


def _tasks(activity: Activity) -> list[Task]:
    return list(db.session.execute(select(Task).where(Task.activity_id == activity.id)).scalars())


def apply_targeted_windows(
    activity: Activity,
    roadmap: Roadmap,
    windows: Sequence[Window],
    origin: TaskOrigin,
    keep_manual: bool = True,
) -> tuple[int, int, int] | None:
    """Make a targeted activity's tasks match windows × schools; None when the activity is not targeted.

    Return the numbers of tasks added, removed and flagged, as apply_windows does.
    """
    targeted = db.session.execute(
        select(
            exists().where(ActivityTarget.activity_id == activity.id)
            | exists().where(Task.activity_id == activity.id, Task.organization_id.is_not(None))
        )
    ).scalar()
    if not targeted:
        return None
    specs = specs_of(targets_of([activity.id]).get(activity.id, []))
    plan = plan_tasks(_tasks(activity), _wanted(specs, roadmap, windows), origin, keep_manual)
    for task, label in plan.keep:
        task.is_orphaned = False
        task.origin = origin
        if task.organization_id is not None and task.label != label:
            task.label = label[:300]
    newly_flagged = 0
    for task in plan.flag:
        if not task.is_orphaned:
            task.is_orphaned = True
            newly_flagged += 1
    for task in plan.remove:
        db.session.delete(task)
    for (org_id, start, due), label in plan.add:
        db.session.add(
            Task(
                activity_id=activity.id,
                roadmap_id=roadmap.id,
                organization_id=org_id,
                label=label[:300],
                start=start,
                due=due,
                origin=origin,
            )
        )
    if newly_flagged:
        logger.info("activity %s: %s targeted tasks with work no longer fit", activity.id, newly_flagged)
    return len(plan.add), len(plan.remove), newly_flagged


def current_windows(activity: Activity, roadmap: Roadmap) -> tuple[list[Window], TaskOrigin]:
    """Return the activity's windows and their origin: the hand-set dates, or those of its deadline text."""
    if activity.is_schedule_overridden:
        rows = db.session.execute(
            select(Task.start, Task.due)
            .where(
                Task.activity_id == activity.id,
                Task.origin == TaskOrigin.manual,
                Task.is_orphaned.is_(False),
            )
            .distinct()
        ).all()
        return sorted({(start, due) for start, due in rows}, key=lambda w: (w[1], w[0])), TaskOrigin.manual
    from tracker.tasks.operations import activity_windows

    return activity_windows(activity, roadmap), TaskOrigin.schedule


def resync_activity(activity: Activity, roadmap: Roadmap) -> tuple[int, int, int]:
    """Regenerate an activity's tasks after its targets changed; keep hand-set dates."""
    from tracker.tasks.operations import apply_windows

    windows, origin = current_windows(activity, roadmap)
    counts = apply_windows(activity, roadmap, windows, origin)
    db.session.flush()
    return counts


@dataclass
class TargetChange:
    """What new targets would do to an activity: schools joining and leaving, tasks added and dropped."""

    activity: Activity
    roadmap: Roadmap
    specs_before: list[TargetSpec]
    specs_after: list[TargetSpec]
    joined: list[tuple[int, str]]
    left: list[tuple[int, str]]
    added: int
    removed: int
    flagged: int
    schools_after: int

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing at all would change."""
        return sorted(self.specs_before, key=repr) == sorted(self.specs_after, key=repr)


def _dedupe(specs: Iterable[TargetSpec]) -> list[TargetSpec]:
    return list(dict.fromkeys(specs))


def plan_change(activity: Activity, roadmap: Roadmap, specs: Sequence[TargetSpec]) -> TargetChange:
    """Describe what replacing the activity's targets by ``specs`` would change, without changing it."""
    specs = _dedupe(specs)
    before_specs = specs_of(targets_of([activity.id]).get(activity.id, []))
    area = roadmap_area(roadmap)
    before = resolve_schools(before_specs, area)
    after = resolve_schools(specs, area)
    windows, origin = current_windows(activity, roadmap)
    plan = plan_tasks(_tasks(activity), _wanted(specs, roadmap, windows), origin)
    return TargetChange(
        activity=activity,
        roadmap=roadmap,
        specs_before=before_specs,
        specs_after=specs,
        joined=[(i, name) for i, name in after.items() if i not in before],
        left=[(i, name) for i, name in before.items() if i not in after],
        added=len(plan.add),
        removed=len(plan.remove),
        flagged=sum(1 for task in plan.flag if not task.is_orphaned),
        schools_after=len(after),
    )


def set_targets(
    user: User, roadmap: Roadmap, activity: Activity, specs: Sequence[TargetSpec]
) -> TargetChange:
    """Replace the activity's targets, regenerate its tasks and record the change in the roadmap's history."""
    change = plan_change(activity, roadmap, specs)
    if change.is_empty:
        return change
    labels_before = target_labels(change.specs_before)
    for target in targets_of([activity.id]).get(activity.id, []):
        db.session.delete(target)
    db.session.flush()
    for org_id, run_id, group in change.specs_after:
        db.session.add(
            ActivityTarget(
                activity_id=activity.id,
                organization_id=org_id,
                run_id=run_id,
                group_code=group,
                created_by_id=user.id,
            )
        )
    db.session.flush()
    resync_activity(activity, roadmap)
    record(
        roadmap.id,
        user,
        "activity.targets",
        "activity",
        activity.id,
        activity_label(activity),
        {"aimed_at": "; ".join(labels_before)},
        {"aimed_at": "; ".join(target_labels(change.specs_after))},
    )
    logger.info("activity %s aimed at %s schools", activity.id, change.schools_after)
    return change


@dataclass
class RetargetItem:
    """An activity aimed at groups of older runs, and what moving those targets to a new run changes."""

    target_ids: list[int]
    change: TargetChange


def retarget_preview(user: User, run: ClassificationRun) -> list[RetargetItem]:
    """List the activities the user may edit that aim at groups of older runs of the same area."""
    older = select(ClassificationRun.id).where(
        ClassificationRun.scope_organization_id == run.scope_organization_id, ClassificationRun.id < run.id
    )
    stale = list(
        db.session.execute(
            select(ActivityTarget)
            .where(ActivityTarget.run_id.in_(older), ActivityTarget.group_code.is_not(None))
            .order_by(ActivityTarget.activity_id, ActivityTarget.id)
        ).scalars()
    )
    if not stale:
        return []
    activity_ids = sorted({t.activity_id for t in stale})
    activities = {
        a.id: a for a in db.session.execute(select(Activity).where(Activity.id.in_(activity_ids))).scalars()
    }
    roadmaps = {
        r.id: r
        for r in db.session.execute(
            visible_roadmaps(user).where(Roadmap.id.in_({a.roadmap_id for a in activities.values()}))
        ).scalars()
    }
    all_targets = targets_of(activity_ids)
    items = []
    for activity_id in activity_ids:
        activity = activities[activity_id]
        roadmap = roadmaps.get(activity.roadmap_id)
        if roadmap is None or not can_edit_roadmap(user, roadmap):
            continue
        moved = [t.id for t in stale if t.activity_id == activity_id]
        specs = [
            (t.organization_id, run.id if t.id in moved else t.run_id, t.group_code)
            for t in all_targets.get(activity_id, [])
        ]
        items.append(RetargetItem(moved, plan_change(activity, roadmap, specs)))
    return items


def retarget_apply(user: User, run: ClassificationRun, target_ids: Iterable[int]) -> list[TargetChange]:
    """Move the previewed targets to the run and regenerate the tasks of their activities."""
    wanted = set(target_ids)
    changes = []
    for item in retarget_preview(user, run):
        if not set(item.target_ids) <= wanted:
            continue
        change = item.change
        changes.append(set_targets(user, change.roadmap, change.activity, change.specs_after))
    return changes


@dataclass
class SupportLine:
    """Progress of one activity's tasks at one school."""

    school_id: int
    activity: Activity
    roadmap: Roadmap
    total: int
    done: int
    overdue: int
    open: int
    next_due: date | None

    @property
    def percent(self) -> int:
        """Return the share of done tasks in whole percent."""
        return round(100 * self.done / self.total) if self.total else 0


def support_lines(
    user: User, school_ids: Sequence[int] | None = None, today: date | None = None
) -> list[SupportLine]:
    """Return per school and activity the progress of the targeted tasks the user may see."""
    today = today or date.today()
    closed = Task.status.in_(CLOSED_STATUSES)
    query = (
        select(
            Task.organization_id,
            Task.activity_id,
            func.count(Task.id),
            func.sum(case((Task.status == TaskStatus.done, 1), else_=0)),
            func.sum(case(((Task.due < today) & ~closed, 1), else_=0)),
            func.sum(case((~closed, 1), else_=0)),
            func.min(case((~closed, Task.due), else_=None)),
        )
        .where(
            Task.organization_id.in_(visible_schools(user).with_only_columns(Organization.id)),
            Task.roadmap_id.in_(visible_roadmaps(user).with_only_columns(Roadmap.id)),
            Task.status != TaskStatus.cancelled,
        )
        .group_by(Task.organization_id, Task.activity_id)
    )
    if school_ids is not None:
        query = query.where(Task.organization_id.in_(school_ids))
    rows = db.session.execute(query).all()
    if not rows:
        return []
    activities = {
        a.id: a
        for a in db.session.execute(select(Activity).where(Activity.id.in_({r[1] for r in rows}))).scalars()
    }
    roadmaps = {
        r.id: r
        for r in db.session.execute(
            select(Roadmap).where(Roadmap.id.in_({a.roadmap_id for a in activities.values()}))
        ).scalars()
    }
    lines = [
        SupportLine(
            school_id,
            activities[activity_id],
            roadmaps[activities[activity_id].roadmap_id],
            total,
            done or 0,
            overdue or 0,
            open_ or 0,
            next_due,
        )
        for school_id, activity_id, total, done, overdue, open_, next_due in rows
    ]
    return sorted(lines, key=lambda line: (line.roadmap.title, line.activity.position, line.activity.id))


@dataclass
class ActivityTargeting:
    """The targets of one activity for its page: words, schools reached and task progress."""

    labels: list[str]
    schools: int
    total: int
    done: int


def activity_targeting(activity: Activity) -> ActivityTargeting | None:
    """Return what an activity is aimed at, or None when it is not targeted."""
    targets = targets_of([activity.id]).get(activity.id, [])
    if not targets:
        return None
    specs = specs_of(targets)
    roadmap = db.session.get(Roadmap, activity.roadmap_id)
    schools = resolve_schools(specs, roadmap_area(roadmap))
    total, done = db.session.execute(
        select(func.count(Task.id), func.sum(case((Task.status == TaskStatus.done, 1), else_=0))).where(
            Task.activity_id == activity.id, Task.organization_id.is_not(None), Task.is_orphaned.is_(False)
        )
    ).one()
    return ActivityTargeting(target_labels(specs), len(schools), total or 0, done or 0)
