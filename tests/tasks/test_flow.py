"""The whole life of a task through the web pages: complete with evidence, return, complete again, accept."""

import io
from datetime import date

from sqlalchemy import select

from tests.fixtures.tasks import docx_bytes, pdf_bytes
from tracker.extensions import db
from tracker.roadmaps.models import HistoryEntry
from tracker.tasks.models import Evidence, Task, TaskComment, TaskStatus


def _task(world) -> Task:
    return db.session.get(Task, world.task.id)


def test_executor_completes_controller_returns_then_accepts(world, login_as):
    executor = login_as(user=world.users["executor"])
    url = f"/tasks/{world.task.id}"
    page = executor.get(url)
    assert page.status_code == 200
    assert "Отметить выполнение" in page.text and "Семинар для заместителей" in page.text
    response = executor.post(
        f"{url}/complete",
        {
            "note": "Семинар проведён 25.09.2026, 34 участника.",
            "links": "https://school.example.ru/news/1\nhttps://school.example.ru/news/2",
            "version": "1",
            "files": [
                (io.BytesIO(pdf_bytes()), "Протокол № 3.pdf"),
                (io.BytesIO(docx_bytes()), "Справка.docx"),
            ],
        },
        page=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.text
    task = _task(world)
    assert task.status == TaskStatus.submitted
    assert task.submitted_by_id == world.users["executor"].id and task.completed_dt is not None
    evidence = db.session.execute(select(Evidence).where(Evidence.task_id == task.id)).scalars().all()
    assert sorted(e.original_filename for e in evidence) == sorted(
        [
            "Протокол № 3.pdf",
            "Справка.docx",
            "https://school.example.ru/news/1",
            "https://school.example.ru/news/2",
        ]
    )
    assert "Отметка о выполнении отправлена на проверку" in executor.get(url).text

    controller = login_as(user=world.users["controller"])
    assert "Проверка выполнения" in controller.get(url).text
    response = controller.post(
        f"{url}/return", {"comment": "Приложите приказ.", "version": str(task.version)}, page=url
    )
    assert response.status_code == 302
    assert _task(world).status == TaskStatus.returned

    again = executor.post(
        f"{url}/complete",
        {
            "note": "Приказ приложен.",
            "version": str(_task(world).version),
            "files": [(io.BytesIO(pdf_bytes()), "Приказ.pdf")],
        },
        page=url,
        content_type="multipart/form-data",
    )
    assert again.status_code == 302
    response = controller.post(
        f"{url}/accept", {"comment": "", "version": str(_task(world).version)}, page=url
    )
    assert response.status_code == 302
    task = _task(world)
    assert task.status == TaskStatus.done and task.accepted_by_id == world.users["controller"].id
    actions = (
        db.session.execute(
            select(HistoryEntry.action).where(HistoryEntry.task_id == task.id).order_by(HistoryEntry.id)
        )
        .scalars()
        .all()
    )
    assert actions == ["task.complete", "task.return", "task.complete", "task.accept"]
    comments = db.session.execute(select(TaskComment).where(TaskComment.task_id == task.id)).scalars().all()
    assert [(c.action, c.body) for c in comments] == [("return", "Приложите приказ.")]
    page = controller.get(url).text
    assert "Возвращена на доработку" in page and "Приказ.pdf" in page


def test_pages_render_for_everyone_who_sees_the_roadmap(world, login_as):
    for role in ("executor", "coordinator", "controller", "school", "observer", "admin"):
        browser = login_as(user=world.users[role])
        for url in (
            "/tasks/",
            "/tasks/overview",
            f"/tasks/{world.task.id}",
            f"/tasks/roadmaps/{world.roadmap.id}",
            f"/tasks/roadmaps/{world.roadmap.id}/progress",
            f"/tasks/roadmaps/{world.roadmap.id}/timeline",
            f"/roadmaps/{world.roadmap.id}",
        ):
            response = browser.get(url)
            assert response.status_code == 200, (role, url, response.text[:2000])


def test_my_tasks_groups_by_urgency(world, login_as, create_task, monkeypatch):
    from tracker.tasks import views

    monkeypatch.setattr(views, "_today", lambda: date(2026, 9, 28))
    create_task(world.roadmap, world.activity, due=date(2026, 9, 1))
    create_task(world.roadmap, world.activity, due=date(2026, 12, 1))
    page = login_as(user=world.users["executor"]).get("/tasks/").text
    assert "Просрочены" in page and "просрочено на 27 дней" in page
    assert "Ближайшие 7 дней" in page and "через 2 дня" in page
    assert "Позже" in page
