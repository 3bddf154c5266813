"""Report downloads and the target indicators pages of a roadmap."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.auth.access import can_edit_roadmap, get_roadmap_or_404, require_edit
from tracker.auth.forms import EmptyForm
from tracker.extensions import db
from tracker.reports import adapters, documents
from tracker.reports import operations as ops
from tracker.reports.annual import indicator_status
from tracker.reports.charts import Chart, plan_actual_chart
from tracker.reports.data import Indicator as ReportIndicator
from tracker.reports.data import parse_period
from tracker.reports.forms import (
    AnnualYearForm,
    ExecutionPeriodForm,
    actuals_form,
    current_period,
    indicator_form,
    period_choices,
)
from tracker.reports.models import Indicator, ValueKind, ValueSource
from tracker.reports.standard import REGISTRY
from tracker.roadmaps.models import Roadmap

log = logging.getLogger(__name__)

INDICATOR_FIELDS = ("name", "unit", "method", "direction", "baseline_value", "baseline_year", "standard_code")


# --- downloads ---------------------------------------------------------------------------------------------


def approval(roadmap_id: int):
    """Download the roadmap for approval."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    return _send(documents.approval_document(roadmap))


def execution(roadmap_id: int):
    """Download the execution report for the period chosen in the query string."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    form = ExecutionPeriodForm(formdata=request.args)
    form.period.choices = period_choices(roadmap.period_start, roadmap.period_end)
    if not form.validate():
        flash("Выберите отчётный период в пределах срока дорожной карты.", "danger")
        return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    start, end = parse_period(form.period.data)
    return _send(documents.execution_document(roadmap, start, end, documents.local_today(roadmap)))


def annual(roadmap_id: int):
    """Download the analytical report for the year chosen in the query string."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    form = AnnualYearForm(formdata=request.args)
    form.year.choices = [(y, str(y)) for y in _years(roadmap)]
    if not form.validate():
        flash("Выберите год в пределах срока дорожной карты.", "danger")
        return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    return _send(documents.annual_document(roadmap, form.year.data, documents.local_today(roadmap)))


def _send(document: documents.Document):
    """Answer with the document as an attachment; werkzeug writes the RFC 5987 filename* for Cyrillic."""
    log.info("user %s downloads %s (%s bytes)", current_user.id, document.filename, len(document.content))
    return send_file(
        io.BytesIO(document.content),
        mimetype=document.mimetype,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )


def report_periods(roadmap: Roadmap) -> dict:
    """Return the choices of the report forms on the roadmap page (a template global)."""
    today = documents.local_today(roadmap)
    years = _years(roadmap)
    return {
        "periods": period_choices(roadmap.period_start, roadmap.period_end),
        "period": current_period(roadmap.period_start, roadmap.period_end, today),
        "years": years,
        "year": min(max(today.year, years[0]), years[-1]),
    }


def _years(roadmap: Roadmap) -> list[int]:
    return list(range(roadmap.period_start.year, roadmap.period_end.year + 1))


# --- target indicators ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearCell:
    """Plan and actual of one indicator in one year, as the indicators table shows them."""

    year: int
    target: float | None
    actual: float | None
    is_computed: bool
    status: str  # achieved, not_achieved, no_data, no_target, future


@dataclass(frozen=True)
class IndicatorCard:
    """An indicator with its yearly cells and its chart."""

    indicator: Indicator
    cells: list[YearCell]
    chart: Chart | None


def indicators(roadmap_id: int):
    """Show the roadmap's target indicators: plan against actual per year, as a table and a chart."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    items = _indicators_of(roadmap)
    values = adapters.indicator_values([i.id for i in items])
    years = _years(roadmap)
    this_year = documents.local_today(roadmap).year
    cards = []
    for indicator in items:
        rows = values.get(indicator.id, [])
        report = adapters.to_report_indicator(indicator, rows)
        computed = {v.year for v in rows if v.kind == ValueKind.actual and v.source == ValueSource.computed}
        # Years outside the roadmap period that carry values are shown too: nothing entered is hidden.
        shown = sorted({*years, *report.targets, *report.actuals})
        cells = [
            YearCell(
                y, report.targets.get(y), report.actuals.get(y), y in computed, _status(report, y, this_year)
            )
            for y in shown
        ]
        chart = plan_actual_chart(shown, report.targets, report.actuals, report.direction)
        cards.append(IndicatorCard(indicator, cells, chart))
    return render_template(
        "reports/indicators.html",
        roadmap=roadmap,
        cards=cards,
        registry=REGISTRY,
        can_edit=can_edit_roadmap(current_user, roadmap),
        has_standard=any(i.standard_code in REGISTRY for i in items),
    )


def _status(indicator: ReportIndicator, year: int, this_year: int) -> str:
    """Judge a year; a year still ahead has no actual value yet, which is not a lack of data."""
    status = indicator_status(indicator, year)
    return "future" if status == "no_data" and year > this_year else status


def indicator_new(roadmap_id: int):
    """Add a target indicator; ``?standard=CODE`` fills the form with a standard indicator."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    form = indicator_form(_years(roadmap))
    standard = REGISTRY.get(request.args.get("standard", ""))
    if request.method == "GET" and standard is not None:
        form.name.data, form.unit.data, form.method.data = standard.name, standard.unit, standard.method
        form.direction.data, form.standard_code.data = standard.direction, standard.code
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in INDICATOR_FIELDS}
        ops.create_indicator(current_user, roadmap, targets=form.targets(), **fields)
        db.session.commit()
        flash("Показатель добавлен.", "success")
        return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))
    return _render_form(roadmap, form, None)


def indicator_edit(roadmap_id: int, indicator_id: int):
    """Edit a target indicator and its plan per year."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    indicator = _get_indicator(roadmap, indicator_id)
    form = indicator_form(_years(roadmap), obj=indicator)
    if request.method == "GET":
        form.direction.data = indicator.direction.value
        form.standard_code.data = indicator.standard_code or ""
        for value in indicator.values:
            if value.kind == ValueKind.target and f"target_{value.year}" in form:
                form[f"target_{value.year}"].data = value.value
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in INDICATOR_FIELDS}
        changed = ops.update_indicator(current_user, indicator, targets=form.targets(), **fields)
        db.session.commit()
        flash("Показатель сохранён." if changed else "Изменений нет.", "success" if changed else "info")
        return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))
    return _render_form(roadmap, form, indicator)


def _render_form(roadmap: Roadmap, form, indicator: Indicator | None):
    status = 422 if request.method == "POST" else 200
    return render_template(
        "reports/indicator_form.html", roadmap=roadmap, form=form, indicator=indicator
    ), status


def indicator_delete(roadmap_id: int, indicator_id: int):
    """Delete a target indicator with its values."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    indicator = _get_indicator(roadmap, indicator_id)
    if EmptyForm().validate_on_submit():
        ops.delete_indicator(current_user, indicator)
        db.session.commit()
        flash("Показатель удалён.", "success")
    return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))


def indicator_actuals(roadmap_id: int, indicator_id: int):
    """Enter the actual values of an indicator per year."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    indicator = _get_indicator(roadmap, indicator_id)
    form = actuals_form(_years(roadmap))
    actual_rows = {v.year: v for v in indicator.values if v.kind == ValueKind.actual}
    if request.method == "GET":
        for year, row in actual_rows.items():
            # Computed values are shown beside the field, not in it: typing over one makes it manual.
            if row.source == ValueSource.manual and f"actual_{year}" in form:
                form[f"actual_{year}"].data = row.value
    if form.validate_on_submit():
        changed = ops.set_actuals(current_user, indicator, form.actuals())
        db.session.commit()
        if changed:
            flash("Фактические значения сохранены.", "success")
        else:
            flash("Изменений нет.", "info")
        return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))
    targets = {v.year: v.value for v in indicator.values if v.kind == ValueKind.target}
    computed = {y: r for y, r in actual_rows.items() if r.source == ValueSource.computed}
    return render_template(
        "reports/actuals_form.html",
        roadmap=roadmap,
        indicator=indicator,
        form=form,
        targets=targets,
        computed=computed,
    ), 422 if request.method == "POST" else 200


def indicators_compute(roadmap_id: int):
    """Compute the actual values of the standard indicators from the stored assessment results."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    if not EmptyForm().validate_on_submit():
        abort(400)
    standard = [i for i in _indicators_of(roadmap) if i.standard_code in REGISTRY]
    if not standard:
        flash("Среди показателей нет стандартных: рассчитывать нечего.", "info")
        return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))
    rows = adapters.assessment_rows(roadmap)
    if not rows:
        flash("Результаты оценочных процедур не загружены: рассчитать показатели не из чего.", "warning")
        return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))
    changed = ops.compute_standard(current_user, roadmap, standard, rows)
    db.session.commit()
    flash(f"Показатели рассчитаны, изменено значений: {changed}.", "success")
    return redirect(url_for("reports.indicators", roadmap_id=roadmap.id))


def _indicators_of(roadmap: Roadmap) -> list[Indicator]:
    return list(
        db.session.execute(
            select(Indicator)
            .where(Indicator.roadmap_id == roadmap.id)
            .order_by(Indicator.position, Indicator.id)
        ).scalars()
    )


def _get_indicator(roadmap: Roadmap, indicator_id: int) -> Indicator:
    """Return an indicator of this roadmap or answer 404."""
    indicator = db.session.get(Indicator, indicator_id)
    if indicator is None or indicator.roadmap_id != roadmap.id:
        abort(404)
    return indicator
