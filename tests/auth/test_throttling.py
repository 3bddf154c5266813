"""Repeated wrong passwords pause sign-in (429) and the owner is told by e-mail through the real outbox."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from tests.fixtures.auth import PASSWORD, Browser
from tests.fixtures.notifications import sweep_ok
from tracker.auth.models import AuditEntry, LoginAttempt
from tracker.auth.operations import MAX_FAILURES_PER_EMAIL
from tracker.extensions import db


def test_lockout_answers_429_in_russian_even_with_the_right_password(app, client, create_user_, smtp_server):
    user = create_user_("coordinator")
    for _ in range(MAX_FAILURES_PER_EMAIL - 1):
        assert Browser(client).login(user.email, "wrong").status_code == 401
    response = Browser(client).login(user.email, "wrong")
    assert response.status_code == 429 and "Слишком много неудачных попыток" in response.text
    response = Browser(client).login(user.email, PASSWORD)
    assert response.status_code == 429
    assert client.get("/roadmaps/").status_code == 302
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "auth.lockout")).scalar_one()
    assert entry.target_id == user.id

    sweep_ok(datetime.now(UTC) + timedelta(seconds=5))
    (message,) = smtp_server.messages
    assert message["To"].addresses[0].addr_spec == user.email
    assert message["Subject"] == "Вход в вашу учётную запись приостановлен"
    assert "неверным паролем" in message.get_body(("plain",)).get_content()


def test_throttle_window_expires(client, create_user_):
    user = create_user_("coordinator")
    for _ in range(MAX_FAILURES_PER_EMAIL):
        Browser(client).login(user.email, "wrong")
    assert Browser(client).login(user.email, PASSWORD).status_code == 429
    # Move the failures out of the window, as if 16 minutes had passed.
    old = datetime.now(UTC) - timedelta(minutes=16)
    for attempt in db.session.execute(select(LoginAttempt)).scalars():
        attempt.created_dt = old
    db.session.commit()
    assert Browser(client).login(user.email, PASSWORD).status_code == 302


def test_unknown_accounts_are_throttled_without_notice(client):
    for _ in range(MAX_FAILURES_PER_EMAIL):
        Browser(client).login("ghost@example.test", "wrong")
    assert Browser(client).login("ghost@example.test", "wrong").status_code == 429
    assert db.session.execute(select(AuditEntry)).first() is None
