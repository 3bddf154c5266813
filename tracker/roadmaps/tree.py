"""Arrange sections and activities as the rows of a roadmap table."""

from dataclasses import dataclass, field

from tracker.roadmaps.models import Activity, Section


@dataclass
class Row:
    """One row of the tree table: a section heading or an activity."""

    kind: str  # "section" or "activity"
    depth: int
    item: Section | Activity
    path: list[Section] = field(default_factory=list)


def build_rows(
    sections: list[Section], activities: list[Activity], keep: set[int] | None = None
) -> list[Row]:
    """Return the table rows in document order; with `keep`, only those activities and their sections."""
    children: dict[int | None, list[Section]] = {}
    for section in sections:
        children.setdefault(section.parent_id, []).append(section)
    for siblings in children.values():
        siblings.sort(key=lambda s: (s.position, s.id))
    by_section: dict[int | None, list[Activity]] = {}
    for activity in activities:
        if keep is None or activity.id in keep:
            by_section.setdefault(activity.section_id, []).append(activity)
    for items in by_section.values():
        items.sort(key=lambda a: (a.position, a.id))

    rows: list[Row] = []

    def walk(parent: int | None, depth: int, path: list[Section]) -> bool:
        produced = False
        for activity in by_section.get(parent, []) if parent is not None else []:
            rows.append(Row("activity", depth, activity, path))
            produced = True
        for section in children.get(parent, []):
            marker = len(rows)
            rows.append(Row("section", depth, section, path))
            inner = walk(section.id, depth + 1, [*path, section])
            if keep is not None and not inner:
                del rows[marker:]
            produced = produced or inner
        return produced

    for activity in by_section.get(None, []):
        rows.append(Row("activity", 0, activity, []))
    walk(None, 0, [])
    return rows


def section_choices(sections: list[Section], exclude: int | None = None) -> list[tuple[int, str]]:
    """Return (id, indented label) pairs for a section select, optionally without one subtree."""
    rows = build_rows(sections, [])
    choices, skip_depth = [], None
    for row in rows:
        if skip_depth is not None and row.depth > skip_depth:
            continue
        skip_depth = None
        if exclude is not None and row.item.id == exclude:
            skip_depth = row.depth
            continue
        label = f"{row.item.number} {row.item.title}".strip()
        if len(label) > 110:
            label = label[:107] + "…"
        choices.append((row.item.id, "\u00a0\u00a0" * row.depth + label))
    return choices
