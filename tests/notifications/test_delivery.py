"""Delivery through a real SMTP server on loopback: no duplicates, no losses, retries, encodings."""

from datetime import date, timedelta
from email import message_from_bytes, policy

import pytest
import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from tests.fixtures.notifications import at, sweep_between, sweep_ok
from tracker.extensions import db
from tracker.notifications import jobs
from tracker.notifications import operations as ops
from tracker.notifications.email import Mailer
from tracker.notifications.models import MessageStatus, OutboxMessage
from tracker.tasks.models import TaskStatus

DUE = date(2027, 3, 9)
NINE = at(2027, 3, 9, 9, 0)


class Killed(BaseException):
    """Stands for the process being killed: not an Exception, so nothing in the sweep catches it."""


@pytest.fixture
def busy_morning(remind_world, remind_task, remind_activity, create_user_):
    """Three tasks due today, each for two people: six e-mails due at 09:00."""
    colleague = create_user_("executor", remind_world["orgs"]["center"], email="kollega@example.test")
    colleague.name = "Ёлкина Юлия Эдуардовна"
    db.session.commit()
    people = [remind_world["executor"], colleague]
    tasks = [remind_task(DUE, assignees=people)]
    for title in (
        "Анкетирование родителей «Удовлетворённость качеством»",
        "Семинар для учителей-предметников",
    ):
        tasks.append(remind_task(DUE, activity=remind_activity(title), assignees=people))
    return tasks


def statuses(until=NINE) -> dict[str, int]:
    """Count per status the task reminder rows due by `until` (later ones are the next days' schedule)."""
    rows = db.session.execute(
        select(OutboxMessage.status).where(
            OutboxMessage.task_id.is_not(None), OutboxMessage.planned_dt <= until
        )
    ).scalars()
    counts: dict[str, int] = {}
    for status in rows:
        counts[str(status)] = counts.get(str(status), 0) + 1
    return counts


def delivered_keys(server) -> list[tuple[str, str]]:
    """Return (recipient, subject) of every e-mail the server received."""
    return [(m["To"].addresses[0].addr_spec, str(m["Subject"])) for m in server.messages]


def test_two_passes_at_the_same_moment_send_nothing_twice(smtp_server, busy_morning):
    first = sweep_ok(NINE + timedelta(minutes=3))
    second = sweep_ok(NINE + timedelta(minutes=3))
    assert first["send_outbox_job"]["sent"] == 6
    assert second["send_outbox_job"].get("sent", 0) == 0
    assert second["plan_reminders_job"]["planned"] == 0
    assert len(smtp_server.raw) == 6
    assert len(set(delivered_keys(smtp_server))) == 6


def test_smtp_down_for_a_while_then_everything_delivered_once(smtp_server, busy_morning, app):
    smtp_server.stop()
    sweep_between(NINE, NINE + timedelta(hours=3), timedelta(minutes=5))
    assert statuses() == {"planned": 6}
    waiting = (
        db.session.execute(select(OutboxMessage).where(OutboxMessage.planned_dt <= NINE)).scalars().all()
    )
    assert all(row.attempts >= 1 and "ConnectionRefusedError" in row.last_error for row in waiting)

    smtp_server.start()
    sweep_between(
        NINE + timedelta(hours=3, minutes=1), NINE + timedelta(hours=3, minutes=30), timedelta(minutes=1)
    )
    assert statuses() == {"sent": 6}
    assert len(smtp_server.raw) == 6
    assert len(set(delivered_keys(smtp_server))) == 6


def test_smtp_down_longer_than_the_grace_period_still_delivers_once(smtp_server, busy_morning):
    smtp_server.stop()
    sweep_between(NINE, NINE + timedelta(hours=15), timedelta(minutes=30))
    smtp_server.start()
    sweep_between(NINE + timedelta(hours=15, minutes=5), NINE + timedelta(hours=16), timedelta(minutes=5))
    assert len(smtp_server.raw) == 6
    assert len(set(delivered_keys(smtp_server))) == 6
    # Next morning the overdue reminders follow as usual, once each.
    sweep_between(at(2027, 3, 10, 8), at(2027, 3, 10, 12), timedelta(hours=1))
    assert len(smtp_server.raw) == 12


def test_pass_killed_between_send_and_mark_never_resends(
    smtp_server, busy_morning, monkeypatch, login_as, remind_world
):
    monkeypatch.setattr(jobs, "SEND_BATCH", 2)
    real_mark_sent = ops.mark_sent
    calls = []

    def mark_sent_then_die(ids, now):
        calls.append(ids)
        if len(calls) == 2:
            raise Killed
        real_mark_sent(ids, now)

    monkeypatch.setattr(ops, "mark_sent", mark_sent_then_die)
    with pytest.raises(Killed):
        sweep(NINE + timedelta(minutes=1))
    # The process died after the second batch of two was sent: whatever it had not committed is gone.
    db.session.rollback()
    assert len(smtp_server.raw) == 4
    monkeypatch.setattr(ops, "mark_sent", real_mark_sent)

    sweep_ok(NINE + timedelta(minutes=2))
    sweep_ok(NINE + timedelta(minutes=3))
    assert statuses() == {"sent": 4, "sending": 2}
    sweep_ok(NINE + timedelta(minutes=30))
    assert statuses() == {"sent": 4, "uncertain": 2}
    # Every e-mail arrived exactly once, those of the stopped batch included; nothing is repeated later.
    sweep_between(NINE + timedelta(hours=1), NINE + timedelta(hours=10), timedelta(hours=1))
    assert len(smtp_server.raw) == 6
    assert len(set(delivered_keys(smtp_server))) == 6

    # Administrators see the uncertain ones and can confirm them.
    admin = login_as("admin", remind_world["orgs"]["region"])
    page = admin.get("/notifications/outbox")
    assert page.status_code == 200
    assert "неизвестно, дошло ли" in page.text
    uncertain = db.session.execute(
        select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.uncertain)
    ).scalars()
    for row_id in uncertain.all():
        response = admin.post(f"/notifications/outbox/{row_id}/confirm", page="/notifications/outbox")
        assert response.status_code == 302
    assert statuses() == {"sent": 6}


def test_pass_killed_in_the_middle_of_a_batch_leaves_it_uncertain(smtp_server, busy_morning, monkeypatch):
    monkeypatch.setattr(jobs, "SEND_BATCH", 3)
    real_send = Mailer.send
    calls = []

    def send_then_die(mailer, mail):
        calls.append(mail.message_id)
        if len(calls) == 5:
            raise Killed
        real_send(mailer, mail)

    monkeypatch.setattr(Mailer, "send", send_then_die)
    with pytest.raises(Killed):
        sweep(NINE + timedelta(minutes=1))
    db.session.rollback()
    monkeypatch.setattr(Mailer, "send", real_send)
    assert len(smtp_server.raw) == 4
    # The second batch was claimed as a whole: its untried e-mail is never sent by a later pass either.
    sweep_between(NINE + timedelta(minutes=2), NINE + timedelta(hours=10), timedelta(hours=1))
    assert statuses() == {"sent": 3, "uncertain": 3}
    assert len(smtp_server.raw) == 4


def sweep(now):
    """Run the sweep without the error check (the kill propagates)."""
    return jobs.sweep(now)


def test_temporary_refusal_is_retried_with_back_off(smtp_server, busy_morning):
    smtp_server.refuse_with = "451 4.3.0 Mailbox busy, try again later"
    report = sweep_ok(NINE + timedelta(minutes=1))
    assert report["send_outbox_job"]["retry"] == 6
    rows = db.session.execute(select(OutboxMessage).where(OutboxMessage.planned_dt <= NINE)).scalars().all()
    assert {row.next_attempt_dt for row in rows} == {NINE + timedelta(minutes=2)}
    assert all("451" in row.last_error for row in rows)

    sweep_ok(NINE + timedelta(minutes=1, seconds=30))  # still backing off: nothing is tried
    assert smtp_server.raw == []
    smtp_server.refuse_with = None
    sweep_ok(NINE + timedelta(minutes=2))
    assert len(smtp_server.raw) == 6
    assert statuses() == {"sent": 6}


def test_permanent_refusal_fails_and_waits_for_an_administrator(
    smtp_server, busy_morning, login_as, remind_world
):
    smtp_server.refuse_with = "554 5.7.1 Message rejected"
    report = sweep_ok(NINE + timedelta(minutes=1))
    assert report["send_outbox_job"]["failed"] == 6
    smtp_server.refuse_with = None
    sweep_between(NINE + timedelta(minutes=2), NINE + timedelta(hours=2), timedelta(minutes=30))
    assert smtp_server.raw == []

    admin = login_as("admin", remind_world["orgs"]["region"])
    page = admin.get("/notifications/outbox")
    assert page.text.count("Message rejected") == 6
    failed = db.session.execute(select(OutboxMessage.id).where(OutboxMessage.status == MessageStatus.failed))
    for message_id in failed.scalars().all():
        assert (
            admin.post(f"/notifications/outbox/{message_id}/retry", page="/notifications/outbox").status_code
            == 302
        )
    sweep_ok(NINE + timedelta(hours=2, minutes=1))
    assert len(smtp_server.raw) == 6


def test_cyrillic_headers_body_and_calendar_attachment(smtp_server, busy_morning, remind_world):
    task = busy_morning[0]
    task.label = "МОУ «СОШ № 1» A"
    db.session.commit()  # a change of the task: its SEQUENCE goes up
    sweep_ok(NINE + timedelta(minutes=1))
    received = list(zip(smtp_server.messages, smtp_server.raw, strict=True))
    mine = [(m, raw) for m, raw in received if m["To"].addresses[0].display_name == "Ёлкина Юлия Эдуардовна"]
    assert len(mine) == 3
    message, raw = next((m, raw) for m, raw in mine if "Совещание" in str(m["Subject"]))
    # Headers travel as RFC 2047 encoded words and decode back exactly.
    assert b"\xd0" not in raw.split(b"\r\n\r\n", 1)[0]
    assert str(message["Subject"]) == "Срок сегодня: 1.1 Совещание с директорами школ ШНОР по итогам ВПР"
    assert message["From"].addresses[0].display_name == "Трекер дорожных карт"
    assert message["To"].addresses[0].addr_spec == "kollega@example.test"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Здравствуйте, Ёлкина Юлия Эдуардовна!" in text
    assert (
        f"http://tracker.test/tasks/{task.id}" in text
        and f'href="http://tracker.test/tasks/{task.id}"' in html
    )
    assert "МКУ «ЦРО» A" in html  # escaped by Jinja, shown as written

    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "PUBLISH"
    assert attachment.get_filename() == f"task-{task.id}.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event["UID"] == f"task-{task.id}@tracker.test"
    assert event.decoded("DTSTART") == DUE
    assert event["SEQUENCE"] == 1
    assert event.walk("VALARM")
    assert "МОУ «СОШ № 1» A" in str(event["DESCRIPTION"])
    assert [e["UID"] for e in recurring_ical_events.of(calendar).at(DUE)] == [event["UID"]]


def test_without_smtp_mail_goes_to_a_folder_and_the_ui_says_so(
    app, busy_morning, monkeypatch, tmp_path, login_as, remind_world
):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    monkeypatch.setitem(app.config, "MAIL_OUTBOX_DIR", tmp_path / "outbox")
    report = sweep_ok(NINE + timedelta(minutes=1))
    assert report["send_outbox_job"]["mode"] == "folder"
    files = sorted((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 6
    parsed = message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert str(parsed["Subject"]).startswith("Срок сегодня:")
    assert statuses() == {"sent": 6}
    sweep_ok(NINE + timedelta(minutes=2))
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 6

    page = login_as(user=remind_world["executor"]).get("/profile")
    assert "Почтовый сервер не настроен" in page.text


def test_closed_task_is_not_sent_even_when_already_planned(smtp_server, busy_morning):
    sweep_ok(NINE - timedelta(hours=1))
    assert statuses(NINE + timedelta(days=1)) == {"planned": 6 + 6}  # today's and tomorrow's, in the horizon
    busy_morning[0].status = TaskStatus.cancelled
    db.session.commit()
    jobs.send_outbox_job(NINE + timedelta(minutes=1))
    assert len(smtp_server.raw) == 4


def test_sweep_cost_does_not_grow_with_the_number_of_tasks(smtp_server, remind_world, remind_task):
    """The planner runs a fixed number of queries per chunk, whatever the chunk holds."""
    from sqlalchemy import event

    def count_statements(task_count: int) -> int:
        for _ in range(task_count):
            remind_task(date(2027, 6, 1))
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            jobs.plan_reminders_job(at(2027, 5, 30, 12))
            jobs.plan_reminders_job(at(2027, 5, 30, 13))
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count_statements(3)
    many = count_statements(60)
    assert many == few


def test_old_records_are_purged_but_problems_stay(smtp_server, remind_world, remind_task):
    task = remind_task(DUE)
    executor = remind_world["executor"]
    old = NINE - timedelta(days=200)
    for key, status in (("task:old:sent", MessageStatus.sent), ("task:old:failed", MessageStatus.failed)):
        db.session.add(
            OutboxMessage(
                recipient_id=executor.id, task_id=task.id, kind="due", key=key, planned_dt=old, status=status
            )
        )
    db.session.commit()
    report = sweep_ok(NINE)
    assert report["send_outbox_job"]["purged"] == 1
    keys = db.session.execute(select(OutboxMessage.key)).scalars().all()
    assert "task:old:failed" in keys and "task:old:sent" not in keys


def test_run_once_command_acts_at_the_given_moment(app, smtp_server, remind_world, remind_task):
    remind_task(DUE)
    result = app.test_cli_runner().invoke(args=["notify", "run-once", "--now", "2027-03-09T09:05+08:00"])
    assert result.exit_code == 0, result.output
    assert '"sent": 1' in result.output
    assert str(smtp_server.messages[0]["Subject"]).startswith("Срок сегодня:")
    again = app.test_cli_runner().invoke(args=["notify", "run-once", "--now", "2027-03-09T09:05+08:00"])
    assert '"sent"' not in again.output
    assert len(smtp_server.raw) == 1


def test_task_page_offers_the_calendar_download(remind_world, remind_task, login_as):
    task = remind_task(DUE)
    page = login_as(user=remind_world["executor"]).get(f"/tasks/{task.id}")
    assert page.status_code == 200
    assert f"/tasks/{task.id}/calendar.ics" in page.text


def test_an_address_the_server_cannot_take_fails_alone(smtp_server, remind_world, remind_task, create_user_):
    director = create_user_("executor", remind_world["orgs"]["center"], email="директор@школа.рф")
    remind_task(DUE, assignees=[director, remind_world["executor"]])
    report = sweep_ok(NINE + timedelta(minutes=1))
    assert report["send_outbox_job"]["sent"] == 1 and report["send_outbox_job"]["failed"] == 1
    assert [m["To"].addresses[0].addr_spec for m in smtp_server.messages] == [remind_world["executor"].email]
    failed = db.session.execute(select(OutboxMessage).where(OutboxMessage.status == MessageStatus.failed))
    assert failed.scalar_one().recipient_id == director.id
