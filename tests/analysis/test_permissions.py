"""Every analysis route tried with another municipality's ids and with each role."""

import pytest
from sqlalchemy import func, select

from tests.fixtures.analysis import RESULTS_HEADER, csv_upload
from tracker.analysis import operations as ops
from tracker.analysis.models import (
    ActivityTarget,
    AssessmentResult,
    ClassificationRun,
    DataImport,
    ImportStatus,
)
from tracker.extensions import db
from tracker.tasks.models import Task

# (method, url template, form data) for every route that names an object.
ID_ROUTES = [
    ("GET", "/analysis/imports/{i}", None),
    ("POST", "/analysis/imports/{i}/apply", {}),
    ("POST", "/analysis/imports/{i}/discard", {}),
    ("GET", "/analysis/runs/{r}", None),
    ("GET", "/analysis/runs/{r}/chart.svg", None),
    ("GET", "/analysis/runs/{r}/export.xlsx", None),
    ("GET", "/analysis/runs/{r}/reproduce", None),
    ("GET", "/analysis/runs/{r}/retarget", None),
    ("POST", "/analysis/runs/{r}/retarget", {"target_id": "1"}),
    ("GET", "/analysis/schools/{s}", None),
    ("GET", "/analysis/roadmaps/{m}/activities/{a}/targets", None),
    ("POST", "/analysis/roadmaps/{m}/activities/{a}/targets", {"schools": "1", "confirm": "x"}),
]
# Routes everyone in the municipality may read.
READ_ROUTES = [
    "/analysis/",
    "/analysis/support",
    "/analysis/runs/{r}",
    "/analysis/runs/{r}/chart.svg",
    "/analysis/runs/{r}/export.xlsx",
    "/analysis/runs/{r}/reproduce",
    "/analysis/schools/{s}",
    "/analysis/data/templates/results.xlsx",
]
# Routes that change data or lead to a change: coordinators and administrators only.
MANAGE_ROUTES = [
    ("GET", "/analysis/data", None),
    ("GET", "/analysis/runs/new", None),
    ("GET", "/analysis/imports/{i}", None),
    ("POST", "/analysis/imports/{i}/apply", {}),
    ("POST", "/analysis/imports/{i}/discard", {}),
    ("GET", "/analysis/runs/{r}/retarget", None),
    ("POST", "/analysis/runs/{r}/retarget", {}),
    ("POST", "/analysis/runs/new", {"year": "2025", "scope_id": "1", "procedures": "VPR-MA-5"}),
    ("GET", "/analysis/roadmaps/{m}/activities/{a}/targets", None),
    ("POST", "/analysis/roadmaps/{m}/activities/{a}/targets", {"schools": "1"}),
]


@pytest.fixture
def world(two_municipalities, make_run, create_roadmap, create_activity, create_user_, store_results):
    """Give each municipality a pending import, a run, a school with data and a targeted-ready activity."""
    result = {}
    for key in ("a", "b"):
        m = two_municipalities[key]
        store_results(m["school"], 2025, {"VPR-MA-5": (20, 7)})
        uploader = create_user_("coordinator", m["authority"])
        stream, name = csv_upload(RESULTS_HEADER, f"{key}-001;Школа;;2025;ВПР математика 5 класс;20;5")
        item = ops.store_upload(uploader, m["municipality"], ops.DataKind.results, stream, name)
        run = make_run(m["municipality"], 2025, {m["school"]: ["SHNOR"], m["school2"]: []})
        roadmap = create_roadmap(m["authority"], title=f"Карта {key}")
        activity = create_activity(roadmap)
        db.session.commit()
        result[key] = {"i": item.id, "r": run.id, "s": m["school"].id, "m": roadmap.id, "a": activity.id}
    return result


def _state() -> tuple:
    counts = tuple(
        db.session.execute(select(func.count()).select_from(model)).scalar()
        for model in (AssessmentResult, ClassificationRun, ActivityTarget, Task)
    )
    statuses = tuple(db.session.execute(select(DataImport.status).order_by(DataImport.id)).scalars())
    return counts + statuses


def _call(browser, method, template, data, ids):
    url = template.format(**ids)
    if method == "GET":
        return browser.get(url)
    return browser.post(url, data, page="/profile")


@pytest.mark.parametrize("role", ["admin", "coordinator", "executor", "observer", "school"])
def test_other_municipality_ids_answer_404_and_change_nothing(world, login_as, two_municipalities, role):
    a = two_municipalities["a"]
    org = {"admin": a["municipality"], "school": a["school"]}.get(role, a["authority"])
    browser = login_as(role, org)
    before = _state()
    for method, template, data in ID_ROUTES:
        response = _call(browser, method, template, data, world["b"])
        assert response.status_code == 404, (role, method, template)
    assert _state() == before


def test_an_activity_of_another_roadmap_answers_404(world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    url = f"/analysis/roadmaps/{world['a']['m']}/activities/{world['b']['a']}/targets"
    assert browser.get(url).status_code == 404


@pytest.mark.parametrize("role", ["executor", "observer"])
def test_executors_and_observers_read_but_change_nothing(world, login_as, two_municipalities, role):
    browser = login_as(role, two_municipalities["a"]["center"])
    for template in READ_ROUTES:
        response = browser.get(template.format(**world["a"]))
        assert response.status_code == 200, (role, template)
    before = _state()
    for method, template, data in MANAGE_ROUTES:
        response = _call(browser, method, template, data, world["a"])
        assert response.status_code == 403, (role, method, template)
    assert _state() == before
    assert "Загрузить данные" not in browser.get("/analysis/").text


@pytest.mark.parametrize("role", ["admin", "coordinator"])
def test_coordinators_and_administrators_manage(world, login_as, two_municipalities, role):
    a = two_municipalities["a"]
    browser = login_as(role, a["municipality"] if role == "admin" else a["authority"])
    for method, template, _ in MANAGE_ROUTES:
        if method == "GET":
            assert browser.get(template.format(**world["a"])).status_code == 200, template
    page = f"/analysis/imports/{world['a']['i']}"
    assert browser.post(f"{page}/apply", {}, page=page).status_code == 302
    assert db.session.get(DataImport, world["a"]["i"]).status == ImportStatus.applied


def test_school_users_see_only_their_school(world, login_as, two_municipalities):
    a = two_municipalities["a"]
    browser = login_as("school", a["school"])
    assert browser.get("/analysis/").status_code == 302
    assert browser.get(f"/analysis/schools/{a['school'].id}").status_code == 200
    assert browser.get(f"/analysis/schools/{a['school2'].id}").status_code == 404
    assert browser.get(f"/analysis/runs/{world['a']['r']}").status_code == 404
    for method, template, data in MANAGE_ROUTES:
        if "{i}" in template or "{r}" in template:
            continue  # another scope's object: 404, covered above
        assert _call(browser, method, template, data, world["a"]).status_code == 403, template
