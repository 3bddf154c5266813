"""Routes of task execution."""

from flask import Blueprint

from tracker.tasks import views

bp = Blueprint("tasks", __name__, url_prefix="/tasks")

bp.add_url_rule("/", "mine", views.mine)
bp.add_url_rule("/overview", "overview", views.overview)
bp.add_url_rule("/<int:task_id>", "show", views.show)
bp.add_url_rule("/<int:task_id>/complete", "complete", views.complete, methods=("POST",))
bp.add_url_rule(
    "/<int:task_id>/<any(start, accept, return, not_done, cancel, reopen):action>",
    "status",
    views.change_status,
    methods=("POST",),
)
bp.add_url_rule("/<int:task_id>/comments", "comment", views.comment, methods=("POST",))
bp.add_url_rule("/<int:task_id>/assign", "assign", views.assign, methods=("POST",))
bp.add_url_rule("/<int:task_id>/reschedule", "reschedule", views.reschedule, methods=("POST",))
bp.add_url_rule("/<int:task_id>/evidence/<int:evidence_id>", "evidence", views.evidence)
bp.add_url_rule(
    "/<int:task_id>/evidence/<int:evidence_id>/remove",
    "evidence_remove",
    views.evidence_remove,
    methods=("POST",),
)
bp.add_url_rule("/roadmaps/<int:roadmap_id>", "roadmap_tasks", views.roadmap_tasks)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/bulk", "bulk", views.bulk, methods=("POST",))
bp.add_url_rule("/roadmaps/<int:roadmap_id>/progress", "progress", views.roadmap_progress)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/timeline", "timeline", views.roadmap_timeline)
