"""Translate database rows into the plain values the report builders take, in a fixed number of queries.

A roadmap of any size costs the same few queries: its sections, its activities, its tasks (with the
targeted organisation's name), the evidence of those tasks, and for the yearly report its indicators
and their values. Rows are read as column tuples rather than ORM objects: a 1,000-activity roadmap has
several thousand tasks, and building identity-mapped objects for them would dominate the render time.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import literal, select

from tracker.analysis.models import AssessmentResult, ClassificationRun, RunSchool
from tracker.analysis.scope import area_of
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.reports import data
from tracker.reports.models import Indicator, IndicatorValue, ValueKind
from tracker.reports.standard import REGISTRY
from tracker.roadmaps.models import ALL_COLUMNS, Activity, Roadmap, Section
from tracker.tasks.models import Evidence, Task

log = logging.getLogger(__name__)


def load_report_roadmap(roadmap: Roadmap, *, with_marks: bool = True) -> data.ReportRoadmap:
    """Return the roadmap as a report tree; with_marks adds every task as a completion mark."""
    sections = db.session.execute(
        select(Section.id, Section.parent_id, Section.position, Section.number, Section.title).where(
            Section.roadmap_id == roadmap.id
        )
    ).all()
    activities = db.session.execute(
        select(
            Activity.id,
            Activity.section_id,
            Activity.position,
            Activity.number,
            Activity.title,
            Activity.deadline_text,
            Activity.responsible,
            Activity.participants,
            Activity.result,
            Activity.control,
        ).where(Activity.roadmap_id == roadmap.id)
    ).all()
    marks = load_marks(roadmap) if with_marks else {}

    children: dict[int | None, list[Any]] = defaultdict(list)
    for section in sections:
        children[section.parent_id].append(section)
    by_section: dict[int | None, list[Any]] = defaultdict(list)
    for activity in activities:
        by_section[activity.section_id].append(activity)
    for group in (*children.values(), *by_section.values()):
        group.sort(key=lambda row: (row.position, row.id))

    def report_activity(row: Any) -> data.ReportActivity:
        return data.ReportActivity(
            number=row.number or None,
            title=row.title,
            deadline_text=row.deadline_text or "",
            responsible=row.responsible or "",
            participants=row.participants or "",
            result=row.result or "",
            control=row.control or "",
            marks=tuple(marks.get(row.id, ())),
        )

    def items_of(parent_id: int, level: int) -> tuple[data.ReportSection | data.ReportActivity, ...]:
        # Activities of a section come before its sub-sections, as on the roadmap page (roadmaps/tree.py).
        items: list[data.ReportSection | data.ReportActivity] = [
            report_activity(a) for a in by_section.get(parent_id, [])
        ]
        for section in children.get(parent_id, []):
            items.append(
                data.ReportSection(
                    number=section.number or None,
                    title=section.title,
                    level=level,
                    items=items_of(section.id, level + 1),
                )
            )
        return tuple(items)

    top: list[data.ReportSection | data.ReportActivity] = [
        report_activity(a) for a in by_section.get(None, [])
    ]
    for section in children.get(None, []):
        top.append(
            data.ReportSection(
                number=section.number or None, title=section.title, level=1, items=items_of(section.id, 2)
            )
        )
    return data.ReportRoadmap(
        title=roadmap.title,
        organization=roadmap.organization.name,
        period_start=roadmap.period_start,
        period_end=roadmap.period_end,
        goal=roadmap.goal or "",
        approval=data.Approval(
            approved_by=roadmap.approved_by or "",
            order_number=roadmap.approval_order_number or None,
            order_date=roadmap.approval_order_date,
        ),
        columns=report_columns(roadmap.columns),
        items=tuple(top),
    )


def report_columns(columns: Sequence[str] | None) -> tuple[data.ColumnKey, ...]:
    """Return the roadmap's known column keys in its order; all of them when it names none."""
    known = tuple(c for c in (columns or ()) if c in ALL_COLUMNS)
    # The number and the title identify a row; a table without them could not be imported back.
    if "title" not in known:
        return data.DEFAULT_COLUMNS
    return known  # type: ignore[return-value]


def load_marks(roadmap: Roadmap) -> dict[int, list[data.CompletionMark]]:
    """Return the completion marks of every task of the roadmap, by activity id, in due order."""
    rows = db.session.execute(
        select(
            Task.id,
            Task.activity_id,
            Task.due,
            Task.status,
            Task.completed_dt,
            Task.note,
            Task.reason,
            Task.label,
            Organization.short_name,
        )
        .outerjoin(Organization, Task.organization_id == Organization.id)
        .where(Task.roadmap_id == roadmap.id)
        .order_by(Task.activity_id, Task.due, Task.id)
    ).all()
    evidence = evidence_names(roadmap.id)
    zone = ZoneInfo(roadmap.organization.timezone)
    marks: dict[int, list[data.CompletionMark]] = defaultdict(list)
    for row in rows:
        marks[row.activity_id].append(
            data.CompletionMark(
                due=row.due,
                status=row.status.value,
                done_date=_local_date(row.completed_dt, zone),
                note=row.note or "",
                evidence_names=tuple(evidence.get(row.id, ())),
                reason=row.reason or "",
                organization=row.short_name or row.label or "",
            )
        )
    return marks


def _local_date(moment: datetime | None, zone: ZoneInfo) -> date | None:
    # Completion is stored in UTC; the report states the day as the municipality lived it.
    return moment.astimezone(zone).date() if moment else None


# --- evidence -----------------------------------------------------------------------------------------


def evidence_names(roadmap_id: int) -> dict[int, list[str]]:
    """Return the names of the evidence attached to the roadmap's tasks, by task id, in one query."""
    rows = db.session.execute(
        select(Evidence.task_id, Evidence.original_filename)
        .join(Task, Evidence.task_id == Task.id)
        .where(Task.roadmap_id == roadmap_id)
        .order_by(Evidence.task_id, Evidence.id)
    ).all()
    names: dict[int, list[str]] = defaultdict(list)
    for task_id, name in rows:
        names[task_id].append(name)
    return names


# --- indicators ---------------------------------------------------------------------------------------


def load_indicators(roadmap_id: int) -> list[data.Indicator]:
    """Return the roadmap's target indicators with their plan and actual values, in two queries."""
    indicators = (
        db.session.execute(
            select(Indicator)
            .where(Indicator.roadmap_id == roadmap_id)
            .order_by(Indicator.position, Indicator.id)
        )
        .scalars()
        .all()
    )
    values = indicator_values([i.id for i in indicators])
    return [to_report_indicator(i, values.get(i.id, [])) for i in indicators]


def indicator_values(indicator_ids: Sequence[int]) -> dict[int, list[IndicatorValue]]:
    """Return the values of the given indicators, by indicator id, in one query."""
    if not indicator_ids:
        return {}
    rows = (
        db.session.execute(
            select(IndicatorValue)
            .where(IndicatorValue.indicator_id.in_(indicator_ids))
            .order_by(IndicatorValue.year)
        )
        .scalars()
        .all()
    )
    by_indicator: dict[int, list[IndicatorValue]] = defaultdict(list)
    for row in rows:
        by_indicator[row.indicator_id].append(row)
    return by_indicator


def to_report_indicator(indicator: Indicator, values: Sequence[IndicatorValue]) -> data.Indicator:
    """Return an indicator and its values as the report builders take it."""
    return data.Indicator(
        name=indicator.name,
        unit=indicator.unit,
        method=indicator.method,
        direction=indicator.direction.value,
        baseline_value=indicator.baseline_value,
        baseline_year=indicator.baseline_year,
        targets={v.year: v.value for v in values if v.kind == ValueKind.target},
        actuals={v.year: v.value for v in values if v.kind == ValueKind.actual},
    )


# --- analysis data --------------------------------------------------------------------------------------
# The schools a roadmap covers: a school's roadmap covers the school and its branches; any other owner's
# covers the schools of its municipality (or region), where the assessment data and classifications live.


def covered_area(roadmap: Roadmap) -> Organization:
    """Return the organisation whose subtree holds the schools the roadmap is about."""
    owner = roadmap.organization
    return owner if owner.is_school else area_of(owner)


def assessment_rows(roadmap: Roadmap) -> list[Any]:
    """Return the covered schools' stored results of the standard indicators' procedures, in one query."""
    procedures = sorted({code for s in REGISTRY.values() for code in s.procedures})
    return list(
        db.session.execute(
            select(
                AssessmentResult.year,
                AssessmentResult.procedure,
                AssessmentResult.participants,
                AssessmentResult.low,
                AssessmentResult.grade4,
                AssessmentResult.grade5,
            )
            .join(Organization, AssessmentResult.organization_id == Organization.id)
            .where(
                Organization.path.startswith(covered_area(roadmap).path),
                AssessmentResult.procedure.in_(procedures),
            )
        ).all()
    )


def load_classification(roadmap: Roadmap, year: int) -> data.ClassificationSummary | None:
    """Return the year's latest classification of the covered schools with its changes, or None if none."""
    area = covered_area(roadmap)
    current = _latest_run_groups(area, year)
    if current is None:
        return None
    return classification_summary(year, current, _latest_run_groups(area, year - 1))


def _latest_run_groups(area: Organization, year: int) -> dict[str, list[str]] | None:
    scope = Organization
    run_id = db.session.execute(
        select(ClassificationRun.id)
        .join(scope, scope.id == ClassificationRun.scope_organization_id)
        # A run of the area itself or of an area containing it (a region's run covers its municipalities).
        .where(ClassificationRun.year == year, literal(area.path).startswith(scope.path))
        .order_by(ClassificationRun.created_dt.desc(), ClassificationRun.id.desc())
        .limit(1)
    ).scalar()
    if run_id is None:
        return None
    schools = db.session.execute(
        select(RunSchool)
        .join(Organization, RunSchool.organization_id == Organization.id)
        .where(RunSchool.run_id == run_id, Organization.path.startswith(area.path))
        .order_by(RunSchool.name)
    ).scalars()
    groups: dict[str, list[str]] = {}
    for school in schools:
        for code in school.groups:
            groups.setdefault(code, []).append(school.name)
    return groups


def classification_summary(
    year: int, current: dict[str, list[str]], previous: dict[str, list[str]] | None
) -> data.ClassificationSummary:
    """Return the year's schools per group with who joined and who left each group since last year."""
    joined: dict[str, list[str]] = {}
    left: dict[str, list[str]] = {}
    # Without last year's classification nobody "joined": the groups are simply as they are.
    before_groups = previous or {}
    for code in dict.fromkeys([*current, *before_groups]):
        now, before = set(current.get(code, ())), set(before_groups.get(code, ()))
        if previous is not None and now - before:
            joined[code] = sorted(now - before)
        if before - now:
            left[code] = sorted(before - now)
    return data.ClassificationSummary(
        year=year, groups={code: sorted(names) for code, names in current.items()}, joined=joined, left=left
    )
