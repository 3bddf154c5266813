"""Tasks made from schedules; work already done on a task is never dropped silently."""

import logging
from datetime import date

from sqlalchemy import select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.roadmaps.deadlines import parse_deadline
from tracker.roadmaps.models import Activity, Roadmap
from tracker.roadmaps.operations import activity_label, record
from tracker.tasks.models import Task, TaskOrigin

log = logging.getLogger(__name__)


def academic_year_of(label: str) -> int | None:
    """Return the first year of an academic-year column label such as «2021/2022»."""
    head = label.strip()[:4]
    return int(head) if head.isdigit() else None


def activity_windows(activity: Activity, roadmap: Roadmap) -> list[tuple[date, date]]:
    """Compute the activity's windows from its text (and academic-year columns) and store the notes."""
    schedules = []
    if activity.years:
        for label, text in activity.years.items():
            if text and text.strip():
                schedules.append(parse_deadline(text, roadmap.period, academic_year_of(label)))
    if activity.deadline_text or not schedules:
        schedules.append(parse_deadline(activity.deadline_text or "", roadmap.period))
    windows = sorted({(o.start, o.due) for s in schedules for o in s.occurrences}, key=lambda w: (w[1], w[0]))
    activity.is_review_needed = any(s.needs_review for s in schedules)
    activity.schedule_note = "; ".join(dict.fromkeys(s.note for s in schedules if s.note))
    activity.schedule_rule = "; ".join(dict.fromkeys(s.rule for s in schedules if s.rule))
    return windows


def apply_windows(
    activity: Activity, roadmap: Roadmap, windows: list[tuple[date, date]], origin: TaskOrigin,
    existing: list[Task] | None = None, keep_manual: bool = True,
) -> tuple[int, int, int]:
    """Make the activity's tasks match the windows: keep matches, add new, drop untouched, flag touched.

    Tasks set by hand count as touched unless `keep_manual` is off (an override replaced or cleared).

    Return the numbers of tasks added, removed and flagged.
    """
    if existing is None:
        existing = db.session.execute(
            select(Task).where(Task.activity_id == activity.id, Task.organization_id.is_(None))
        ).scalars().all()
    wanted = dict.fromkeys(windows)
    added = removed = flagged = 0
    for task in existing:
        key = (task.start, task.due)
        if key in wanted:
            wanted.pop(key)
            task.is_orphaned = False
            task.origin = origin
        elif task.has_work if (origin == TaskOrigin.manual or not keep_manual) else task.is_touched:
            if not task.is_orphaned:
                task.is_orphaned = True
                flagged += 1
        else:
            db.session.delete(task)
            removed += 1
    for start, due in wanted:
        db.session.add(
            Task(activity_id=activity.id, roadmap_id=roadmap.id, start=start, due=due, origin=origin)
        )
        added += 1
    if flagged:
        log.info("activity %s: %s tasks with work no longer match the schedule", activity.id, flagged)
    return added, removed, flagged


def sync_activity_tasks(
    activity: Activity, roadmap: Roadmap, existing: list[Task] | None = None, keep_manual: bool = True
) -> None:
    """Regenerate an activity's tasks from its deadline text unless its dates were set by hand."""
    windows = activity_windows(activity, roadmap)
    if activity.is_schedule_overridden:
        return
    apply_windows(activity, roadmap, windows, TaskOrigin.schedule, existing, keep_manual)
    db.session.flush()


def sync_roadmap_tasks(roadmap: Roadmap) -> None:
    """Regenerate the tasks of every activity of a roadmap (after its period changed)."""
    activities = db.session.execute(select(Activity).where(Activity.roadmap_id == roadmap.id)).scalars().all()
    tasks = db.session.execute(
        select(Task).where(Task.roadmap_id == roadmap.id, Task.organization_id.is_(None))
    ).scalars().all()
    by_activity: dict[int, list[Task]] = {}
    for task in tasks:
        by_activity.setdefault(task.activity_id, []).append(task)
    for activity in activities:
        sync_activity_tasks(activity, roadmap, by_activity.get(activity.id, []))
    db.session.flush()


def override_schedule(user: User, roadmap: Roadmap, activity: Activity, windows: list[tuple[date, date]]) -> None:
    """Set an activity's dates by hand; they win over the text until the override is cleared."""
    before = {"windows": _window_strings(activity)}
    activity.is_schedule_overridden = True
    apply_windows(activity, roadmap, sorted(set(windows), key=lambda w: (w[1], w[0])), TaskOrigin.manual)
    db.session.flush()
    record(roadmap.id, user, "activity.schedule_override", "activity", activity.id, activity_label(activity),
           before, {"windows": _window_strings(activity)})


def clear_override(user: User, roadmap: Roadmap, activity: Activity) -> None:
    """Return an activity to the dates its text produces."""
    before = {"windows": _window_strings(activity)}
    activity.is_schedule_overridden = False
    sync_activity_tasks(activity, roadmap, keep_manual=False)
    record(roadmap.id, user, "activity.schedule_reset", "activity", activity.id, activity_label(activity),
           before, {"windows": _window_strings(activity)})


def _window_strings(activity: Activity) -> list[str]:
    """Return the activity's current task windows as text for history."""
    db.session.flush()
    rows = db.session.execute(
        select(Task.start, Task.due).where(Task.activity_id == activity.id, Task.organization_id.is_(None))
        .order_by(Task.due, Task.start)
    ).all()
    return [f"{s.isoformat()}..{d.isoformat()}" for s, d in rows]
