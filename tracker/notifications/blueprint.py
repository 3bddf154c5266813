"""Routes of calendars, reminder settings, digests and the outbox."""

from flask import Blueprint

from tracker.notifications import views

bp = Blueprint("notifications", __name__)
bp.before_request(views.require_login)
bp.app_context_processor(views.inject_profile_panel)
bp.add_app_template_filter(views.plural, "plural_ru")

bp.add_url_rule("/calendar/<token>.ics", "feed", views.feed)
bp.add_url_rule("/calendar/roadmap/<token>.ics", "roadmap_feed", views.roadmap_feed)
bp.add_url_rule("/tasks/<int:task_id>/calendar.ics", "task_ics", views.task_calendar)
bp.add_url_rule("/profile/calendar/regenerate", "regenerate", views.regenerate_key, methods=("POST",))
bp.add_url_rule("/profile/reminders", "settings", views.save_settings, methods=("POST",))
bp.add_url_rule(
    "/roadmaps/<int:roadmap_id>/reminders",
    "roadmap_settings",
    views.roadmap_settings,
    methods=("GET", "POST"),
)
bp.add_url_rule("/notifications/digest", "digest", views.digest)
bp.add_url_rule("/notifications/digest/send", "digest_send", views.send_digest, methods=("POST",))
bp.add_url_rule("/notifications/outbox", "outbox", views.outbox)
bp.add_url_rule("/notifications/outbox/<int:message_id>/retry", "retry", views.retry, methods=("POST",))
bp.add_url_rule("/notifications/outbox/<int:message_id>/confirm", "confirm", views.confirm, methods=("POST",))
