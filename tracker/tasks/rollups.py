"""Task counts per roadmap, kept between requests so a region's dashboard does not count every task each time.

Every flush that adds, changes or removes a task raises its roadmap's `tasks_version` in the same transaction;
every write to what a roadmap holds (sections, activities and their links, tasks with their evidence and
assignees) gives it a new `content_stamp` (tracker/stamps.py), under which pages keep what they render.
A cached row is used only while it carries the roadmap's current version and today's date; otherwise the
roadmap is counted again and the row replaced. The version is read before counting, so a change committed
while counting leaves the new row already stale rather than wrong.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from itertools import chain

from sqlalchemy import Text, cast, delete, event, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tracker.db import new_stamp
from tracker.extensions import db
from tracker.memo import Memo
from tracker.roadmaps.models import Activity, ActivityLink, Roadmap, Section
from tracker.tasks.models import Evidence, Task, TaskAssignee, TaskRollup
from tracker.tasks.progress import area_summaries
from tracker.tasks.queries import grouped_counts

CHUNK = 500

_roadmaps = Roadmap.__table__
# Rows held by a task or an activity: the column naming it, and its model.
HELD = {
    Evidence: (Evidence.task_id, Task),
    TaskAssignee: (TaskAssignee.task_id, Task),
    ActivityLink: (ActivityLink.activity_id, Activity),
}
# What a roadmap holds: a write to any of these gives the roadmap a new content stamp.
WATCHED = (Task, Activity, Section, *HELD)


def roadmaps_changed(connection, roadmap_ids: Iterable[int | None], *, tasks: bool) -> None:
    """Give the roadmaps a new `content_stamp` and, when their tasks changed, a higher task version.

    Rows are updated in ascending order so that writers never deadlock.
    """
    ids = sorted({i for i in roadmap_ids if i is not None})
    if not ids:
        return
    # The roadmap's own `updated_dt` tells of edits to the roadmap, not of work on its contents.
    values = {"content_stamp": new_stamp(), "updated_dt": _roadmaps.c.updated_dt}
    if tasks:
        values["tasks_version"] = _roadmaps.c.tasks_version + 1
    connection.execute(update(_roadmaps).where(_roadmaps.c.id.in_(ids)).values(values))


def _roadmap_of(obj) -> int | None:
    """Return the roadmap id a pending or persistent task, activity or section belongs to."""
    if obj.roadmap_id is not None:
        return obj.roadmap_id
    roadmap = getattr(obj, "roadmap", None)
    return roadmap.id if roadmap is not None else None


def _roadmaps_of(connection, parent, ids: Iterable[int | None]) -> list[int]:
    """Return the roadmaps of the given tasks or activities."""
    ids = sorted({i for i in ids if i is not None})
    if not ids:
        return []
    return list(connection.execute(select(parent.roadmap_id).where(parent.id.in_(ids)).distinct()).scalars())


def _before_flush(session: Session, _context, _instances) -> None:
    # Objects merely touched (an attribute set to the value it had) change nothing.
    dirty = (o for o in session.dirty if session.is_modified(o, include_collections=False))
    changed = [o for o in chain(session.new, dirty, session.deleted) if isinstance(o, WATCHED)]
    if not changed:
        return
    connection = session.connection()
    # Tasks written, or activities and sections removed: the database cascades those to their tasks without
    # the session seeing them.
    tasks = {_roadmap_of(o) for o in changed if isinstance(o, Task)}
    tasks |= {_roadmap_of(o) for o in session.deleted if isinstance(o, Activity | Section)}
    contents = {_roadmap_of(o) for o in changed if isinstance(o, Activity | Section)}
    for model, (key, parent) in HELD.items():
        contents.update(
            _roadmaps_of(connection, parent, (getattr(o, key.key) for o in changed if type(o) is model))
        )
    roadmaps_changed(connection, tasks, tasks=True)
    roadmaps_changed(connection, contents - tasks, tasks=False)


def _bulk_statement(state) -> None:
    # Statements that write many rows at once. The roadmaps are read before the statement runs.
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    entity = next((m.class_ for m in state.all_mappers if m.class_ in WATCHED), None)
    if entity is None:
        return
    connection = state.session.connection()
    # Tasks written, or activities and sections removed (the database cascades to their tasks).
    tasks = entity is Task or (state.is_delete and entity in (Activity, Section))
    key, parent = HELD[entity] if entity in HELD else (entity.roadmap_id, None)
    if state.is_insert:
        given = state.parameters if isinstance(state.parameters, list) else [state.parameters or {}]
        touched = {row.get(key.key) for row in given}
        if None in touched:
            # Values set inside the statement: no roadmap can be told, so every one is touched.
            touched = connection.execute(select(_roadmaps.c.id)).scalars().all()
        elif parent is not None:
            touched = _roadmaps_of(connection, parent, touched)
    else:
        query = select(entity.roadmap_id if parent is None else parent.roadmap_id).distinct()
        if parent is not None:
            query = query.select_from(entity).join(parent, parent.id == key)
        if state.statement.whereclause is not None:
            query = query.where(state.statement.whereclause)
        touched = connection.execute(query).scalars().all()
    roadmaps_changed(connection, touched, tasks=tasks)


def install() -> None:
    """Listen to every session's flushes and bulk statements (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _bulk_statement)


def _count(roadmap_ids: list[int], today: date) -> dict[int, list[list]]:
    """Count the tasks of the given roadmaps by target organisation, status and lateness."""
    result: dict[int, list[list]] = {i: [] for i in roadmap_ids}
    for start in range(0, len(roadmap_ids), CHUNK):
        chunk = roadmap_ids[start : start + CHUNK]
        rows = grouped_counts([Task.roadmap_id, Task.organization_id], [Task.roadmap_id.in_(chunk)], today)
        for roadmap_id, organization_id, status, is_late, count in rows:
            result[roadmap_id].append([organization_id, str(status), int(is_late), count])
    return result


def _store(counted: dict[int, list[list]], versions: dict[int, int], today: date) -> None:
    """Replace the cached rows of the counted roadmaps and commit; the session must hold no other changes."""
    ids = list(counted)
    try:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            db.session.execute(delete(TaskRollup).where(TaskRollup.roadmap_id.in_(chunk)))
            db.session.execute(
                insert(TaskRollup),
                [
                    {"roadmap_id": i, "version": versions[i], "as_of": today, "counts": counted[i]}
                    for i in chunk
                ],
            )
        db.session.commit()
    except SQLAlchemyError:
        # Another request stored the same rows first, or holds them: the counts just made still serve.
        db.session.rollback()


def _valid(versions: Mapping[int, int], today: date, columns: tuple) -> dict[int, tuple]:
    """Return the `columns` of the roadmaps' cached rows that are still valid today."""
    ids = sorted(versions)
    valid: dict[int, tuple] = {}
    for start in range(0, len(ids), CHUNK):
        for roadmap_id, *rest in db.session.execute(
            select(TaskRollup.roadmap_id, *columns)
            .join(Roadmap, Roadmap.id == TaskRollup.roadmap_id)
            .where(
                TaskRollup.roadmap_id.in_(ids[start : start + CHUNK]),
                TaskRollup.version == Roadmap.tasks_version,
                TaskRollup.as_of == today,
            )
        ):
            valid[roadmap_id] = tuple(rest)
    return valid


def _recount(versions: Mapping[int, int], valid, today: date) -> dict[int, list[list]]:
    """Count and store the roadmaps that have no valid cached row."""
    stale = [i for i in sorted(versions) if i not in valid]
    counted = _count(stale, today) if stale else {}
    if counted:
        _store(counted, versions, today)
    return counted


def status_rows(versions: Mapping[int, int], today: date) -> list[tuple[int, int | None, str, int, int]]:
    """Return (roadmap id, target organisation id, status, is_late, count) rows of the roadmaps.

    `versions` maps each roadmap's id to its `tasks_version`, read before this call (by the page's own
    query): a change committed after that read leaves what is counted here already stale, never wrong.
    Commits the session when it had to count: call it before loading objects the page still needs.
    """
    # The cached JSON is read as text and parsed in one piece: a region has over a thousand of them.
    valid = _valid(versions, today, (cast(TaskRollup.counts, Text),))
    parsed = json.loads("[" + ",".join(row[0] for row in valid.values()) + "]")
    counts = dict(zip(valid, parsed, strict=True)) | _recount(versions, valid, today)
    return [(roadmap_id, *row) for roadmap_id, rows in counts.items() for row in rows]


# Municipality lines of the region overview by what they are summed from; per process.
_LINES: Memo[list] = Memo(32)


def municipality_lines(roadmaps: Sequence[tuple], organizations: Sequence[tuple], today: date) -> list:
    """Return the overview's line per municipality (`progress.area_summaries`) of the visible roadmaps
    (id, owner id, tasks_version, content_stamp) and organisations (id, path, kind, short name).

    The lines depend on nothing else: the same roadmaps in the same state (their stamps never repeat), the
    same organisations and the same day give the lines already summed; a task change gives new stamps.
    """

    def summed() -> list:
        rows = status_rows({roadmap_id: version for roadmap_id, _, version, _ in roadmaps}, today)
        owners = {roadmap_id: owner for roadmap_id, owner, _, _ in roadmaps}
        return area_summaries(organizations, owners, rows)

    return _LINES.get((today, tuple(map(tuple, roadmaps)), tuple(map(tuple, organizations))), summed)


def refresh(today: date) -> int:
    """Count every roadmap whose cached rows are stale; return how many were."""
    versions = dict(db.session.execute(select(Roadmap.id, Roadmap.tasks_version)).all())
    return len(_recount(versions, _valid(versions, today, ()), today))


def refresh_rollups_job(now: datetime) -> dict:
    """Scheduler job: keep the dashboards' counts current, so the first visitor after midnight or after a
    change does not wait for the counting."""
    return {"counted": refresh(now.astimezone().date())}
