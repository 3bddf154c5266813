"""Input no route can store is refused before any view reads it: huge ids, NUL characters, broken links."""

import io

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from tracker.extensions import db
from tracker.tasks.models import Task, TaskStatus

HUGE = "9" * 30


def status_of(task) -> TaskStatus:
    return db.session.execute(select(Task.status).where(Task.id == task.id)).scalar()


@pytest.mark.parametrize(
    "url",
    [
        f"/roadmaps/{HUGE}",
        "/roadmaps/2147483648",
        f"/tasks/{HUGE}",
        f"/tasks/roadmaps/{HUGE}/progress",
        f"/reports/roadmaps/{HUGE}/approval.docx",
        f"/analysis/schools/{HUGE}",
    ],
)
def test_ids_past_the_database_integer_name_nothing(world, login_as, url):
    assert login_as(user=world.users["coordinator"]).get(url).status_code == 404


def test_the_largest_integer_id_is_still_routed(app):
    # 2**31 - 1 reaches the view (which then looks for the roadmap); one more matches no route at all.
    adapter = app.url_map.bind("tracker.test")
    assert adapter.match("/roadmaps/2147483647") == ("roadmaps.show", {"roadmap_id": 2147483647})
    with pytest.raises(NotFound):
        adapter.match("/roadmaps/2147483648")


@pytest.mark.parametrize("where", ["form", "query", "filename"])
def test_nul_characters_are_refused_and_nothing_is_saved(world, login_as, where):
    executor = login_as(user=world.users["executor"])
    url = f"/tasks/{world.task.id}"
    data = {"note": "Семинар проведён", "links": "", "version": "1"}
    query = ""
    if where == "form":
        data["note"] = "Семинар\x00 проведён"
    elif where == "query":
        query = "?x=a%00b"
    else:
        data["files"] = [(io.BytesIO(b"%PDF-1.4 x"), "Протокол\x00.pdf")]
    response = executor.post(f"{url}/complete{query}", data, page=url, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Некорректный запрос" in response.text
    assert status_of(world.task) == TaskStatus.planned


def test_a_link_with_a_broken_host_is_a_form_error(world, login_as):
    executor = login_as(user=world.users["executor"])
    url = f"/tasks/{world.task.id}"
    response = executor.post(
        f"{url}/complete",
        {"note": "Семинар проведён", "links": "http://[x", "version": "1"},
        page=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "http://[x" in response.text
    assert status_of(world.task) == TaskStatus.planned
