"""Changes to target indicators; every function flushes, records history and leaves the commit to callers."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.reports.docx_common import ru_number
from tracker.reports.models import Indicator, IndicatorDirection, IndicatorValue, ValueKind, ValueSource
from tracker.reports.standard import REGISTRY, ResultRow
from tracker.roadmaps.models import Roadmap
from tracker.roadmaps.operations import record, snapshot

log = logging.getLogger(__name__)

# The state before a change: what the history shows, and where each value came from.
_Before = tuple[dict[str, Any], frozenset[tuple[int, str, str]]]
INDICATOR_FIELDS = ("name", "unit", "method", "direction", "baseline_value", "baseline_year", "standard_code")


def create_indicator(
    user: User | None, roadmap: Roadmap, targets: Mapping[int, float | None] | None = None, **fields: Any
) -> Indicator:
    """Add an indicator at the end of the roadmap's list, with its targets per year."""
    position = db.session.execute(
        select(func.max(Indicator.position)).where(Indicator.roadmap_id == roadmap.id)
    ).scalar()
    indicator = Indicator(roadmap_id=roadmap.id, position=0 if position is None else position + 1)
    _assign(indicator, fields)
    db.session.add(indicator)
    db.session.flush()
    _set_values(user, indicator, ValueKind.target, targets or {}, ValueSource.manual)
    after = _state(indicator)
    record(roadmap.id, user, "indicator.create", "indicator", indicator.id, indicator.name, None, after)
    db.session.flush()
    return indicator


def update_indicator(
    user: User | None, indicator: Indicator, targets: Mapping[int, float | None] | None = None, **fields: Any
) -> bool:
    """Change an indicator's description and targets; return whether anything changed."""
    before = _before(indicator)
    _assign(indicator, fields)
    if targets is not None:
        _set_values(user, indicator, ValueKind.target, targets, ValueSource.manual)
    return _finish(user, indicator, "indicator.update", before)


def delete_indicator(user: User | None, indicator: Indicator) -> None:
    """Delete an indicator with all its values."""
    before = _state(indicator)
    record(indicator.roadmap_id, user, "indicator.delete", "indicator", indicator.id, indicator.name, before)
    db.session.delete(indicator)
    db.session.flush()


def set_actuals(user: User | None, indicator: Indicator, actuals: Mapping[int, float | None]) -> bool:
    """Enter actual values by hand; None removes a hand-entered value. Return whether anything changed."""
    before = _before(indicator)
    manual = {
        year: value
        for year, value in actuals.items()
        # An empty field over a computed value means "no manual value", not "erase the computed one".
        if value is not None or _source(indicator, year) == ValueSource.manual
    }
    _set_values(user, indicator, ValueKind.actual, manual, ValueSource.manual)
    return _finish(user, indicator, "indicator.actuals", before)


def store_computed(user: User | None, indicator: Indicator, computed: Mapping[int, float]) -> int:
    """Store computed actual values; hand-entered values win. Return how many values changed."""
    before = _before(indicator)
    changed = 0
    for value in list(indicator.values):
        # A year whose assessment data disappeared no longer has a computed value.
        stale = value.kind == ValueKind.actual and value.source == ValueSource.computed
        if stale and value.year not in computed:
            indicator.values.remove(value)
            changed += 1
    for year, number in computed.items():
        existing = _find(indicator, year, ValueKind.actual)
        if existing is not None and (existing.source == ValueSource.manual or existing.value == number):
            continue
        _put(user, indicator, year, ValueKind.actual, number, ValueSource.computed, existing)
        changed += 1
    _finish(user, indicator, "indicator.computed", before)
    log.info("indicator %s: %s computed values changed", indicator.id, changed)
    return changed


def compute_standard(
    user: User | None, roadmap: Roadmap, indicators: Sequence[Indicator], rows: Sequence[ResultRow]
) -> int:
    """Compute the actual values of standard indicators from result rows; return how many values changed."""
    changed = 0
    for indicator in indicators:
        standard = REGISTRY.get(indicator.standard_code or "")
        if standard is None:
            continue
        # Years before the baseline are history the programme does not judge; stored data may go back far.
        first = min(roadmap.period_start.year, indicator.baseline_year or roadmap.period_start.year)
        values = {y: v for y, v in standard.compute(rows).items() if first <= y <= roadmap.period_end.year}
        changed += store_computed(user, indicator, values)
    return changed


def _finish(user: User | None, indicator: Indicator, action: str, before: _Before) -> bool:
    """Record the change against the state before it, if there is one; return whether there was."""
    after = _state(indicator)
    # A hand-entered value equal to the computed one it replaces still changes where the value comes from.
    if after == before[0] and _sources(indicator) == before[1]:
        db.session.flush()
        return False
    indicator.updated_dt = utcnow()
    record(indicator.roadmap_id, user, action, "indicator", indicator.id, indicator.name, before[0], after)
    db.session.flush()
    return True


def _before(indicator: Indicator) -> _Before:
    return _state(indicator), _sources(indicator)


def _sources(indicator: Indicator) -> frozenset[tuple[int, str, str]]:
    return frozenset((v.year, v.kind.value, v.source.value) for v in indicator.values)


def _state(indicator: Indicator) -> dict[str, Any]:
    """Return the indicator's fields and values as the history keeps them."""
    state = snapshot(indicator, INDICATOR_FIELDS)
    for kind, key in ((ValueKind.target, "targets"), (ValueKind.actual, "actuals")):
        values = sorted((v for v in indicator.values if v.kind == kind), key=lambda v: v.year)
        # One readable line («2026: 6,5; 2027: 5») rather than a mapping the history page would print raw.
        state[key] = "; ".join(f"{v.year}: {ru_number(v.value)}" for v in values)
    return state


def _assign(indicator: Indicator, fields: Mapping[str, Any]) -> None:
    for name, value in fields.items():
        if name not in INDICATOR_FIELDS:
            raise TypeError(f"unknown indicator field {name!r}")
        if name == "direction":
            value = IndicatorDirection(value)
        elif name in ("name", "unit", "method") and value is not None:
            value = value.strip()
        elif name == "standard_code":
            value = value or None
        setattr(indicator, name, value)


def _set_values(
    user: User | None,
    indicator: Indicator,
    kind: ValueKind,
    values: Mapping[int, float | None],
    source: ValueSource,
) -> None:
    """Write the given years' values of one kind; None deletes the year's value."""
    for year, number in values.items():
        existing = _find(indicator, year, kind)
        if number is None:
            if existing is not None:
                indicator.values.remove(existing)
        elif existing is None or existing.value != number or existing.source != source:
            _put(user, indicator, year, kind, number, source, existing)


def _put(
    user: User | None,
    indicator: Indicator,
    year: int,
    kind: ValueKind,
    number: float,
    source: ValueSource,
    existing: IndicatorValue | None,
) -> None:
    row = existing or IndicatorValue(year=year, kind=kind)
    row.value = number
    row.source = source
    row.entered_by_id = user.id if user else None
    row.entered_dt = utcnow()
    if existing is None:
        indicator.values.append(row)


def _find(indicator: Indicator, year: int, kind: ValueKind) -> IndicatorValue | None:
    return next((v for v in indicator.values if v.year == year and v.kind == kind), None)


def _source(indicator: Indicator, year: int) -> ValueSource | None:
    found = _find(indicator, year, ValueKind.actual)
    return found.source if found else None
