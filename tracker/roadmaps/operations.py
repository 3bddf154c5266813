"""Changes to roadmaps; every function flushes, records history and leaves the commit to the caller."""

import logging
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select, update

from tracker.auth.models import User
from tracker.db import normalize_text
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import (
    STATUS_TRANSITIONS,
    Activity,
    ActivityLink,
    HistoryEntry,
    LinkRole,
    Revision,
    Roadmap,
    RoadmapStatus,
    Section,
)

log = logging.getLogger(__name__)

PASSPORT_FIELDS = (
    "title",
    "period_start",
    "period_end",
    "goal",
    "tasks_text",
    "legal_basis",
    "developers",
    "executors",
    "expected_results",
    "approved_by",
    "is_acceptance_required",
)
ACTIVITY_FIELDS = (
    "number",
    "title",
    "deadline_text",
    "responsible",
    "participants",
    "result",
    "control",
    "completion_mark",
)
SECTION_FIELDS = ("number", "title")


class OperationError(Exception):
    """A change that the rules do not allow; the message is shown to the user."""


def _jsonable(value: Any) -> Any:
    """Return a value that a JSON column can hold."""
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """Return the named fields of an object as JSON-ready values."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    roadmap_id: int | None,
    user: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    label: str = "",
    before: dict | None = None,
    after: dict | None = None,
    task_id: int | None = None,
) -> HistoryEntry:
    """Add a history entry; for updates only the fields that changed are kept."""
    if before is not None and after is not None:
        changed = [k for k in after if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    entry = HistoryEntry(
        roadmap_id=roadmap_id,
        user_id=user.id if user else None,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        label=label[:500],
        before=before,
        after=after,
        task_id=task_id,
    )
    db.session.add(entry)
    return entry


def activity_label(activity: Activity) -> str:
    """Return a short label of an activity for history lists."""
    return f"{activity.number} {activity.title}".strip()[:300]


def refresh_search_text(activity: Activity) -> None:
    """Recompute the folded search columns of an activity."""
    parts = (
        activity.number,
        activity.title,
        activity.deadline_text,
        activity.responsible,
        activity.participants,
        activity.result,
        activity.control,
    )
    activity.search_text = normalize_text(" ".join(p or "" for p in parts))
    activity.responsible_norm = normalize_text(activity.responsible)


def create_roadmap(user: User | None, organization: Organization, **fields: Any) -> Roadmap:
    """Create an empty roadmap owned by an organisation."""
    if fields["period_end"] < fields["period_start"]:
        raise OperationError("period")
    roadmap = Roadmap(organization_id=organization.id, created_by_id=user.id if user else None, **fields)
    roadmap.organization = organization
    db.session.add(roadmap)
    db.session.flush()
    record(roadmap.id, user, "roadmap.create", "roadmap", roadmap.id, roadmap.title)
    return roadmap


def update_passport(user: User, roadmap: Roadmap, **fields: Any) -> bool:
    """Change passport fields; regenerate schedules when the period moved. Return whether anything changed."""
    before = snapshot(roadmap, PASSPORT_FIELDS)
    if fields.get("period_end", roadmap.period_end) < fields.get("period_start", roadmap.period_start):
        raise OperationError("period")
    for name, value in fields.items():
        setattr(roadmap, name, value)
    after = snapshot(roadmap, PASSPORT_FIELDS)
    if before == after:
        return False
    record(roadmap.id, user, "roadmap.update", "roadmap", roadmap.id, roadmap.title, before, after)
    if (before["period_start"], before["period_end"]) != (after["period_start"], after["period_end"]):
        from tracker.tasks.operations import sync_roadmap_tasks

        sync_roadmap_tasks(roadmap)
    db.session.flush()
    return True


def change_status(
    user: User,
    roadmap: Roadmap,
    status: RoadmapStatus,
    order_number: str | None = None,
    order_date: date | None = None,
) -> None:
    """Move a roadmap along its life cycle; approval needs the order's number and date."""
    if status not in STATUS_TRANSITIONS[roadmap.status]:
        raise OperationError("transition")
    before = {"status": roadmap.status.value}
    if status == RoadmapStatus.approved:
        if not order_number or not order_date:
            raise OperationError("order")
        roadmap.approval_order_number = order_number
        roadmap.approval_order_date = order_date
    roadmap.status = status
    after = {"status": status.value}
    if status == RoadmapStatus.approved:
        after |= {"approval_order_number": order_number, "approval_order_date": order_date.isoformat()}
    record(roadmap.id, user, "roadmap.status", "roadmap", roadmap.id, roadmap.title, before, after)
    db.session.flush()


def _next_position(model: type, roadmap_id: int, **parent: Any) -> int:
    """Return the position after the last sibling."""
    query = select(func.max(model.position)).where(model.roadmap_id == roadmap_id)
    for name, value in parent.items():
        column = getattr(model, name)
        query = query.where(column.is_(None) if value is None else column == value)
    current = db.session.execute(query).scalar()
    return 0 if current is None else current + 1


def _check_section(roadmap: Roadmap, section_id: int | None) -> Section | None:
    """Return the section if it belongs to the roadmap; refuse a section from elsewhere."""
    if section_id is None:
        return None
    section = db.session.get(Section, section_id)
    if section is None or section.roadmap_id != roadmap.id:
        raise OperationError("section")
    return section


def add_section(user: User, roadmap: Roadmap, parent_id: int | None, number: str, title: str) -> Section:
    """Add a section at the end of its parent."""
    _check_section(roadmap, parent_id)
    section = Section(
        roadmap_id=roadmap.id,
        parent_id=parent_id,
        number=number.strip(),
        title=title.strip(),
        position=_next_position(Section, roadmap.id, parent_id=parent_id),
    )
    db.session.add(section)
    db.session.flush()
    record(
        roadmap.id,
        user,
        "section.create",
        "section",
        section.id,
        f"{number} {title}".strip(),
        None,
        snapshot(section, SECTION_FIELDS),
    )
    return section


def update_section(
    user: User, roadmap: Roadmap, section: Section, parent_id: int | None, **fields: Any
) -> None:
    """Change a section's number, title or parent."""
    before = snapshot(section, SECTION_FIELDS) | {"parent_id": section.parent_id}
    if parent_id != section.parent_id:
        parent = _check_section(roadmap, parent_id)
        # A section cannot move into itself or its own descendants.
        node = parent
        while node is not None:
            if node.id == section.id:
                raise OperationError("cycle")
            node = db.session.get(Section, node.parent_id) if node.parent_id else None
        section.parent_id = parent_id
        section.position = _next_position(Section, roadmap.id, parent_id=parent_id)
    for name, value in fields.items():
        setattr(section, name, value.strip())
    after = snapshot(section, SECTION_FIELDS) | {"parent_id": section.parent_id}
    if before != after:
        record(
            roadmap.id,
            user,
            "section.update",
            "section",
            section.id,
            f"{section.number} {section.title}".strip(),
            before,
            after,
        )
    db.session.flush()


def delete_section(user: User, roadmap: Roadmap, section: Section) -> None:
    """Delete a section with everything in it; refuse when any task inside carries work."""
    ids = _section_subtree_ids(roadmap, section.id)
    _refuse_if_worked(select(Activity.id).where(Activity.section_id.in_(ids)))
    activities = db.session.execute(select(Activity).where(Activity.section_id.in_(ids))).scalars().all()
    for activity in activities:
        record(
            roadmap.id,
            user,
            "activity.delete",
            "activity",
            activity.id,
            activity_label(activity),
            snapshot(activity, ACTIVITY_FIELDS),
            None,
        )
    record(
        roadmap.id,
        user,
        "section.delete",
        "section",
        section.id,
        f"{section.number} {section.title}".strip(),
        snapshot(section, SECTION_FIELDS),
        None,
    )
    db.session.flush()
    # The database cascades to sub-sections, activities and tasks in one statement.
    db.session.execute(delete(Section).where(Section.id == section.id))
    db.session.expire_all()


def _section_subtree_ids(roadmap: Roadmap, section_id: int) -> list[int]:
    """Return the ids of a section and all its descendants, parents first."""
    rows = db.session.execute(
        select(Section.id, Section.parent_id).where(Section.roadmap_id == roadmap.id)
    ).all()
    children: dict[int | None, list[int]] = {}
    for sid, parent in rows:
        children.setdefault(parent, []).append(sid)
    ordered, stack = [], [section_id]
    while stack:
        current = stack.pop()
        ordered.append(current)
        stack.extend(children.get(current, []))
    return ordered


def add_activity(user: User | None, roadmap: Roadmap, section_id: int | None, **fields: Any) -> Activity:
    """Add an activity at the end of its section and generate its tasks."""
    _check_section(roadmap, section_id)
    activity = Activity(
        roadmap_id=roadmap.id,
        section_id=section_id,
        position=_next_position(Activity, roadmap.id, section_id=section_id),
        **{k: (v or "").strip() if isinstance(v, str) or v is None else v for k, v in fields.items()},
    )
    refresh_search_text(activity)
    db.session.add(activity)
    db.session.flush()
    link_activity(activity, organization_index(roadmap))
    from tracker.tasks.operations import sync_activity_tasks

    sync_activity_tasks(activity, roadmap)
    record(
        roadmap.id,
        user,
        "activity.create",
        "activity",
        activity.id,
        activity_label(activity),
        None,
        snapshot(activity, ACTIVITY_FIELDS),
    )
    return activity


def update_activity(
    user: User, roadmap: Roadmap, activity: Activity, section_id: int | None, **fields: Any
) -> bool:
    """Change an activity; regenerate its tasks when its deadline text changed. Return whether it changed."""
    before = snapshot(activity, ACTIVITY_FIELDS) | {"section_id": activity.section_id}
    if section_id != activity.section_id:
        _check_section(roadmap, section_id)
        activity.section_id = section_id
        activity.position = _next_position(Activity, roadmap.id, section_id=section_id)
    for name, value in fields.items():
        setattr(activity, name, (value or "").strip())
    after = snapshot(activity, ACTIVITY_FIELDS) | {"section_id": activity.section_id}
    if before == after:
        return False
    refresh_search_text(activity)
    record(
        roadmap.id, user, "activity.update", "activity", activity.id, activity_label(activity), before, after
    )
    if before["deadline_text"] != after["deadline_text"]:
        from tracker.tasks.operations import sync_activity_tasks

        sync_activity_tasks(activity, roadmap)
    if any(before[k] != after[k] for k in ("responsible", "participants", "control")):
        db.session.execute(delete(ActivityLink).where(ActivityLink.activity_id == activity.id))
        link_activity(activity, organization_index(roadmap))
    db.session.flush()
    return True


def _refuse_if_worked(activity_ids) -> None:
    """Refuse a deletion when any task of these activities carries work (a status or a note)."""
    from tracker.tasks.models import Task, TaskStatus

    worked = db.session.execute(
        select(Task.id)
        .where(Task.activity_id.in_(activity_ids), (Task.status != TaskStatus.planned) | (Task.note != ""))
        .limit(1)
    ).first()
    if worked:
        raise OperationError("has_work")


def delete_activity(user: User, roadmap: Roadmap, activity: Activity) -> None:
    """Delete an activity; refuse when any of its tasks carries work."""

    _refuse_if_worked(select(Activity.id).where(Activity.id == activity.id))
    record(
        roadmap.id,
        user,
        "activity.delete",
        "activity",
        activity.id,
        activity_label(activity),
        snapshot(activity, ACTIVITY_FIELDS),
        None,
    )
    db.session.delete(activity)
    db.session.flush()


def move(user: User, roadmap: Roadmap, obj: Section | Activity, direction: int) -> bool:
    """Swap an item with its previous (-1) or next (+1) sibling. Return whether it moved."""
    model = type(obj)
    parent_name = "parent_id" if model is Section else "section_id"
    parent_value = getattr(obj, parent_name)
    column = getattr(model, parent_name)
    siblings = (
        db.session.execute(
            select(model)
            .where(
                model.roadmap_id == roadmap.id,
                column.is_(None) if parent_value is None else column == parent_value,
            )
            .order_by(model.position, model.id)
        )
        .scalars()
        .all()
    )
    index = next(i for i, s in enumerate(siblings) if s.id == obj.id)
    target = index + direction
    if target < 0 or target >= len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    for position, sibling in enumerate(siblings):
        sibling.position = position
    kind = "section" if model is Section else "activity"
    label = f"{obj.number} {obj.title}".strip()[:300]
    record(roadmap.id, user, f"{kind}.move", kind, obj.id, label, {"position": index}, {"position": target})
    db.session.flush()
    return True


def record_revision(
    user: User, roadmap: Roadmap, reason: str, order_number: str, order_date: date | None
) -> Revision:
    """Record a correction: the changes made since the previous one get its reason and order."""
    number = (
        db.session.execute(
            select(func.max(Revision.number)).where(Revision.roadmap_id == roadmap.id)
        ).scalar()
        or 0
    ) + 1
    revision = Revision(
        roadmap_id=roadmap.id,
        number=number,
        reason=reason.strip(),
        order_number=order_number.strip(),
        order_date=order_date,
        created_by_id=user.id,
    )
    db.session.add(revision)
    db.session.flush()
    db.session.execute(
        update(HistoryEntry)
        # Task execution is not a correction of the plan.
        .where(
            HistoryEntry.roadmap_id == roadmap.id,
            HistoryEntry.revision_id.is_(None),
            HistoryEntry.entity_type != "task",
        )
        .values(revision_id=revision.id)
    )
    record(
        roadmap.id,
        user,
        "roadmap.revision",
        "roadmap",
        roadmap.id,
        roadmap.title,
        None,
        {
            "number": number,
            "reason": revision.reason,
            "order_number": revision.order_number,
            "order_date": order_date.isoformat() if order_date else None,
        },
    )
    db.session.flush()
    return revision


def organization_index(roadmap: Roadmap) -> dict[str, int]:
    """Return folded organisation names near the roadmap's owner, mapped to their ids."""
    owner = roadmap.organization
    ids = owner.ancestor_ids
    # Organisations of the owner's municipality and the bodies of its region are named in roadmaps.
    root_path = "/" + "/".join(str(i) for i in ids[:1]) + "/" if ids else owner.path
    rows = db.session.execute(
        select(Organization.id, Organization.name, Organization.short_name, Organization.kind).where(
            Organization.path.startswith(root_path)
        )
    ).all()
    index: dict[str, int] = {}
    for org_id, name, short_name, kind in rows:
        for text in (name, short_name):
            index.setdefault(normalize_text(text), org_id)
        if kind in (OrgKind.authority,):
            index.setdefault(normalize_text(short_name.split()[0]), org_id)
    return index


def link_activity(activity: Activity, index: dict[str, int]) -> None:
    """Link the organisations recognised in the responsible, participants and control texts."""
    for role, text in (
        (LinkRole.responsible, activity.responsible),
        (LinkRole.participant, activity.participants),
        (LinkRole.control, activity.control),
    ):
        seen: set[int] = set()
        for part in _split_names(text):
            org_id = index.get(normalize_text(part))
            if org_id and org_id not in seen:
                seen.add(org_id)
                db.session.add(ActivityLink(activity_id=activity.id, role=role, organization_id=org_id))


def _split_names(text: str | None) -> list[str]:
    """Split a responsible/participants text into names, keeping «…» quotes intact."""
    if not text:
        return []
    names, depth, current = [], 0, []
    for char in text:
        if char == "«":
            depth += 1
        elif char == "»":
            depth = max(0, depth - 1)
        if char in ",;\n" and depth == 0:
            names.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    names.append("".join(current).strip())
    return [n for n in names if n]
