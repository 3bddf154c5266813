"""Tasks made from schedules and their execution; work done on a task is never dropped silently.

Every function flushes, records history and leaves the commit to the caller.
"""

import functools
import logging
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm.exc import StaleDataError

from tracker.auth.models import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.roadmaps.deadlines import parse_deadline
from tracker.roadmaps.models import Activity, Roadmap
from tracker.roadmaps.operations import activity_label, record
from tracker.storage import StoredFile
from tracker.tasks.models import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Evidence,
    EvidenceKind,
    Task,
    TaskAssignee,
    TaskComment,
    TaskOrigin,
    TaskStatus,
)

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
    activity: Activity,
    roadmap: Roadmap,
    windows: list[tuple[date, date]],
    origin: TaskOrigin,
    existing: list[Task] | None = None,
    keep_manual: bool = True,
) -> tuple[int, int, int]:
    """Make the activity's tasks match the windows: keep matches, add new, drop untouched, flag touched.

    Tasks set by hand count as touched unless `keep_manual` is off (an override replaced or cleared).

    Return the numbers of tasks added, removed and flagged.
    """
    # An activity aimed at schools gets one task per school and window (tracker/analysis/targeting.py).
    from tracker.analysis.targeting import apply_targeted_windows

    targeted = apply_targeted_windows(activity, roadmap, windows, origin, keep_manual)
    if targeted is not None:
        return targeted
    if existing is None:
        existing = (
            db.session.execute(
                select(Task).where(Task.activity_id == activity.id, Task.organization_id.is_(None))
            )
            .scalars()
            .all()
        )
    wanted = dict.fromkeys(windows)
    added = removed = flagged = 0
    for task in existing:
        # A task whose due date a coordinator moved still stands for the window the schedule gave it.
        key = task.schedule_window
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
    tasks = (
        db.session.execute(select(Task).where(Task.roadmap_id == roadmap.id, Task.organization_id.is_(None)))
        .scalars()
        .all()
    )
    by_activity: dict[int, list[Task]] = {}
    for task in tasks:
        by_activity.setdefault(task.activity_id, []).append(task)
    for activity in activities:
        sync_activity_tasks(activity, roadmap, by_activity.get(activity.id, []))
    db.session.flush()


def override_schedule(
    user: User, roadmap: Roadmap, activity: Activity, windows: list[tuple[date, date]]
) -> None:
    """Set an activity's dates by hand; they win over the text until the override is cleared."""
    before = {"windows": _window_strings(activity)}
    activity.is_schedule_overridden = True
    apply_windows(activity, roadmap, sorted(set(windows), key=lambda w: (w[1], w[0])), TaskOrigin.manual)
    db.session.flush()
    record(
        roadmap.id,
        user,
        "activity.schedule_override",
        "activity",
        activity.id,
        activity_label(activity),
        before,
        {"windows": _window_strings(activity)},
    )


def clear_override(user: User, roadmap: Roadmap, activity: Activity) -> None:
    """Return an activity to the dates its text produces."""
    before = {"windows": _window_strings(activity)}
    activity.is_schedule_overridden = False
    sync_activity_tasks(activity, roadmap, keep_manual=False)
    record(
        roadmap.id,
        user,
        "activity.schedule_reset",
        "activity",
        activity.id,
        activity_label(activity),
        before,
        {"windows": _window_strings(activity)},
    )


def _window_strings(activity: Activity) -> list[str]:
    """Return the activity's current task windows as text for history."""
    db.session.flush()
    rows = db.session.execute(
        select(Task.start, Task.due)
        .where(Task.activity_id == activity.id, Task.organization_id.is_(None))
        .order_by(Task.due, Task.start)
    ).all()
    return [f"{s.isoformat()}..{d.isoformat()}" for s, d in rows]


# --- execution ---------------------------------------------------------------------------------------


class TaskError(Exception):
    """A change the rules refuse; `code` names the reason and forms.MESSAGES holds the Russian text."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def task_label(task: Task) -> str:
    """Return a short label of a task for history lists."""
    label = f"{activity_label(task.activity)} ({task.due.strftime('%d.%m.%Y')})"
    return f"{label} {task.label}".strip()[:500] if task.label else label


def _record(
    user: User | None, task: Task, action: str, before: dict | None, after: dict | None, now: datetime
) -> None:
    """Add a task event to the history, stamped with the moment of the change."""
    entry = record(
        task.roadmap_id, user, action, "task", task.id, task_label(task), before, after, task_id=task.id
    )
    entry.created_dt = now


def _flush() -> None:
    """Write pending changes now, so a conflict shows before history is recorded."""
    db.session.flush()


def _conflict_safe(operation):
    """Turn a task saved meanwhile by someone else into TaskError("conflict").

    The version column makes the UPDATE match no row when another request saved the task first; the
    flush that notices may be an explicit one or an autoflush anywhere inside the operation.
    """

    @functools.wraps(operation)
    def wrapper(*args, **kwargs):
        try:
            return operation(*args, **kwargs)
        except StaleDataError as error:
            raise TaskError("conflict") from error

    return wrapper


def _begin(task: Task, action: str, expected_version: int | None) -> TaskStatus:
    """Check that the action may start from the task's status and version; return the status it leads to."""
    if expected_version is not None and expected_version != task.version:
        raise TaskError("conflict")
    sources, target = TRANSITIONS[action]
    if task.status not in sources:
        raise TaskError("state")
    return target


def _text(value: str | None, code: str | None = None) -> str:
    """Return trimmed text; raise TaskError(code) when it is required and empty."""
    value = (value or "").strip()
    if code and not value:
        raise TaskError(code)
    return value


def _comment(user: User, task: Task, body: str, action: str, now: datetime) -> TaskComment | None:
    """Add a comment when there is text."""
    if not body:
        return None
    comment = TaskComment(task_id=task.id, user_id=user.id, body=body, action=action, created_dt=now)
    db.session.add(comment)
    return comment


@_conflict_safe
def start_task(
    user: User, task: Task, expected_version: int | None = None, now: datetime | None = None
) -> None:
    """Take a planned task into work."""
    now = now or utcnow()
    target = _begin(task, "start", expected_version)
    before = {"status": task.status.value}
    task.status = target
    _flush()
    _record(user, task, "task.start", before, {"status": target.value}, now)


@_conflict_safe
def complete_task(
    user: User,
    task: Task,
    roadmap: Roadmap,
    note: str,
    files: list[StoredFile],
    links: list[str],
    expected_version: int | None = None,
    now: datetime | None = None,
) -> TaskStatus:
    """Report a task done with a note and evidence; it waits for acceptance unless the roadmap needs none."""
    now = now or utcnow()
    target = _begin(task, "complete", expected_version)
    note = _text(note, "note_required")
    if not roadmap.is_acceptance_required:
        target = TaskStatus.done
    before = {"status": task.status.value, "note": task.note}
    task.status = target
    task.note = note
    task.completed_dt = now
    task.submitted_by_id = user.id
    task.accepted_by_id = None
    task.accepted_dt = None
    names = []
    for stored in files:
        db.session.add(
            Evidence(
                task_id=task.id,
                kind=EvidenceKind.file,
                original_filename=stored.original_filename,
                stored_name=stored.stored_name,
                size=stored.size,
                sha256=stored.sha256,
                content_type=stored.content_type,
                uploaded_by_id=user.id,
                created_dt=now,
            )
        )
        names.append(stored.original_filename)
    for url in links:
        db.session.add(
            Evidence(
                task_id=task.id,
                kind=EvidenceKind.link,
                original_filename=url[:500],
                url=url,
                uploaded_by_id=user.id,
                created_dt=now,
            )
        )
        names.append(url)
    _flush()
    after = {"status": target.value, "note": note}
    if names:
        after["evidence"] = names
    _record(user, task, "task.complete", before, after, now)
    return target


@_conflict_safe
def accept_task(
    user: User,
    task: Task,
    comment: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    """Accept a submitted task: it is done."""
    now = now or utcnow()
    target = _begin(task, "accept", expected_version)
    task.status = target
    task.accepted_by_id = user.id
    task.accepted_dt = now
    body = _text(comment)
    _flush()
    _comment(user, task, body, "accept", now)
    after = {"status": target.value} | ({"comment": body} if body else {})
    _record(user, task, "task.accept", {"status": TaskStatus.submitted.value}, after, now)


@_conflict_safe
def return_task(
    user: User, task: Task, comment: str, expected_version: int | None = None, now: datetime | None = None
) -> None:
    """Send a submitted task back for rework with a comment saying what to fix."""
    now = now or utcnow()
    target = _begin(task, "return", expected_version)
    body = _text(comment, "comment_required")
    task.status = target
    task.completed_dt = None
    _flush()
    _comment(user, task, body, "return", now)
    _record(
        user,
        task,
        "task.return",
        {"status": TaskStatus.submitted.value},
        {"status": target.value, "comment": body},
        now,
    )


def _close_with_reason(
    user: User, task: Task, action: str, reason: str, expected_version: int | None, now: datetime | None
) -> None:
    """Mark a task not done or cancelled; the reason goes into the yearly report."""
    now = now or utcnow()
    target = _begin(task, action, expected_version)
    reason = _text(reason, "reason_required")
    before = {"status": task.status.value, "reason": task.reason}
    task.status = target
    task.reason = reason
    task.completed_dt = None
    _flush()
    _comment(user, task, reason, action, now)
    _record(user, task, f"task.{action}", before, {"status": target.value, "reason": reason}, now)


@_conflict_safe
def mark_not_done(
    user: User, task: Task, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> None:
    """Record that a task was not done, and why."""
    _close_with_reason(user, task, "not_done", reason, expected_version, now)


@_conflict_safe
def cancel_task(
    user: User, task: Task, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> None:
    """Cancel a task that is no longer needed, with the reason."""
    _close_with_reason(user, task, "cancel", reason, expected_version, now)


@_conflict_safe
def reopen_task(
    user: User, task: Task, reason: str, expected_version: int | None = None, now: datetime | None = None
) -> None:
    """Take a closed task back into work, saying why."""
    now = now or utcnow()
    target = _begin(task, "reopen", expected_version)
    reason = _text(reason, "reason_required")
    before = {"status": task.status.value, "reason": task.reason}
    task.status = target
    task.reason = ""
    task.accepted_by_id = None
    task.accepted_dt = None
    task.completed_dt = None
    _flush()
    _comment(user, task, reason, "reopen", now)
    _record(user, task, "task.reopen", before, {"status": target.value, "reason": reason}, now)


@_conflict_safe
def add_comment(user: User, task: Task, body: str, now: datetime | None = None) -> TaskComment:
    """Add a comment to a task."""
    comment = _comment(user, task, _text(body, "comment_required"), "", now or utcnow())
    db.session.flush()
    return comment


@_conflict_safe
def assign_tasks(
    user: User, tasks: list[Task], people: list[User], mode: str, now: datetime | None = None
) -> int:
    """Name people on tasks: replace the named ones, add to them, or go back to the default organisations.

    Return the number of tasks whose people changed.
    """
    now = now or utcnow()
    if mode not in ("replace", "add", "default") or (mode != "default" and not people):
        raise TaskError("people_required")
    ids = [t.id for t in tasks]
    current: dict[int, dict[int, str]] = {t: {} for t in ids}
    for task_id, person_id, name in db.session.execute(
        select(TaskAssignee.task_id, User.id, User.name)
        .join(User, User.id == TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(ids))
    ):
        current[task_id][person_id] = name
    changed = 0
    for task in tasks:
        before = current[task.id]
        if mode == "default":
            after: dict[int, str] = {}
        elif mode == "replace":
            after = {p.id: p.name for p in people}
        else:
            after = before | {p.id: p.name for p in people}
        if set(after) == set(before):
            continue
        db.session.execute(
            delete(TaskAssignee).where(
                TaskAssignee.task_id == task.id, TaskAssignee.user_id.notin_(list(after))
            )
        )
        for person_id in set(after) - set(before):
            db.session.add(
                TaskAssignee(task_id=task.id, user_id=person_id, assigned_by_id=user.id, created_dt=now)
            )
        _record(
            user,
            task,
            "task.assign",
            {"assignees": sorted(before.values())},
            {"assignees": sorted(after.values())},
            now,
        )
        changed += 1
    db.session.flush()
    return changed


@_conflict_safe
def reschedule_tasks(
    user: User,
    tasks: list[Task],
    reason: str,
    due: date | None = None,
    shift_days: int | None = None,
    now: datetime | None = None,
) -> int:
    """Move the due dates of open tasks to a date or by a number of days, with a reason kept in history.

    Closed tasks are left as they are; return the number of tasks moved.
    """
    now = now or utcnow()
    reason = _text(reason, "reason_required")
    if (due is None) == (shift_days is None) or shift_days == 0:
        raise TaskError("date_required")
    moved = 0
    for task in tasks:
        if task.status in CLOSED_STATUSES:
            continue
        new_due = due if due is not None else task.due + timedelta(days=shift_days)
        if new_due == task.due:
            continue
        before = {"due": task.due.isoformat(), "reason": task.reason}
        if task.schedule_due is None:
            task.schedule_start, task.schedule_due = task.start, task.due
        task.due = new_due
        # A window cannot end before it starts: a due date moved earlier drags the start with it.
        task.start = min(task.start, new_due)
        task.reason = reason
        _record(user, task, "task.reschedule", before, {"due": new_due.isoformat(), "reason": reason}, now)
        moved += 1
    _flush()
    return moved


@_conflict_safe
def remove_evidence(user: User, task: Task, evidence: Evidence, now: datetime | None = None) -> str | None:
    """Take a piece of evidence off an open task, recorded in history; return the stored file to delete."""
    now = now or utcnow()
    if task.status not in OPEN_STATUSES:
        raise TaskError("state")
    before = {"evidence": [evidence.original_filename]}
    if evidence.sha256:
        before["sha256"] = evidence.sha256
    stored_name = evidence.stored_name
    db.session.delete(evidence)
    _flush()
    _record(user, task, "task.evidence_remove", before, None, now)
    return stored_name
