"""Two people completing the same task at once: one wins, the other is told clearly and loses nothing."""

import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.fixtures.tasks import pdf_bytes
from tracker.auth.models import User
from tracker.extensions import db
from tracker.roadmaps.models import HistoryEntry
from tracker.tasks import operations as ops
from tracker.tasks.models import Evidence, Task, TaskStatus


def test_the_second_writer_of_a_raced_task_gets_a_conflict(world):
    """Both read the planned task; the other one commits first; our flush then matches no row."""
    mine = db.session.get(Task, world.task.id)
    assert mine.status == TaskStatus.planned
    with Session(db.engine) as other:
        theirs = other.get(Task, world.task.id)
        ops_user = other.get(User, world.users["executor2"].id)
        theirs.status = TaskStatus.submitted
        theirs.note = "Отметил коллега"
        theirs.submitted_by_id = ops_user.id
        other.commit()
    with pytest.raises(ops.TaskError) as error:
        ops.complete_task(world.users["executor"], mine, world.roadmap, "Моя отметка", [], [])
    assert error.value.code == "conflict"
    db.session.rollback()
    task = db.session.get(Task, world.task.id)
    assert task.note == "Отметил коллега" and task.submitted_by_id == world.users["executor2"].id
    assert not db.session.execute(select(HistoryEntry).where(HistoryEntry.task_id == task.id)).first()


def test_a_stale_page_keeps_the_note_and_says_what_happened(world, login_as, app):
    url = f"/tasks/{world.task.id}"
    first = login_as(user=world.users["executor"])
    second = login_as(user=world.users["executor2"])
    page = first.get(url).text
    assert 'name="version" type="hidden" value="1"' in page
    stored_before = _stored_files(app)
    won = second.post(f"{url}/complete", {"note": "Отметка коллеги", "version": "1"}, page=url)
    assert won.status_code == 302
    lost = first.post(
        f"{url}/complete",
        {
            "note": "Моя отметка о семинаре",
            "version": "1",
            "files": [(io.BytesIO(pdf_bytes()), "Мой протокол.pdf")],
        },
        page=url,
        content_type="multipart/form-data",
    )
    assert lost.status_code == 409
    assert "Задачу только что изменил другой пользователь" in lost.text
    assert "Моя отметка о семинаре" in lost.text and "Ваша отметка не сохранена" in lost.text
    task = db.session.get(Task, world.task.id)
    assert task.note == "Отметка коллеги" and task.status == TaskStatus.submitted
    assert not db.session.execute(select(Evidence)).first()
    # The refused upload did not stay on disk.
    assert _stored_files(app) == stored_before


def test_api_answers_409_to_the_loser(world, client, api_token):
    url = f"/api/v1/tasks/{world.task.id}/complete"
    won = client.post(
        url, data={"note": "Первым", "version": "1"}, headers=api_token(world.users["executor2"])
    )
    assert won.status_code == 200 and won.get_json()["status"] == "submitted"
    lost = client.post(
        url, data={"note": "Вторым", "version": "1"}, headers=api_token(world.users["executor"])
    )
    assert lost.status_code == 409
    assert "изменил другой пользователь" in lost.get_json()["error"]
    again = client.post(url, data={"note": "Без версии"}, headers=api_token(world.users["executor"]))
    assert again.status_code == 409 and "статусе" in again.get_json()["error"]


def _stored_files(app) -> set:
    """Return the files under the upload folder."""
    root = app.config["UPLOAD_DIR"]
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
