"""Administration of users and the audit log; only administrators, only within their scope."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from tracker.auth import operations as ops
from tracker.auth.access import user_scope, visible_organizations
from tracker.auth.forms import UserForm
from tracker.auth.models import AuditEntry, Role, User
from tracker.db import db_int
from tracker.extensions import db
from tracker.orgs.models import Organization

USER_FIELDS = ("email", "name", "position", "role", "organization_id", "is_active_account")
PAGE_SIZE = 50


def require_admin():
    """Answer 403 to anyone but an administrator."""
    if not current_user.is_authenticated:
        return None
    if current_user.role != Role.admin:
        abort(403)
    return None


def _users_in_scope():
    """Return a query of the users whose organisation lies in the administrator's scope."""
    return (
        select(User)
        .join(Organization, User.organization_id == Organization.id)
        .where(Organization.path.startswith(user_scope(current_user).full_path))
    )


def _get_user(user_id: int) -> User:
    """Return a user in scope or answer 404."""
    user = db.session.execute(_users_in_scope().where(User.id == user_id)).scalar_one_or_none()
    if user is None:
        abort(404)
    return user


def _org_choices() -> list[tuple[int, str]]:
    """Return the organisations an administrator may place users in."""
    orgs = db.session.execute(visible_organizations(current_user).order_by(Organization.path)).scalars()
    return [(o.id, ("\u00a0\u00a0" * (len(o.ancestor_ids) - 1)) + o.short_name) for o in orgs]


def users():
    """List the users in scope with a search."""
    query = _users_in_scope()
    text = request.args.get("q", "").strip()
    if text:
        # SQLite's lower() folds only ASCII, so the name is also matched as typed and capitalised.
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(
                func.lower(User.email).like(pattern),
                func.lower(User.name).like(pattern),
                User.name.like(f"%{text}%"),
                User.name.like(f"%{text.capitalize()}%"),
            )
        )
    page = max(request.args.get("page", 1, type=db_int), 1)
    rows = (
        db.session.execute(
            query.order_by(Organization.path, User.name).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return render_template(
        "auth/admin_users.html", users=rows[:PAGE_SIZE], has_more=len(rows) > PAGE_SIZE, page=page, q=text
    )


def user_form(user_id: int | None = None):
    """Create a user or change one."""
    user = _get_user(user_id) if user_id else None
    form = UserForm(obj=user)
    form.organization_id.choices = _org_choices()
    if request.method == "GET" and user is not None:
        form.role.data = user.role.value
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        clash = ops.find_user(email)
        if clash is not None and clash.id != (user.id if user else None):
            form.email.errors.append("Пользователь с такой почтой уже есть.")
        elif user is None and not form.password.data:
            form.password.errors.append("Задайте пароль для новой учётной записи.")
        elif (
            user is not None
            and user.id == current_user.id
            and (form.role.data != "admin" or not form.is_active_account.data)
        ):
            form.role.errors.append(
                "Нельзя лишить себя прав администратора или отключить свою учётную запись."
            )
        else:
            organization = db.session.get(Organization, form.organization_id.data)
            if user is None:
                user = ops.create_user(
                    email, form.name.data, Role(form.role.data), organization, form.password.data
                )
                user.position = form.position.data or None
                user.is_active_account = form.is_active_account.data
                ops.audit(
                    current_user,
                    "user.create",
                    user,
                    {"role": user.role.value, "organization": organization.short_name},
                    request.remote_addr or "",
                )
                message = "Пользователь создан."
            else:
                before = ops.user_snapshot(user)
                user.email, user.name = email, form.name.data.strip()
                user.position = form.position.data or None
                user.role = Role(form.role.data)
                user.organization_id, user.organization = organization.id, organization
                user.is_active_account = form.is_active_account.data
                if form.password.data:
                    ops.set_password(user, form.password.data)
                after = ops.user_snapshot(user)
                changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
                if form.password.data:
                    changed["password"] = ["…", "задан новый"]
                ops.audit(current_user, "user.update", user, changed, request.remote_addr or "")
                message = "Изменения сохранены."
            db.session.commit()
            flash(message, "success")
            return redirect(url_for("admin.users"))
    return render_template("auth/admin_user_form.html", form=form, user=user)


def audit_log():
    """Show the audit log of the administrator's scope."""
    scope = user_scope(current_user).full_path
    page = max(request.args.get("page", 1, type=db_int), 1)
    org_ids = select(Organization.id).where(Organization.path.startswith(scope))
    entries = (
        db.session.execute(
            select(AuditEntry)
            .where(or_(AuditEntry.organization_id.in_(org_ids), AuditEntry.actor_id == current_user.id))
            .order_by(AuditEntry.created_dt.desc(), AuditEntry.id.desc())
            .limit(PAGE_SIZE + 1)
            .offset((page - 1) * PAGE_SIZE)
        )
        .scalars()
        .all()
    )
    return render_template(
        "auth/admin_audit.html", entries=entries[:PAGE_SIZE], has_more=len(entries) > PAGE_SIZE, page=page
    )
