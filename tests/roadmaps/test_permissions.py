"""Roadmap routes with ids mixed from two roadmaps, with the read-only roles, and a school's own roadmap.

Every route with another municipality's ids and with each role is in tests/test_route_table.py.
"""

import pytest

from tests.fixtures.permissions import call, db_state

# (method, url template, form data) for every route of the workspace that names a roadmap.
ROUTES = [
    ("GET", "/roadmaps/{roadmap_id}", None),
    ("GET", "/roadmaps/{roadmap_id}/passport", None),
    ("GET", "/roadmaps/{roadmap_id}/history", None),
    ("GET", "/roadmaps/{roadmap_id}/review", None),
    ("GET", "/roadmaps/{roadmap_id}/deadline-preview?text=Май%202027", None),
    ("GET", "/roadmaps/{roadmap_id}/sections/new", None),
    ("GET", "/roadmaps/{roadmap_id}/sections/{section_id}/edit", None),
    ("GET", "/roadmaps/{roadmap_id}/activities/new", None),
    ("GET", "/roadmaps/{roadmap_id}/activities/{activity_id}", None),
    ("GET", "/roadmaps/{roadmap_id}/activities/{activity_id}/edit", None),
    ("GET", "/roadmaps/{roadmap_id}/activities/{activity_id}/schedule", None),
    (
        "POST",
        "/roadmaps/{roadmap_id}/passport",
        {"title": "X", "period_start": "2026-01-01", "period_end": "2030-12-31"},
    ),
    ("POST", "/roadmaps/{roadmap_id}/status", {"status": "completed"}),
    (
        "POST",
        "/roadmaps/{roadmap_id}/revise",
        {"reason": "x", "order_number": "1", "order_date": "2026-01-01"},
    ),
    ("POST", "/roadmaps/{roadmap_id}/sections/new", {"parent_id": "", "number": "9", "title": "X"}),
    (
        "POST",
        "/roadmaps/{roadmap_id}/sections/{section_id}/edit",
        {"parent_id": "", "number": "9", "title": "X"},
    ),
    ("POST", "/roadmaps/{roadmap_id}/sections/{section_id}/move/down", {}),
    ("POST", "/roadmaps/{roadmap_id}/sections/{section_id}/delete", {}),
    ("POST", "/roadmaps/{roadmap_id}/activities/new", {"section_id": "", "title": "X"}),
    ("POST", "/roadmaps/{roadmap_id}/activities/{activity_id}/edit", {"section_id": "", "title": "X"}),
    ("POST", "/roadmaps/{roadmap_id}/activities/{activity_id}/move/up", {}),
    ("POST", "/roadmaps/{roadmap_id}/activities/{activity_id}/schedule", {"windows": "01.10.2026"}),
    ("POST", "/roadmaps/{roadmap_id}/activities/{activity_id}/schedule/reset", {}),
    ("POST", "/roadmaps/{roadmap_id}/activities/{activity_id}/delete", {}),
]
WRITE_ROUTES = [r for r in ROUTES if r[0] == "POST" or r[1].endswith(("edit", "new", "passport", "schedule"))]


def test_mixed_ids_from_two_roadmaps_answer_404(permission_world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    before = db_state()
    for method, template, data in ROUTES:
        if "{section_id}" not in template and "{activity_id}" not in template:
            continue
        ids = {
            "roadmap_id": permission_world.a["roadmap_id"],
            "section_id": permission_world.b["section_id"],
            "activity_id": permission_world.b["activity_id"],
        }
        response = call(browser, method, template, data, ids)
        assert response.status_code == 404, (method, template)
    assert db_state() == before


@pytest.mark.parametrize("role", ["executor", "observer", "school"])
def test_read_only_roles_cannot_change_the_municipal_roadmap(
    permission_world, login_as, two_municipalities, role
):
    org = two_municipalities["a"]["school" if role == "school" else "center"]
    browser = login_as(role, org)
    assert browser.get(f"/roadmaps/{permission_world.a['roadmap_id']}").status_code == 200
    before = db_state()
    for method, template, data in WRITE_ROUTES:
        response = call(browser, method, template, data, permission_world.a)
        assert response.status_code == 403, (role, method, template)
    assert db_state() == before


def test_school_sees_its_own_roadmap_and_municipal_ones_but_not_drafts_or_other_schools(
    permission_world, login_as, two_municipalities, create_roadmap
):
    other_school_map = create_roadmap(two_municipalities["a"]["school2"], title="Карта другой школы")
    browser = login_as("school", two_municipalities["a"]["school"])
    listing = browser.get("/roadmaps/").text
    assert "Карта a" in listing and "Школьная карта" in listing
    assert "Черновик" not in listing and "Карта другой школы" not in listing and "Карта b" not in listing
    assert browser.get(f"/roadmaps/{permission_world.draft['roadmap_id']}").status_code == 404
    assert browser.get(f"/roadmaps/{other_school_map.id}").status_code == 404
    # A school keeps its own roadmap.
    url = f"/roadmaps/{permission_world.school['roadmap_id']}/sections/new"
    assert browser.post(url, {"parent_id": "", "number": "2", "title": "Своё"}, page=url).status_code == 302


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_editors_can_change_roadmaps_in_their_municipality(
    permission_world, login_as, two_municipalities, role
):
    org = two_municipalities["a"]["municipality" if role == "admin" else "authority"]
    browser = login_as(role, org)
    url = f"/roadmaps/{permission_world.a['roadmap_id']}/sections/new"
    assert browser.post(url, {"parent_id": "", "number": "2", "title": "Новое"}, page=url).status_code == 302
    assert browser.get(f"/roadmaps/{permission_world.school['roadmap_id']}").status_code == 200


def test_posts_without_csrf_token_are_refused(permission_world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    before = db_state()
    response = browser.client.post(
        f"/roadmaps/{permission_world.a['roadmap_id']}/sections/new",
        data={"parent_id": "", "number": "9", "title": "X"},
    )
    assert response.status_code == 400 and "Форма устарела" in response.text
    assert db_state() == before
