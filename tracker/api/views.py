"""JSON API v1: token-authenticated, scoped exactly like the web pages."""

from datetime import date

from flask import current_app, g, jsonify, request, url_for
from sqlalchemy import select

from tracker.auth.access import get_roadmap_or_404, visible_roadmaps
from tracker.auth.operations import user_for_token
from tracker.db import MAX_ID
from tracker.extensions import db
from tracker.roadmaps.models import Activity, Roadmap, Section
from tracker.roadmaps.tree import build_rows
from tracker.storage import UploadError, remove_stored, save_all, send_stored
from tracker.tasks.assignment import assignees_for_tasks, tasks_of_user
from tracker.tasks.forms import MAX_LINKS, MESSAGES, bad_link, parse_links, upload_error_message
from tracker.tasks.models import Task, TaskStatus
from tracker.tasks.operations import TaskError, accept_task, complete_task, return_task
from tracker.tasks.permissions import (
    allowed_actions,
    get_evidence_or_404,
    get_task_or_404,
    refusal,
    visible_tasks,
)
from tracker.tasks.queries import task_details, users_by_id, with_details


class ApiError(Exception):
    """An error answered as JSON with a status code."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def authenticate():
    """Resolve the bearer token of every API request or answer 401."""
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    user = user_for_token(secret.strip()) if scheme.lower() == "bearer" and secret.strip() else None
    if user is None:
        response = jsonify(error="Требуется действующий ключ API: заголовок Authorization: Bearer <ключ>.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_user = user
    db.session.commit()
    return None


def _roadmap_summary(roadmap: Roadmap) -> dict:
    """Return the list form of a roadmap."""
    return {
        "id": roadmap.id,
        "title": roadmap.title,
        "status": roadmap.status.value,
        "organization": {"id": roadmap.organization.id, "name": roadmap.organization.short_name},
        "period": {"start": roadmap.period_start.isoformat(), "end": roadmap.period_end.isoformat()},
    }


def me():
    """Describe the caller."""
    from tracker.notifications.feeds import calendar_url

    user = g.api_user
    return jsonify(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role.value,
        organization={"id": user.organization.id, "name": user.organization.short_name},
        calendar_url=calendar_url(user),
    )


def roadmaps():
    """List the roadmaps the caller may see."""
    rows = db.session.execute(visible_roadmaps(g.api_user).order_by(Roadmap.id)).scalars().all()
    return jsonify(roadmaps=[_roadmap_summary(r) for r in rows])


def roadmap(roadmap_id: int):
    """Return one roadmap with its activities and their occurrences."""
    item = get_roadmap_or_404(g.api_user, roadmap_id)
    sections = list(db.session.execute(select(Section).where(Section.roadmap_id == item.id)).scalars())
    activities = list(db.session.execute(select(Activity).where(Activity.roadmap_id == item.id)).scalars())
    tasks: dict[int, list[dict]] = {}
    for task in db.session.execute(
        select(Task.id, Task.activity_id, Task.start, Task.due, Task.status)
        .where(Task.roadmap_id == item.id)
        .order_by(Task.due, Task.id)
    ):
        tasks.setdefault(task.activity_id, []).append(
            {
                "id": task.id,
                "start": task.start.isoformat(),
                "due": task.due.isoformat(),
                "status": task.status.value,
            }
        )
    payload = _roadmap_summary(item)
    payload["activities"] = [
        {
            "id": row.item.id,
            "number": row.item.number or None,
            "title": row.item.title,
            "deadline_text": row.item.deadline_text or None,
            "responsible": row.item.responsible or None,
            "participants": row.item.participants or None,
            "result": row.item.result or None,
            "control": row.item.control or None,
            "section_path": [s.title for s in row.path],
            "needs_review": row.item.is_review_needed,
            "occurrences": tasks.get(row.item.id, []),
        }
        for row in build_rows(sections, activities)
        if row.kind == "activity"
    ]
    return jsonify(payload)


def openapi():
    """Return the OpenAPI description of the API."""
    from tracker.api.openapi import SPEC

    return jsonify(SPEC)


# --- tasks ---------------------------------------------------------------------------------------------

TASK_PAGE_DEFAULT = 100
TASK_PAGE_MAX = 500
UNSTORABLE = "Текст содержит недопустимый символ (нулевой байт или непарный суррогат)."
# Spellings of the `mine` flag; an empty value is "no", as when it is left out.
MINE_VALUES = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False, "": False}


def _error(status: int, message: str):
    """Answer an API error."""
    return jsonify(error=message), status


def answer_api_error(error: ApiError):
    """Answer an ApiError raised by a view or a helper."""
    return _error(error.status, error.message)


def _integer(text: str) -> int | None:
    """Return a parameter written as a whole number in ASCII digits, or None."""
    digits = text.removeprefix("-")
    # str.isdigit() also admits «²» and other digits int() refuses.
    return int(text) if digits.isascii() and digits.isdigit() else None


def _person(user) -> dict | None:
    """Return a user as the API shows them to colleagues."""
    if user is None:
        return None
    return {"id": user.id, "name": user.name, "organization": user.organization.short_name}


def _task_summary(task: Task, assignees: list) -> dict:
    """Return the list form of a task."""
    return {
        "id": task.id,
        "activity_id": task.activity_id,
        "roadmap_id": task.roadmap_id,
        "number": task.activity.number or None,
        "title": task.activity.title,
        "label": task.label or None,
        "start": task.start.isoformat(),
        "due": task.due.isoformat(),
        "status": task.status.value,
        "assignees": [_person(u) for u in assignees],
    }


def _moment(value) -> str | None:
    """Return an aware datetime in ISO 8601, or None."""
    return value.isoformat() if value else None


def _task_detail(task: Task, roadmap: Roadmap) -> dict:
    """Return a task with its completion, evidence, comments, history and what the caller may do."""
    details = task_details(task)
    people = users_by_id({task.submitted_by_id, task.accepted_by_id})
    base = current_app.config["BASE_URL"]
    payload = _task_summary(task, assignees_for_tasks([task.id])[task.id])
    payload |= {
        "note": task.note or None,
        "reason": task.reason or None,
        "completed_at": _moment(task.completed_dt),
        "submitted_by": _person(people.get(task.submitted_by_id)),
        "accepted_at": _moment(task.accepted_dt),
        "accepted_by": _person(people.get(task.accepted_by_id)),
        "acceptance_required": roadmap.is_acceptance_required,
        "version": task.version,
        "actions": sorted(allowed_actions(g.api_user, task, roadmap)),
        "evidence": [
            {
                "id": e.id,
                "kind": e.kind.value,
                "filename": e.original_filename if e.kind.value == "file" else None,
                "size": e.size,
                "sha256": e.sha256,
                "content_type": e.content_type,
                "url": (
                    base + url_for("api.task_evidence", task_id=task.id, evidence_id=e.id)
                    if e.kind.value == "file"
                    else e.url
                ),
                "created_at": _moment(e.created_dt),
            }
            for e in details["evidence"]
        ],
        "comments": [
            {
                "id": c.id,
                "author": _person(c.user),
                "body": c.body,
                "action": c.action or None,
                "created_at": _moment(c.created_dt),
            }
            for c in details["comments"]
        ],
        "history": [
            {
                "action": h.action,
                "user": _person(h.user),
                "created_at": _moment(h.created_dt),
                "before": h.before,
                "after": h.after,
            }
            for h in details["history"]
        ],
    }
    return payload


def tasks():
    """List the tasks the caller may see, optionally only theirs, by status and due date."""
    user = g.api_user
    args = request.args
    query = visible_tasks(user)
    mine = args.get("mine", "").lower()
    if mine not in MINE_VALUES:
        return _error(422, "Параметр mine: ожидается true или false (1 или 0).")
    if MINE_VALUES[mine]:
        query = query.where(Task.id.in_(tasks_of_user(user).with_only_columns(Task.id)))
    statuses = [s.strip() for value in args.getlist("status") for s in value.split(",") if s.strip()]
    unknown = [s for s in statuses if s not in TaskStatus.__members__]
    if unknown:
        allowed = ", ".join(TaskStatus.__members__)
        return _error(422, f"Неизвестный статус: {unknown[0]}. Допустимы: {allowed}.")
    if statuses:
        query = query.where(Task.status.in_([TaskStatus(s) for s in statuses]))
    for name, compare in (("due_before", Task.due.__lt__), ("due_after", Task.due.__ge__)):
        if args.get(name):
            try:
                query = query.where(compare(date.fromisoformat(args[name])))
            except ValueError:
                return _error(422, f"Параметр {name}: ожидается дата в виде ГГГГ-ММ-ДД.")
    if args.get("roadmap_id"):
        roadmap_id = _integer(args["roadmap_id"])
        if roadmap_id is None or not 1 <= roadmap_id <= MAX_ID:
            return _error(422, f"Параметр roadmap_id: ожидается число от 1 до {MAX_ID}.")
        query = query.where(Task.roadmap_id == roadmap_id)
    limit = _integer(args.get("limit", str(TASK_PAGE_DEFAULT)))
    offset = _integer(args.get("offset", "0"))
    if limit is None or offset is None:
        return _error(422, "Параметры limit и offset должны быть целыми числами.")
    # No list is longer than there are ids, and SQLite cannot bind a larger offset anyway.
    if not 1 <= limit <= TASK_PAGE_MAX or not 0 <= offset <= MAX_ID:
        return _error(422, f"limit — от 1 до {TASK_PAGE_MAX}, offset — от 0 до {MAX_ID}.")
    rows = (
        db.session.execute(with_details(query).order_by(Task.due, Task.id).limit(limit + 1).offset(offset))
        .unique()
        .scalars()
        .all()
    )
    page = list(rows[:limit])
    people = assignees_for_tasks([t.id for t in page])
    return jsonify(
        tasks=[_task_summary(t, people.get(t.id, [])) for t in page],
        limit=limit,
        offset=offset,
        next_offset=offset + limit if len(rows) > limit else None,
    )


def task(task_id: int):
    """Return one task with its evidence, comments and history."""
    item, roadmap = get_task_or_404(g.api_user, task_id)
    return jsonify(_task_detail(item, roadmap))


_REFUSAL_STATUS = {"forbidden": 403, "roadmap_closed": 409, "state": 409}


def _refused(item: Task, roadmap: Roadmap, action: str):
    """Return an error answer when the caller may not take the action now, else None."""
    reason = refusal(g.api_user, item, roadmap, action)
    # A wrong status is left to the operation, which tells a stale version (409 conflict) from it.
    if reason and reason != "state":
        return _error(_REFUSAL_STATUS[reason], MESSAGES[reason])
    return None


def _task_error(error) -> tuple:
    """Answer a refused change: 409 for a conflict or a wrong status, 422 for missing text."""
    db.session.rollback()
    status = 409 if error.code in ("conflict", "state") else 422
    return _error(status, MESSAGES.get(error.code, MESSAGES["state"]))


def _version(value, *, text: bool) -> int | None:
    """Return the task version the client saw, None when it sent none; raise ApiError for anything else.

    A form field carries the number as text, a JSON body as a number.
    """
    if value is None:
        return None
    # str.isdigit() also admits «²», which int() refuses; bool is an int to Python but not to the client.
    if text and isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    if not text and type(value) is int and value >= 0:
        return value
    raise ApiError(422, "Поле version: ожидается целое неотрицательное число.")


def _storable(value: str) -> bool:
    """Tell whether the database can keep the text: UTF-8 without NUL, which PostgreSQL refuses."""
    try:
        # A JSON escape can carry a lone surrogate, which no encoder accepts.
        value.encode()
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _first_bad_link(links: list[str]) -> str | None:
    """Return the first link that is not a storable http(s) address, or None."""
    return next((link for link in links if bad_link([link]) or not _storable(link)), None)


def task_complete(task_id: int):
    """Report a task done: multipart note, files and links."""
    item, roadmap = get_task_or_404(g.api_user, task_id)
    refused = _refused(item, roadmap, "complete")
    if refused:
        return refused
    note = request.form.get("note", "")
    if not note.strip():
        return _error(422, MESSAGES["note_required"])
    if not _storable(note):
        return _error(422, UNSTORABLE)
    links = [link for value in request.form.getlist("links") for link in parse_links(value)]
    if len(links) > MAX_LINKS:
        return _error(422, f"Не больше {MAX_LINKS} ссылок.")
    wrong = _first_bad_link(links)
    if wrong is not None:
        return _error(422, MESSAGES["link"].format(name=wrong[:100]))
    version = _version(request.form.get("version"), text=True)
    # Evidence sent as text instead of files would otherwise be dropped without a word.
    if any(request.form.getlist("files")):
        return _error(422, "Поле files должно содержать файлы, а не текст.")
    limit_mb = current_app.config["MAX_UPLOAD_MB"]
    try:
        stored = save_all(request.files.getlist("files"), current_app.config["UPLOAD_DIR"], limit_mb << 20)
    except UploadError as error:
        return _error(413 if error.code == "too_large" else 422, upload_error_message(error, limit_mb))
    try:
        complete_task(
            g.api_user,
            item,
            roadmap,
            note,
            stored,
            list(dict.fromkeys(links)),
            version,
        )
        db.session.commit()
    except TaskError as error:
        remove_stored(current_app.config["UPLOAD_DIR"], [s.stored_name for s in stored])
        return _task_error(error)
    return jsonify(_task_detail(item, roadmap))


def _review(task_id: int, action: str):
    """Accept or return a submitted task from a JSON body {"comment": …}."""
    item, roadmap = get_task_or_404(g.api_user, task_id)
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        # Nesting deeper than the parser's recursion limit is as unreadable as a syntax error.
        body = None
    if body is None and request.get_data():
        return _error(400, 'Тело запроса должно быть JSON-объектом, например {"comment": "…"}.')
    body = body if body is not None else {}
    if not isinstance(body, dict) or not isinstance(body.get("comment", ""), str | None):
        return _error(422, "Ожидается JSON-объект с текстовым полем comment.")
    comment = body.get("comment") or ""
    if not _storable(comment):
        return _error(422, UNSTORABLE)
    version = _version(body.get("version"), text=False)
    refused = _refused(item, roadmap, action)
    if refused:
        return refused
    try:
        if action == "accept":
            accept_task(g.api_user, item, comment, version)
        else:
            return_task(g.api_user, item, comment, version)
        db.session.commit()
    except TaskError as error:
        return _task_error(error)
    return jsonify(_task_detail(item, roadmap))


def task_accept(task_id: int):
    """Accept a submitted task."""
    return _review(task_id, "accept")


def task_return(task_id: int):
    """Return a submitted task for rework; the comment is required."""
    return _review(task_id, "return")


def task_evidence(task_id: int, evidence_id: int):
    """Send an evidence file as an attachment."""
    item, _ = get_task_or_404(g.api_user, task_id)
    evidence = get_evidence_or_404(item, evidence_id)
    response = None
    if evidence.stored_name:
        response = send_stored(
            current_app.config["UPLOAD_DIR"],
            evidence.stored_name,
            evidence.original_filename,
            evidence.content_type,
        )
    if response is None:
        return _error(404, "Файла нет: это ссылка или файл недоступен.")
    return response
