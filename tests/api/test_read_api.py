"""The read API: tokens, scoping and JSON errors."""

import re

import pytest

from tracker.auth.models import Role


@pytest.fixture
def roadmap_a(two_municipalities, create_roadmap, create_section, create_activity):
    roadmap = create_roadmap(two_municipalities["a"]["authority"], title="Карта А")
    direction = create_section(roadmap, "Направление А", "1")
    group = create_section(roadmap, "Группа", "1.1", parent=direction)
    create_activity(
        roadmap,
        group,
        number="1.1.1",
        title="Мероприятие",
        deadline_text="Май, декабрь ежегодно",
        participants="",
        result="Справка",
        control="Комитет образования",
    )
    return roadmap


def test_requests_without_a_valid_token_get_401_json(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert "error" in response.get_json()


def test_me_describes_the_caller(client, create_user_, api_token, two_municipalities):
    user = create_user_(Role.executor, two_municipalities["a"]["center"])
    body = client.get("/api/v1/me", headers=api_token(user)).get_json()
    assert body["email"] == user.email and body["role"] == "executor"
    assert body["organization"]["id"] == two_municipalities["a"]["center"].id
    assert body["calendar_url"].startswith("http://tracker.test/calendar/")


def test_roadmaps_are_scoped(client, create_user_, api_token, two_municipalities, roadmap_a, create_roadmap):
    create_roadmap(two_municipalities["b"]["authority"], title="Карта Б")
    user = create_user_(Role.coordinator, two_municipalities["a"]["authority"])
    body = client.get("/api/v1/roadmaps", headers=api_token(user)).get_json()
    assert [r["title"] for r in body["roadmaps"]] == ["Карта А"]
    item = body["roadmaps"][0]
    assert item["period"] == {"start": "2026-01-01", "end": "2030-12-31"}
    assert item["status"] == "in_progress"


def test_roadmap_detail_and_other_organisation_404(
    client, create_user_, api_token, two_municipalities, roadmap_a
):
    headers = api_token(create_user_(Role.coordinator, two_municipalities["a"]["authority"]))
    body = client.get(f"/api/v1/roadmaps/{roadmap_a.id}", headers=headers).get_json()
    activity = body["activities"][0]
    assert activity["number"] == "1.1.1"
    assert activity["section_path"] == ["Направление А", "Группа"]
    assert activity["participants"] is None and activity["result"] == "Справка"
    assert [o["due"] for o in activity["occurrences"]][:2] == ["2026-05-31", "2026-12-31"]
    assert {o["status"] for o in activity["occurrences"]} == {"planned"}
    other = api_token(create_user_(Role.coordinator, two_municipalities["b"]["authority"]))
    response = client.get(f"/api/v1/roadmaps/{roadmap_a.id}", headers=other)
    assert response.status_code == 404 and "error" in response.get_json()
    assert client.get("/api/v1/roadmaps/99999", headers=headers).status_code == 404
    assert client.get("/api/v1/nothing-here", headers=headers).get_json()["error"]


def test_api_ignores_session_cookies(login_as, roadmap_a):
    browser = login_as("coordinator")
    assert browser.get("/api/v1/roadmaps").status_code == 401


def test_openapi_describes_every_route(client, app):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    api_rules = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule)
        for r in app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/")
    }
    assert api_rules <= set(spec["paths"])
