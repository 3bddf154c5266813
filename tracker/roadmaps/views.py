"""Pages of the roadmap workspace."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_, case, func, select

from tracker.auth.access import (
    RoadmapHeading,
    can_edit_roadmap,
    get_roadmap_or_404,
    require_edit,
    roadmap_heading_or_404,
    visible_organizations,
    visible_roadmaps,
)
from tracker.auth.forms import EmptyForm
from tracker.auth.signed_in import checks_signed_in
from tracker.db import db_int, normalize_text
from tracker.extensions import db
from tracker.memo import Kept, Memo, fragment, keep, send_page
from tracker.roadmaps import operations as ops
from tracker.roadmaps.deadlines import parse_deadline
from tracker.roadmaps.forms import (
    ActivityForm,
    RevisionForm,
    RoadmapForm,
    ScheduleForm,
    SectionForm,
    StatusForm,
)
from tracker.roadmaps.models import (
    STATUS_TRANSITIONS,
    Activity,
    HistoryEntry,
    Revision,
    Roadmap,
    RoadmapStatus,
    Section,
)
from tracker.roadmaps.tree import build_rows, section_choices
from tracker.tasks import operations as task_ops
from tracker.tasks.models import CLOSED_STATUSES, Task
from tracker.tasks.queries import completion_marks

# The form edits every passport field and every activity field except the completion mark.
PASSPORT_FORM_FIELDS = ops.PASSPORT_FIELDS
ACTIVITY_FORM_FIELDS = tuple(f for f in ops.ACTIVITY_FIELDS if f != "completion_mark")


def index():
    """List the roadmaps the user may see."""
    roadmaps = (
        db.session.execute(
            visible_roadmaps(current_user).order_by(Roadmap.period_start.desc(), Roadmap.title)
        )
        .scalars()
        .all()
    )
    ids = [r.id for r in roadmaps]
    counts = (
        dict(
            db.session.execute(
                select(Activity.roadmap_id, func.count(Activity.id))
                .where(Activity.roadmap_id.in_(ids))
                .group_by(Activity.roadmap_id)
            ).all()
        )
        if ids
        else {}
    )
    overdue = (
        dict(
            db.session.execute(
                select(Task.roadmap_id, func.count(Task.id))
                .where(Task.roadmap_id.in_(ids), Task.due < date.today(), Task.status.notin_(CLOSED_STATUSES))
                .group_by(Task.roadmap_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "roadmaps/index.html",
        roadmaps=roadmaps,
        counts=counts,
        overdue=overdue,
        can_create=current_user.role.value in ("admin", "coordinator", "school"),
    )


def _owner_choices() -> list[tuple[int, str]]:
    """Return the organisations the user may create roadmaps for."""
    orgs = db.session.execute(visible_organizations(current_user).order_by("path")).scalars().all()
    if current_user.role.value == "school":
        orgs = [o for o in orgs if o.is_school]
    return [(o.id, o.short_name) for o in orgs]


def new():
    """Create a roadmap."""
    if current_user.role.value not in ("admin", "coordinator", "school"):
        abort(403)
    form = RoadmapForm()
    form.organization_id.choices = _owner_choices()
    if request.method == "GET":
        form.organization_id.data = current_user.organization_id
        form.period_start.data = date(date.today().year, 1, 1)
        form.period_end.data = date(date.today().year + 4, 12, 31)
    if form.validate_on_submit():
        from tracker.orgs.models import Organization

        organization = db.session.get(Organization, form.organization_id.data)
        fields = {name: getattr(form, name).data for name in PASSPORT_FORM_FIELDS}
        fields["title"] = fields["title"].strip()
        roadmap = ops.create_roadmap(current_user, organization, **fields)
        db.session.commit()
        flash("Дорожная карта создана. Добавьте разделы и мероприятия.", "success")
        return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    return render_template("roadmaps/form.html", form=form, roadmap=None)


def _load_tree(roadmap: Roadmap) -> tuple[list[Section], list[Activity]]:
    """Load all sections and activities of a roadmap in two queries."""
    sections = db.session.execute(select(Section).where(Section.roadmap_id == roadmap.id)).scalars().all()
    activities = db.session.execute(select(Activity).where(Activity.roadmap_id == roadmap.id)).scalars().all()
    return list(sections), list(activities)


@dataclass(frozen=True)
class RoadmapTable:
    """The roadmap page's filters and table, rendered from the roadmap's content."""

    html: Markup
    # How many rows (sections and activities) the table has.
    rows: int
    # How many activities have deadlines to clarify.
    review_count: int


@dataclass(frozen=True)
class RoadmapPage:
    """The roadmap page below the menu: heading, buttons, status form, filters and table."""

    title: str
    part: Kept


# Rendered pages by the roadmap's and its owner's stamps, the viewer's rights, the filters and the day; per
# process. Their forms' CSRF tokens are written in as each page is sent (tracker/memo.py).
_PAGES: Memo[RoadmapPage] = Memo(64)
FILTERS = ("direction", "responsible", "q")


@checks_signed_in
def show(roadmap_id: int):
    """Show the roadmap as a tree table with filters."""
    heading = roadmap_heading_or_404(current_user, roadmap_id)
    filters = {name: request.args.get(name, "") for name in FILTERS}
    today = date.today()
    # Everything the page is rendered from: a change to the roadmap, its sections, activities, tasks or
    # evidence gives it a new content stamp (tracker/tasks/rollups.py), a change to its owner (name, time
    # zone) a new owner stamp; the report forms offer the period current where the owner is.
    local_today = datetime.now(ZoneInfo(heading.owner_timezone)).date()
    key = (heading, today, local_today, *filters.values())
    page = _PAGES.get(key, lambda: _render_page(heading, today, filters))
    return send_page("roadmaps/show.html", page.part, title=page.title)


def _render_page(heading: RoadmapHeading, today: date, filters: dict[str, str]) -> RoadmapPage:
    # The heading was read through the viewer's scope: the roadmap is one they may see.
    roadmap = db.session.get_one(Roadmap, heading.id)
    table = _render_table(roadmap, today, heading.may_edit, filters)
    part = keep(
        "roadmaps/_page.html",
        roadmap=roadmap,
        table=table,
        can_edit=heading.may_edit,
        transitions=STATUS_TRANSITIONS[roadmap.status],
    )
    return RoadmapPage(roadmap.title, part)


def _render_table(roadmap: Roadmap, today: date, can_edit: bool, filters: dict[str, str]) -> RoadmapTable:
    """Load the roadmap's tree, its tasks' figures and marks, and render the filters and the table."""
    sections, activities = _load_tree(roadmap)
    try:
        direction = db_int(filters["direction"])
    except ValueError:
        direction = None
    responsible, text = normalize_text(filters["responsible"]), normalize_text(filters["q"])
    keep = None
    if direction or responsible or text:
        query = select(Activity.id).where(Activity.roadmap_id == roadmap.id)
        if responsible:
            query = query.where(Activity.responsible_norm.contains(responsible, autoescape=True))
        if text:
            query = query.where(Activity.search_text.contains(text, autoescape=True))
        keep = set(db.session.execute(query).scalars())
        if direction:
            inside = _subtree(sections, direction)
            keep = {a.id for a in activities if a.id in keep and a.section_id in inside}
    rows = build_rows(sections, activities, keep)
    html = fragment(
        "roadmaps/_table.html",
        roadmap=roadmap,
        rows=rows,
        stats=_task_stats(roadmap, today),
        marks=completion_marks(roadmap),
        can_edit=can_edit,
        filters=filters,
        directions=sorted((s for s in sections if s.parent_id is None), key=lambda s: (s.position, s.id)),
        responsibles=sorted({a.responsible for a in activities if a.responsible}),
        shown=sum(r.kind == "activity" for r in rows),
        total=len(activities),
    )
    return RoadmapTable(html=html, rows=len(rows), review_count=sum(a.is_review_needed for a in activities))


def _subtree(sections: list[Section], root: int) -> set[int]:
    """Return the ids of a section and its descendants."""
    inside, changed = {root}, True
    while changed:
        changed = False
        for s in sections:
            if s.parent_id in inside and s.id not in inside:
                inside.add(s.id)
                changed = True
    return inside


def _task_stats(roadmap: Roadmap, today: date) -> dict[int, dict]:
    """Return per activity its number of tasks, closed and overdue ones and the next due date (in SQL)."""
    closed = Task.status.in_(CLOSED_STATUSES)
    rows = db.session.execute(
        select(
            Task.activity_id,
            func.count(Task.id),
            func.sum(case((closed, 1), else_=0)),
            func.sum(case((and_(~closed, Task.due < today), 1), else_=0)),
            func.min(case((and_(~closed, Task.due >= today), Task.due), else_=None)),
        )
        .where(Task.roadmap_id == roadmap.id)
        .group_by(Task.activity_id)
    ).all()
    return {
        activity_id: {"total": total, "closed": done or 0, "overdue": late or 0, "next": upcoming}
        for activity_id, total, done, late, upcoming in rows
    }


def passport(roadmap_id: int):
    """Edit the roadmap's passport."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    form = RoadmapForm(obj=roadmap)
    form.organization_id.choices = [(roadmap.organization_id, roadmap.organization.short_name)]
    form.organization_id.data = roadmap.organization_id
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in PASSPORT_FORM_FIELDS}
        fields["title"] = fields["title"].strip()
        changed = ops.update_passport(current_user, roadmap, **fields)
        db.session.commit()
        flash("Паспорт сохранён." if changed else "Изменений нет.", "success" if changed else "info")
        return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    return render_template("roadmaps/form.html", form=form, roadmap=roadmap)


def change_status(roadmap_id: int):
    """Move the roadmap to another status."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    form = StatusForm()
    form.status.choices = [(s.value, s.value) for s in STATUS_TRANSITIONS[roadmap.status]]
    if form.validate_on_submit():
        ops.change_status(
            current_user,
            roadmap,
            RoadmapStatus(form.status.data),
            form.order_number.data,
            form.order_date.data,
        )
        db.session.commit()
        flash("Статус дорожной карты изменён.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error if isinstance(error, str) else "Недопустимый статус.", "danger")
    return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))


def history(roadmap_id: int):
    """Show the roadmap's corrections and every recorded change."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    return _render_history(roadmap, RevisionForm())


def _render_history(roadmap: Roadmap, form: RevisionForm):
    """Render the history page with the correction form as given."""
    page = max(request.args.get("page", 1, type=db_int), 1)
    entries = (
        db.session.execute(
            select(HistoryEntry)
            .where(HistoryEntry.roadmap_id == roadmap.id)
            .order_by(HistoryEntry.created_dt.desc(), HistoryEntry.id.desc())
            .limit(101)
            .offset((page - 1) * 100)
        )
        .scalars()
        .all()
    )
    revisions = (
        db.session.execute(
            select(Revision).where(Revision.roadmap_id == roadmap.id).order_by(Revision.number.desc())
        )
        .scalars()
        .all()
    )
    pending = db.session.execute(
        select(func.count(HistoryEntry.id)).where(
            HistoryEntry.roadmap_id == roadmap.id,
            HistoryEntry.revision_id.is_(None),
            HistoryEntry.entity_type.in_(("section", "activity", "roadmap")),
        )
    ).scalar()
    return render_template(
        "roadmaps/history.html",
        roadmap=roadmap,
        entries=entries[:100],
        has_more=len(entries) > 100,
        page=page,
        revisions=revisions,
        pending=pending,
        form=form,
        can_edit=can_edit_roadmap(current_user, roadmap),
    )


def revise(roadmap_id: int):
    """Record a correction with its reason and approving order."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    form = RevisionForm()
    if form.validate_on_submit():
        revision = ops.record_revision(
            current_user, roadmap, form.reason.data, form.order_number.data, form.order_date.data
        )
        db.session.commit()
        flash(f"Корректировка № {revision.number} зафиксирована.", "success")
        return redirect(url_for("roadmaps.history", roadmap_id=roadmap.id))
    return _render_history(roadmap, form), 422


def _get_section(roadmap: Roadmap, section_id: int) -> Section:
    """Return a section of this roadmap or answer 404."""
    section = db.session.get(Section, section_id)
    if section is None or section.roadmap_id != roadmap.id:
        abort(404)
    return section


def _get_activity(roadmap: Roadmap, activity_id: int) -> Activity:
    """Return an activity of this roadmap or answer 404."""
    activity = db.session.get(Activity, activity_id)
    if activity is None or activity.roadmap_id != roadmap.id:
        abort(404)
    return activity


def section_form(roadmap_id: int, section_id: int | None = None):
    """Add a section or edit one."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    section = _get_section(roadmap, section_id) if section_id else None
    sections, _ = _load_tree(roadmap)
    form = SectionForm(obj=section)
    form.parent_id.choices = [(None, "— верхний уровень —"), *section_choices(sections, exclude=section_id)]
    if request.method == "GET" and section is None:
        form.parent_id.data = request.args.get("parent", type=db_int)
    if form.validate_on_submit():
        try:
            if section is None:
                ops.add_section(current_user, roadmap, form.parent_id.data, form.number.data, form.title.data)
                message = "Раздел добавлен."
            else:
                ops.update_section(
                    current_user,
                    roadmap,
                    section,
                    form.parent_id.data,
                    number=form.number.data,
                    title=form.title.data,
                )
                message = "Раздел сохранён."
        except ops.OperationError:
            db.session.rollback()
            form.parent_id.errors.append("Раздел нельзя перенести внутрь самого себя.")
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    return render_template("roadmaps/section_form.html", form=form, roadmap=roadmap, section=section)


def section_delete(roadmap_id: int, section_id: int):
    """Delete a section with its contents."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    section = _get_section(roadmap, section_id)
    if EmptyForm().validate_on_submit():
        try:
            ops.delete_section(current_user, roadmap, section)
        except ops.OperationError:
            db.session.rollback()
            flash("Раздел нельзя удалить: по его мероприятиям уже есть отметки о выполнении.", "danger")
        else:
            db.session.commit()
            flash("Раздел удалён.", "success")
    return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))


def section_move(roadmap_id: int, section_id: int, direction: str):
    """Move a section up or down among its siblings."""
    return _move(roadmap_id, lambda roadmap: _get_section(roadmap, section_id), direction)


def activity_move(roadmap_id: int, activity_id: int, direction: str):
    """Move an activity up or down within its section."""
    return _move(roadmap_id, lambda roadmap: _get_activity(roadmap, activity_id), direction)


def _move(roadmap_id: int, load, direction: str):
    """Move a section or activity one place."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    item = load(roadmap)
    if direction not in ("up", "down"):
        abort(404)
    if EmptyForm().validate_on_submit():
        if ops.move(current_user, roadmap, item, -1 if direction == "up" else 1):
            db.session.commit()
            flash("Порядок изменён.", "success")
        else:
            flash("Дальше перемещать некуда.", "info")
    anchor = f"{'s' if isinstance(item, Section) else 'a'}{item.id}"
    return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id, _anchor=anchor))


def activity_form(roadmap_id: int, activity_id: int | None = None):
    """Add an activity or edit one."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    activity = _get_activity(roadmap, activity_id) if activity_id else None
    sections, _ = _load_tree(roadmap)
    form = ActivityForm(obj=activity)
    form.section_id.choices = [(None, "— без раздела —"), *section_choices(sections)]
    if request.method == "GET" and activity is None:
        form.section_id.data = request.args.get("section", type=db_int)
    if form.validate_on_submit():
        fields = {name: getattr(form, name).data for name in ACTIVITY_FORM_FIELDS}
        if activity is None:
            activity = ops.add_activity(current_user, roadmap, form.section_id.data, **fields)
            message = "Мероприятие добавлено."
        else:
            changed = ops.update_activity(current_user, roadmap, activity, form.section_id.data, **fields)
            message = "Мероприятие сохранено." if changed else "Изменений нет."
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("roadmaps.activity", roadmap_id=roadmap.id, activity_id=activity.id))
    preview = parse_deadline(form.deadline_text.data or "", roadmap.period)
    return render_template(
        "roadmaps/activity_form.html", form=form, roadmap=roadmap, activity=activity, preview=preview
    )


def activity(roadmap_id: int, activity_id: int):
    """Show an activity with its schedule and tasks."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    item = _get_activity(roadmap, activity_id)
    tasks = (
        db.session.execute(
            select(Task).where(Task.activity_id == item.id).order_by(Task.due, Task.start, Task.id)
        )
        .scalars()
        .all()
    )
    path = []
    node = item.section
    while node is not None:
        path.insert(0, node)
        node = db.session.get(Section, node.parent_id) if node.parent_id else None
    return render_template(
        "roadmaps/activity.html",
        roadmap=roadmap,
        activity=item,
        tasks=tasks,
        path=path,
        can_edit=can_edit_roadmap(current_user, roadmap),
        action_form=EmptyForm(),
        today=date.today(),
    )


def activity_delete(roadmap_id: int, activity_id: int):
    """Delete an activity."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    item = _get_activity(roadmap, activity_id)
    if EmptyForm().validate_on_submit():
        try:
            ops.delete_activity(current_user, roadmap, item)
        except ops.OperationError:
            db.session.rollback()
            flash("Мероприятие нельзя удалить: по нему уже есть отметки о выполнении.", "danger")
            return redirect(url_for("roadmaps.activity", roadmap_id=roadmap.id, activity_id=item.id))
        db.session.commit()
        flash("Мероприятие удалено.", "success")
    return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))


def activity_schedule(roadmap_id: int, activity_id: int):
    """Set an activity's dates by hand."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    item = _get_activity(roadmap, activity_id)
    form = ScheduleForm()
    if request.method == "GET":
        tasks = (
            db.session.execute(
                select(Task)
                .where(Task.activity_id == item.id, Task.organization_id.is_(None))
                .order_by(Task.due)
            )
            .scalars()
            .all()
        )
        form.windows.data = "\n".join(
            t.due.strftime("%d.%m.%Y")
            if t.start == t.due
            else f"{t.start.strftime('%d.%m.%Y')} – {t.due.strftime('%d.%m.%Y')}"
            for t in tasks
        )
    if form.validate_on_submit():
        task_ops.override_schedule(current_user, roadmap, item, form.parsed)
        db.session.commit()
        flash("Сроки заданы вручную; они сохранятся при изменении текста срока.", "success")
        if request.args.get("next") == "review":
            return redirect(url_for("roadmaps.review", roadmap_id=roadmap.id))
        return redirect(url_for("roadmaps.activity", roadmap_id=roadmap.id, activity_id=item.id))
    return render_template("roadmaps/schedule_form.html", form=form, roadmap=roadmap, activity=item)


def activity_schedule_reset(roadmap_id: int, activity_id: int):
    """Return an activity to the dates its text gives."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    item = _get_activity(roadmap, activity_id)
    if EmptyForm().validate_on_submit():
        task_ops.clear_override(current_user, roadmap, item)
        db.session.commit()
        flash("Сроки снова рассчитываются по тексту.", "success")
    return redirect(url_for("roadmaps.activity", roadmap_id=roadmap.id, activity_id=item.id))


def review(roadmap_id: int):
    """List the activities whose dates need the coordinator's attention."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    activities = (
        db.session.execute(
            select(Activity)
            .where(Activity.roadmap_id == roadmap.id, Activity.is_review_needed.is_(True))
            .order_by(Activity.position)
        )
        .scalars()
        .all()
    )
    orphaned = (
        db.session.execute(
            select(Task).where(Task.roadmap_id == roadmap.id, Task.is_orphaned.is_(True)).order_by(Task.due)
        )
        .scalars()
        .all()
    )
    sections, all_activities = _load_tree(roadmap)
    order = {
        row.item.id: i for i, row in enumerate(build_rows(sections, all_activities)) if row.kind == "activity"
    }
    activities = sorted(activities, key=lambda a: order.get(a.id, 0))
    return render_template(
        "roadmaps/review.html",
        roadmap=roadmap,
        activities=activities,
        orphaned=orphaned,
        can_edit=can_edit_roadmap(current_user, roadmap),
    )


def deadline_preview(roadmap_id: int):
    """Answer the schedule a deadline text would give, for the activity form's live preview."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    text = request.args.get("text", "")[:2000]
    schedule = parse_deadline(text, roadmap.period)
    from tracker.dates import format_date_ru

    return jsonify(
        rule=schedule.rule,
        note=schedule.note,
        needs_review=schedule.needs_review,
        occurrences=[
            {"start": o.start.isoformat(), "due": o.due.isoformat(), "due_text": format_date_ru(o.due)}
            for o in schedule.occurrences
        ],
    )
