"""JSON API v1: token-authenticated, scoped exactly like the web pages."""

from flask import g, jsonify, request
from sqlalchemy import select

from tracker.auth.access import get_roadmap_or_404, visible_roadmaps
from tracker.auth.operations import user_for_token
from tracker.extensions import db
from tracker.roadmaps.models import Activity, Roadmap, Section
from tracker.roadmaps.tree import build_rows
from tracker.tasks.models import Task


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
        .where(Task.roadmap_id == item.id).order_by(Task.due, Task.id)
    ):
        tasks.setdefault(task.activity_id, []).append(
            {"id": task.id, "start": task.start.isoformat(), "due": task.due.isoformat(), "status": task.status.value}
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
