"""Pages of the roadmap import: upload → preview → save, and re-import of a corrected version."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from tracker.auth.access import get_roadmap_or_404, require_edit
from tracker.auth.forms import EmptyForm
from tracker.dates import plural_ru
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps import import_store as store
from tracker.roadmaps import importing
from tracker.roadmaps.forms import RevisionForm
from tracker.roadmaps.import_forms import ImportUploadForm, PreviewForm, ReimportUploadForm
from tracker.roadmaps.importer import (
    ParsedActivity,
    ParsedRoadmap,
    RoadmapFileError,
    correct_deadlines,
    read_roadmap,
)
from tracker.roadmaps.views import _owner_choices
from tracker.storage import clean_filename

log = logging.getLogger(__name__)

CREATOR_ROLES = ("admin", "coordinator", "school")
# Room for the form's other fields and the multipart framing around the file.
_FORM_OVERHEAD = 64 * 1024
# Tokens a session remembers; older uploads expire on disk anyway.
_SESSION_TOKENS = 10
_ACTIVITY_FORMS = ("мероприятие", "мероприятия", "мероприятий")


# ------------------------------------------------------------------------------------------------ helpers


def _require_creator() -> None:
    """Answer 403 unless the user may create roadmaps."""
    if current_user.role.value not in CREATOR_ROLES:
        abort(403)


def _import_limit() -> int:
    """Return the largest accepted roadmap file in bytes."""
    return current_app.config["MAX_IMPORT_MB"] * 1024 * 1024


def _refuse_oversized_request() -> None:
    """Answer 413 when the declared body is larger than any acceptable roadmap file."""
    if request.content_length and request.content_length > _import_limit() + _FORM_OVERHEAD:
        abort(413)


def _read_upload(storage) -> bytes:
    """Return the uploaded file's bytes, answering 413 past the import limit (a body may lack its length)."""
    data = storage.read(_import_limit() + 1)
    if len(data) > _import_limit():
        abort(413)
    return data


def _remember(token: str) -> None:
    """Tie an upload to the browser session that made it."""
    session["imports"] = [*session.get("imports", []), token][-_SESSION_TOKENS:]


def _pending_or_404(token: str, roadmap_id: int | None = None) -> store.PendingImport:
    """Return the user's own pending upload for this page, or answer 404 for any other token."""
    if token not in session.get("imports", []):
        abort(404)
    pending = store.load_pending(token, current_user.id)
    if pending is None or pending.roadmap_id != roadmap_id:
        abort(404)
    return pending


def _forget(token: str) -> None:
    """Delete an upload and drop it from the session."""
    store.discard_pending(token)
    session["imports"] = [t for t in session.get("imports", []) if t != token]


def _parse(pending: store.PendingImport, period=None) -> ParsedRoadmap:
    """Parse a pending upload with the choices made so far."""
    parsed = read_roadmap(store.read_data(pending), pending.filename, period or pending.period)
    if pending.corrections:
        correct_deadlines(parsed, pending.corrections)
    return parsed


def is_flagged(activity: ParsedActivity) -> bool:
    """Tell whether the preview must draw attention to an activity's deadline."""
    return activity.needs_review or not activity.occurrences


# ------------------------------------------------------------------------------------------- new roadmap


def upload():
    """Take a roadmap file and its owner; refuse bad files with the reason."""
    _require_creator()
    _refuse_oversized_request()
    form = ImportUploadForm()
    form.organization_id.choices = _owner_choices()
    if request.method == "GET":
        form.organization_id.data = current_user.organization_id
    if form.validate_on_submit():
        data = _read_upload(form.file.data)
        filename = clean_filename(form.file.data.filename)
        try:
            # Parsed now so that a bad file is refused on the form, not on the next page.
            read_roadmap(data, filename, form.period)
        except RoadmapFileError as exc:
            log.info("import of %s by user %s refused: %s", filename, current_user.id, exc.message)
            form.file.errors.append(exc.message)
        else:
            pending = store.create_pending(
                data,
                current_user.id,
                filename,
                organization_id=form.organization_id.data,
                period=form.period,
            )
            _remember(pending.token)
            return redirect(url_for("roadmaps.import_preview", token=pending.token))
    status = 422 if form.is_submitted() else 200
    return render_template("roadmaps/import_upload.html", form=form), status


def preview(token: str):
    """Show what the file gives; take corrected deadlines and period; save on request."""
    _require_creator()
    pending = _pending_or_404(token)
    try:
        parsed = _parse(pending)
    except RoadmapFileError as exc:
        _forget(token)
        flash(exc.message, "danger")
        return redirect(url_for("roadmaps.import_upload"))
    form = PreviewForm()
    if form.validate_on_submit():
        _take_corrections(pending, parsed, form)
        store.save_pending(pending)
        if form.save.data and parsed.activities:
            return _save_new(pending)
        return redirect(url_for("roadmaps.import_preview", token=token))
    if not form.is_submitted():
        form.period_start.data, form.period_end.data = parsed.period
        for activity in parsed.activities:
            if is_flagged(activity) or activity.row in pending.corrections:
                form.corrections.append_entry(
                    {"row": activity.row, "deadline_text": activity.deadline_text or ""}
                )
    organization = db.session.get(Organization, pending.organization_id)
    return render_template(
        "roadmaps/import_preview.html",
        form=form,
        parsed=parsed,
        pending=pending,
        organization=organization,
        entries={_row_of(entry): entry for entry in form.corrections},
        flagged=sum(is_flagged(a) for a in parsed.activities),
        is_flagged=is_flagged,
        cancel_form=EmptyForm(),
    ), (422 if form.is_submitted() else 200)


def _take_corrections(pending: store.PendingImport, parsed: ParsedRoadmap, form: PreviewForm) -> None:
    """Keep the typed deadline texts of this file's rows and a period that differs from the one shown."""
    current = {a.row: a.deadline_text or "" for a in parsed.activities}
    for entry in form.corrections:
        row = _row_of(entry)
        text = (entry.deadline_text.data or "").strip()
        # Only this file's rows count; an input left as shown is no correction.
        if row in current and text and text != current[row]:
            pending.corrections[row] = text
    if form.period and form.period != parsed.period:
        pending.period = form.period


def _row_of(entry) -> int | None:
    """Return the file row a correction entry stands for."""
    value = str(entry.row.data or "")
    return int(value) if value.isdigit() else None


def _save_new(pending: store.PendingImport):
    """Save the pending upload as a new draft roadmap and open it."""
    if pending.organization_id not in {value for value, _ in _owner_choices()}:
        abort(403)
    parsed = _parse(pending)
    organization = db.session.get(Organization, pending.organization_id)
    roadmap = importing.import_roadmap(current_user, organization, parsed, pending.filename)
    db.session.commit()
    _forget(pending.token)
    count = len(parsed.activities)
    flash(
        f"Дорожная карта импортирована как черновик: {count} {plural_ru(count, _ACTIVITY_FORMS)}. "
        "Проверьте сроки, отмеченные для уточнения, и отправьте карту на согласование.",
        "success",
    )
    return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))


def cancel(token: str):
    """Drop a pending upload."""
    _require_creator()
    pending = _pending_or_404(token)
    if EmptyForm().validate_on_submit():
        _forget(pending.token)
        flash("Загруженный файл удалён, дорожная карта не создана.", "info")
    return redirect(url_for("roadmaps.index"))


# ------------------------------------------------------------------------------------- corrected version


def reimport_upload(roadmap_id: int):
    """Take a corrected version of a roadmap."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    _refuse_oversized_request()
    form = ReimportUploadForm()
    if form.validate_on_submit():
        data = _read_upload(form.file.data)
        filename = clean_filename(form.file.data.filename)
        try:
            read_roadmap(data, filename, roadmap.period)
        except RoadmapFileError as exc:
            log.info("corrected version %s of roadmap %s refused: %s", filename, roadmap.id, exc.message)
            form.file.errors.append(exc.message)
        else:
            pending = store.create_pending(
                data, current_user.id, filename, roadmap_id=roadmap.id, period=roadmap.period
            )
            _remember(pending.token)
            return redirect(url_for("roadmaps.reimport_compare", roadmap_id=roadmap.id, token=pending.token))
    status = 422 if form.is_submitted() else 200
    return render_template("roadmaps/import_reupload.html", form=form, roadmap=roadmap), status


def reimport_compare(roadmap_id: int, token: str):
    """Show the corrected version side by side with the roadmap; apply it with the reason and order."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    pending = _pending_or_404(token, roadmap.id)
    try:
        parsed = _parse(pending, roadmap.period)
    except RoadmapFileError as exc:
        _forget(token)
        flash(exc.message, "danger")
        return redirect(url_for("roadmaps.reimport_upload", roadmap_id=roadmap.id))
    form = RevisionForm()
    if form.validate_on_submit():
        result = importing.apply_reimport(
            current_user,
            roadmap,
            parsed,
            pending.filename,
            form.reason.data,
            form.order_number.data,
            form.order_date.data,
        )
        db.session.commit()
        _forget(token)
        flash(
            f"Корректировка № {result.revision_number} применена: добавлено {len(result.added)}, "
            f"изменено {len(result.changed)}, удалено {len(result.removed)}.",
            "success",
        )
        if result.kept:
            names = "; ".join(f"{a.number} {a.title}".strip()[:120] for a in result.kept)
            flash(f"Не удалены: есть отметки о выполнении — {names}.", "warning")
        return redirect(url_for("roadmaps.show", roadmap_id=roadmap.id))
    comparison = importing.compare_with(roadmap, parsed)
    worked = importing.worked_activity_ids([key.id for key in comparison.removed])
    return render_template(
        "roadmaps/import_compare.html",
        roadmap=roadmap,
        parsed=parsed,
        pending=pending,
        comparison=comparison,
        worked=worked,
        form=form,
        is_flagged=is_flagged,
    ), (422 if form.is_submitted() else 200)
