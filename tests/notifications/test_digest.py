"""The coordinator's digest: weekly on Monday morning and on demand, silent when there is nothing to say."""

from datetime import date, timedelta

from sqlalchemy import select

from tests.fixtures.notifications import at, local_day, sweep_between, sweep_ok
from tracker.extensions import db
from tracker.notifications import operations as ops
from tracker.notifications.models import MessageStatus, OutboxMessage
from tracker.tasks.models import TaskStatus

MONDAY = date(2027, 3, 15)


def digests(server) -> list:
    """Return the digest e-mails received."""
    return [m for m in server.messages if str(m["Subject"]).startswith("Сводка за неделю")]


def test_weekly_digest_on_monday_morning_once(
    smtp_server, remind_world, remind_task, remind_activity, create_org
):
    school_activity = remind_activity("Методический день в школе", responsible="МОУ «СОШ № 1» A")
    remind_task(date(2027, 3, 10), assignees=[])  # became overdue last week, falls to МКУ «ЦРО» A
    remind_task(date(2027, 3, 12), activity=school_activity, assignees=[])
    remind_task(date(2027, 3, 1), assignees=[])  # overdue for longer: counted, not listed
    remind_task(date(2027, 3, 5), status=TaskStatus.submitted, completed_dt=at(2027, 3, 5, 12), assignees=[])
    remind_task(date(2027, 3, 11), status=TaskStatus.done, assignees=[])

    # Sunday and Monday before 08:00 local: nothing; from 08:00 exactly one digest, however many passes.
    sweep_between(at(2027, 3, 14, 8), at(2027, 3, 15, 7, 59), timedelta(hours=4))
    assert digests(smtp_server) == []
    sweep_between(at(2027, 3, 15, 8), at(2027, 3, 16, 8), timedelta(hours=2))
    (message,) = digests(smtp_server)
    assert local_day(message) == MONDAY
    assert message["To"].addresses[0].addr_spec == remind_world["coordinator"].email
    assert str(message["Subject"]) == "Сводка за неделю: просрочено 2, ждут проверки 1"
    text = message.get_body(("plain",)).get_content()
    assert "за 8 марта 2027 г. — 14 марта 2027 г." in text
    assert "Всего просроченных незакрытых задач: 3." in text
    centre, school = text.index("== МКУ «ЦРО» A =="), text.index("== МОУ «СОШ № 1» A ==")
    assert "Методический день в школе" in text[school:]
    assert "Методический день" not in text[centre:school]
    assert "Ждут проверки:" in text[centre:school]
    html = message.get_body(("html",)).get_content()
    assert "Методический день в школе" in html

    # The next Monday comes with its own digest.
    sweep_ok(at(2027, 3, 22, 8, 30))
    assert len(digests(smtp_server)) == 2


def test_no_digest_when_there_is_nothing_to_say(smtp_server, remind_world, remind_task):
    remind_task(date(2027, 4, 20))
    sweep_between(at(2027, 3, 15, 8), at(2027, 3, 15, 20), timedelta(hours=3))
    assert digests(smtp_server) == []
    row = db.session.execute(
        select(OutboxMessage).where(OutboxMessage.key == "weekly:2027-03-15")
    ).scalar_one()
    assert row.status == MessageStatus.skipped


def test_coordinator_can_switch_the_weekly_digest_off(smtp_server, remind_world, remind_task):
    remind_task(date(2027, 3, 10))
    ops.update_settings(
        remind_world["coordinator"], paused_until=None, is_digest=False, is_weekly_digest=False, policy={}
    )
    db.session.commit()
    sweep_ok(at(2027, 3, 15, 8, 30))
    assert digests(smtp_server) == []


def test_digest_on_demand(smtp_server, remind_world, remind_task, login_as, monkeypatch):
    import tracker.notifications.views as views

    remind_task(date(2027, 3, 10))
    monkeypatch.setattr(views, "utcnow", lambda: at(2027, 3, 12, 15))
    coordinator = login_as(user=remind_world["coordinator"])
    page = coordinator.get("/notifications/digest")
    assert page.status_code == 200
    assert "Совещание с директорами школ ШНОР" in page.text and "Отправить мне на почту" in page.text

    response = coordinator.post("/notifications/digest/send", page="/notifications/digest")
    assert response.status_code == 302
    sweep_ok(at(2027, 3, 12, 15, 1))
    (message,) = digests(smtp_server)
    assert str(message["Subject"]) == "Сводка за неделю: просрочено 1, ждут проверки 0"

    executor = login_as(user=remind_world["executor"])
    assert executor.get("/notifications/digest").status_code == 403
    assert executor.post("/notifications/digest/send", page="/profile").status_code == 403


def test_digest_on_demand_with_nothing_to_say_sends_nothing(smtp_server, remind_world, login_as, monkeypatch):
    import tracker.notifications.views as views

    monkeypatch.setattr(views, "utcnow", lambda: at(2027, 3, 12, 15))
    coordinator = login_as(user=remind_world["coordinator"])
    page = coordinator.get("/notifications/digest")
    assert "ничего не стало просроченным" in page.text
    response = coordinator.post(
        "/notifications/digest/send", page="/notifications/digest", follow_redirects=True
    )
    assert "Сообщать не о чем" in response.text
    sweep_ok(at(2027, 3, 12, 15, 1))
    assert smtp_server.raw == []
