"""The signed-in user kept per process for the pages that check it in their own statement
(tracker/auth/signed_in.py): one statement per kept page, and every change to the user or their organisations
takes effect at their next page."""

import contextvars
from datetime import date

import pytest
from flask import abort, session
from flask_login import current_user
from sqlalchemy import inspect, select

from tests.fixtures.pages import QueryCounter
from tracker.auth import signed_in
from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.orgs.models import OrgKind
from tracker.roadmaps.models import RoadmapStatus
from tracker.tasks.models import TaskRollup


@pytest.fixture
def pages(world):
    """The pages that keep the signed-in user: «Мои задачи», the roadmap, «Сводка исполнения»."""
    return ["/tasks/", f"/roadmaps/{world.roadmap.id}", "/tasks/overview"]


def test_a_kept_page_of_a_kept_user_is_one_statement(world, login_as, pages):
    browser = login_as(user=world.users["coordinator"])
    for url in pages:
        assert browser.get(url).status_code == 200
    for url in pages:
        with QueryCounter(db.engine) as statements:
            assert browser.get(url).status_code == 200
        assert statements.count == 1, url


def test_a_user_deep_in_the_tree_is_kept_with_every_organisation_above(login_as, create_org):
    region = create_org(OrgKind.region)
    municipality = create_org(OrgKind.municipality, region)
    school = create_org(OrgKind.school, municipality, code="deep-1")
    branch = create_org(OrgKind.branch, school, code="deep-1-1")
    browser = login_as(Role.school, branch)
    assert browser.get("/tasks/").status_code == 200
    with QueryCounter(db.engine) as statements:
        page = browser.get("/tasks/")
    assert page.status_code == 200 and statements.count == 1
    # The region's name is read from the snapshot, which belongs to no session.
    region.name = "Переименованная область"
    db.session.commit()
    assert browser.get("/tasks/").status_code == 200


def test_a_user_moved_to_another_organisation_sees_its_roadmaps_at_once(world, login_as):
    user = world.users["other_coordinator"]
    browser = login_as(user=user)
    url = f"/roadmaps/{world.roadmap.id}"
    assert browser.get(url).status_code == 404
    assert browser.get(url).status_code == 404
    user.organization_id = world.orgs["authority"].id
    db.session.commit()
    assert browser.get(url).status_code == 200
    user.organization_id = world.other["authority"].id
    db.session.commit()
    assert browser.get(url).status_code == 404


def test_a_new_role_and_name_show_at_once(world, login_as):
    user = world.users["coordinator"]
    browser = login_as(user=user)
    url = f"/roadmaps/{world.roadmap.id}"
    page = browser.get(url).text
    assert "Иван Иванов" in page and f"/roadmaps/{world.roadmap.id}/sections/new" in page
    user.role, user.name = Role.observer, "Пётр Петров"
    db.session.commit()
    page = browser.get(url).text
    assert "Пётр Петров" in page and "Иван Иванов" not in page
    assert f"/roadmaps/{world.roadmap.id}/sections/new" not in page


def test_an_organisation_moved_in_the_tree_moves_its_people(world, login_as):
    """A school moved to the other municipality: its staff no longer read the first one's plans."""
    world.roadmap.status = RoadmapStatus.in_progress
    db.session.commit()
    school = world.orgs["school"]
    browser = login_as(user=world.users["school"])
    url = f"/roadmaps/{world.roadmap.id}"
    assert browser.get(url).status_code == 200
    assert browser.get(url).status_code == 200
    school.parent_id = world.other["municipality"].id
    school.path = f"{world.other['municipality'].path}{school.id}/"
    db.session.commit()
    assert browser.get(url).status_code == 404


def test_a_change_above_the_users_organisation_is_a_new_scope_at_once(login_as, create_org, create_roadmap):
    """The scope comes from the organisations above the user: a body between the region and the user's that
    becomes a municipality makes the coordinator's scope that municipality on the very next page."""
    region = create_org(OrgKind.region)
    body = create_org(OrgKind.other, region)
    other = create_roadmap(create_org(OrgKind.authority, region), title="Карта области")
    browser = login_as(Role.coordinator, create_org(OrgKind.authority, body))
    url = f"/roadmaps/{other.id}"
    assert browser.get(url).status_code == 200
    assert browser.get(url).status_code == 200
    body.kind = OrgKind.municipality
    db.session.commit()
    assert browser.get(url).status_code == 404


def test_an_error_page_shows_the_user_as_they_are_now(world, login_as):
    """A guard may refuse a request before its view runs: the error page's menu checks the kept user."""
    user = world.users["coordinator"]
    browser = login_as(user=user)
    assert browser.get("/tasks/").status_code == 200
    user.name = "Пётр Петров"
    db.session.commit()
    page = browser.get("/tasks/?q=%00")
    assert page.status_code == 400 and "Пётр Петров" in page.text and "Иван Иванов" not in page.text


@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_a_user_deactivated_or_deleted_is_signed_out_at_once(world, login_as, create_user_, pages, change):
    user = create_user_(Role.coordinator, world.orgs["authority"])
    browser = login_as(user=user)
    for url in pages:
        assert browser.get(url).status_code == 200
    if change == "deactivated":
        user.is_active_account = False
    else:
        db.session.delete(user)
    db.session.commit()
    for url in pages:
        answer = browser.get(url)
        assert answer.status_code == 302 and "/login" in answer.location, url


def test_a_snapshot_outlives_the_request_that_wrote(world, login_as, create_task):
    """The overview stores the counts it made (a commit) in the very request that keeps the user: what is kept
    was taken out of that request's session before, or the next page would find it expired."""
    create_task(world.roadmap, world.activity, due=date(2026, 9, 1))
    db.session.execute(TaskRollup.__table__.delete())
    db.session.commit()
    user = world.users["coordinator"]
    browser = login_as(user=user)
    assert browser.get("/tasks/overview").status_code == 200
    assert db.session.scalar(select(TaskRollup.roadmap_id).limit(1)) is not None
    snapshot = signed_in._KEPT.peek(user.id)
    for instance in (snapshot.user, *snapshot.organizations):
        assert inspect(instance).detached and not inspect(instance).expired_attributes, instance
    assert browser.get("/tasks/").status_code == 200
    assert browser.get(f"/roadmaps/{world.roadmap.id}").status_code == 200


def in_request(app, path: str, work, method: str = "GET"):
    """Run `work` in a request of its own (its own session), as a request of the application runs."""

    def run():
        with app.test_request_context(path, method=method):
            return work()

    return contextvars.Context().run(run)


def keep(login_as, user: User) -> None:
    """Have the process keep the user as they are now, as a checking page does."""
    assert login_as(user=user).get("/tasks/").status_code == 200


def test_a_view_without_a_statement_checks_the_user_before_answering(app, world, login_as):
    user = world.users["coordinator"]
    keep(login_as, user)
    roles = []

    @signed_in.checks_signed_in
    def view():
        roles.append(current_user.role)
        return "ответ"

    def request():
        session["_user_id"] = str(user.id)
        with QueryCounter(db.engine) as statements:
            answer = view()
        return answer, statements.count

    assert in_request(app, "/tasks/", request) == ("ответ", 1)
    assert roles == [Role.coordinator]
    user.role = Role.observer
    db.session.commit()
    # The kept coordinator's answer is dropped: the view runs again with the user as they are now.
    assert in_request(app, "/tasks/", request)[0] == "ответ"
    assert roles == [Role.coordinator, Role.coordinator, Role.observer]


def test_a_view_that_aborts_first_checks_the_user_before_the_refusal(app, world, login_as):
    user = world.users["coordinator"]
    keep(login_as, user)

    @signed_in.checks_signed_in
    def view():
        if current_user.role != Role.admin:
            abort(403)
        return "ответ"

    def request():
        session["_user_id"] = str(user.id)
        try:
            return view()
        except Exception as refusal:
            return getattr(refusal, "code", refusal)

    assert in_request(app, "/tasks/", request) == 403
    user.role = Role.admin
    db.session.commit()
    assert in_request(app, "/tasks/", request) == "ответ"


def test_only_checking_views_run_for_gets_get_a_kept_user(app, world, login_as):
    user = world.users["coordinator"]
    keep(login_as, user)

    def read_in_session(path: str, method: str = "GET") -> bool:
        return in_request(app, path, lambda: signed_in.load(str(user.id)) in db.session, method)

    assert read_in_session("/tasks/") is False
    assert read_in_session("/tasks/", "HEAD") is False
    assert read_in_session("/tasks/overview") is False
    assert read_in_session("/profile") is True
    # Requests that run no checking view: a form sent to a page's address, OPTIONS (answered without it).
    assert read_in_session("/tasks/", "POST") is True
    assert read_in_session("/tasks/", "OPTIONS") is True
