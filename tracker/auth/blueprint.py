"""Routes of sign-in and the profile."""

from flask import Blueprint

from tracker.auth import admin, views
from tracker.orgs import views as org_views

bp = Blueprint("auth", __name__)

bp.add_url_rule("/login", "login", views.login, methods=("GET", "POST"))
bp.add_url_rule("/logout", "logout", views.logout, methods=("POST",))
bp.add_url_rule("/profile", "profile", views.profile)
bp.add_url_rule("/profile/password", "password", views.change_password, methods=("POST",))
bp.add_url_rule("/profile/tokens", "token_create", views.create_token, methods=("POST",))
bp.add_url_rule(
    "/profile/tokens/<int:token_id>/revoke", "token_revoke", views.revoke_token, methods=("POST",)
)

admin_bp = Blueprint("admin", __name__, url_prefix="/admin")
admin_bp.before_request(admin.require_admin)

admin_bp.add_url_rule("/users", "users", admin.users)
admin_bp.add_url_rule("/users/new", "user_new", admin.user_form, methods=("GET", "POST"))
admin_bp.add_url_rule("/users/<int:user_id>", "user_edit", admin.user_form, methods=("GET", "POST"))
admin_bp.add_url_rule("/audit", "audit", admin.audit_log)
admin_bp.add_url_rule("/organizations", "organizations", org_views.index)
admin_bp.add_url_rule("/organizations/new", "organization_new", org_views.form, methods=("GET", "POST"))
admin_bp.add_url_rule(
    "/organizations/<int:org_id>", "organization_edit", org_views.form, methods=("GET", "POST")
)
