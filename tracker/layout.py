"""The parts of the page layout every signed-in page shows."""

from flask import request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from tracker.memo import CSRF_MARK, Memo, fragment

# Menus by everything they show: the user's name and role (their stamp), their organisation's name (its
# stamp) and the page they are on; per process.
_MENUS: Memo[Markup] = Memo(1024)


def signed_in_menu() -> Markup:
    """Return the signed-in user's menu (a template global), with their CSRF token in its sign-out form."""
    user = current_user._get_current_object()
    organization = user.organization
    key = (user.id, user.stamp, organization.id, organization.stamp, request.endpoint, request.script_root)
    menu = _MENUS.get(key, lambda: fragment("_menu.html"))
    return Markup(menu.replace(CSRF_MARK, generate_csrf()))
