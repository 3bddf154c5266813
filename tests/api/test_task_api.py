"""The task API: listing, detail, completion with files, acceptance and return, downloads, errors."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from tests.fixtures.tasks import EXE_BYTES, docx_bytes, pdf_bytes
from tracker.extensions import db
from tracker.tasks.models import Evidence, Task, TaskStatus


@pytest.fixture
def tokens(world, api_token):
    return {role: api_token(user) for role, user in world.users.items()}


def test_list_filters_by_mine_status_and_due_date(world, create_task, client, tokens):
    create_task(world.roadmap, world.activity, due=date(2026, 3, 31), status="done")
    committee = create_task(world.roadmap, due=date(2026, 4, 30), responsible="Комитет образования")
    mine = client.get("/api/v1/tasks?mine=1", headers=tokens["executor"]).get_json()
    assert [t["due"] for t in mine["tasks"]] == ["2026-03-31", "2026-09-30"]
    first = mine["tasks"][0]
    assert set(first) >= {"id", "activity_id", "roadmap_id", "title", "due", "status", "assignees"}
    assert first["title"] == "Семинар для заместителей директоров" and first["number"] == "1.1"
    assert {a["id"] for a in first["assignees"]} == {world.users["executor"].id, world.users["executor2"].id}
    everything = client.get("/api/v1/tasks", headers=tokens["executor"]).get_json()
    assert committee.id in {t["id"] for t in everything["tasks"]}
    planned = client.get(
        "/api/v1/tasks?mine=1&status=planned,in_progress", headers=tokens["executor"]
    ).get_json()
    assert [t["status"] for t in planned["tasks"]] == ["planned"]
    early = client.get("/api/v1/tasks?due_before=2026-04-30", headers=tokens["coordinator"]).get_json()
    assert [t["due"] for t in early["tasks"]] == ["2026-03-31"]
    page = client.get("/api/v1/tasks?limit=2", headers=tokens["coordinator"]).get_json()
    assert len(page["tasks"]) == 2 and page["next_offset"] == 2
    rest = client.get("/api/v1/tasks?limit=2&offset=2", headers=tokens["coordinator"]).get_json()
    assert len(rest["tasks"]) == 1 and rest["next_offset"] is None
    assert client.get("/api/v1/tasks", headers=tokens["other_coordinator"]).get_json()["tasks"] == []


@pytest.mark.parametrize(
    "query",
    [
        "status=finished",
        "due_before=31.12.2026",
        "due_after=x",
        "limit=0",
        "limit=100000",
        "offset=-1",
        "limit=abc",
        "roadmap_id=x",
    ],
)
def test_bad_list_parameters_answer_422(world, client, tokens, query):
    response = client.get(f"/api/v1/tasks?{query}", headers=tokens["executor"])
    assert response.status_code == 422 and response.get_json()["error"]


def test_complete_accept_and_detail(world, client, tokens):
    url = f"/api/v1/tasks/{world.task.id}"
    response = client.post(
        f"{url}/complete",
        headers=tokens["executor"],
        content_type="multipart/form-data",
        data={
            "note": "Семинар проведён",
            "files": [
                (io.BytesIO(pdf_bytes()), "Протокол № 3.pdf"),
                (io.BytesIO(docx_bytes()), "Справка.docx"),
            ],
            "links": ["https://school.example.ru/news/1", "https://school.example.ru/news/2"],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "submitted" and body["note"] == "Семинар проведён"
    assert body["submitted_by"]["id"] == world.users["executor"].id
    files = [e for e in body["evidence"] if e["kind"] == "file"]
    assert [e["filename"] for e in files] == ["Протокол № 3.pdf", "Справка.docx"]
    assert files[0]["url"] == f"http://tracker.test{url}/evidence/{files[0]['id']}" and files[0]["size"] > 0
    assert [e["url"] for e in body["evidence"] if e["kind"] == "link"] == [
        "https://school.example.ru/news/1",
        "https://school.example.ru/news/2",
    ]
    download = client.get(files[0]["url"].removeprefix("http://tracker.test"), headers=tokens["school"])
    assert download.status_code == 200 and download.data == pdf_bytes()
    assert download.headers["Content-Disposition"].startswith("attachment")
    download.close()

    assert client.post(f"{url}/accept", headers=tokens["executor"], json={}).status_code == 403
    accepted = client.post(f"{url}/accept", headers=tokens["controller"], json={"comment": "Принято"})
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "done"
    detail = client.get(url, headers=tokens["observer"]).get_json()
    assert detail["accepted_by"]["id"] == world.users["controller"].id
    assert [c["body"] for c in detail["comments"]] == ["Принято"]
    assert [h["action"] for h in detail["history"]] == ["task.complete", "task.accept"]
    assert detail["history"][0]["after"]["status"] == "submitted"
    assert detail["actions"] == [] and detail["acceptance_required"] is True
    assert "reopen" in client.get(url, headers=tokens["coordinator"]).get_json()["actions"]


def test_return_needs_a_comment_and_a_json_body(world, client, tokens):
    url = f"/api/v1/tasks/{world.task.id}"
    assert (
        client.post(f"{url}/complete", headers=tokens["executor"], data={"note": "Готово"}).status_code == 200
    )
    headers = tokens["coordinator"]
    assert client.post(f"{url}/return", headers=headers, json={}).status_code == 422
    assert client.post(f"{url}/return", headers=headers, json={"comment": 5}).status_code == 422
    assert client.post(f"{url}/return", headers=headers, json=["x"]).status_code == 422
    bad = client.post(f"{url}/return", headers=headers, data="{oops", content_type="application/json")
    assert bad.status_code == 400 and bad.get_json()["error"]
    returned = client.post(f"{url}/return", headers=headers, json={"comment": "Нет протокола"})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    again = client.post(f"{url}/return", headers=headers, json={"comment": "Ещё раз"})
    assert again.status_code == 409


def test_completion_errors(world, client, tokens, create_task):
    url = f"/api/v1/tasks/{world.task.id}/complete"
    assert client.post(url, headers=tokens["executor"], data={"note": "  "}).status_code == 422
    assert (
        client.post(url, headers=tokens["executor"], data={"note": "x", "links": "ftp://x"}).status_code
        == 422
    )
    renamed = client.post(
        url,
        headers=tokens["executor"],
        content_type="multipart/form-data",
        data={"note": "x", "files": [(io.BytesIO(EXE_BYTES), "отчёт.pdf")]},
    )
    assert renamed.status_code == 422 and "не соответствует" in renamed.get_json()["error"]
    for role, status in (("school", 403), ("observer", 403), ("controller", 403), ("other_executor", 404)):
        assert client.post(url, headers=tokens[role], data={"note": "x"}).status_code == status, role
    assert (
        client.post(
            "/api/v1/tasks/999999/complete", headers=tokens["executor"], data={"note": "x"}
        ).status_code
        == 404
    )
    assert client.post(url, data={"note": "x"}).status_code == 401
    task = db.session.get(Task, world.task.id)
    assert task.status == TaskStatus.planned and not db.session.execute(select(Evidence)).first()


def test_oversized_file_answers_413(world, client, tokens, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    monkeypatch.setattr("werkzeug.test.TemporaryFile", lambda *args, **kwargs: io.BytesIO())
    response = client.post(
        f"/api/v1/tasks/{world.task.id}/complete",
        headers=tokens["executor"],
        content_type="multipart/form-data",
        data={"note": "x", "files": [(io.BytesIO(pdf_bytes() + b"0" * (1 << 20)), "big.pdf")]},
    )
    assert response.status_code == 413 and "больше 1 МБ" in response.get_json()["error"]


def test_without_acceptance_completion_is_done(world, client, tokens):
    world.roadmap.is_acceptance_required = False
    db.session.commit()
    response = client.post(
        f"/api/v1/tasks/{world.task.id}/complete", headers=tokens["executor"], data={"note": "Готово"}
    )
    assert response.get_json()["status"] == "done"


def test_detail_of_another_municipality_is_404(world, client, tokens):
    response = client.get(f"/api/v1/tasks/{world.task.id}", headers=tokens["other_coordinator"])
    assert response.status_code == 404 and response.get_json()["error"]


def test_openapi_describes_the_task_routes(client):
    spec = client.get("/api/openapi.json").get_json()
    for path in (
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}",
        "/api/v1/tasks/{task_id}/complete",
        "/api/v1/tasks/{task_id}/accept",
        "/api/v1/tasks/{task_id}/return",
        "/api/v1/tasks/{task_id}/evidence/{evidence_id}",
    ):
        assert path in spec["paths"], path
    complete = spec["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]
    assert "multipart/form-data" in complete["requestBody"]["content"]
    assert {"403", "404", "409", "413", "422"} <= set(complete["responses"])


def test_review_of_another_municipality_or_by_a_bystander(world, client, tokens):
    url = f"/api/v1/tasks/{world.task.id}"
    assert (
        client.post(f"{url}/complete", headers=tokens["executor"], data={"note": "Готово"}).status_code == 200
    )
    for action in ("accept", "return"):
        body = {"comment": "x"}
        assert (
            client.post(f"{url}/{action}", headers=tokens["other_coordinator"], json=body).status_code == 404
        )
        for role in ("school", "observer", "executor2"):
            assert client.post(f"{url}/{action}", headers=tokens[role], json=body).status_code == 403, role
        assert (
            client.post(
                f"/api/v1/tasks/999999/{action}", headers=tokens["coordinator"], json=body
            ).status_code
            == 404
        )
    assert db.session.get(Task, world.task.id).status == TaskStatus.submitted
