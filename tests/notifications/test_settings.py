"""Reminder settings of users and roadmaps, and the administrators' outbox page."""

import re
from datetime import date

from tracker.auth.models import Role
from tracker.extensions import db
from tracker.notifications import operations as ops


def test_profile_shows_the_calendar_and_reminder_section(remind_world, login_as):
    page = login_as(user=remind_world["executor"]).get("/profile")
    assert page.status_code == 200
    assert "Календарь задач" in page.text and "Напоминания по почте" in page.text
    assert re.search(r'<input checked[^>]*name="days_before" type="checkbox" value="14"', page.text)
    assert not re.search(r'<input checked[^>]*name="days_before" type="checkbox" value="7"', page.text)
    assert "Сводка координатора по понедельникам" not in page.text  # executors get no weekly digest
    coordinator = login_as(user=remind_world["coordinator"]).get("/profile")
    assert "Сводка координатора по понедельникам" in coordinator.text


def test_saving_reminder_settings(remind_world, login_as):
    executor = remind_world["executor"]
    browser = login_as(user=executor)
    response = browser.post(
        "/profile/reminders",
        {
            "paused_until": "2027-07-31",
            "is_digest": "y",
            "days_before": ["3", "0"],
            "send_at": "08:30",
        },
    )
    assert response.status_code == 302
    setting = ops.settings_of(executor.id)
    assert setting.paused_until == date(2027, 7, 31)
    assert setting.is_digest is True and setting.is_weekly_digest is True
    assert setting.policy == {"days_before": [3, 0], "send_at": "08:30"}
    page = browser.get("/profile").text
    assert 'value="2027-07-31"' in page and 'value="08:30"' in page

    # Back to the defaults: nothing is pinned, so roadmap rules apply again.
    browser.post("/profile/reminders", {"days_before": ["14", "3", "1", "0"], "send_at": "09:00"})
    db.session.expire_all()
    setting = ops.settings_of(executor.id)
    assert setting.policy is None and setting.paused_until is None and setting.is_digest is False


def test_invalid_settings_are_refused_with_a_message(remind_world, login_as):
    browser = login_as(user=remind_world["executor"])
    response = browser.post(
        "/profile/reminders", {"send_at": "25:99", "days_before": ["5"]}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "alert-danger" in response.text
    assert ops.settings_of(remind_world["executor"].id) is None


def test_roadmap_policy_is_kept_by_its_coordinators(remind_world, login_as, two_municipalities):
    roadmap = remind_world["roadmap"]
    url = f"/roadmaps/{roadmap.id}/reminders"
    coordinator = login_as(user=remind_world["coordinator"])
    response = coordinator.post(
        url, {"days_before": ["7", "1"], "send_at": "10:00", "overdue_every_days": "3"}, page=url
    )
    assert response.status_code == 302
    assert ops.roadmap_policy_of(roadmap.id).policy == {
        "enabled": False,
        "days_before": [7, 1],
        "send_at": "10:00",
        "overdue_every_days": 3,
    }
    coordinator.post(
        url,
        {
            "is_enabled": "y",
            "days_before": ["14", "3", "1", "0"],
            "send_at": "09:00",
            "overdue_every_days": "7",
        },
        page=url,
    )
    db.session.expire_all()
    assert ops.roadmap_policy_of(roadmap.id) is None

    bad = coordinator.post(url, {"is_enabled": "y", "send_at": "09:00", "overdue_every_days": "-1"}, page=url)
    assert bad.status_code == 422
    stranger = login_as(Role.coordinator, two_municipalities["b"]["authority"])
    assert stranger.get(url).status_code == 404


def test_outbox_page_is_for_administrators(remind_world, login_as):
    assert login_as(user=remind_world["coordinator"]).get("/notifications/outbox").status_code == 403
    page = login_as(Role.admin, remind_world["orgs"]["region"]).get("/notifications/outbox")
    assert page.status_code == 200
    assert "Проблемных писем нет" in page.text
    assert "Почтовый сервер не настроен" in page.text  # the test configuration has no SMTP_HOST


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for url in ("/notifications/outbox", "/notifications/digest", "/roadmaps/1/reminders"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.post("/profile/reminders").status_code in (302, 400)
