"""Routes of the JSON API."""

from flask import Blueprint

from tracker.api import views

bp = Blueprint("api", __name__, url_prefix="/api")
bp.before_request(views.authenticate)

bp.add_url_rule("/openapi.json", "openapi", views.openapi)
bp.add_url_rule("/v1/me", "me", views.me)
bp.add_url_rule("/v1/roadmaps", "roadmaps", views.roadmaps)
bp.add_url_rule("/v1/roadmaps/<int:roadmap_id>", "roadmap", views.roadmap)
