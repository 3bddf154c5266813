"""Routes of sign-in and the profile."""

from flask import Blueprint

from tracker.auth import views

bp = Blueprint("auth", __name__)

bp.add_url_rule("/login", "login", views.login, methods=("GET", "POST"))
bp.add_url_rule("/logout", "logout", views.logout, methods=("POST",))
bp.add_url_rule("/profile", "profile", views.profile)
bp.add_url_rule("/profile/password", "password", views.change_password, methods=("POST",))
bp.add_url_rule("/profile/tokens", "token_create", views.create_token, methods=("POST",))
bp.add_url_rule("/profile/tokens/<int:token_id>/revoke", "token_revoke", views.revoke_token, methods=("POST",))
