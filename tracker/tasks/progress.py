"""Progress figures built from grouped task counts: pure functions over plain rows, no database.

The queries in tasks/queries.py hand over rows of (key…, status, is_late, count); these functions fold them
into Counts per direction, per organisation, per month or per roadmap. A task counts as overdue when its due
date has passed and it is not closed; cancelled tasks are left out of the totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracker.orgs.models import OrgKind
from tracker.tasks.models import TaskStatus

_CLOSED = {TaskStatus.done.value, TaskStatus.not_done.value, TaskStatus.cancelled.value}


@dataclass
class Counts:
    """Task figures of one group."""

    total: int = 0  # every task except cancelled ones
    done: int = 0
    submitted: int = 0  # waiting for acceptance
    not_done: int = 0
    overdue: int = 0  # due date passed, not closed
    due_passed: int = 0  # due date passed (the tasks that should be finished by now)
    done_due: int = 0  # done among those
    cancelled: int = 0

    def add(self, status: str, is_late: bool, count: int = 1) -> None:
        """Count `count` tasks of a status, late or not."""
        status = getattr(status, "value", status)
        if status == TaskStatus.cancelled.value:
            self.cancelled += count
            return
        self.total += count
        if is_late:
            self.due_passed += count
        if status == TaskStatus.done.value:
            self.done += count
            if is_late:
                self.done_due += count
        elif status == TaskStatus.submitted.value:
            self.submitted += count
        elif status == TaskStatus.not_done.value:
            self.not_done += count
        if is_late and status not in _CLOSED:
            self.overdue += count

    def merge(self, other: Counts) -> None:
        """Add another group's figures to this one."""
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def percent(self) -> int:
        """Return the share of done tasks among all, in whole percent."""
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def percent_due(self) -> int:
        """Return the share of done tasks among those already due, in whole percent."""
        return round(100 * self.done_due / self.due_passed) if self.due_passed else 0


def total_counts(rows: Iterable[tuple]) -> Counts:
    """Fold rows ending in (status, is_late, count) into one Counts."""
    result = Counts()
    for *_, status, is_late, count in rows:
        result.add(status, bool(is_late), count)
    return result


def counts_by(rows: Iterable[tuple], key_of) -> dict:
    """Fold rows ending in (status, is_late, count) into Counts per key; key_of(row) may return a list."""
    result: dict = {}
    for row in rows:
        *_, status, is_late, count = row
        keys = key_of(row)
        for key in keys if isinstance(keys, list | tuple | set) else [keys]:
            result.setdefault(key, Counts()).add(status, bool(is_late), count)
    return result


def top_section_of(sections: Iterable[tuple[int, int | None]]) -> dict[int, int]:
    """Return for every section id the id of the top-level section (direction) it lies in."""
    parent = dict(sections)
    result: dict[int, int] = {}
    for section_id in parent:
        node, seen = section_id, set()
        while parent.get(node) is not None and node not in seen:
            seen.add(node)
            node = parent[node]
        result[section_id] = node
    return result


def by_direction(
    rows: Iterable[tuple], activity_section: Mapping[int, int | None], section_top: Mapping[int, int]
) -> dict[int | None, Counts]:
    """Fold rows (activity_id, …, status, is_late, count) into Counts per direction; None for no section."""

    def direction(row: tuple) -> int | None:
        section = activity_section.get(row[0])
        return section_top.get(section) if section is not None else None

    return counts_by(rows, direction)


def by_organization(
    rows: Iterable[tuple], responsible: Mapping[int, Iterable[int]]
) -> dict[int | None, Counts]:
    """Fold rows (activity_id, target_org_id, status, is_late, count) into Counts per responsible body.

    A task aimed at one organisation counts for it; any other counts for each organisation responsible for
    its activity (an activity with two responsible bodies makes both accountable), or for None when no
    organisation was recognised in the activity's text.
    """

    def owners(row: tuple) -> list[int | None]:
        activity_id, target = row[0], row[1]
        if target is not None:
            return [target]
        return list(responsible.get(activity_id, ())) or [None]

    return counts_by(rows, owners)


@dataclass
class Cell:
    """What happens in one month of one activity on the timeline."""

    done: int = 0
    submitted: int = 0
    overdue: int = 0
    open: int = 0
    not_done: int = 0

    def add(self, status: str, is_late: bool, count: int) -> None:
        """Count tasks into the cell's classes."""
        status = getattr(status, "value", status)
        if status == TaskStatus.done.value:
            self.done += count
        elif status == TaskStatus.submitted.value:
            self.submitted += count
        elif status == TaskStatus.not_done.value:
            self.not_done += count
        elif status != TaskStatus.cancelled.value:
            if is_late:
                self.overdue += count
            else:
                self.open += count

    @property
    def is_empty(self) -> bool:
        """Tell whether nothing falls into this month."""
        return not (self.done or self.submitted or self.overdue or self.open or self.not_done)


def timeline(rows: Iterable[tuple]) -> dict[int, dict[int, Cell]]:
    """Fold rows (activity_id, month, status, is_late, count) into cells per activity and month."""
    grid: dict[int, dict[int, Cell]] = {}
    for activity_id, month, status, is_late, count in rows:
        grid.setdefault(activity_id, {}).setdefault(int(month), Cell()).add(status, bool(is_late), count)
    return grid


def lagging_first(items: Iterable[tuple[object, Counts]]) -> list[tuple[object, Counts]]:
    """Order groups so that those with the most overdue and the lowest share done come first."""
    return sorted(items, key=lambda item: (-item[1].overdue, item[1].percent_due, -item[1].total))


@dataclass
class SchoolRow:
    """A school in the municipal overview: its own roadmaps and the municipal tasks aimed at it."""

    organization: object
    roadmaps: list
    own: Counts
    aimed: Counts
    both: Counts


@dataclass
class OverviewGroup:
    """A municipality (or None for a scope without one) with its bodies' roadmaps and its schools."""

    municipality: object | None
    municipal: list = field(default_factory=list)  # (roadmap, Counts)
    schools: list[SchoolRow] = field(default_factory=list)
    schools_total: Counts = field(default_factory=Counts)

    @property
    def municipal_total(self) -> Counts:
        """Return the sum over the municipal bodies' roadmaps."""
        total = Counts()
        for _, counts in self.municipal:
            total.merge(counts)
        return total


SCHOOL_KINDS = frozenset({OrgKind.school, OrgKind.branch})
AREA_KINDS = frozenset({OrgKind.municipality, OrgKind.region})


def _is_school(org) -> bool:
    return org.kind in SCHOOL_KINDS


def area_finder(organizations: Iterable):
    """Return a function giving an organisation's nearest municipality (or region), itself included."""
    areas = {o.path: o for o in organizations if o.kind in AREA_KINDS}

    def area_of(org):
        # The longest prefix of the materialised path ("/1/4/9/") that is an area's path.
        path = org.path
        while path:
            if path in areas:
                return areas[path]
            path = path[: path.rstrip("/").rfind("/") + 1]
        return None

    return area_of


@dataclass
class AreaSummary:
    """One municipality's line in a region's overview."""

    municipality: object | None
    municipal_total: Counts = field(default_factory=Counts)
    schools_total: Counts = field(default_factory=Counts)
    roadmap_count: int = 0  # roadmaps of its bodies
    school_count: int = 0


def area_summaries(
    organizations: list, owners: Mapping[int, int], rows: Iterable[tuple]
) -> list[AreaSummary]:
    """Sum (roadmap id, target organisation id, status, is_late, count) rows per municipality.

    The same figures as `rollup` gives for its groups, without building a line per school and roadmap:
    the bodies' roadmaps, and the schools' own roadmaps plus the tasks aimed at the schools.
    """
    area_of = area_finder(organizations)
    lines: dict[int | None, AreaSummary] = {}
    line_of: dict[int, int | None] = {}  # organisation id → key of its municipality's line
    schools: set[int] = set()
    for org in organizations:
        area = area_of(org)
        key = area.id if area else None
        lines.setdefault(key, AreaSummary(area))
        line_of[org.id] = key
        if _is_school(org):
            schools.add(org.id)
            lines[key].school_count += 1
    for owner_id in owners.values():
        if owner_id in line_of and owner_id not in schools:
            lines[line_of[owner_id]].roadmap_count += 1
    # Sum plain numbers first: far fewer Counts.add calls than rows.
    sums: dict[tuple, int] = {}
    for roadmap_id, target_id, status, is_late, count in rows:
        owner_id = owners.get(roadmap_id)
        if owner_id in line_of:
            key = (line_of[owner_id], owner_id in schools, status, is_late)
            sums[key] = sums.get(key, 0) + count
        if target_id in schools:
            key = (line_of[target_id], True, status, is_late)
            sums[key] = sums.get(key, 0) + count
    for (line, for_schools, status, is_late), count in sums.items():
        summary = lines[line]
        (summary.schools_total if for_schools else summary.municipal_total).add(status, bool(is_late), count)
    result = [s for s in lines.values() if s.roadmap_count or s.school_count]
    return sorted(result, key=lambda s: s.municipality.path if s.municipality else "")


def rollup(
    organizations: list, roadmaps: list, per_roadmap: Mapping[int, Counts], targeted: Mapping[int, Counts]
) -> list[OverviewGroup]:
    """Group roadmaps under their municipality: the bodies' roadmaps, then every school, lagging first."""
    area_of = area_finder(organizations)

    by_owner: dict[int, list] = {}
    for roadmap in roadmaps:
        by_owner.setdefault(roadmap.organization_id, []).append(roadmap)
    groups: dict[int | None, OverviewGroup] = {}
    for org in organizations:
        area = area_of(org)
        group = groups.setdefault(area.id if area else None, OverviewGroup(area))
        own_roadmaps = by_owner.get(org.id, [])
        if _is_school(org):
            own = Counts()
            for roadmap in own_roadmaps:
                own.merge(per_roadmap.get(roadmap.id, Counts()))
            aimed = targeted.get(org.id, Counts())
            both = Counts()
            both.merge(own)
            both.merge(aimed)
            group.schools.append(SchoolRow(org, own_roadmaps, own, aimed, both))
            group.schools_total.merge(both)
        else:
            group.municipal.extend((r, per_roadmap.get(r.id, Counts())) for r in own_roadmaps)
    result = []
    for group in groups.values():
        if not group.municipal and not group.schools:
            continue
        active = [s for s in group.schools if s.both.total]
        idle = [s for s in group.schools if not s.both.total]
        active.sort(key=lambda s: (-s.both.overdue, s.both.percent_due, s.organization.path))
        group.schools = active + idle
        result.append(group)
    return sorted(result, key=lambda g: g.municipality.path if g.municipality else "")
