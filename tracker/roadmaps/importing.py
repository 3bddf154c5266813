"""Save a parsed roadmap file: a new roadmap, or a corrected version applied to an existing one.

Every function flushes and leaves the commit to the caller, so a failure anywhere saves nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps import operations as ops
from tracker.roadmaps.importer import ActivityKey, Comparison, ParsedActivity, ParsedRoadmap, compare
from tracker.roadmaps.models import Activity, Roadmap, RoadmapStatus, Section
from tracker.roadmaps.tree import build_rows
from tracker.tasks.models import Task, TaskStatus
from tracker.tasks.operations import sync_activity_tasks

log = logging.getLogger(__name__)

# Column widths of the model; longer values from a document are cut rather than refused.
_TITLE_MAX = 500
_NUMBER_MAX = 40
_ORDER_NUMBER_MAX = 50

# Fields of a parsed activity stored as they are (None becomes "").
_TEXT_FIELDS = ("title", "deadline_text", "responsible", "participants", "result", "control")

PathKey = tuple[str, ...]


@dataclass
class ReimportResult:
    """What applying a corrected version did."""

    added: list[Activity] = field(default_factory=list)
    changed: list[Activity] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[Activity] = field(default_factory=list)  # removed from the file but carrying work
    revision_number: int = 0


def path_key(path: Iterable[str]) -> PathKey:
    """Return the comparable form of a section path (case, ё and spacing do not matter)."""
    return tuple(" ".join(p.split()).casefold().replace("ё", "е") for p in path)


def import_roadmap(
    user: User | None, organization: Organization, parsed: ParsedRoadmap, filename: str
) -> Roadmap:
    """Create a draft roadmap with the sections, activities and tasks of a parsed file."""
    roadmap = ops.create_roadmap(
        user,
        organization,
        title=(parsed.title or filename)[:_TITLE_MAX],
        period_start=parsed.period[0],
        period_end=parsed.period[1],
        goal=parsed.goal or "",
        status=RoadmapStatus.draft,
        approval_order_number=(parsed.approval_number or "")[:_ORDER_NUMBER_MAX] or None,
        approval_order_date=parsed.approval_date,
    )
    # The import is recorded as one history entry below, not as an entry per section and activity.
    sections = _create_sections(user, roadmap, parsed.activities, {}, record=False)
    placed = [(a, sections.get(path_key(a.section_path))) for a in parsed.activities]
    _insert_activities(user, roadmap, placed, record=False)
    ops.record(
        roadmap.id,
        user,
        "roadmap.import",
        "roadmap",
        roadmap.id,
        roadmap.title,
        None,
        {
            "file": filename,
            "sections": len(sections),
            "activities": len(parsed.activities),
            "warnings": len(parsed.warnings),
        },
    )
    db.session.flush()
    log.info("imported %s as roadmap %s: %s activities", filename, roadmap.id, len(parsed.activities))
    return roadmap


def _create_sections(
    user: User | None,
    roadmap: Roadmap,
    activities: list[ParsedActivity],
    existing: dict[PathKey, int],
    record: bool,
) -> dict[PathKey, int]:
    """Create the sections the activities' paths need; return every path mapped to its section id."""
    known = dict(existing)
    # Paths in document order, parents before children; one flush per depth level gives the parents' ids.
    wanted: dict[PathKey, tuple[str, str]] = {}
    for activity in activities:
        numbers = list(activity.section_numbers) + [""] * len(activity.section_path)
        for depth in range(len(activity.section_path)):
            key = path_key(activity.section_path[: depth + 1])
            if key not in known and key not in wanted:
                wanted[key] = (numbers[depth], activity.section_path[depth])
    if not wanted:
        return known
    positions = _next_positions(Section, Section.parent_id, roadmap.id)
    for depth in range(1, max(len(k) for k in wanted) + 1):
        level = [(key, value) for key, value in wanted.items() if len(key) == depth]
        created: list[tuple[PathKey, Section]] = []
        for key, (number, title) in level:
            parent_id = known[key[:-1]] if depth > 1 else None
            if record:
                section = ops.add_section(user, roadmap, parent_id, number[:_NUMBER_MAX], title)
                known[key] = section.id
                continue
            section = Section(
                roadmap_id=roadmap.id,
                parent_id=parent_id,
                number=number.strip()[:_NUMBER_MAX],
                title=title.strip(),
                position=positions.get(parent_id, 0),
            )
            positions[parent_id] = section.position + 1
            db.session.add(section)
            created.append((key, section))
        db.session.flush()
        known.update((key, section.id) for key, section in created)
    return known


def _next_positions(model: type, parent_column, roadmap_id: int) -> dict[int | None, int]:
    """Return, per parent, the position after its last child, in one query."""
    rows = db.session.execute(
        select(parent_column, func.max(model.position))
        .where(model.roadmap_id == roadmap_id)
        .group_by(parent_column)
    ).all()
    return {parent: (last or 0) + 1 for parent, last in rows}


def _insert_activities(
    user: User | None, roadmap: Roadmap, placed: list[tuple[ParsedActivity, int | None]], record: bool
) -> list[Activity]:
    """Insert activities at the end of their sections, link organisations and generate their tasks.

    The same steps as ops.add_activity, but with the organisation index and the positions read once
    for all rows rather than per row.
    """
    if not placed:
        return []
    positions = _next_positions(Activity, Activity.section_id, roadmap.id)
    activities = []
    for parsed, section_id in placed:
        activity = Activity(
            roadmap_id=roadmap.id,
            section_id=section_id,
            position=positions.get(section_id, 0),
            number=(parsed.number or "").strip()[:_NUMBER_MAX],
            completion_mark=(parsed.completion_mark or "").strip(),
            years=dict(parsed.years) if parsed.years is not None else None,
            **{name: (getattr(parsed, name) or "").strip() for name in _TEXT_FIELDS},
        )
        positions[section_id] = activity.position + 1
        ops.refresh_search_text(activity)
        db.session.add(activity)
        activities.append(activity)
    db.session.flush()
    index = ops.organization_index(roadmap)
    for activity in activities:
        ops.link_activity(activity, index)
        # A new activity has no tasks yet: passing none spares the lookup.
        sync_activity_tasks(activity, roadmap, existing=[])
        if record:
            ops.record(
                roadmap.id,
                user,
                "activity.create",
                "activity",
                activity.id,
                ops.activity_label(activity),
                None,
                ops.snapshot(activity, ops.ACTIVITY_FIELDS),
            )
    db.session.flush()
    return activities


# ---------------------------------------------------------------------------------------------- re-import


def section_paths(roadmap: Roadmap) -> dict[PathKey, int]:
    """Return the comparable path of every section of the roadmap mapped to its id."""
    sections = db.session.execute(select(Section).where(Section.roadmap_id == roadmap.id)).scalars().all()
    by_key: dict[PathKey, int] = {}
    for row in build_rows(list(sections), []):
        by_key.setdefault(path_key([s.title for s in row.path] + [row.item.title]), row.item.id)
    return by_key


def current_keys(roadmap: Roadmap) -> list[ActivityKey]:
    """Return the roadmap's activities in document order as the comparison needs them."""
    sections = db.session.execute(select(Section).where(Section.roadmap_id == roadmap.id)).scalars().all()
    activities = db.session.execute(select(Activity).where(Activity.roadmap_id == roadmap.id)).scalars().all()
    return [
        ActivityKey(
            id=row.item.id,
            number=row.item.number or None,
            title=row.item.title,
            section_path=tuple(s.title for s in row.path),
            deadline_text=row.item.deadline_text or None,
            responsible=row.item.responsible or None,
            participants=row.item.participants or None,
            result=row.item.result or None,
            control=row.item.control or None,
        )
        for row in build_rows(list(sections), list(activities))
        if row.kind == "activity"
    ]


def worked_activity_ids(activity_ids: list[int]) -> set[int]:
    """Return which of the activities have a task carrying work (and so would not be deleted)."""
    if not activity_ids:
        return set()
    rows = db.session.execute(
        select(Task.activity_id)
        .where(Task.activity_id.in_(activity_ids), (Task.status != TaskStatus.planned) | (Task.note != ""))
        .distinct()
    )
    return set(rows.scalars())


def compare_with(roadmap: Roadmap, parsed: ParsedRoadmap) -> Comparison:
    """Compare the roadmap as stored with a parsed corrected version."""
    return compare(current_keys(roadmap), parsed)


def apply_reimport(
    user: User,
    roadmap: Roadmap,
    parsed: ParsedRoadmap,
    filename: str,
    reason: str,
    order_number: str,
    order_date: date | None,
) -> ReimportResult:
    """Apply a corrected version: update, add and delete activities, then record the correction."""
    comparison = compare_with(roadmap, parsed)
    result = ReimportResult()
    sections = _create_sections(user, roadmap, parsed.activities, section_paths(roadmap), record=True)
    activities = {
        a.id: a
        for a in db.session.execute(select(Activity).where(Activity.roadmap_id == roadmap.id)).scalars()
    }
    for change in comparison.changed:
        activity = activities[change.current.id]
        new = change.parsed
        years_moved = _set_years(activity, new)
        fields = {name: getattr(new, name) or "" for name in ("number", *_TEXT_FIELDS)}
        fields["number"] = fields["number"][:_NUMBER_MAX]
        # Two sections may share a path; an activity whose path did not change stays where it is.
        section_id = (
            sections.get(path_key(new.section_path))
            if "section_path" in change.fields
            else activity.section_id
        )
        ops.update_activity(user, roadmap, activity, section_id, **fields)
        # update_activity regenerates the tasks only when the deadline text changed.
        if years_moved and "deadline_text" not in change.fields:
            sync_activity_tasks(activity, roadmap)
        result.changed.append(activity)
    for key, new in comparison.unchanged:
        # Academic-year columns are not compared field by field, but a changed month must still move tasks.
        if _set_years(activities[key.id], new):
            sync_activity_tasks(activities[key.id], roadmap)
    placed = [(a, sections.get(path_key(a.section_path))) for a in comparison.added]
    result.added = _insert_activities(user, roadmap, placed, record=True)
    for key in comparison.removed:
        activity = activities[key.id]
        try:
            ops.delete_activity(user, roadmap, activity)
        except ops.OperationError:
            result.kept.append(activity)
        else:
            result.removed.append(ops.activity_label(activity))
    ops.record(
        roadmap.id,
        user,
        "roadmap.import",
        "roadmap",
        roadmap.id,
        roadmap.title,
        None,
        {
            "file": filename,
            "added": len(result.added),
            "changed": len(result.changed),
            "removed": len(result.removed),
            "kept": len(result.kept),
        },
    )
    revision = ops.record_revision(user, roadmap, reason, order_number, order_date)
    result.revision_number = revision.number
    return result


def _set_years(activity: Activity, parsed: ParsedActivity) -> bool:
    """Store the parsed academic-year texts; return whether they changed."""
    years = dict(parsed.years) if parsed.years is not None else None
    if (activity.years or None) == (years or None):
        return False
    activity.years = years
    return True
