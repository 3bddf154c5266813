"""Pages of the analysis: school data, classification runs, school pages and targeted support."""

from __future__ import annotations

import hashlib
import io
import logging
from datetime import date

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import Integer, func, select

from tracker.analysis import operations as ops
from tracker.analysis import targeting
from tracker.analysis.charts import GROUP_FILLS, ScatterPoint, ShareValue, results_chart, scatter_chart
from tracker.analysis.classify import GROUP_LABELS, GROUPS, SHNOR, SHNSU, Settings, isbsh
from tracker.analysis.exports import results_workbook, template_workbook
from tracker.analysis.forms import MAX_DECISIONS, RunForm, TargetsForm, UploadForm, apply_form
from tracker.analysis.loaders import RISK_HIGH, DataFileError, SocialRow
from tracker.analysis.models import (
    GROUP_COLUMNS,
    ActivityTarget,
    AssessmentResult,
    ClassificationRun,
    DataImport,
    DataKind,
    ImportStatus,
    RiskFactor,
    RunSchool,
    SocialPassport,
)
from tracker.analysis.procedures import CATALOGUE, COUNTED_CODES, procedure_title
from tracker.analysis.scope import (
    can_manage,
    get_import_or_404,
    get_run_or_404,
    get_school_or_404,
    require_manage,
    run_scope_choices,
    runs_covering,
    scope_root,
    visible_imports,
    visible_runs,
    visible_schools,
)
from tracker.auth.access import can_edit_roadmap, get_roadmap_or_404, require_edit
from tracker.auth.forms import EmptyForm
from tracker.db import db_int, normalize_text
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, Roadmap

logger = logging.getLogger(__name__)

PAGE_SIZE = 100
# Above this many schools the scatter chart drops per-dot links and tooltips to stay light.
CHART_INTERACTIVE_LIMIT = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Messages of operations' refusals, by OperationError code.
REFUSALS = {
    "suffix": "Загрузите файл .csv или .xlsx.",
    "too_large": "Файл слишком большой для загрузки.",
    "empty": "В файле нет строк с данными.",
    "not_pending": "Этот файл уже применён или отменён.",
    "bad_match": "Школа для сопоставления выбрана неверно или выбрана дважды. Проверьте выбор.",
    "bad_decision": "Выбор для неизвестного кода не распознан. Проверьте выбор.",
}


def template_values() -> dict:
    """Give the analysis templates the group names and colours and the user's right to manage."""
    return {
        "group_labels": GROUP_LABELS,
        "group_fills": GROUP_FILLS,
        "all_groups": GROUPS,
        "can_manage_analysis": current_user.is_authenticated and can_manage(current_user),
    }


def ru_decimal(value: float | None, digits: int = 1) -> str:
    """Format a number the Russian way with a fixed number of decimals: «57,3», «−0,41»."""
    if value is None:
        return "—"
    return f"{value:.{digits}f}".replace(".", ",").replace("-", "−")


# --- overview and data ----------------------------------------------------------------------------


def index():
    """Show the runs and the data of the user's area; a school user goes to their school's page."""
    root = scope_root(current_user)
    if root.is_school:
        return redirect(url_for("analysis.school", school_id=root.id))
    runs = (
        db.session.execute(visible_runs(current_user).order_by(ClassificationRun.created_dt.desc()).limit(50))
        .scalars()
        .all()
    )
    return render_template(
        "analysis/index.html",
        runs=runs,
        overview=ops.data_overview(root),
        root=root,
        can_manage=can_manage(current_user),
        group_labels=GROUP_LABELS,
        groups=GROUPS,
    )


def _render_data(form: UploadForm, errors=None, truncated: bool = False, status: int = 200):
    root = scope_root(current_user)
    imports = (
        db.session.execute(visible_imports(current_user).order_by(DataImport.created_dt.desc()).limit(30))
        .scalars()
        .all()
    )
    return (
        render_template(
            "analysis/data.html",
            form=form,
            errors=errors or [],
            truncated=truncated,
            imports=imports,
            overview=ops.data_overview(root),
            root=root,
        ),
        status,
    )


def data():
    """Show the stored data, the recent imports and the upload form."""
    require_manage(current_user)
    return _render_data(UploadForm())


def upload():
    """Check an uploaded file; a good one waits for confirmation, a bad one is listed row by row."""
    require_manage(current_user)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render_data(form, status=400)
    file = form.file.data
    try:
        item = ops.store_upload(
            current_user,
            scope_root(current_user),
            DataKind(form.kind.data),
            file.stream,
            file.filename or "файл",
        )
    except DataFileError as exc:
        db.session.rollback()
        return _render_data(form, exc.errors, exc.truncated, status=422)
    except ops.OperationError as exc:
        db.session.rollback()
        flash(REFUSALS[exc.code], "danger")
        return _render_data(form, status=422)
    db.session.commit()
    return redirect(url_for("analysis.import_show", import_id=item.id))


def _pending_rows(item):
    """Read a pending import's file again; None (with a message) when it cannot be read any more."""
    try:
        return ops.read_rows(item)
    except (DataFileError, FileNotFoundError):
        logger.warning("Stored file of import %s is missing or unreadable", item.id)
        flash("Сохранённый файл не читается. Загрузите его ещё раз.", "danger")
        return None


def import_show(import_id: int):
    """Show what a pending import would change, with a choice for every unknown school code."""
    item = get_import_or_404(current_user, import_id)
    require_manage(current_user)
    if item.status != ImportStatus.pending:
        return render_template("analysis/import.html", item=item, preview=None, form=None)
    rows = _pending_rows(item)
    if rows is None:
        return redirect(url_for("analysis.data"))
    preview = ops.preview_import(item, rows)
    form = apply_form(preview.unknown, preview.candidates)
    return render_template(
        "analysis/import.html", item=item, preview=preview, form=form, max_decisions=MAX_DECISIONS
    )


def import_apply(import_id: int):
    """Apply a pending import in one transaction."""
    item = get_import_or_404(current_user, import_id)
    require_manage(current_user)
    if item.status != ImportStatus.pending:
        flash(REFUSALS["not_pending"], "warning")
        return redirect(url_for("analysis.import_show", import_id=item.id))
    rows = _pending_rows(item)
    if rows is None:
        return redirect(url_for("analysis.data"))
    preview = ops.preview_import(item, rows)
    form = apply_form(preview.unknown, preview.candidates)
    if not form.validate_on_submit():
        return render_template(
            "analysis/import.html", item=item, preview=preview, form=form, max_decisions=MAX_DECISIONS
        ), 400
    decisions = {
        unknown.code: form[f"code_{index}"].data if index < MAX_DECISIONS else form.rest.data
        for index, unknown in enumerate(preview.unknown)
    }
    try:
        summary = ops.apply_import(current_user, item, rows, decisions, preview)
    except ops.OperationError as exc:
        db.session.rollback()
        flash(REFUSALS[exc.code], "danger")
        return redirect(url_for("analysis.import_show", import_id=item.id))
    db.session.commit()
    flash(
        f"Данные загружены: добавлено строк — {summary['added']}, изменено — {summary['changed']}, "
        f"удалено — {summary['removed']}.",
        "success",
    )
    return redirect(url_for("analysis.import_show", import_id=item.id))


def import_discard(import_id: int):
    """Throw a pending import away."""
    item = get_import_or_404(current_user, import_id)
    require_manage(current_user)
    if EmptyForm().validate_on_submit():
        try:
            ops.discard_import(item)
        except ops.OperationError as exc:
            db.session.rollback()
            flash(REFUSALS[exc.code], "warning")
            return redirect(url_for("analysis.import_show", import_id=item.id))
        db.session.commit()
        flash("Загрузка отменена, данные не изменились.", "info")
    return redirect(url_for("analysis.data"))


def template(kind: str):
    """Send the blank .xlsx template of an input file."""
    names = {"results": "rezultaty", "social": "socialnyi_pasport", "risk": "profil_riskov"}
    return send_file(
        io.BytesIO(template_workbook(kind)),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"shablon_{names[kind]}.xlsx",
    )


# --- runs -----------------------------------------------------------------------------------------


def run_new():
    """Classify the schools of an area for a year with the chosen settings."""
    require_manage(current_user)
    root = scope_root(current_user)
    areas = run_scope_choices(current_user)
    years = ops.data_years(root)
    form = RunForm()
    form.scope_id.choices = [(area.id, area.name) for area in areas]
    form.year.choices = [(year, f"{year} ({year - 1}/{year} учебный год)") for year in years]
    form.procedures.choices = [
        (code, CATALOGUE[code].title) for code in COUNTED_CODES
    ] + ops.other_procedures(root)
    if request.method == "GET":
        form.procedures.data = list(COUNTED_CODES)
    if years and form.validate_on_submit():
        scope = next(area for area in areas if area.id == form.scope_id.data)
        chosen = set(form.procedures.data)
        quantile = form.quantile.data
        settings = Settings(
            form.year.data,
            quantile=int(quantile) if float(quantile).is_integer() else quantile,
            two_year=form.two_year.data,
            min_participants=form.min_participants.data,
            procedures=tuple(code for code, _ in form.procedures.choices if code in chosen),
        )
        run = ops.create_run(current_user, scope, settings, form.title.data or "")
        db.session.commit()
        flash(f"Расчёт выполнен: школ — {run.schools_count}.", "success")
        return redirect(url_for("analysis.run", run_id=run.id))
    return render_template("analysis/run_form.html", form=form, years=years)


def _filtered_schools(run: ClassificationRun):
    """Return the query of the run's schools narrowed by the page's filters, and the filters."""
    group = request.args.get("group", "")
    municipality = request.args.get("municipality", type=db_int)
    text = normalize_text(request.args.get("q", ""))
    query = select(RunSchool).where(RunSchool.run_id == run.id)
    if group in GROUP_COLUMNS:
        query = query.where(getattr(RunSchool, GROUP_COLUMNS[group]).is_(True))
    elif group == "none":
        query = query.where(*(getattr(RunSchool, c).is_(False) for c in GROUP_COLUMNS.values()))
    if municipality:
        query = query.where(RunSchool.municipality_id == municipality)
    if text:
        query = query.where(RunSchool.search_text.contains(text, autoescape=True))
    return query, {"group": group, "municipality": municipality, "q": request.args.get("q", "")}


def _scatter(run: ClassificationRun, query):
    """Return the scatter chart geometry of the schools the query selects."""
    rows = (
        db.session.execute(
            query.where(RunSchool.isbsh.is_not(None), RunSchool.results_index.is_not(None)).order_by(
                RunSchool.code
            )
        )
        .scalars()
        .all()
    )
    interactive = len(rows) <= CHART_INTERACTIVE_LIMIT
    points = [
        ScatterPoint(
            row.isbsh,
            row.results_index,
            tuple(row.groups),
            f"{row.name} ({row.code})" if interactive else "",
            url_for("analysis.school", school_id=row.organization_id) if interactive else None,
        )
        for row in rows
    ]
    regression = (run.regression["intercept"], run.regression["slope"]) if run.regression else None
    return scatter_chart(points, regression, run.isbsh_threshold)


def _municipality_names(run: ClassificationRun) -> dict[int, str]:
    ids = select(RunSchool.municipality_id).where(RunSchool.run_id == run.id).distinct()
    return dict(
        db.session.execute(
            select(Organization.id, Organization.short_name)
            .where(Organization.id.in_(ids))
            .order_by(Organization.name)
        ).all()
    )


def _comparison(run: ClassificationRun):
    """Return the run compared with, its changes per group and the runs it may be compared with."""
    others = (
        db.session.execute(
            visible_runs(current_user)
            .where(
                ClassificationRun.scope_organization_id == run.scope_organization_id,
                ClassificationRun.id != run.id,
            )
            .order_by(ClassificationRun.year.desc(), ClassificationRun.id.desc())
        )
        .scalars()
        .all()
    )
    wanted = request.args.get("compare", type=db_int)
    previous = next((r for r in others if r.id == wanted), None)
    if previous is None and wanted is None:
        # By default a run is compared with the latest run of an earlier year: year to year.
        previous = next((r for r in others if r.year < run.year), None)
    if previous is None:
        return None, None, others
    changes = ops.compare(previous, run)
    ids = {i for sides in changes.values() for side in sides.values() for i in side}
    names = (
        dict(
            db.session.execute(
                select(Organization.id, Organization.short_name).where(Organization.id.in_(ids))
            ).all()
        )
        if ids
        else {}
    )
    named = {
        group: {side: sorted((names.get(i, str(i)), i) for i in codes) for side, codes in sides.items()}
        for group, sides in changes.items()
    }
    return previous, named, others


def _settings_rows(run: ClassificationRun) -> list[tuple[str, object]]:
    """Return the run's settings as (Russian name, value) pairs for the page and the export."""
    settings = ops.run_settings(run)
    return [
        ("Год классификации", settings.year),
        ("Процентиль ИСБШ для ШНСУ", ru_decimal(settings.quantile, 1).removesuffix(",0")),
        (
            "Правило двух лет",
            "та же процедура" if settings.two_year == "same" else "любая процедура",
        ),
        ("Минимум участников", settings.min_participants),
        ("Доля «2» для низкого результата", f"{ru_decimal(settings.low_share * 100, 0)}%"),
        ("Участников для «надёжно»", settings.reliable_participants),
        ("Учитываемые процедуры", "; ".join(procedure_title(code) for code in settings.procedures)),
        ("Отпечаток входных данных", run.fingerprint),
    ]


def run_show(run_id: int):
    """Show a run: groups with reasons, filters, the scatter chart and the comparison with another run."""
    run = get_run_or_404(current_user, run_id)
    query, filters = _filtered_schools(run)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar()
    page = max(1, request.args.get("page", 1, type=db_int))
    schools = (
        db.session.execute(
            query.order_by(RunSchool.name, RunSchool.code).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    previous, changes, others = _comparison(run)
    stale_targets = 0
    if can_manage(current_user):
        older = select(ClassificationRun.id).where(
            ClassificationRun.scope_organization_id == run.scope_organization_id,
            ClassificationRun.id < run.id,
        )
        stale_targets = db.session.execute(
            select(func.count(ActivityTarget.id)).where(
                ActivityTarget.run_id.in_(older), ActivityTarget.group_code.is_not(None)
            )
        ).scalar()
    return render_template(
        "analysis/run.html",
        run=run,
        schools=schools,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        municipalities=_municipality_names(run),
        chart=_scatter(run, query),
        previous=previous,
        changes=changes,
        others=others,
        settings_rows=_settings_rows(run),
        stale_targets=stale_targets,
        can_manage=can_manage(current_user),
        group_labels=GROUP_LABELS,
        groups=GROUPS,
    )


def run_chart(run_id: int):
    """Send the run's scatter chart as an SVG file."""
    run = get_run_or_404(current_user, run_id)
    query, _ = _filtered_schools(run)
    chart = _scatter(run, query)
    if chart is None:
        abort(404)
    body = render_template("analysis/chart.svg", chart=chart, group_labels=GROUP_LABELS, standalone=True)
    return body, 200, {"Content-Type": "image/svg+xml; charset=utf-8"}


def run_export(run_id: int):
    """Send the run's results as an .xlsx workbook."""
    run = get_run_or_404(current_user, run_id)
    query, _ = _filtered_schools(run)
    schools = db.session.execute(query.order_by(RunSchool.name, RunSchool.code)).scalars()
    payload = results_workbook(run, schools, _municipality_names(run), _settings_rows(run))
    return send_file(
        io.BytesIO(payload),
        mimetype=XLSX,
        as_attachment=True,
        download_name=f"klassifikaciya_{run.year}_{run.id}.xlsx",
    )


def run_reproduce(run_id: int):
    """Classify again from today's data with the run's settings and show whether the outcome is the same."""
    run = get_run_or_404(current_user, run_id)
    result = ops.reproduce_run(run)
    return render_template("analysis/reproduce.html", run=run, result=result, group_labels=GROUP_LABELS)


def retarget(run_id: int):
    """Show who joins and who leaves the groups activities aim at if moved to this run; apply on POST."""
    run = get_run_or_404(current_user, run_id)
    require_manage(current_user)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        ids = [int(v) for v in request.form.getlist("target_id") if v.isdigit()]
        changes = targeting.retarget_apply(current_user, run, ids)
        db.session.commit()
        flash(f"Адресность перенесена на расчёт № {run.id}: мероприятий — {len(changes)}.", "success")
        return redirect(url_for("analysis.run", run_id=run.id))
    items = targeting.retarget_preview(current_user, run)
    return render_template(
        "analysis/retarget.html", run=run, items=items, form=form, group_labels=GROUP_LABELS
    )


# --- schools and support --------------------------------------------------------------------------


def school(school_id: int):
    """Show a school: results by year and procedure, ИСБШ, risk factors, groups and the support it gets."""
    org = get_school_or_404(current_user, school_id)
    results = (
        db.session.execute(
            select(AssessmentResult)
            .where(AssessmentResult.organization_id == org.id)
            .order_by(AssessmentResult.procedure, AssessmentResult.year)
        )
        .scalars()
        .all()
    )
    order = {code: i for i, code in enumerate(COUNTED_CODES)}
    results = sorted(results, key=lambda r: (order.get(r.procedure, len(order)), r.procedure, r.year))
    years = sorted({r.year for r in results})
    table: dict[str, dict[int, AssessmentResult]] = {}
    for row in results:
        table.setdefault(row.procedure, {})[row.year] = row
    chart = results_chart([ShareValue(_procedure_label(r), r.year, r.low, r.participants) for r in results])
    passports = (
        db.session.execute(
            select(SocialPassport)
            .where(SocialPassport.organization_id == org.id)
            .order_by(SocialPassport.year.desc())
        )
        .scalars()
        .all()
    )
    isbsh_by_year = {
        p.year: isbsh(SocialRow("", p.year, p.total, p.both_parents_higher, p.single_parent, p.registered))
        for p in passports
        if p.total > 0
    }
    risks = (
        db.session.execute(
            select(RiskFactor)
            .where(RiskFactor.organization_id == org.id)
            .order_by(RiskFactor.year.desc(), RiskFactor.factor)
        )
        .scalars()
        .all()
    )
    risk_year = risks[0].year if risks else None
    memberships = db.session.execute(
        select(RunSchool, ClassificationRun)
        .join(ClassificationRun, ClassificationRun.id == RunSchool.run_id)
        .where(RunSchool.organization_id == org.id)
        .order_by(ClassificationRun.year.desc(), ClassificationRun.id.desc())
    ).all()
    visible = set(
        db.session.execute(
            visible_runs(current_user)
            .with_only_columns(ClassificationRun.id)
            .where(ClassificationRun.id.in_([run.id for _, run in memberships]))
        ).scalars()
    )
    return render_template(
        "analysis/school.html",
        school=org,
        table=table,
        years=years,
        chart=chart,
        passports=passports,
        isbsh_by_year=isbsh_by_year,
        risks=[r for r in risks if r.year == risk_year],
        risk_year=risk_year,
        risk_high=RISK_HIGH,
        memberships=memberships,
        visible_runs=visible,
        lines=targeting.support_lines(current_user, [org.id]),
        group_labels=GROUP_LABELS,
        counted=set(COUNTED_CODES),
        today=date.today(),
    )


def _procedure_label(row: AssessmentResult) -> str:
    """Return a procedure's short title, or its name as written for one outside the catalogue."""
    return procedure_title(row.procedure) if row.procedure in CATALOGUE else row.procedure_name


def support():
    """Show per school the activities aimed at it and how they are going («адресная поддержка»)."""
    lines = targeting.support_lines(current_user)
    by_school: dict[int, list] = {}
    for line in lines:
        by_school.setdefault(line.school_id, []).append(line)
    root = scope_root(current_user)
    latest = None
    if not root.is_school:
        latest = db.session.execute(
            visible_runs(current_user)
            .where(ClassificationRun.scope_organization_id == root.id)
            .order_by(ClassificationRun.year.desc(), ClassificationRun.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    groups: dict[int, list[str]] = {}
    uncovered: list[RunSchool] = []
    if latest is not None:
        for row in db.session.execute(select(RunSchool).where(RunSchool.run_id == latest.id)).scalars():
            groups[row.organization_id] = row.groups
            if (row.is_shnor or row.is_shnsu) and row.organization_id not in by_school:
                uncovered.append(row)
    wanted_group = request.args.get("group", "")
    text = normalize_text(request.args.get("q", ""))
    schools = (
        db.session.execute(
            visible_schools(current_user).where(Organization.id.in_(by_school)).order_by(Organization.name)
        )
        .scalars()
        .all()
        if by_school
        else []
    )
    if wanted_group in GROUP_COLUMNS:
        schools = [s for s in schools if wanted_group in groups.get(s.id, ())]
    if text:
        schools = [s for s in schools if text in normalize_text(f"{s.code or ''} {s.name} {s.short_name}")]
    return render_template(
        "analysis/support.html",
        schools=schools,
        by_school=by_school,
        groups=groups,
        latest=latest,
        uncovered=sorted(uncovered, key=lambda r: r.name),
        filters={"group": wanted_group, "q": request.args.get("q", "")},
        group_labels=GROUP_LABELS,
        all_groups=GROUPS,
        today=date.today(),
    )


# --- targets --------------------------------------------------------------------------------------


def can_target(roadmap: Roadmap) -> bool:
    """Tell whether the signed-in user may aim the roadmap's activities at schools."""
    return can_manage(current_user) and can_edit_roadmap(current_user, roadmap)


def activity_targeting(activity: Activity):
    """Return what an activity is aimed at, for its page."""
    return targeting.activity_targeting(activity)


def _selection_key(groups: list[str], schools: list[int]) -> str:
    """Return a digest of a selection, so a confirmation applies exactly what was previewed."""
    text = "|".join(sorted(groups)) + "#" + ",".join(str(s) for s in sorted(schools))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def targets(roadmap_id: int, activity_id: int):
    """Choose the groups and schools an activity is aimed at; preview the change, then apply it."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.roadmap_id != roadmap.id:
        abort(404)
    require_edit(current_user, roadmap)
    require_manage(current_user)
    area = targeting.roadmap_area(roadmap)
    runs = (
        db.session.execute(
            runs_covering(current_user, area)
            .order_by(ClassificationRun.year.desc(), ClassificationRun.id.desc())
            .limit(10)
        )
        .scalars()
        .all()
    )
    member_counts = _member_counts(runs, area)
    schools = (
        db.session.execute(
            visible_schools(current_user)
            .where(Organization.path.startswith(area.path))
            .order_by(Organization.name)
        )
        .scalars()
        .all()
    )
    form = TargetsForm()
    form.groups.choices = [
        (f"{run.id}:{group}", f"{GROUP_LABELS[group]} {run.year}") for run in runs for group in GROUPS
    ]
    form.schools.choices = [(s.id, s.short_name) for s in schools]
    current = targeting.specs_of(targeting.targets_of([activity.id]).get(activity.id, []))
    if request.method == "GET":
        form.groups.data = [f"{run_id}:{group}" for _, run_id, group in current if run_id is not None]
        form.schools.data = [org_id for org_id, _, _ in current if org_id is not None]
    change = None
    key = ""
    if form.validate_on_submit():
        specs = [targeting.school_spec(org_id) for org_id in form.schools.data] + [
            targeting.group_spec(int(value.split(":")[0]), value.split(":")[1]) for value in form.groups.data
        ]
        key = _selection_key(form.groups.data, form.schools.data)
        if request.form.get("confirm") == key:
            change = targeting.set_targets(current_user, roadmap, activity, specs)
            db.session.commit()
            if change.is_empty:
                flash("Адресность не изменилась.", "info")
            else:
                flash(
                    f"Адресность сохранена: школ — {change.schools_after}; задач добавлено — {change.added}, "
                    f"удалено — {change.removed}, отмечено для решения — {change.flagged}.",
                    "success",
                )
            return redirect(url_for("roadmaps.activity", roadmap_id=roadmap.id, activity_id=activity.id))
        change = targeting.plan_change(activity, roadmap, specs)
    return render_template(
        "analysis/targets.html",
        roadmap=roadmap,
        activity=activity,
        form=form,
        runs=runs,
        member_counts=member_counts,
        current_labels=targeting.target_labels(current),
        change=change,
        key=key,
        group_labels=GROUP_LABELS,
        groups=GROUPS,
        featured=(SHNOR, SHNSU),
    )


def _member_counts(runs, area: Organization) -> dict[tuple[int, str], int]:
    """Return per (run, group) the number of its schools inside the area."""
    if not runs:
        return {}
    columns = [func.sum(getattr(RunSchool, GROUP_COLUMNS[g]).cast(Integer)) for g in GROUPS]
    rows = db.session.execute(
        select(RunSchool.run_id, *columns)
        .join(Organization, Organization.id == RunSchool.organization_id)
        .where(RunSchool.run_id.in_([run.id for run in runs]), Organization.path.startswith(area.path))
        .group_by(RunSchool.run_id)
    ).all()
    return {
        (run_id, group): count or 0
        for run_id, *counts in rows
        for group, count in zip(GROUPS, counts, strict=True)
    }
