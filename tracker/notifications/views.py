"""Calendar feeds and downloads, reminder settings, the coordinator's digest, the administrators' outbox."""

from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from tracker.auth.access import (
    can_edit_roadmap,
    get_roadmap_or_404,
    require_edit,
    user_scope,
    visible_roadmaps,
)
from tracker.auth.forms import EmptyForm
from tracker.auth.models import Role, User
from tracker.dates import plural_ru
from tracker.db import utcnow
from tracker.extensions import db, login_manager
from tracker.notifications import feeds
from tracker.notifications import operations as ops
from tracker.notifications.digest import build_digest, collect_digest, is_empty_payload
from tracker.notifications.email import is_file_mode
from tracker.notifications.forms import ReminderSettingsForm, RoadmapPolicyForm
from tracker.notifications.jobs import on_demand_digest_key
from tracker.notifications.models import MessageStatus, OutboxMessage
from tracker.notifications.policy import ReminderPolicy, merge_policy
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, Roadmap
from tracker.tasks.models import Task

# Calendar programs fetch feeds without cookies: the signed token in the address is the credential.
PUBLIC_ENDPOINTS = frozenset({"notifications.feed", "notifications.roadmap_feed"})
DIGEST_ROLES = (Role.admin, Role.coordinator)
OUTBOX_PAGE_SIZE = 300


def require_login():
    """Let calendar programs fetch feeds by their secret link; every other page needs a signed-in user."""
    if request.endpoint in PUBLIC_ENDPOINTS or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


def _calendar(calendar: feeds.Calendar, filename: str, download: bool) -> Response:
    """Answer an iCalendar file; clients polling an unchanged feed get 304 through the ETag."""
    response = Response(calendar.body, mimetype="text/calendar")
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, max-age=300"
    response.headers["X-Robots-Tag"] = "noindex"
    response.set_etag(calendar.etag)
    return response.make_conditional(request)


def feed(token: str):
    """Serve a user's personal feed by its secret link; a wrong or revoked link is 404."""
    calendar = feeds.feed_of_token(token)
    if calendar is None:
        abort(404)
    return _calendar(calendar, "tasks.ics", request.args.get("download") == "1")


def roadmap_feed(token: str):
    """Serve a roadmap's feed to a coordinator by their secret link, while they may still coordinate it."""
    found = feeds.read_roadmap_calendar_token(token)
    if found is None:
        abort(404)
    user_id, key, roadmap_id = found
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or user.calendar_key != key:
        abort(404)
    roadmap = db.session.execute(visible_roadmaps(user).where(Roadmap.id == roadmap_id)).scalar_one_or_none()
    if roadmap is None or not can_edit_roadmap(user, roadmap):
        abort(404)
    download = request.args.get("download") == "1"
    return _calendar(feeds.roadmap_feed(roadmap), f"roadmap-{roadmap.id}.ics", download)


def task_calendar(task_id: int):
    """Download the .ics of one task the user may see."""
    task = db.session.get(Task, task_id)
    if task is None:
        abort(404)
    roadmap = get_roadmap_or_404(current_user, task.roadmap_id)
    activity = db.session.get(Activity, task.activity_id)
    return _calendar(feeds.Calendar.of(feeds.task_ics(task, activity, roadmap)), f"task-{task.id}.ics", True)


def regenerate_key():
    """Replace the user's calendar key so that every old feed link stops working."""
    if EmptyForm().validate_on_submit():
        ops.regenerate_calendar_key(current_user)
        db.session.commit()
        flash("Ссылка на календарь заменена, прежняя больше не работает. Подпишитесь на новую.", "success")
    return redirect(url_for("auth.profile", _anchor="calendar"))


def save_settings():
    """Save the user's reminder choices from the profile."""
    form = ReminderSettingsForm()
    if form.validate_on_submit():
        overrides = ops.policy_overrides(
            ReminderPolicy(), days_before=form.days_before.data, send_at=form.send_at.data
        )
        ops.update_settings(
            current_user,
            paused_until=form.paused_until.data,
            is_digest=form.is_digest.data,
            is_weekly_digest=form.is_weekly_digest.data if current_user.role == Role.coordinator else True,
            policy=overrides,
        )
        db.session.commit()
        flash("Настройки напоминаний сохранены.", "success")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(error, "danger")
    return redirect(url_for("auth.profile", _anchor="reminders"))


def profile_panel() -> dict:
    """Return what the profile's calendar and reminders section shows."""
    setting = ops.settings_of(current_user.id)
    try:
        own = merge_policy(ReminderPolicy(), None, setting.policy if setting else None)
    except ValueError:
        own = ReminderPolicy()
    form = ReminderSettingsForm(
        formdata=None,
        data={
            "paused_until": setting.paused_until if setting else None,
            "is_digest": setting.is_digest if setting else False,
            "is_weekly_digest": setting.is_weekly_digest if setting else True,
            "days_before": list(own.days_before),
            "send_at": own.send_at,
        },
    )
    url = feeds.calendar_url(current_user)
    return {
        "form": form,
        "feed_url": url,
        "webcal_url": feeds.webcal_url(url),
        "download_url": f"{url}?download=1",
        "action_form": EmptyForm(formdata=None),
        "is_file_mode": is_file_mode(current_app.config),
        "outbox_dir": current_app.config["MAIL_OUTBOX_DIR"],
        "is_coordinator": current_user.role == Role.coordinator,
        "may_digest": current_user.role in DIGEST_ROLES,
        "is_admin": current_user.role == Role.admin,
    }


def inject_profile_panel() -> dict:
    """Offer templates the profile section builder (called only by the profile page)."""
    return {"notification_panel": profile_panel}


def roadmap_settings(roadmap_id: int):
    """Show and change a roadmap's reminder policy and give its calendar feed."""
    roadmap = get_roadmap_or_404(current_user, roadmap_id)
    require_edit(current_user, roadmap)
    default = ReminderPolicy()
    row = ops.roadmap_policy_of(roadmap.id)
    try:
        current = merge_policy(default, row.policy if row else None)
    except ValueError:
        current = default
    form = RoadmapPolicyForm(
        data={
            "is_enabled": current.enabled,
            "days_before": list(current.days_before),
            "send_at": current.send_at,
            "overdue_every_days": current.overdue_every_days,
        }
    )
    if form.validate_on_submit():
        overrides = ops.policy_overrides(
            default,
            enabled=form.is_enabled.data,
            days_before=form.days_before.data,
            send_at=form.send_at.data,
            overdue_every_days=form.overdue_every_days.data,
        )
        ops.set_roadmap_policy(current_user, roadmap, overrides)
        db.session.commit()
        flash("Правила напоминаний дорожной карты сохранены.", "success")
        return redirect(url_for("notifications.roadmap_settings", roadmap_id=roadmap.id))
    url = feeds.roadmap_calendar_url(current_user, roadmap.id)
    return render_template(
        "notifications/roadmap_settings.html",
        roadmap=roadmap,
        form=form,
        feed_url=url,
        webcal_url=feeds.webcal_url(url),
        download_url=f"{url}?download=1",
        is_default=row is None,
    ), 200 if not form.errors else 422


def _require_digest_role() -> None:
    if current_user.role not in DIGEST_ROLES:
        abort(403)


def digest():
    """Show the coordinator's digest of the past week as it would be sent now."""
    _require_digest_role()
    today = utcnow().astimezone(ZoneInfo(current_user.organization.timezone)).date()
    return render_template(
        "notifications/digest.html",
        digest=build_digest(collect_digest(current_user, today)),
        action_form=EmptyForm(),
        is_file_mode=is_file_mode(current_app.config),
    )


def send_digest():
    """Queue the digest for e-mail now; the scheduler sends it within a minute."""
    _require_digest_role()
    if not EmptyForm().validate_on_submit():
        abort(400)
    now = utcnow()
    today = now.astimezone(ZoneInfo(current_user.organization.timezone)).date()
    payload = collect_digest(current_user, today)
    if is_empty_payload(payload):
        flash("Сообщать не о чем: за неделю ничего не стало просроченным, и проверки ничто не ждёт.", "info")
        return redirect(url_for("notifications.digest"))
    try:
        ops.queue_digest(current_user, on_demand_digest_key(now), payload, now, is_empty=False)
        db.session.commit()
    except IntegrityError:
        # A double click within the same second: the first request already queued it.
        db.session.rollback()
    if is_file_mode(current_app.config):
        flash(
            "Сводка поставлена в очередь. Почтовый сервер не настроен: письмо будет сохранено в папку.",
            "info",
        )
    else:
        flash(f"Сводка поставлена в очередь и в течение минуты придёт на {current_user.email}.", "success")
    return redirect(url_for("notifications.digest"))


def _require_admin() -> None:
    if current_user.role != Role.admin:
        abort(403)


def _outbox_in_scope():
    """Return a query of the outbox rows of recipients within the administrator's scope."""
    return (
        select(OutboxMessage)
        .join(User, User.id == OutboxMessage.recipient_id)
        .join(Organization, Organization.id == User.organization_id)
        .where(Organization.path.startswith(user_scope(current_user).full_path))
    )


def outbox():
    """List the e-mails that need an administrator: failed, uncertain, waiting for a retry."""
    _require_admin()
    problems = (
        _outbox_in_scope()
        .where(
            or_(
                OutboxMessage.status.in_((MessageStatus.failed, MessageStatus.uncertain)),
                (OutboxMessage.status == MessageStatus.planned) & (OutboxMessage.attempts > 0),
            )
        )
        .order_by(OutboxMessage.planned_dt.desc(), OutboxMessage.id.desc())
        .limit(OUTBOX_PAGE_SIZE)
    )
    counts = dict(
        db.session.execute(
            _outbox_in_scope()
            .with_only_columns(OutboxMessage.status, func.count(OutboxMessage.id))
            .group_by(OutboxMessage.status)
        ).all()
    )
    return render_template(
        "notifications/outbox.html",
        messages=db.session.execute(problems).scalars().all(),
        counts={str(k): v for k, v in counts.items()},
        action_form=EmptyForm(),
        is_file_mode=is_file_mode(current_app.config),
        outbox_dir=current_app.config["MAIL_OUTBOX_DIR"],
    )


def _message_or_404(message_id: int) -> OutboxMessage:
    query = _outbox_in_scope().where(OutboxMessage.id == message_id)
    message = db.session.execute(query).scalar_one_or_none()
    if message is None:
        abort(404)
    return message


def retry(message_id: int):
    """Queue a failed or uncertain e-mail again (for uncertain ones the administrator accepts a repeat)."""
    _require_admin()
    message = _message_or_404(message_id)
    if EmptyForm().validate_on_submit() and message.status in (
        MessageStatus.failed,
        MessageStatus.uncertain,
        MessageStatus.planned,
    ):
        ops.retry_message(message)
        db.session.commit()
        flash("Письмо снова поставлено в очередь.", "success")
    return redirect(url_for("notifications.outbox"))


def confirm(message_id: int):
    """Record that an uncertain e-mail did arrive, so it is neither resent nor listed any more."""
    _require_admin()
    message = _message_or_404(message_id)
    if EmptyForm().validate_on_submit() and message.status == MessageStatus.uncertain:
        ops.confirm_sent(message, utcnow())
        db.session.commit()
        flash("Письмо отмечено как доставленное.", "success")
    return redirect(url_for("notifications.outbox"))


def plural(count: int, one: str, few: str, many: str) -> str:
    """Return the Russian noun form agreeing with a number (a template filter: n|plural_ru('задача', …))."""
    return plural_ru(count, (one, few, many))
