"""Analysis routes: an activity of another roadmap, the read-only roles, managers and school users.

Every route with another municipality's ids and with each role is in tests/test_route_table.py.
"""

import pytest

from tests.fixtures.permissions import call, db_state
from tracker.analysis.models import DataImport, ImportStatus
from tracker.extensions import db

# Routes everyone in the municipality may read.
READ_ROUTES = [
    "/analysis/",
    "/analysis/support",
    "/analysis/runs/{run_id}",
    "/analysis/runs/{run_id}/chart.svg",
    "/analysis/runs/{run_id}/export.xlsx",
    "/analysis/runs/{run_id}/reproduce",
    "/analysis/schools/{school_id}",
    "/analysis/data/templates/results.xlsx",
]
# Routes that change data or lead to a change: coordinators and administrators only.
MANAGE_ROUTES = [
    ("GET", "/analysis/data", None),
    ("GET", "/analysis/runs/new", None),
    ("GET", "/analysis/imports/{import_id}", None),
    ("POST", "/analysis/imports/{import_id}/apply", {}),
    ("POST", "/analysis/imports/{import_id}/discard", {}),
    ("GET", "/analysis/runs/{run_id}/retarget", None),
    ("POST", "/analysis/runs/{run_id}/retarget", {}),
    ("POST", "/analysis/runs/new", {"year": "2025", "scope_id": "1", "procedures": "VPR-MA-5"}),
    ("GET", "/analysis/roadmaps/{roadmap_id}/activities/{activity_id}/targets", None),
    ("POST", "/analysis/roadmaps/{roadmap_id}/activities/{activity_id}/targets", {"schools": "1"}),
]


def test_an_activity_of_another_roadmap_answers_404(permission_world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    a, b = permission_world.a, permission_world.b
    url = f"/analysis/roadmaps/{a['roadmap_id']}/activities/{b['activity_id']}/targets"
    assert browser.get(url).status_code == 404


@pytest.mark.parametrize("role", ["executor", "observer"])
def test_executors_and_observers_read_but_change_nothing(
    permission_world, login_as, two_municipalities, role
):
    browser = login_as(role, two_municipalities["a"]["center"])
    for template in READ_ROUTES:
        response = browser.get(template.format(**permission_world.a))
        assert response.status_code == 200, (role, template)
    before = db_state()
    for method, template, data in MANAGE_ROUTES:
        response = call(browser, method, template, data, permission_world.a)
        assert response.status_code == 403, (role, method, template)
    assert db_state() == before
    assert "Загрузить данные" not in browser.get("/analysis/").text


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_coordinators_and_administrators_manage(permission_world, login_as, two_municipalities, role):
    a = two_municipalities["a"]
    browser = login_as(role, a["municipality"] if role == "admin" else a["authority"])
    for method, template, _ in MANAGE_ROUTES:
        if method == "GET":
            assert browser.get(template.format(**permission_world.a)).status_code == 200, template
    import_id = permission_world.a["import_id"]
    page = f"/analysis/imports/{import_id}"
    assert browser.post(f"{page}/apply", {}, page=page).status_code == 302
    assert db.session.get(DataImport, import_id).status == ImportStatus.applied


def test_school_users_see_only_their_school(permission_world, login_as, two_municipalities):
    a = two_municipalities["a"]
    browser = login_as("school", a["school"])
    assert browser.get("/analysis/").status_code == 302
    assert browser.get(f"/analysis/schools/{a['school'].id}").status_code == 200
    assert browser.get(f"/analysis/schools/{a['school2'].id}").status_code == 404
    assert browser.get(f"/analysis/runs/{permission_world.a['run_id']}").status_code == 404
    for method, template, data in MANAGE_ROUTES:
        if "{import_id}" in template or "{run_id}" in template:
            continue  # another scope's object: 404, covered above
        assert call(browser, method, template, data, permission_world.a).status_code == 403, template
