"""Every roadmap route tried with another organisation's ids and with each role."""

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.roadmaps.models import Activity, HistoryEntry, Section
from tracker.tasks.models import Task

# (method, url template, form data) for every route of the workspace that names a roadmap.
ROUTES = [
    ("GET", "/roadmaps/{r}", None),
    ("GET", "/roadmaps/{r}/passport", None),
    ("GET", "/roadmaps/{r}/history", None),
    ("GET", "/roadmaps/{r}/review", None),
    ("GET", "/roadmaps/{r}/deadline-preview?text=Май%202027", None),
    ("GET", "/roadmaps/{r}/sections/new", None),
    ("GET", "/roadmaps/{r}/sections/{s}/edit", None),
    ("GET", "/roadmaps/{r}/activities/new", None),
    ("GET", "/roadmaps/{r}/activities/{a}", None),
    ("GET", "/roadmaps/{r}/activities/{a}/edit", None),
    ("GET", "/roadmaps/{r}/activities/{a}/schedule", None),
    (
        "POST",
        "/roadmaps/{r}/passport",
        {"title": "X", "period_start": "2026-01-01", "period_end": "2030-12-31"},
    ),
    ("POST", "/roadmaps/{r}/status", {"status": "completed"}),
    ("POST", "/roadmaps/{r}/revise", {"reason": "x", "order_number": "1", "order_date": "2026-01-01"}),
    ("POST", "/roadmaps/{r}/sections/new", {"parent_id": "", "number": "9", "title": "X"}),
    ("POST", "/roadmaps/{r}/sections/{s}/edit", {"parent_id": "", "number": "9", "title": "X"}),
    ("POST", "/roadmaps/{r}/sections/{s}/move/down", {}),
    ("POST", "/roadmaps/{r}/sections/{s}/delete", {}),
    ("POST", "/roadmaps/{r}/activities/new", {"section_id": "", "title": "X"}),
    ("POST", "/roadmaps/{r}/activities/{a}/edit", {"section_id": "", "title": "X"}),
    ("POST", "/roadmaps/{r}/activities/{a}/move/up", {}),
    ("POST", "/roadmaps/{r}/activities/{a}/schedule", {"windows": "01.10.2026"}),
    ("POST", "/roadmaps/{r}/activities/{a}/schedule/reset", {}),
    ("POST", "/roadmaps/{r}/activities/{a}/delete", {}),
]
WRITE_ROUTES = [r for r in ROUTES if r[0] == "POST" or r[1].endswith(("edit", "new", "passport", "schedule"))]


@pytest.fixture
def world(two_municipalities, create_roadmap, create_section, create_activity):
    """Build a roadmap with a section and an activity in each municipality, and a school's own roadmap."""
    result = {}
    for key in ("a", "b"):
        roadmap = create_roadmap(two_municipalities[key]["authority"], title=f"Карта {key}")
        section = create_section(roadmap)
        activity = create_activity(roadmap, section)
        result[key] = {"r": roadmap.id, "s": section.id, "a": activity.id}
    school_map = create_roadmap(two_municipalities["a"]["school"], title="Школьная карта")
    section = create_section(school_map)
    result["school"] = {"r": school_map.id, "s": section.id, "a": create_activity(school_map, section).id}
    draft = create_roadmap(two_municipalities["a"]["authority"], status="draft", title="Черновик")
    result["draft"] = {"r": draft.id, "s": create_section(draft).id, "a": 0}
    return result


def _state() -> tuple:
    return tuple(
        db.session.execute(select(func.count()).select_from(m)).scalar()
        for m in (Section, Activity, Task, HistoryEntry)
    )


def _call(browser, method, template, data, ids):
    url = template.format(**ids)
    if method == "GET":
        return browser.get(url)
    return browser.post(url, data, page="/profile")


@pytest.mark.parametrize("role", ["admin", "coordinator", "executor", "school", "observer"])
def test_other_municipality_ids_answer_404_and_change_nothing(world, login_as, two_municipalities, role):
    org = two_municipalities["a"]["school" if role == "school" else "authority"]
    if role == "admin":
        org = two_municipalities["a"]["municipality"]
    browser = login_as(role, org)
    before = _state()
    for method, template, data in ROUTES:
        response = _call(browser, method, template, data, world["b"])
        assert response.status_code == 404, (role, method, template)
    assert _state() == before


def test_mixed_ids_from_two_roadmaps_answer_404(world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    before = _state()
    for method, template, data in ROUTES:
        if "{s}" not in template and "{a}" not in template:
            continue
        ids = {
            "r": world["a"]["r"],
            "s": world["school"]["s"] if "{s}" in template else 0,
            "a": world["b"]["a"],
        }
        if "{s}" in template:
            ids["s"] = world["b"]["s"]
        response = _call(browser, method, template, data, ids)
        assert response.status_code == 404, (method, template)
    assert _state() == before


@pytest.mark.parametrize("role", ["executor", "observer", "school"])
def test_read_only_roles_cannot_change_the_municipal_roadmap(world, login_as, two_municipalities, role):
    org = two_municipalities["a"]["school" if role == "school" else "center"]
    browser = login_as(role, org)
    assert browser.get(f"/roadmaps/{world['a']['r']}").status_code == 200
    before = _state()
    for method, template, data in WRITE_ROUTES:
        response = _call(browser, method, template, data, world["a"])
        assert response.status_code == 403, (role, method, template)
    assert _state() == before


def test_school_sees_its_own_roadmap_and_municipal_ones_but_not_drafts_or_other_schools(
    world, login_as, two_municipalities, create_roadmap
):
    other_school_map = create_roadmap(two_municipalities["a"]["school2"], title="Карта другой школы")
    browser = login_as("school", two_municipalities["a"]["school"])
    listing = browser.get("/roadmaps/").text
    assert "Карта a" in listing and "Школьная карта" in listing
    assert "Черновик" not in listing and "Карта другой школы" not in listing and "Карта b" not in listing
    assert browser.get(f"/roadmaps/{world['draft']['r']}").status_code == 404
    assert browser.get(f"/roadmaps/{other_school_map.id}").status_code == 404
    # A school keeps its own roadmap.
    url = f"/roadmaps/{world['school']['r']}/sections/new"
    assert browser.post(url, {"parent_id": "", "number": "2", "title": "Своё"}, page=url).status_code == 302


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_editors_can_change_roadmaps_in_their_municipality(world, login_as, two_municipalities, role):
    org = two_municipalities["a"]["municipality" if role == "admin" else "authority"]
    browser = login_as(role, org)
    url = f"/roadmaps/{world['a']['r']}/sections/new"
    assert browser.post(url, {"parent_id": "", "number": "2", "title": "Новое"}, page=url).status_code == 302
    assert browser.get(f"/roadmaps/{world['school']['r']}").status_code == 200


def test_posts_without_csrf_token_are_refused(world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    before = _state()
    response = browser.client.post(
        f"/roadmaps/{world['a']['r']}/sections/new", data={"parent_id": "", "number": "9", "title": "X"}
    )
    assert response.status_code == 400 and "Форма устарела" in response.text
    assert _state() == before
