"""Pages kept per state of what they show («Мои задачи», «Сводка исполнения»): every write shows at once."""

import re
from datetime import UTC, date, datetime

import pytest
from flask_login import login_user
from sqlalchemy import delete, func, insert, select, update

from tests.fixtures.pages import captured
from tracker import stamps
from tracker.auth.access import user_scope, visible_roadmaps
from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps.models import ActivityLink, LinkRole, Roadmap
from tracker.tasks import operations as ops
from tracker.tasks import views
from tracker.tasks.models import Task, TaskAssignee

TODAY = date(2026, 9, 28)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(views, "_today", lambda: TODAY)


def viewer(browser, url: str):
    """Return a function that opens the page and gives its text without the CSRF token (which carries the
    moment it was signed, so two views of one kept page would differ by it)."""

    def page() -> str:
        response = browser.get(url)
        assert response.status_code == 200
        return re.sub(r'name="csrf_token" value="[^"]*"', "", response.text)

    return page


def roadmap_stamp(roadmap_id):
    return db.session.execute(select(Roadmap.content_stamp).where(Roadmap.id == roadmap_id)).scalar_one()


def test_stamps_are_renewed_by_writes_to_what_pages_show(world, create_task):
    roadmap, org, person = world.roadmap, world.orgs["center"], world.users["executor"]
    seen = {"roadmap": [roadmap_stamp(roadmap.id)], "org": [org.stamp], "user": [person.stamp]}

    def renewed(kind, value):
        assert value not in seen[kind]
        seen[kind].append(value)

    roadmap.title = "Карта А, редакция 2"
    db.session.commit()
    renewed("roadmap", roadmap_stamp(roadmap.id))
    org.short_name = "ЦРО (новое название)"
    db.session.commit()
    renewed("org", org.stamp)
    person.name = "Иванова Мария Петровна"
    db.session.commit()
    renewed("user", person.stamp)
    # What others never see of a user leaves the stamp as it was.
    person.last_login_dt = datetime(2026, 9, 1, tzinfo=UTC)
    db.session.commit()
    assert person.stamp == seen["user"][-1]
    # Rows a roadmap holds through its tasks and activities, written one by one and by statements.
    db.session.add(TaskAssignee(task_id=world.task.id, user_id=person.id))
    db.session.commit()
    renewed("roadmap", roadmap_stamp(roadmap.id))
    db.session.execute(delete(TaskAssignee).where(TaskAssignee.task_id == world.task.id))
    db.session.commit()
    renewed("roadmap", roadmap_stamp(roadmap.id))
    link = ActivityLink(activity_id=world.activity.id, role=LinkRole.participant, organization_id=org.id)
    db.session.add(link)
    db.session.commit()
    renewed("roadmap", roadmap_stamp(roadmap.id))
    db.session.execute(update(ActivityLink).values(role=LinkRole.control))
    db.session.commit()
    renewed("roadmap", roadmap_stamp(roadmap.id))


def test_the_state_of_a_set_of_rows_changes_with_any_of_them(world, create_org):
    def state():
        # A fresh key each time: the statement is built anew, as for another scope.
        return stamps.state_of(object(), lambda: [(select(Organization), Organization.stamp)])

    before = state()
    organizations = db.session.execute(select(func.count()).select_from(Organization)).scalar_one()
    assert before == state() and before[0] == organizations
    created = create_org("school", world.orgs["municipality"], name="Школа № 9")
    added = state()
    assert added[0] == before[0] + 1 and added != before
    created.name = "Школа № 9 имени Пушкина"
    db.session.commit()
    renamed = state()
    assert renamed[0] == added[0] and renamed != added
    db.session.delete(created)
    db.session.commit()
    assert state()[0] == before[0]


def test_the_stamp_of_a_whole_table_is_renewed_by_every_write_to_it(world, create_org, create_user_):
    def state():
        return stamps.state_of(object(), lambda: [stamps.whole(User), stamps.whole(Organization)])

    seen = [state()]

    def renewed(*which):
        now = state()
        assert [now[i] == seen[-1][i] for i in (0, 1)] == [i not in which for i in (0, 1)]
        assert now not in seen
        seen.append(now)

    person = create_user_("executor", world.orgs["center"])
    renewed(0)
    person.name = "Сидорова Анна Ивановна"
    db.session.commit()
    renewed(0)
    # A sign-in is nobody else's business.
    person.last_login_dt = datetime(2026, 9, 1, tzinfo=UTC)
    db.session.commit()
    assert state() == seen[-1]
    db.session.delete(person)
    db.session.commit()
    renewed(0)
    school = create_org("school", world.orgs["municipality"], name="Школа № 12")
    renewed(1)
    db.session.execute(update(Organization).where(Organization.id == school.id).values(short_name="СОШ № 12"))
    db.session.commit()
    renewed(1)
    db.session.execute(update(User).values(position="учитель"))
    db.session.commit()
    renewed(0)
    db.session.execute(delete(Organization).where(Organization.id == school.id))
    db.session.commit()
    renewed(1)
    # Rows inserted by one statement, as a generated region is.
    db.session.execute(
        insert(Organization), [{"name": "Школа № 13", "short_name": "СОШ № 13", "kind": "school"}]
    )
    db.session.commit()
    renewed(1)


def test_my_tasks_show_every_change_to_what_they_are_drawn_from(app, world, login_as, create_task):
    page = viewer(login_as(user=world.users["executor"]), "/tasks/")

    late = create_task(world.roadmap, world.activity, due=date(2026, 9, 1), label="сентябрь")
    text = page()
    assert "сентябрь" in text and "просрочено на 27 дней" in text
    # Kept: the lists are not rendered again, and read the same.
    with captured(app) as seen:
        assert page() == text
    assert "tasks/_mine_body.html" not in {name for name, _ in seen}
    # A task done by someone else of the organisation leaves «Просрочены».
    ops.complete_task(world.users["executor2"], late, world.roadmap, "Сделано", [], [])
    db.session.commit()
    text = page()
    assert "просрочено на 27 дней" not in text and "На проверке у контролёра" in text
    # Another task named to a colleague only: it is no longer the executor's.
    other = create_task(world.roadmap, world.activity, due=date(2026, 10, 1), label="октябрь")
    assert "октябрь" in page()
    ops.assign_tasks(world.users["coordinator"], [other], [world.users["executor2"]], "replace")
    db.session.commit()
    assert "октябрь" not in page()
    # The colleague named on a task is renamed: the doers' column follows.
    ops.assign_tasks(world.users["coordinator"], [other], [world.users["executor"]], "add")
    db.session.commit()
    assert world.users["executor2"].name in page()
    world.users["executor2"].name = "Петров Пётр Петрович"
    db.session.commit()
    assert "Петров Пётр Петрович" in page()
    # The activity renamed.
    world.activity.title = "Методический день"
    db.session.commit()
    assert "Методический день" in page()
    # Another person sees their own lists, not the ones kept for the executor.
    assert "октябрь" not in login_as(user=world.users["school"]).get("/tasks/").text


def test_the_overview_shows_every_change_to_what_it_is_counted_from(app, world, login_as, create_task):
    page = viewer(login_as(user=world.users["coordinator"]), "/tasks/overview")

    create_task(world.roadmap, world.activity, due=date(2026, 9, 1))
    text = page()
    assert "Карта А" in text
    with captured(app) as seen:
        assert page() == text
    assert "tasks/_overview_body.html" not in {name for name, _ in seen}
    world.roadmap.title = "Карта А (скорректированная)"
    db.session.commit()
    assert "Карта А (скорректированная)" in page()
    world.orgs["school"].short_name = "Лицей № 1"
    db.session.commit()
    assert "Лицей № 1" in page()
    before = page()
    task = db.session.execute(select(Task).where(Task.due == date(2026, 9, 1))).scalar_one()
    ops.complete_task(world.users["executor"], task, world.roadmap, "Сделано", [], [])
    db.session.commit()
    assert page() != before
    # Another municipality's coordinator never gets these figures.
    other = login_as(user=world.users["other_coordinator"]).get("/tasks/overview").text
    assert "Карта А" not in other and "Лицей № 1" not in other


def test_a_user_moved_to_another_organisation_gets_its_lists(world, login_as, create_task):
    create_task(world.roadmap, world.activity, due=date(2026, 10, 5), label="для ЦРО")
    person = world.users["executor"]
    browser = login_as(user=person)
    assert "для ЦРО" in browser.get("/tasks/").text
    stamp = person.stamp
    db.session.execute(
        update(User).where(User.id == person.id).values(organization_id=world.other["center"].id)
    )
    db.session.commit()
    assert db.session.get(User, person.id).stamp != stamp
    assert "для ЦРО" not in browser.get("/tasks/").text


def test_the_overview_at_the_only_root_is_named_from_every_roadmap(
    app, world, login_as, create_user_, create_roadmap, create_activity, create_task
):
    """While the tree has one root, its administrator's overview is named from all working roadmaps without
    matching their owners' paths — exactly the state of the roadmaps they see; with a second root it matches
    paths again."""
    a, b = world.orgs, world.other
    admin = create_user_("admin", a["region"])
    far = create_roadmap(b["authority"], title="Карта Б")
    far_activity = create_activity(far, deadline_text="")

    def named() -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Return the overview's name of its state, and the state of the admin's working roadmaps by paths."""
        with app.test_request_context():
            login_user(admin)
            scope = user_scope(admin)
            by_paths = stamps.state_of(
                ("paths", scope),
                lambda: [
                    (
                        visible_roadmaps(admin).where(Roadmap.status.in_(views.WORKING_ROADMAP_STATUSES)),
                        Roadmap.content_stamp,
                    ),
                    stamps.whole(Organization),
                ],
            )
            return views._overview_state(scope), by_paths

    two_roots, by_paths = named()
    assert two_roots == by_paths
    # Region B moves under region A, its paths rewritten as the tree keeps them: A is the only root.
    prefix = a["region"].path.rstrip("/")
    db.session.execute(
        update(Organization)
        .where(Organization.path.startswith(b["region"].path))
        .values(path=prefix + Organization.path)
    )
    db.session.execute(
        update(Organization).where(Organization.id == b["region"].id).values(parent_id=a["region"].id)
    )
    db.session.commit()
    one_root, by_paths = named()
    assert one_root == by_paths and one_root[0] == two_roots[0] + 1
    page = viewer(login_as(user=admin), "/tasks/overview")
    before = page()
    create_task(far, far_activity, due=date(2026, 9, 1))
    assert page() != before
    assert named()[0] == named()[1]
