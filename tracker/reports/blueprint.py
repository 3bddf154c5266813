"""Routes of the report downloads and the target indicators."""

from flask import Blueprint

from tracker.reports import views
from tracker.reports.docx_common import ru_number

bp = Blueprint("reports", __name__, url_prefix="/reports")

bp.add_url_rule("/roadmaps/<int:roadmap_id>/approval.docx", "approval", views.approval)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/execution.docx", "execution", views.execution)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/annual.docx", "annual", views.annual)
bp.add_url_rule("/roadmaps/<int:roadmap_id>/indicators", "indicators", views.indicators)
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/indicators/new", "indicator_new", views.indicator_new, methods=("GET", "POST")
)
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/indicators/compute",
    "indicators_compute",
    views.indicators_compute,
    methods=("POST",),
)
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/indicators/<int:indicator_id>/edit",
    "indicator_edit",
    views.indicator_edit,
    methods=("GET", "POST"),
)
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/indicators/<int:indicator_id>/actuals",
    "indicator_actuals",
    views.indicator_actuals,
    methods=("GET", "POST"),
)
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/indicators/<int:indicator_id>/delete",
    "indicator_delete",
    views.indicator_delete,
    methods=("POST",),
)

# The roadmap page's report menu and the indicators page need these in every template.
bp.add_app_template_global(views.report_periods, "report_periods")
bp.add_app_template_filter(ru_number, "ru_number")
