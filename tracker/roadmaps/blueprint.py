"""Routes of the roadmap workspace."""

from flask import Blueprint

from tracker.roadmaps import import_views, views

bp = Blueprint("roadmaps", __name__, url_prefix="/roadmaps")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/new", "new", views.new, methods=("GET", "POST"))
bp.add_url_rule("/<int:roadmap_id>", "show", views.show)
bp.add_url_rule("/<int:roadmap_id>/passport", "passport", views.passport, methods=("GET", "POST"))
bp.add_url_rule("/<int:roadmap_id>/status", "status", views.change_status, methods=("POST",))
bp.add_url_rule("/<int:roadmap_id>/history", "history", views.history)
bp.add_url_rule("/<int:roadmap_id>/revise", "revise", views.revise, methods=("POST",))
bp.add_url_rule("/<int:roadmap_id>/review", "review", views.review)
bp.add_url_rule("/<int:roadmap_id>/deadline-preview", "deadline_preview", views.deadline_preview)
bp.add_url_rule("/<int:roadmap_id>/sections/new", "section_new", views.section_form, methods=("GET", "POST"))
bp.add_url_rule(
    "/<int:roadmap_id>/sections/<int:section_id>/edit",
    "section_edit",
    views.section_form,
    methods=("GET", "POST"),
)
bp.add_url_rule(
    "/<int:roadmap_id>/sections/<int:section_id>/delete",
    "section_delete",
    views.section_delete,
    methods=("POST",),
)
bp.add_url_rule(
    "/<int:roadmap_id>/sections/<int:section_id>/move/<direction>",
    "section_move",
    views.section_move,
    methods=("POST",),
)
bp.add_url_rule(
    "/<int:roadmap_id>/activities/new", "activity_new", views.activity_form, methods=("GET", "POST")
)
bp.add_url_rule("/<int:roadmap_id>/activities/<int:activity_id>", "activity", views.activity)
bp.add_url_rule(
    "/<int:roadmap_id>/activities/<int:activity_id>/edit",
    "activity_edit",
    views.activity_form,
    methods=("GET", "POST"),
)
bp.add_url_rule(
    "/<int:roadmap_id>/activities/<int:activity_id>/delete",
    "activity_delete",
    views.activity_delete,
    methods=("POST",),
)
bp.add_url_rule(
    "/<int:roadmap_id>/activities/<int:activity_id>/move/<direction>",
    "activity_move",
    views.activity_move,
    methods=("POST",),
)
bp.add_url_rule(
    "/<int:roadmap_id>/activities/<int:activity_id>/schedule",
    "activity_schedule",
    views.activity_schedule,
    methods=("GET", "POST"),
)
bp.add_url_rule(
    "/<int:roadmap_id>/activities/<int:activity_id>/schedule/reset",
    "activity_schedule_reset",
    views.activity_schedule_reset,
    methods=("POST",),
)

# Import from Word/Excel/CSV and re-import of a corrected version (tracker/roadmaps/import_views.py).
bp.add_url_rule("/import", "import_upload", import_views.upload, methods=("GET", "POST"))
bp.add_url_rule("/import/<token>", "import_preview", import_views.preview, methods=("GET", "POST"))
bp.add_url_rule("/import/<token>/cancel", "import_cancel", import_views.cancel, methods=("POST",))
bp.add_url_rule(
    "/<int:roadmap_id>/reimport", "reimport_upload", import_views.reimport_upload, methods=("GET", "POST")
)
bp.add_url_rule(
    "/<int:roadmap_id>/reimport/<token>",
    "reimport_compare",
    import_views.reimport_compare,
    methods=("GET", "POST"),
)
