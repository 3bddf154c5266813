"""Routes of the analysis: school data, classification runs, school pages and targeted support."""

from flask import Blueprint

from tracker.analysis import views

bp = Blueprint("analysis", __name__, url_prefix="/analysis")

bp.add_url_rule("/", "index", views.index)
bp.add_url_rule("/data", "data", views.data)
bp.add_url_rule("/data/upload", "upload", views.upload, methods=("POST",))
bp.add_url_rule("/data/templates/<any(results, social, risk):kind>.xlsx", "template", views.template)
bp.add_url_rule("/imports/<int:import_id>", "import_show", views.import_show)
bp.add_url_rule("/imports/<int:import_id>/apply", "import_apply", views.import_apply, methods=("POST",))
bp.add_url_rule("/imports/<int:import_id>/discard", "import_discard", views.import_discard, methods=("POST",))
bp.add_url_rule("/runs/new", "run_new", views.run_new, methods=("GET", "POST"))
bp.add_url_rule("/runs/<int:run_id>", "run", views.run_show)
bp.add_url_rule("/runs/<int:run_id>/chart.svg", "run_chart", views.run_chart)
bp.add_url_rule("/runs/<int:run_id>/export.xlsx", "run_export", views.run_export)
bp.add_url_rule("/runs/<int:run_id>/reproduce", "run_reproduce", views.run_reproduce)
bp.add_url_rule("/runs/<int:run_id>/retarget", "retarget", views.retarget, methods=("GET", "POST"))
bp.add_url_rule("/schools/<int:school_id>", "school", views.school)
bp.add_url_rule("/support", "support", views.support)
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/activities/<int:activity_id>/targets",
    "targets",
    views.targets,
    methods=("GET", "POST"),
)

# The activity page of the roadmap workspace shows an activity's targets through these.
bp.add_app_template_global(views.activity_targeting, "analysis_targeting")
bp.add_app_template_global(views.can_target, "analysis_can_target")
bp.add_app_template_filter(views.ru_decimal, "ru_decimal")
bp.context_processor(views.template_values)
