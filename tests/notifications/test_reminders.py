"""The reminder policy end to end: planner, outbox and a real SMTP server, on a fake clock."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from tests.fixtures.notifications import at, local_day, sweep_between, sweep_ok
from tracker.extensions import db
from tracker.notifications import operations as ops
from tracker.notifications.models import MessageStatus, OutboxMessage
from tracker.notifications.policy import ReminderPolicy
from tracker.roadmaps.models import RoadmapStatus
from tracker.tasks.models import TaskStatus

DUE = date(2027, 3, 9)  # a Tuesday, right after the 8 March holiday
TWO_HOURS = timedelta(hours=2)
THREE_HOURS = timedelta(hours=3)


def mail_days(server, email: str | None = None) -> list[tuple[date, str]]:
    """Return (Irkutsk day, subject) of the e-mails received, in order, optionally for one recipient."""
    return [
        (local_day(m), str(m["Subject"]))
        for m in server.messages
        if email is None or m["To"].addresses[0].addr_spec == email
    ]


def test_whole_assignee_policy_on_a_fake_clock(smtp_server, remind_world, remind_task):
    task = remind_task(DUE)
    sweep_between(at(2027, 2, 15, 0), at(2027, 3, 26, 0), THREE_HOURS)
    task.status = TaskStatus.done
    db.session.commit()
    sweep_between(at(2027, 3, 26, 1), at(2027, 4, 12, 0), THREE_HOURS)

    received = mail_days(smtp_server, remind_world["executor"].email)
    assert [day for day, _ in received] == [
        # 14 days before is 23 Feb (holiday); 22 Feb is a decreed day off; Saturday 20 Feb is decreed working.
        date(2027, 2, 20),
        # 3 days before is a Saturday and 1 day before is 8 March: both go to Friday 5 March, once.
        date(2027, 3, 5),
        DUE,
        # Overdue: the next day, then weekly until the task is closed.
        date(2027, 3, 10),
        date(2027, 3, 17),
        date(2027, 3, 24),
    ]
    subjects = [subject for _, subject in received]
    assert subjects[0].startswith("Срок через 17 дней: 1.1 Совещание")
    assert subjects[1].startswith("Срок через 4 дня:")
    assert subjects[2].startswith("Срок сегодня:")
    assert subjects[3].startswith("Просрочено на 1 день:")
    assert subjects[5].startswith("Просрочено на 15 дней:")
    # Sent at the first pass after 09:00 in the organisation's time zone (passes run every three hours here).
    mine = [
        m for m in smtp_server.messages if m["To"].addresses[0].addr_spec == remind_world["executor"].email
    ]
    for message in mine:
        day = local_day(message)
        nine = at(day.year, day.month, day.day)
        assert nine <= message["Date"].datetime < nine + THREE_HOURS
    assert len({m["Message-ID"] for m in mine}) == len(mine)


def test_submitted_task_reminds_the_controller_and_stops_the_assignee(smtp_server, remind_world, remind_task):
    coordinator, executor = remind_world["coordinator"], remind_world["executor"]
    task = remind_task(DUE)
    sweep_between(at(2027, 3, 9, 0), at(2027, 3, 11, 10), TWO_HOURS)
    # Submitted on Thursday 11 March: the controller hears after two working days, on Monday 15 March.
    task.status, task.completed_dt = TaskStatus.submitted, at(2027, 3, 11, 11)
    db.session.commit()
    sweep_between(at(2027, 3, 11, 12), at(2027, 3, 23, 0), TWO_HOURS)
    task.status = TaskStatus.done
    db.session.commit()
    sweep_between(at(2027, 3, 23, 1), at(2027, 4, 2, 0), TWO_HOURS)

    assert [day for day, _ in mail_days(smtp_server, executor.email)] == [DUE, date(2027, 3, 10)]
    to_controller = mail_days(smtp_server, coordinator.email)
    reviews = [(day, s) for day, s in to_controller if s.startswith("Ждёт проверки:")]
    assert [day for day, _ in reviews] == [date(2027, 3, 15), date(2027, 3, 22)]
    # Mondays 08:00 also bring the coordinator's digest: the submitted task waits for acceptance.
    digests = [(day, s) for day, s in to_controller if s.startswith("Сводка за неделю")]
    # A submitted task no longer counts as overdue: it waits for the controller instead.
    assert digests == [
        (date(2027, 3, 15), "Сводка за неделю: просрочено 0, ждут проверки 1"),
        (date(2027, 3, 22), "Сводка за неделю: просрочено 0, ждут проверки 1"),
    ]


def test_changing_the_due_date_replans_unsent_reminders(smtp_server, remind_world, remind_task):
    task = remind_task(DUE)
    sweep_ok(at(2027, 3, 4, 10))
    planned = db.session.execute(
        select(OutboxMessage.key).where(OutboxMessage.status == MessageStatus.planned)
    )
    assert f"task:{task.id}:before:4:2027-03-05" in planned.scalars().all()

    task.due = task.start = date(2027, 3, 31)
    db.session.commit()
    sweep_between(at(2027, 3, 4, 11), at(2027, 3, 18, 0), TWO_HOURS)

    assert mail_days(smtp_server) == [
        (date(2027, 3, 17), "Срок через 14 дней: 1.1 Совещание с директорами школ ШНОР по итогам ВПР"),
    ]
    keys = db.session.execute(select(OutboxMessage.key)).scalars().all()
    assert not [key for key in keys if key.endswith("2027-03-05")]


def test_pause_drops_the_reminders_of_the_vacation(smtp_server, remind_world, remind_task):
    executor = remind_world["executor"]
    remind_task(DUE)
    ops.update_settings(
        executor, paused_until=date(2027, 3, 9), is_digest=False, is_weekly_digest=True, policy={}
    )
    db.session.commit()
    sweep_between(at(2027, 2, 15, 0), at(2027, 3, 12, 0), TWO_HOURS)
    assert [day for day, _ in mail_days(smtp_server)] == [date(2027, 3, 10)]


def test_pause_set_after_planning_still_holds(smtp_server, remind_world, remind_task):
    executor = remind_world["executor"]
    remind_task(DUE)
    sweep_ok(at(2027, 3, 8, 12))
    ops.update_settings(
        executor, paused_until=date(2027, 3, 9), is_digest=False, is_weekly_digest=True, policy={}
    )
    db.session.commit()
    # The send job checks the pause itself, so nothing goes out even before the planner runs again.
    from tracker.notifications.jobs import send_outbox_job

    send_outbox_job(at(2027, 3, 9, 9, 30))
    assert smtp_server.raw == []


def test_user_and_roadmap_overrides(smtp_server, remind_world, remind_task):
    executor, roadmap = remind_world["executor"], remind_world["roadmap"]
    remind_task(DUE)
    policy = ops.policy_overrides(ReminderPolicy(), days_before=[1], send_at=time(14, 30))
    ops.update_settings(executor, paused_until=None, is_digest=False, is_weekly_digest=True, policy=policy)
    ops.set_roadmap_policy(remind_world["coordinator"], roadmap, {"overdue_every_days": 0})
    db.session.commit()
    sweep_between(at(2027, 2, 15, 0), at(2027, 3, 20, 0), THREE_HOURS)

    received = [m for m in smtp_server.messages if m["To"].addresses[0].addr_spec == executor.email]
    assert [local_day(m) for m in received] == [date(2027, 3, 5), date(2027, 3, 10)]
    assert received[0]["Date"].datetime >= at(2027, 3, 5, 14, 30)


def test_roadmap_switched_off_or_not_carried_out_sends_nothing(smtp_server, remind_world, remind_task):
    roadmap = remind_world["roadmap"]
    remind_task(DUE)
    ops.set_roadmap_policy(remind_world["coordinator"], roadmap, {"enabled": False})
    db.session.commit()
    sweep_between(at(2027, 3, 4, 0), at(2027, 3, 11, 0), TWO_HOURS)
    assert smtp_server.raw == []

    ops.set_roadmap_policy(remind_world["coordinator"], roadmap, {})
    roadmap.status = RoadmapStatus.review
    db.session.commit()
    sweep_between(at(2027, 3, 11, 1), at(2027, 3, 18, 0), TWO_HOURS)
    assert smtp_server.raw == []
    assert db.session.execute(select(OutboxMessage).where(OutboxMessage.task_id.is_not(None))).all() == []


def test_digest_mode_sends_one_email_a_day(smtp_server, remind_world, remind_task, remind_activity):
    executor = remind_world["executor"]
    other = remind_activity("Мониторинг сайтов школ, раздел «Сведения об образовательной организации»")
    remind_task(DUE)
    remind_task(DUE, activity=other)
    remind_task(date(2027, 3, 22), activity=other)  # 14 days before is 8 March → Friday 5 March too
    ops.update_settings(executor, paused_until=None, is_digest=True, is_weekly_digest=True, policy={})
    db.session.commit()
    sweep_between(at(2027, 3, 5, 0), at(2027, 3, 5, 23), TWO_HOURS)

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert str(message["Subject"]) == "Напоминания на 5 марта 2027 г.: 3 задачи"
    text = message.get_body(("plain",)).get_content()
    assert "Мониторинг сайтов школ" in text and "Срок через 4 дня" in text and "Срок через 17 дней" in text
    from icalendar import Calendar

    attachment = next(part for part in message.iter_attachments() if part.get_filename() == "tasks.ics")
    assert len(Calendar.from_ical(attachment.get_content()).walk("VEVENT")) == 3
    rows = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.status == MessageStatus.sent)
    ).scalars()
    assert len({row.message_id for row in rows}) == 1


def test_assignees_by_organisation_and_named_user(smtp_server, remind_world, remind_task, create_user_):
    orgs = remind_world["orgs"]
    colleague = create_user_("executor", orgs["center"], email="kollega@example.test")
    remind_task(DUE, assignees=[])  # nobody named: the users of the responsible organisation
    sweep_ok(at(2027, 3, 9, 9, 5))
    to = sorted(m["To"].addresses[0].addr_spec for m in smtp_server.messages)
    assert to == sorted([colleague.email, remind_world["executor"].email])


def test_created_after_the_moment_gets_no_catch_up(smtp_server, remind_world, remind_task):
    remind_task(DUE, created_dt=datetime(2027, 3, 8, 5, tzinfo=UTC))
    sweep_between(at(2027, 3, 5, 0), at(2027, 3, 9, 12), TWO_HOURS)
    assert [day for day, _ in mail_days(smtp_server)] == [DUE]
