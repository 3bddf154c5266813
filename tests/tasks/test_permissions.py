"""Every task route with unknown ids, what each role may do, and forged ids.

Every route with another municipality's ids and with each role is in tests/test_route_table.py.
"""

import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.fixtures.permissions import call, db_state
from tests.fixtures.tasks import pdf_bytes
from tracker.extensions import db
from tracker.roadmaps.models import RoadmapStatus
from tracker.storage import StoredFile
from tracker.tasks import operations as ops
from tracker.tasks.models import Evidence, Task, TaskStatus

# (method, url template, form data) of every task route.
ROUTES = [
    ("GET", "/tasks/{task_id}", None),
    ("GET", "/tasks/{task_id}/evidence/{evidence_id}", None),
    ("GET", "/tasks/roadmaps/{roadmap_id}", None),
    ("GET", "/tasks/roadmaps/{roadmap_id}/progress", None),
    ("GET", "/tasks/roadmaps/{roadmap_id}/timeline", None),
    ("POST", "/tasks/{task_id}/start", {}),
    ("POST", "/tasks/{task_id}/complete", {"note": "Сделано"}),
    ("POST", "/tasks/{task_id}/accept", {}),
    ("POST", "/tasks/{task_id}/return", {"comment": "Доработать"}),
    ("POST", "/tasks/{task_id}/not_done", {"reason": "Нет"}),
    ("POST", "/tasks/{task_id}/cancel", {"reason": "Нет"}),
    ("POST", "/tasks/{task_id}/reopen", {"reason": "Нет"}),
    ("POST", "/tasks/{task_id}/comments", {"body": "Привет"}),
    ("POST", "/tasks/{task_id}/assign", {"people": "1", "mode": "replace"}),
    ("POST", "/tasks/{task_id}/reschedule", {"shift_days": "3", "reason": "Нет"}),
    ("POST", "/tasks/{task_id}/evidence/{evidence_id}/remove", {}),
    (
        "POST",
        "/tasks/roadmaps/{roadmap_id}/bulk",
        {"task_ids": "{task_id}", "action": "reschedule", "shift_days": "3", "reason": "Нет"},
    ),
]


def test_unknown_ids_answer_404(world, login_as):
    browser = login_as(user=world.users["coordinator"])
    ids = {"task_id": 999999, "evidence_id": 999999, "roadmap_id": 999999}
    for method, template, data in ROUTES:
        assert call(browser, method, template, data, ids).status_code == 404, template


def _set(world, status: TaskStatus, submitted_by=None) -> Task:
    task = db.session.get(Task, world.task.id)
    task.status = status
    task.submitted_by_id = submitted_by.id if submitted_by else None
    db.session.commit()
    return task


# action → (status the task is put in, form data, roles allowed); everyone else gets 403.
MATRIX = {
    "start": (TaskStatus.planned, {}, {"executor", "executor2", "coordinator", "admin"}),
    "complete": (TaskStatus.planned, {"note": "Сделано"}, {"executor", "executor2", "coordinator", "admin"}),
    "not_done": (
        TaskStatus.in_progress,
        {"reason": "Нет"},
        {"executor", "executor2", "coordinator", "admin"},
    ),
    "accept": (TaskStatus.submitted, {}, {"controller", "coordinator", "admin"}),
    "return": (TaskStatus.submitted, {"comment": "Доработать"}, {"controller", "coordinator", "admin"}),
    "cancel": (TaskStatus.planned, {"reason": "Не нужно"}, {"coordinator", "admin"}),
    "reopen": (TaskStatus.done, {"reason": "Ошибка"}, {"coordinator", "admin"}),
    "comments": (
        TaskStatus.planned,
        {"body": "Вопрос"},
        {"executor", "executor2", "controller", "coordinator", "admin"},
    ),
    "reschedule": (TaskStatus.planned, {"shift_days": "7", "reason": "Письмо"}, {"coordinator", "admin"}),
}
ROLES = ["executor", "executor2", "controller", "coordinator", "school", "observer", "admin"]


@pytest.mark.parametrize("action", list(MATRIX))
def test_each_role_may_do_only_its_part(world, login_as, action):
    status, data, allowed = MATRIX[action]
    browsers = {role: login_as(user=world.users[role]) for role in ROLES}
    for role in ROLES:
        _set(world, status, submitted_by=world.users["executor"])
        before = db_state()
        response = browsers[role].post(f"/tasks/{world.task.id}/{action}", data, page="/profile")
        if role in allowed:
            assert response.status_code == 302, (action, role, response.status_code)
            assert db_state() != before, (action, role)
        else:
            assert response.status_code == 403, (action, role, response.status_code)
            assert db_state() == before, (action, role)


def test_assignment_is_for_coordinators_and_named_people_replace_the_default(world, login_as):
    url = f"/tasks/{world.task.id}"
    data = {"people": str(world.users["executor2"].id), "mode": "replace"}
    for role in ("executor", "controller", "school", "observer"):
        assert login_as(user=world.users[role]).post(f"{url}/assign", data, page=url).status_code == 403
    response = login_as(user=world.users["coordinator"]).post(f"{url}/assign", data, page=url)
    assert response.status_code == 302
    assert (
        login_as(user=world.users["executor"]).post(f"{url}/complete", {"note": "x"}, page=url).status_code
        == 403
    )
    assert (
        login_as(user=world.users["executor2"]).post(f"{url}/complete", {"note": "x"}, page=url).status_code
        == 302
    )


def test_forged_people_and_task_ids_answer_404(world, login_as, create_task, create_roadmap):
    coordinator = login_as(user=world.users["coordinator"])
    url = f"/tasks/{world.task.id}"
    before = db_state()
    for person in (world.users["other_executor"].id, world.users["observer"].id, 999999):
        response = coordinator.post(f"{url}/assign", {"people": str(person), "mode": "replace"}, page=url)
        assert response.status_code == 404, person
    other_roadmap = create_roadmap(world.orgs["authority"], title="Другая карта")
    elsewhere = create_task(other_roadmap)
    before = db_state()
    for ids in ([world.task.id, elsewhere.id], [999999]):
        response = coordinator.post(
            f"/tasks/roadmaps/{world.roadmap.id}/bulk",
            {"task_ids": [str(i) for i in ids], "action": "reschedule", "shift_days": "3", "reason": "x"},
            page=url,
        )
        assert response.status_code == 404
    response = coordinator.post(
        f"/tasks/roadmaps/{world.roadmap.id}/bulk",
        {"task_ids": ["abc"], "action": "reschedule", "shift_days": "3", "reason": "x"},
        page=url,
    )
    assert response.status_code == 302
    assert db_state() == before


def test_evidence_of_another_task_cannot_be_removed_through_this_one(world, login_as, create_task):
    stored = StoredFile("файл.pdf", "1" * 32, 10, "2" * 64, "application/pdf")
    other = create_task(world.roadmap, world.activity, due=date(2026, 10, 31))
    ops.complete_task(world.users["executor"], other, world.roadmap, "Сделано", [stored], [])
    ops.return_task(world.users["controller"], other, "Ещё раз")
    db.session.commit()
    evidence = db.session.execute(select(Evidence)).scalar_one()
    browser = login_as(user=world.users["coordinator"])
    response = browser.post(f"/tasks/{world.task.id}/evidence/{evidence.id}/remove", page="/profile")
    assert response.status_code == 404
    assert db.session.execute(select(Evidence)).scalar_one()


@pytest.mark.parametrize("status", [RoadmapStatus.draft, RoadmapStatus.review, RoadmapStatus.archived])
def test_tasks_of_a_roadmap_not_in_execution_cannot_be_acted_on(world, login_as, status):
    world.roadmap.status = status
    db.session.commit()
    coordinator = login_as(user=world.users["coordinator"])
    url = f"/tasks/{world.task.id}"
    before = db_state()
    assert coordinator.get(url).status_code == 200
    response = coordinator.post(f"{url}/complete", {"note": "Сделано"}, page=url, follow_redirects=True)
    assert "сейчас не исполняются" in response.text
    response = coordinator.post(
        f"/tasks/roadmaps/{world.roadmap.id}/bulk",
        {"task_ids": str(world.task.id), "action": "reschedule", "shift_days": "3", "reason": "x"},
        page=url,
        follow_redirects=True,
    )
    assert "сейчас не исполняются" in response.text
    assert db_state() == before
    if status == RoadmapStatus.draft:
        # A school sees no municipal draft at all.
        assert login_as(user=world.users["school"]).get(url).status_code == 404


def test_a_task_aimed_at_a_school_is_that_schools(world, login_as, create_task, create_user_):
    task = create_task(
        world.roadmap, world.activity, organization=world.orgs["school"], label="МОУ «СОШ № 1» A"
    )
    url = f"/tasks/{task.id}"
    own = login_as(user=world.users["school"])
    assert "Отметить выполнение" in own.get(url).text
    neighbour = login_as(user=create_user_("school", world.orgs["school2"]))
    assert "Отметить выполнение" not in neighbour.get(url).text
    assert neighbour.post(f"{url}/complete", {"note": "Чужое"}, page=url).status_code == 403
    assert (
        login_as(user=world.users["executor"]).post(f"{url}/complete", {"note": "x"}, page=url).status_code
        == 403
    )
    assert own.post(f"{url}/complete", {"note": "Сделали"}, page=url).status_code == 302
    page = own.get("/tasks/").text
    assert "На проверке у контролёра" in page and "МОУ «СОШ № 1» A" in page


def test_a_controller_does_not_accept_their_own_report(world, login_as, create_activity, create_task):
    center = world.orgs["center"].name
    activity = create_activity(
        world.roadmap, number="1.9", deadline_text="", responsible=center, control=center
    )
    task = create_task(world.roadmap, activity)
    url = f"/tasks/{task.id}"
    executor = login_as(user=world.users["executor"])
    assert executor.post(f"{url}/complete", {"note": "Сделано"}, page=url).status_code == 302
    page = executor.get(url).text
    assert "принять её должен другой контролёр или координатор" in page
    assert executor.post(f"{url}/accept", {}, page=url).status_code == 403
    assert login_as(user=world.users["executor2"]).post(f"{url}/accept", {}, page=url).status_code == 302
    assert db.session.get(Task, task.id).status == TaskStatus.done


def test_a_school_coordinates_its_own_roadmap(world, login_as, create_roadmap, create_activity, create_task):
    roadmap = create_roadmap(world.orgs["school"], title="Программа школы")
    activity = create_activity(
        roadmap, deadline_text="", responsible=world.orgs["school"].name, control="Заместитель директора"
    )
    task = create_task(roadmap, activity)
    url = f"/tasks/{task.id}"
    school = login_as(user=world.users["school"])
    assert (
        school.post(
            f"{url}/complete",
            {"note": "Сделано", "files": [(io.BytesIO(pdf_bytes()), "протокол.pdf")]},
            page=url,
            content_type="multipart/form-data",
        ).status_code
        == 302
    )
    assert school.post(f"{url}/accept", {}, page=url).status_code == 302
    assert db.session.get(Task, task.id).status == TaskStatus.done
    assert (
        login_as(user=world.users["executor"]).post(f"{url}/reopen", {"reason": "x"}, page=url).status_code
        == 403
    )
