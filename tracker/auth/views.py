"""Sign-in, sign-out and the profile page."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from tracker.auth import operations as ops
from tracker.auth.forms import EmptyForm, LoginForm, PasswordForm, TokenForm
from tracker.auth.models import ApiToken
from tracker.db import utcnow
from tracker.extensions import db


def _safe_next(target: str | None) -> str:
    """Return a local redirect target, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return landing_url()


def landing_url() -> str:
    """Return the first page after sign-in: «Мои задачи» for officers and schools, the roadmaps for others."""
    if current_user.is_authenticated and current_user.role.value in ("executor", "school"):
        return url_for("tasks.mine")
    return url_for("roadmaps.index")


def login():
    """Sign in with e-mail and password."""
    if current_user.is_authenticated:
        return redirect(url_for("roadmaps.index"))
    form = LoginForm()
    if form.validate_on_submit():
        ip = request.remote_addr or ""
        if ops.is_throttled(form.email.data, ip):
            return render_template("auth/login.html", form=form, throttled=True), 429
        user = ops.find_user(form.email.data)
        if ops.check_password(user, form.password.data) and user.is_active:
            ops.record_attempt(form.email.data, ip, True)
            session.clear()
            login_user(user, remember=form.remember.data)
            user.last_login_dt = utcnow()
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        locked = ops.record_attempt(form.email.data, ip, False)
        if locked and user is not None:
            ops.audit(None, "auth.lockout", user, {"ip": ip}, ip)
            notify_lockout(user, ip)
        db.session.commit()
        if locked:
            return render_template("auth/login.html", form=form, throttled=True), 429
        form.password.errors.append("Неверная электронная почта или пароль.")
    return render_template("auth/login.html", form=form), 200 if not form.errors else 401


def notify_lockout(user, ip: str) -> None:
    """Tell the account owner that sign-in was paused after repeated wrong passwords."""
    from tracker.notifications.operations import queue_security_notice

    queue_security_notice(user, "lockout", {"ip": ip})


def logout():
    """Sign out."""
    if EmptyForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("Вы вышли из системы.", "info")
    return redirect(url_for("auth.login"))


def profile():
    """Show the profile with the password form and API tokens."""
    tokens = (
        db.session.execute(
            select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_dt.desc())
        )
        .scalars()
        .all()
    )
    return render_template(
        "auth/profile.html",
        password_form=PasswordForm(),
        token_form=TokenForm(),
        tokens=tokens,
        action_form=EmptyForm(),
        new_token=session.pop("new_token", None),
    )


def change_password():
    """Change one's own password."""
    form = PasswordForm()
    if form.validate_on_submit():
        if not ops.check_password(current_user, form.current.data):
            form.current.errors.append("Текущий пароль указан неверно.")
        else:
            ops.set_password(current_user, form.new.data)
            db.session.commit()
            flash("Пароль изменён.", "success")
            return redirect(url_for("auth.profile"))
    tokens = db.session.execute(select(ApiToken).where(ApiToken.user_id == current_user.id)).scalars().all()
    return render_template(
        "auth/profile.html",
        password_form=form,
        token_form=TokenForm(),
        tokens=tokens,
        action_form=EmptyForm(),
        new_token=None,
    ), 422


def create_token():
    """Create a personal API token and show it once."""
    form = TokenForm()
    if form.validate_on_submit():
        secret = ops.issue_token(current_user, form.label.data or "")
        db.session.commit()
        # The secret travels in the session to survive the redirect and is removed when shown.
        session["new_token"] = secret
        flash("Ключ создан. Скопируйте его сейчас: позже он показан не будет.", "success")
    return redirect(url_for("auth.profile"))


def revoke_token(token_id: int):
    """Revoke one of one's own API tokens."""
    if EmptyForm().validate_on_submit() and ops.revoke_token(current_user, token_id):
        db.session.commit()
        flash("Ключ отозван.", "success")
    else:
        flash("Ключ не найден.", "danger")
    return redirect(url_for("auth.profile"))
