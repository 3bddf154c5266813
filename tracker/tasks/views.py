"""Pages of task execution: «Мои задачи», the task card with its actions, lists and progress."""

import logging
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import Select, exists, select
from sqlalchemy.orm import lazyload, load_only

from tracker import stamps
from tracker.auth.access import (
    Scope,
    can_edit_roadmap,
    get_roadmap_or_404,
    user_scope,
    visible_organizations,
    visible_roadmaps,
)
from tracker.auth.forms import EmptyForm
from tracker.auth.models import User
from tracker.auth.signed_in import checks_signed_in
from tracker.db import db_int
from tracker.extensions import db
from tracker.memo import Kept, Memo, keep, send_page
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import Activity, Roadmap, Section
from tracker.roadmaps.tree import build_rows
from tracker.storage import UploadError, remove_stored, save_all, send_stored
from tracker.tasks import operations as ops
from tracker.tasks import progress, queries, rollups
from tracker.tasks.assignment import acceptors_for_tasks, assignable_users, assignees_for_tasks
from tracker.tasks.forms import (
    ACCEPT_ATTRIBUTE,
    MESSAGES,
    AcceptForm,
    AssignForm,
    BulkForm,
    CommentForm,
    CompleteForm,
    ReasonForm,
    RescheduleForm,
    ReturnForm,
    VersionedForm,
    parse_links,
    people_choices,
    upload_error_message,
)
from tracker.tasks.models import Task, TaskAssignee, TaskStatus
from tracker.tasks.permissions import (
    LISTED_ROADMAP_STATUSES,
    WORKING_ROADMAP_STATUSES,
    allowed_actions,
    capacity,
    get_evidence_or_404,
    get_task_or_404,
    may_remove_evidence,
    refusal,
)

log = logging.getLogger(__name__)

PAGE_SIZE = 50
MAX_FILES = 20


def _today() -> date:
    """Return today's date (one place to change when dates become per-organisation)."""
    return date.today()


# Rendered lists of «Мои задачи» by everything they are drawn from; per process.
_MY_PAGES: Memo[Kept] = Memo(256)


@checks_signed_in
def mine():
    """Show the signed-in user's tasks grouped by urgency."""
    today = _today()
    user = current_user._get_current_object()
    # The lists are drawn from these alone: who the user is and where, the day, the roadmaps they may see in
    # their state (their stamps cover tasks, assignees, activities and their links), and the people named
    # as doers (their stamps cover names, roles, organisations and active accounts).
    scope = user_scope(user)
    key = (
        user.id,
        user.role,
        user.organization_id,
        scope,
        today,
        stamps.state_of(
            ("mine", scope),
            lambda: [
                (queries.visible_roadmaps_in(user, LISTED_ROADMAP_STATUSES), Roadmap.content_stamp),
                stamps.whole(User),
            ],
        ),
    )
    return send_page("tasks/mine.html", _MY_PAGES.get(key, lambda: _my_lists(user, today)))


def _my_lists(user: User, today: date) -> Kept:
    """Query and render the user's task lists."""
    groups = queries.my_tasks(user, today)
    tasks = [t for g in groups.values() for t in g.tasks]
    assignees = assignees_for_tasks(list({t.id for t in tasks}))
    return keep("tasks/_mine_body.html", groups=groups, today=today, assignees=assignees)


# --- the task card ------------------------------------------------------------------------------------


def _forms(task: Task, roadmap: Roadmap, overrides: dict | None = None) -> dict:
    """Return the forms of the task card, fresh unless a submitted one is given back with its errors."""
    version = str(task.version)
    forms = {
        "complete": CompleteForm(formdata=None, version=version),
        "accept": AcceptForm(formdata=None, version=version),
        "return": ReturnForm(formdata=None, version=version),
        "not_done": ReasonForm(formdata=None, version=version),
        "cancel": ReasonForm(formdata=None, version=version),
        "reopen": ReasonForm(formdata=None, version=version),
        "comment": CommentForm(formdata=None),
        "assign": AssignForm(formdata=None),
        "reschedule": RescheduleForm(formdata=None),
    }
    forms.update(overrides or {})
    return forms


def _render_task(task: Task, roadmap: Roadmap, overrides: dict | None = None, status: int = 200):
    """Render the task card with everything on it."""
    cap = capacity(current_user, task, roadmap)
    actions = allowed_actions(current_user, task, roadmap, cap)
    details = queries.task_details(task)
    forms = _forms(task, roadmap, overrides)
    people = assignable_users(roadmap) if "assign" in actions else []
    forms["assign"].people.choices = people_choices(people)
    is_named = db.session.execute(select(exists().where(TaskAssignee.task_id == task.id))).scalar()
    names = queries.users_by_id({task.submitted_by_id, task.accepted_by_id})
    return render_template(
        "tasks/show.html",
        task=task,
        roadmap=roadmap,
        activity=task.activity,
        actions=actions,
        capacity=cap,
        forms=forms,
        assignees=assignees_for_tasks([task.id])[task.id],
        is_named=is_named,
        acceptors=acceptors_for_tasks([task])[task.id] if roadmap.is_acceptance_required else [],
        submitted_by=names.get(task.submitted_by_id),
        accepted_by=names.get(task.accepted_by_id),
        removable={e.id for e in details["evidence"] if may_remove_evidence(current_user, task, e, actions)},
        max_upload_mb=current_app.config["MAX_UPLOAD_MB"],
        accept_attribute=ACCEPT_ATTRIBUTE,
        today=_today(),
        **details,
    ), status


def show(task_id: int):
    """Show a task: what is to be done, its status, evidence, comments and history."""
    task, roadmap = get_task_or_404(current_user, task_id)
    return _render_task(task, roadmap)[0]


def _check(task: Task, roadmap: Roadmap, action: str):
    """Answer 403 when the user may never take the action; return a redirect when the roadmap is closed.

    A wrong status is left to the operation: it tells a page gone stale (someone else acted first) from a
    plain wrong status, and the card is shown again with what the user typed.
    """
    reason = refusal(current_user, task, roadmap, action)
    if reason == "forbidden":
        abort(403)
    if reason == "roadmap_closed":
        flash(MESSAGES[reason], "warning")
        return redirect(url_for("tasks.show", task_id=task.id))
    return None


def _after_error(task: Task, roadmap: Roadmap, error: ops.TaskError, name: str, form, status: int = 409):
    """Roll back a refused change and show the card again with the user's input kept."""
    db.session.rollback()
    if error.code in ("conflict", "state"):
        task = db.session.get(Task, task.id)
        if hasattr(form, "version"):
            # What the user typed stays; the version is now the current one, so a deliberate resubmit works.
            form.version.data = str(task.version)
        flash(MESSAGES[error.code], "warning")
        return _render_task(task, roadmap, {name: form}, status)
    flash(MESSAGES.get(error.code, MESSAGES["state"]), "danger")
    return _render_task(task, roadmap, {name: form}, 422)


def max_upload_bytes() -> int:
    """Return the size limit of one evidence file."""
    return current_app.config["MAX_UPLOAD_MB"] * 1024 * 1024


def upload_message(error: UploadError) -> str:
    """Return the Russian message of a refused file."""
    return upload_error_message(error, current_app.config["MAX_UPLOAD_MB"])


def complete(task_id: int):
    """Report a task done with a note, files and links."""
    task, roadmap = get_task_or_404(current_user, task_id)
    refused = _check(task, roadmap, "complete")
    if refused:
        return refused
    form = CompleteForm()
    if not form.validate_on_submit():
        return _render_task(task, roadmap, {"complete": form}, 422)
    uploads = [f for f in request.files.getlist(form.files.name) if f and f.filename]
    if len(uploads) > MAX_FILES:
        form.files.errors = [f"Не больше {MAX_FILES} файлов за один раз."]
        return _render_task(task, roadmap, {"complete": form}, 422)
    try:
        stored = save_all(uploads, current_app.config["UPLOAD_DIR"], max_upload_bytes())
    except UploadError as error:
        form.files.errors = [upload_message(error)]
        return _render_task(task, roadmap, {"complete": form}, 413 if error.code == "too_large" else 422)
    try:
        status = ops.complete_task(
            current_user,
            task,
            roadmap,
            form.note.data,
            stored,
            parse_links(form.links.data),
            form.expected_version,
        )
        db.session.commit()
    except ops.TaskError as err:
        remove_stored(current_app.config["UPLOAD_DIR"], [s.stored_name for s in stored])
        return _after_error(task, roadmap, err, "complete", form)
    log.info("task %s completed by user %s with %s files: %s", task.id, current_user.id, len(stored), status)
    if status == TaskStatus.done:
        flash("Задача отмечена выполненной.", "success")
    else:
        flash("Отметка о выполнении отправлена на проверку.", "success")
    return redirect(url_for("tasks.show", task_id=task.id))


# Status changes taken from a form: (form class, operation, success message).
_STATUS_ACTIONS = {
    "start": (
        VersionedForm,
        lambda task, form: ops.start_task(current_user, task, form.expected_version),
        "Задача взята в работу.",
    ),
    "accept": (
        AcceptForm,
        lambda task, form: ops.accept_task(
            current_user, task, form.comment.data or "", form.expected_version
        ),
        "Выполнение принято.",
    ),
    "return": (
        ReturnForm,
        lambda task, form: ops.return_task(current_user, task, form.comment.data, form.expected_version),
        "Задача возвращена на доработку.",
    ),
    "not_done": (
        ReasonForm,
        lambda task, form: ops.mark_not_done(current_user, task, form.reason.data, form.expected_version),
        "Задача отмечена как невыполненная; причина попадёт в отчёт.",
    ),
    "cancel": (
        ReasonForm,
        lambda task, form: ops.cancel_task(current_user, task, form.reason.data, form.expected_version),
        "Задача отменена.",
    ),
    "reopen": (
        ReasonForm,
        lambda task, form: ops.reopen_task(current_user, task, form.reason.data, form.expected_version),
        "Задача снова в работе.",
    ),
}


def change_status(task_id: int, action: str):
    """Take a task into work, accept, return, mark not done, cancel or reopen it."""
    form_class, run, message = _STATUS_ACTIONS[action]
    task, roadmap = get_task_or_404(current_user, task_id)
    refused = _check(task, roadmap, action)
    if refused:
        return refused
    form = form_class()
    if not form.validate_on_submit():
        return _render_task(task, roadmap, {action: form}, 422)
    try:
        run(task, form)
        db.session.commit()
    except ops.TaskError as err:
        return _after_error(task, roadmap, err, action, form)
    log.info("task %s: %s by user %s", task.id, action, current_user.id)
    flash(message, "success")
    return redirect(url_for("tasks.show", task_id=task.id))


def comment(task_id: int):
    """Add a comment to a task."""
    task, roadmap = get_task_or_404(current_user, task_id)
    refused = _check(task, roadmap, "comment")
    if refused:
        return refused
    form = CommentForm()
    if not form.validate_on_submit():
        return _render_task(task, roadmap, {"comment": form}, 422)
    ops.add_comment(current_user, task, form.body.data)
    db.session.commit()
    flash("Комментарий добавлен.", "success")
    return redirect(url_for("tasks.show", task_id=task.id, _anchor="comments"))


def _people(roadmap: Roadmap, ids: list[int]):
    """Return the chosen people, answering 404 when any of them cannot be named on this roadmap."""
    allowed = {u.id: u for u in assignable_users(roadmap)}
    if any(i not in allowed for i in ids):
        abort(404)
    return [allowed[i] for i in dict.fromkeys(ids)]


def assign(task_id: int):
    """Name people on one task."""
    task, roadmap = get_task_or_404(current_user, task_id)
    refused = _check(task, roadmap, "assign")
    if refused:
        return refused
    form = AssignForm()
    if not form.validate_on_submit():
        return _render_task(task, roadmap, {"assign": form}, 422)
    people = _people(roadmap, form.people.data or [])
    if ops.assign_tasks(current_user, [task], people, form.mode.data):
        flash("Исполнители назначены.", "success")
    else:
        flash("Исполнители не изменились.", "info")
    db.session.commit()
    return redirect(url_for("tasks.show", task_id=task.id))


def reschedule(task_id: int):
    """Move one task's due date, with a reason."""
    task, roadmap = get_task_or_404(current_user, task_id)
    refused = _check(task, roadmap, "reschedule")
    if refused:
        return refused
    form = RescheduleForm()
    if not form.validate_on_submit():
        return _render_task(task, roadmap, {"reschedule": form}, 422)
    try:
        moved = ops.reschedule_tasks(
            current_user, [task], form.reason.data, form.due.data, form.shift_days.data or None
        )
        db.session.commit()
    except ops.TaskError as err:
        return _after_error(task, roadmap, err, "reschedule", form)
    if moved:
        flash("Срок перенесён; причина записана в историю.", "success")
    else:
        flash("Срок не изменился: задача закрыта или дата та же.", "info")
    return redirect(url_for("tasks.show", task_id=task.id))


def evidence(task_id: int, evidence_id: int):
    """Send an evidence file as an attachment to those who may see the task."""
    task, _ = get_task_or_404(current_user, task_id)
    item = get_evidence_or_404(task, evidence_id)
    return _send_evidence(item)


def _send_evidence(item):
    """Answer the stored file of a piece of evidence, or 404 when it is a link or the file is gone."""
    response = None
    if item.stored_name:
        response = send_stored(
            current_app.config["UPLOAD_DIR"], item.stored_name, item.original_filename, item.content_type
        )
    if response is None:
        abort(404)
    return response


def evidence_remove(task_id: int, evidence_id: int):
    """Take a piece of evidence off an open task."""
    task, roadmap = get_task_or_404(current_user, task_id)
    item = get_evidence_or_404(task, evidence_id)
    if not may_remove_evidence(current_user, task, item, allowed_actions(current_user, task, roadmap)):
        abort(403)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        stored_name = ops.remove_evidence(current_user, task, item)
        db.session.commit()
    except ops.TaskError as err:
        db.session.rollback()
        flash(MESSAGES[err.code], "warning")
        return redirect(url_for("tasks.show", task_id=task.id))
    if stored_name:
        remove_stored(current_app.config["UPLOAD_DIR"], [stored_name])
    flash("Подтверждение удалено; это записано в историю задачи.", "success")
    return redirect(url_for("tasks.show", task_id=task.id))


# --- lists and progress -------------------------------------------------------------------------------


def _filters() -> queries.TaskFilter:
    """Read the task list filters from the query string."""
    args = request.args

    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(args.get(name, ""))
        except ValueError:
            return None

    return queries.TaskFilter(
        status=args.get("status", ""),
        direction=args.get("direction", type=db_int),
        organization=args.get("org", type=db_int),
        overdue=args.get("overdue") == "1",
        due_from=day("from"),
        due_to=day("to"),
        text=args.get("q", "").strip()[:200],
    )


def roadmap_tasks(roadmap_id: int):
    """List a roadmap's tasks with filters; coordinators assign and move many at once."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    today = _today()
    flt = _filters()
    page = max(request.args.get("page", 1, type=db_int), 1)
    query = queries.filtered_tasks(roadmap, flt, today)
    tasks = (
        db.session.execute(queries.with_details(query).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE))
        .unique()
        .scalars()
        .all()
    )
    has_more = len(tasks) > PAGE_SIZE
    tasks = list(tasks[:PAGE_SIZE])
    can_coordinate = can_edit_roadmap(current_user, roadmap)
    assign_form = AssignForm(formdata=None)
    if can_coordinate:
        assign_form.people.choices = people_choices(assignable_users(roadmap))
    sections, _, responsible = queries.roadmap_structure(roadmap.id)
    org_ids = {o for ids in responsible.values() for o in ids}
    return render_template(
        "tasks/list.html",
        roadmap=roadmap,
        tasks=tasks,
        assignees=assignees_for_tasks([t.id for t in tasks]),
        page=page,
        has_more=has_more,
        filters=request.args.to_dict(),
        directions=_directions(sections),
        organizations=sorted(queries.organizations_by_id(org_ids).values(), key=lambda o: o.short_name),
        can_coordinate=can_coordinate,
        bulk_form=BulkForm(formdata=None),
        assign_form=assign_form,
        reschedule_form=RescheduleForm(formdata=None),
        today=today,
    )


def bulk(roadmap_id: int):
    """Assign people to, or move the due dates of, the ticked tasks of a roadmap."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    if not can_edit_roadmap(current_user, roadmap):
        abort(403)
    back = url_for("tasks.roadmap_tasks", roadmap_id=roadmap.id, **request.args.to_dict())
    form = BulkForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
        return redirect(back)
    ids = set(form.task_ids.data)
    tasks = (
        db.session.execute(select(Task).where(Task.id.in_(ids), Task.roadmap_id == roadmap.id))
        .scalars()
        .all()
    )
    if len(tasks) != len(ids):
        # A ticked id from another roadmap or scope is a forged request.
        abort(404)
    if roadmap.status not in WORKING_ROADMAP_STATUSES:
        flash(MESSAGES["roadmap_closed"], "warning")
        return redirect(back)
    action = request.form.get("action")
    if action == "assign":
        sub = AssignForm()
        if not sub.validate():
            flash("Выберите хотя бы одного исполнителя.", "danger")
            return redirect(back)
        changed = ops.assign_tasks(
            current_user, list(tasks), _people(roadmap, sub.people.data or []), sub.mode.data
        )
        db.session.commit()
        flash(f"Исполнители назначены, изменено задач: {changed}.", "success")
    elif action == "reschedule":
        sub = RescheduleForm()
        if not sub.validate():
            for errors in sub.errors.values():
                for error in errors:
                    flash(error, "danger")
            return redirect(back)
        try:
            moved = ops.reschedule_tasks(
                current_user, list(tasks), sub.reason.data, sub.due.data, sub.shift_days.data or None
            )
            db.session.commit()
        except ops.TaskError as err:
            db.session.rollback()
            flash(MESSAGES[err.code], "warning")
            return redirect(back)
        skipped = len(tasks) - moved
        message = f"Сроки перенесены, задач: {moved}."
        if skipped:
            message += f" Закрытые или с той же датой не изменены: {skipped}."
        flash(message, "success")
    else:
        abort(400)
    return redirect(back)


def _directions(sections: list[Section]) -> list[Section]:
    """Return the top-level sections in document order."""
    return sorted((s for s in sections if s.parent_id is None), key=lambda s: (s.position, s.id))


def roadmap_progress(roadmap_id: int):
    """Show how far the roadmap has come: per direction, per responsible organisation, and what is late."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    today = _today()
    rows = queries.activity_status_rows(roadmap.id, today)
    sections, activity_section, responsible = queries.roadmap_structure(roadmap.id)
    section_top = progress.top_section_of((s.id, s.parent_id) for s in sections)
    per_direction = progress.by_direction(rows, activity_section, section_top)
    per_org = progress.by_organization(rows, responsible)
    orgs = queries.organizations_by_id(per_org)
    overdue, overdue_total = queries.overdue_tasks(roadmap.id, today, 20)
    return render_template(
        "tasks/progress.html",
        roadmap=roadmap,
        totals=progress.total_counts(rows),
        directions=[(d, per_direction.get(d.id, progress.Counts())) for d in _directions(sections)],
        no_direction=per_direction.get(None),
        organizations=progress.lagging_first(
            [(orgs[k], c) for k, c in per_org.items() if k is not None and k in orgs]
        ),
        unlinked=per_org.get(None),
        overdue=overdue,
        overdue_total=overdue_total,
        assignees=assignees_for_tasks([t.id for t in overdue]),
        today=today,
    )


def roadmap_timeline(roadmap_id: int):
    """Show a year of the roadmap month by month: what is done, waiting, late or ahead."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    today = _today()
    years = queries.task_years(roadmap)
    year = request.args.get("year", type=db_int)
    if year not in years:
        year = today.year if today.year in years else years[0]
    grid = progress.timeline(queries.timeline_rows(roadmap.id, year, today))
    sections = list(db.session.execute(select(Section).where(Section.roadmap_id == roadmap.id)).scalars())
    activities = list(
        db.session.execute(
            select(Activity).where(Activity.roadmap_id == roadmap.id, Activity.id.in_(list(grid) or [0]))
        ).scalars()
    )
    return render_template(
        "tasks/timeline.html",
        roadmap=roadmap,
        rows=build_rows(sections, activities, set(grid)),
        grid=grid,
        year=year,
        years=years,
        today=today,
    )


# Rendered figures of «Сводка исполнения» by everything they are counted from; per process.
_OVERVIEWS: Memo[Kept] = Memo(64)


@checks_signed_in
def overview():
    """Roll up the roadmaps of the user's scope: municipal ones, and per school its own and targeted tasks.

    A region holds dozens of municipalities: it shows one line each, and a municipality's detail on demand.
    """
    today = _today()
    selected = request.args.get("municipality", type=db_int)
    # The figures are counted from these alone: the roadmaps in their state (their stamps cover their tasks
    # and titles), the organisations, the day and the municipality asked for.
    scope = user_scope(current_user)
    key = (scope, today, selected, _overview_state(scope))
    body = _OVERVIEWS.get(key, lambda: _overview_body(today, selected))
    return send_page("tasks/overview.html", body, selected=selected)


def _overview_state(scope: Scope) -> tuple[int, ...]:
    """Name the state of what the overview counts: the working roadmaps of the scope and the organisations.

    A scope at the root of the tree (a region's administrator) holds every organisation while the tree has no
    other root: its roadmaps are then all working roadmaps, named from an index without matching each owner's
    path — and the same statement counts the other roots, so the shortcut is taken only while it is exact.
    """
    if not scope.local:
        other_roots = select(Organization).where(
            Organization.parent_id.is_(None), Organization.path != scope.full_path
        )
        everything = select(Roadmap).where(Roadmap.status.in_(WORKING_ROADMAP_STATUSES))
        count, total, roots, _, organizations = stamps.state_of(
            ("overview of everything", scope),
            lambda: [
                (everything, Roadmap.content_stamp),
                (other_roots, Organization.stamp),
                stamps.whole(Organization),
            ],
        )
        if roots == 0:
            return count, total, organizations
    return stamps.state_of(
        ("overview", scope),
        lambda: [(_working_roadmaps(), Roadmap.content_stamp), stamps.whole(Organization)],
    )


def _working_roadmaps() -> Select:
    return visible_roadmaps(current_user).where(Roadmap.status.in_(WORKING_ROADMAP_STATUSES))


def _overview_body(today: date, selected: int | None) -> Kept:
    """Count and render the overview's figures: a line per municipality, or a municipality's detail."""
    working, visible = _working_roadmaps(), visible_organizations(current_user)
    listed = db.session.execute(
        working.with_only_columns(
            Roadmap.id, Roadmap.organization_id, Roadmap.tasks_version, Roadmap.content_stamp
        )
    ).all()
    columns = (Organization.id, Organization.path, Organization.kind, Organization.short_name)
    organization_rows = db.session.execute(visible.with_only_columns(*columns)).all()
    owners = {roadmap_id: owner_id for roadmap_id, owner_id, _, _ in listed}
    # Counting may commit cached figures, so it runs before the page's objects are loaded.
    summaries = rollups.municipality_lines(listed, organization_rows, today)
    if selected is None and len(summaries) > 1:
        return keep("tasks/_overview_body.html", summaries=summaries, summary=True)
    # Counted already for the lines (or counted now, committing, before anything else is loaded).
    rows = rollups.status_rows({roadmap_id: version for roadmap_id, _, version, _ in listed}, today)
    area = next((s.municipality for s in summaries if s.municipality and s.municipality.id == selected), None)
    if area is not None and area.kind == OrgKind.municipality:
        visible = visible.where(Organization.path.startswith(area.path))
    # Only what the page shows is loaded; a roadmap's owner comes from the organisations in the session.
    organizations = (
        db.session.execute(visible.options(load_only(*columns)).order_by(Organization.path)).scalars().all()
    )
    shown = {o.id for o in organizations}
    roadmaps = (
        db.session.execute(
            working.where(Roadmap.organization_id.in_(shown))
            .options(
                load_only(Roadmap.id, Roadmap.title, Roadmap.organization_id), lazyload(Roadmap.organization)
            )
            .order_by(Roadmap.title)
        )
        .scalars()
        .all()
    )
    groups = progress.rollup(
        organizations,
        roadmaps,
        progress.counts_by((r for r in rows if r[0] in owners and owners[r[0]] in shown), lambda row: row[0]),
        progress.counts_by((r for r in rows if r[1] in shown), lambda row: row[1]),
    )
    if selected is not None:
        groups = [g for g in groups if g.municipality is not None and g.municipality.id == selected]
    return keep("tasks/_overview_body.html", groups=groups, summary=False)
