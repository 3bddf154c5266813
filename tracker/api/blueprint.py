"""Routes of the JSON API."""

from flask import Blueprint

from tracker.api import views

bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(views.authenticate)
bp.register_error_handler(views.ApiError, views.answer_api_error)

bp.add_url_rule("/openapi.json", "openapi", views.openapi)
bp.add_url_rule("/v1/me", "me", views.me)
bp.add_url_rule("/v1/roadmaps", "roadmaps", views.roadmaps)
bp.add_url_rule("/v1/roadmaps/<int:roadmap_id>", "roadmap", views.roadmap)
bp.add_url_rule("/v1/tasks", "tasks", views.tasks)
bp.add_url_rule("/v1/tasks/<int:task_id>", "task", views.task)
bp.add_url_rule("/v1/tasks/<int:task_id>/complete", "task_complete", views.task_complete, methods=("POST",))
bp.add_url_rule("/v1/tasks/<int:task_id>/accept", "task_accept", views.task_accept, methods=("POST",))
bp.add_url_rule("/v1/tasks/<int:task_id>/return", "task_return", views.task_return, methods=("POST",))
bp.add_url_rule("/v1/tasks/<int:task_id>/evidence/<int:evidence_id>", "task_evidence", views.task_evidence)
