"""Calendar feeds and downloads: secret revocable links, scoping, and output every calendar program reads."""

from datetime import date

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import delete

from tests.fixtures.notifications import CREATED
from tests.fixtures.pages import QueryCounter
from tracker.auth.models import Role
from tracker.extensions import db
from tracker.notifications.feeds import calendar_url, roadmap_calendar_token, roadmap_calendar_url
from tracker.roadmaps.models import ActivityLink, LinkRole, RoadmapStatus
from tracker.tasks.models import TaskAssignee, TaskStatus

BASE = "http://tracker.test"


def path(url: str) -> str:
    """Return the local part of an absolute address of the application."""
    assert url.startswith(BASE)
    return url[len(BASE) :]


def events(body: bytes) -> dict[str, object]:
    """Return the events of an iCalendar body by UID."""
    return {str(e["UID"]): e for e in Calendar.from_ical(body).walk("VEVENT")}


def test_personal_feed_by_secret_link_without_signing_in(
    client, remind_world, remind_task, create_roadmap, create_activity
):
    executor = remind_world["executor"]
    open_task = remind_task(date(2027, 3, 9))
    late = remind_task(date(2027, 2, 1), status=TaskStatus.returned)
    done = remind_task(date(2027, 3, 1), status=TaskStatus.done)
    draft = create_roadmap(remind_world["orgs"]["authority"], status=RoadmapStatus.draft, title="Черновик")
    remind_task(date(2027, 3, 9), activity=create_activity(draft, deadline_text=""))
    url = path(calendar_url(executor))

    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"].startswith("inline")
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["X-WR-CALNAME"]) == "Задачи: Мария Петровна Сидорова"
    found = events(response.data)
    assert set(found) == {f"task-{open_task.id}@tracker.test", f"task-{late.id}@tracker.test"}
    assert f"task-{done.id}@tracker.test" not in found
    event = found[f"task-{open_task.id}@tracker.test"]
    assert str(event["SUMMARY"]) == "1.1 Совещание с директорами школ ШНОР по итогам ВПР"
    description = str(event["DESCRIPTION"])
    assert "Дорожная карта: МППКО «Качество образования» на 2026–2030 гг." in description
    assert (
        "Ответственный: МКУ «ЦРО» A" in description
        and "Ожидаемый результат: Протокол совещания" in description
    )
    assert f"{BASE}/tasks/{open_task.id}" in description
    # recurring-ical-events expands it to one all-day occurrence on the due date.
    occurrences = recurring_ical_events.of(calendar).between(date(2027, 3, 1), date(2027, 3, 31))
    assert [(o.decoded("DTSTART"), str(o["UID"])) for o in occurrences] == [
        (date(2027, 3, 9), f"task-{open_task.id}@tracker.test")
    ]

    again = client.get(url)
    assert again.data == response.data  # the same UIDs and bytes at every fetch
    cached = client.get(url, headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304
    download = client.get(url + "?download=1")
    assert download.headers["Content-Disposition"] == 'attachment; filename="tasks.ics"'


def test_feed_link_is_revoked_by_regenerating_it(client, remind_world, remind_task, login_as):
    executor = remind_world["executor"]
    remind_task(date(2027, 3, 9))
    old = path(calendar_url(executor))
    assert client.get(old).status_code == 200
    assert client.get(old.replace(".ics", "x.ics")).status_code == 404
    assert client.get("/calendar/not-a-token.ics").status_code == 404

    browser = login_as(user=executor)
    profile = browser.get("/profile").text
    assert "webcal://tracker.test/calendar/" in profile and "?download=1" in profile
    assert browser.post("/profile/calendar/regenerate").status_code == 302
    db.session.refresh(executor)
    new = path(calendar_url(executor))
    assert new != old
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200

    executor.is_active_account = False
    db.session.commit()
    assert client.get(new).status_code == 404


def test_a_polled_feed_is_one_statement_and_follows_its_owner(client, remind_world, remind_task):
    """The feed's owner is kept per process and checked in the feed's one statement: a change to them or their
    organisation shows at the next poll."""
    executor = remind_world["executor"]
    remind_task(date(2027, 3, 9))
    url = path(calendar_url(executor))
    assert client.get(url).status_code == 200
    with QueryCounter(db.engine) as statements:
        assert client.get(url).status_code == 200
    assert statements.count == 1
    executor.name = "Мария Петровна Иванова"
    db.session.commit()
    assert str(Calendar.from_ical(client.get(url).data)["X-WR-CALNAME"]) == "Задачи: Мария Петровна Иванова"
    executor.organization.timezone = "Europe/Moscow"
    db.session.commit()
    assert str(Calendar.from_ical(client.get(url).data)["X-WR-TIMEZONE"]) == "Europe/Moscow"
    db.session.delete(executor)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_task_download_needs_sign_in_and_scope(
    client, remind_world, remind_task, login_as, two_municipalities
):
    task = remind_task(date(2027, 3, 9))
    url = f"/tasks/{task.id}/calendar.ics"
    assert client.get(url).status_code == 302  # to the sign-in page
    stranger = login_as(Role.coordinator, two_municipalities["b"]["authority"])
    assert stranger.get(url).status_code == 404
    assert stranger.get("/tasks/999999/calendar.ics").status_code == 404

    response = login_as(user=remind_world["executor"]).get(url)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="task-{task.id}.ics"'
    calendar = Calendar.from_ical(response.data)
    assert calendar["METHOD"] == "PUBLISH"
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == date(2027, 3, 9) and event.decoded("DTEND") == date(2027, 3, 10)
    assert event["SEQUENCE"] == 0 and event.walk("VALARM")


def test_roadmap_feed_for_coordinators(client, remind_world, remind_task, login_as):
    coordinator, executor, roadmap = (
        remind_world["coordinator"],
        remind_world["executor"],
        remind_world["roadmap"],
    )
    remind_task(date(2027, 3, 9))
    done = remind_task(date(2027, 2, 9), status=TaskStatus.done)
    page = login_as(user=coordinator).get(f"/roadmaps/{roadmap.id}/reminders")
    assert page.status_code == 200
    url = roadmap_calendar_url(coordinator, roadmap.id)
    assert url in page.text and "webcal://tracker.test/calendar/roadmap/" in page.text

    response = client.get(path(url))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.data)
    assert len(calendar.walk("VEVENT")) == 2
    assert f"task-{done.id}@tracker.test" in events(response.data)
    assert calendar.walk("VALARM") == []  # a feed to watch, not a to-do list
    assert "МППКО «Качество образования»" in str(calendar["X-WR-CALNAME"])

    # An executor cannot coordinate the roadmap: a link made for them leads nowhere.
    assert (
        client.get(f"/calendar/roadmap/{roadmap_calendar_token(executor, roadmap.id)}.ics").status_code == 404
    )
    assert login_as(user=executor).get(f"/roadmaps/{roadmap.id}/reminders").status_code == 403


def test_api_me_gives_the_same_personal_feed(client, remind_world, api_token):
    executor = remind_world["executor"]
    response = client.get("/api/v1/me", headers=api_token(executor))
    assert response.json["calendar_url"] == calendar_url(executor)
    assert client.get(path(response.json["calendar_url"])).status_code == 200


def test_feed_event_sequence_grows_with_changes(client, remind_world, remind_task):
    task = remind_task(date(2027, 3, 9))
    url = path(calendar_url(remind_world["executor"]))
    first = events(client.get(url).data)[f"task-{task.id}@tracker.test"]
    task.due = task.start = date(2027, 3, 16)
    db.session.commit()
    second = events(client.get(url).data)[f"task-{task.id}@tracker.test"]
    assert int(second["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert second.decoded("DTSTART") == date(2027, 3, 16)
    assert second.decoded("DTSTAMP") > CREATED


def test_feed_is_rebuilt_when_what_it_shows_changes(client, remind_world, remind_task):
    task = remind_task(date(2027, 3, 9))
    url = path(calendar_url(remind_world["executor"]))
    uid = f"task-{task.id}@tracker.test"
    first = client.get(url).data
    assert client.get(url).data == first
    task.activity.title = "Новое название мероприятия"
    db.session.commit()
    assert "Новое название мероприятия" in str(events(client.get(url).data)[uid]["SUMMARY"])
    task.status = TaskStatus.done
    db.session.commit()
    assert uid not in events(client.get(url).data)


def test_feed_follows_every_way_a_task_becomes_the_users(
    client, remind_world, remind_task, create_roadmap, create_activity, two_municipalities
):
    """The feed is kept under the roadmaps that can hold the user's tasks: a task that becomes theirs in a
    roadmap not among them until then, or stops being theirs, still changes what the next fetch gives."""
    center = remind_world["orgs"]["center"]
    url = path(calendar_url(remind_world["executor"]))

    def uids() -> set[str]:
        return set(events(client.get(url).data))

    named = remind_task(date(2027, 3, 9))
    assert uids() == {f"task-{named.id}@tracker.test"}

    # An activity of another roadmap made the centre's: its task, named to no one, falls to the centre.
    linked_roadmap = create_roadmap(remind_world["orgs"]["authority"], title="Другая карта")
    linked_task = remind_task(
        date(2027, 4, 1), activity=create_activity(linked_roadmap, deadline_text=""), assignees=[]
    )
    assert uids() == {f"task-{named.id}@tracker.test"}
    link = ActivityLink(
        activity_id=linked_task.activity_id, role=LinkRole.responsible, organization_id=center.id
    )
    db.session.add(link)
    db.session.commit()
    assert uids() == {f"task-{named.id}@tracker.test", f"task-{linked_task.id}@tracker.test"}

    # A task of a third roadmap aimed at the centre.
    aimed_roadmap = create_roadmap(remind_world["orgs"]["authority"], title="Третья карта")
    aimed = remind_task(
        date(2027, 5, 1), activity=create_activity(aimed_roadmap, deadline_text=""), assignees=[]
    )
    assert f"task-{aimed.id}@tracker.test" not in uids()
    aimed.organization_id = center.id
    db.session.commit()
    assert f"task-{aimed.id}@tracker.test" in uids()

    # A task of the other municipality's roadmap named to the executor.
    far_roadmap = create_roadmap(two_municipalities["b"]["authority"], title="Карта Б")
    far = remind_task(date(2027, 6, 1), activity=create_activity(far_roadmap, deadline_text=""), assignees=[])
    assert f"task-{far.id}@tracker.test" not in uids()
    db.session.add(TaskAssignee(task_id=far.id, user_id=remind_world["executor"].id))
    db.session.commit()
    assert f"task-{far.id}@tracker.test" in uids()

    # And back: the link removed, the third roadmap archived, the named task handed to someone else.
    db.session.delete(link)
    aimed_roadmap.status = RoadmapStatus.archived
    db.session.commit()
    assert uids() == {f"task-{named.id}@tracker.test", f"task-{far.id}@tracker.test"}
    db.session.execute(delete(TaskAssignee).where(TaskAssignee.task_id == far.id))
    db.session.commit()
    assert uids() == {f"task-{named.id}@tracker.test"}
