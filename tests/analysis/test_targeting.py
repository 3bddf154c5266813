"""Aiming activities at schools and groups: one task per school, preview before change, work never lost."""

import re

import pytest
from sqlalchemy import select

from tracker.analysis import targeting
from tracker.analysis.models import ActivityTarget
from tracker.extensions import db
from tracker.roadmaps import operations as roadmap_ops
from tracker.roadmaps.models import HistoryEntry
from tracker.tasks.assignment import assignees_for_tasks
from tracker.tasks.models import Task, TaskStatus


@pytest.fixture
def plan(two_municipalities, create_roadmap, create_activity, create_org):
    """A municipal roadmap of A with a twice-a-year activity, and a third school in A."""
    a = two_municipalities["a"]
    roadmap = create_roadmap(a["authority"])
    activity = create_activity(roadmap, deadline_text="Март и сентябрь 2026 г.", title="Методический десант")
    third = create_org("school", a["municipality"], name="МОУ «СОШ № 3» A", code="a-003")
    return {"roadmap": roadmap, "activity": activity, "a": a, "third": third}


def _tasks(activity):
    return (
        db.session.execute(
            select(Task).where(Task.activity_id == activity.id).order_by(Task.organization_id, Task.due)
        )
        .scalars()
        .all()
    )


def _windows(activity):
    return sorted({(t.start, t.due) for t in _tasks(activity)})


def test_group_target_gives_one_task_per_school_and_window_assigned_to_school_users(
    plan, make_run, create_user_
):
    a, activity = plan["a"], plan["activity"]
    windows = _windows(activity)
    assert len(windows) == 2 and all(t.organization_id is None for t in _tasks(activity))
    head = create_user_("school", a["school"])
    run = make_run(
        a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["SHNOR", "SHNSU"], plan["third"]: []}
    )
    change = targeting.set_targets(head, plan["roadmap"], activity, [targeting.group_spec(run.id, "SHNOR")])
    db.session.commit()
    assert change.schools_after == 2 and change.added == 4 and change.removed == 2
    tasks = _tasks(activity)
    assert {(t.organization_id, t.start, t.due) for t in tasks} == {
        (school.id, *w) for school in (a["school"], a["school2"]) for w in windows
    }
    assert {t.label for t in tasks if t.organization_id == a["school"].id} == {a["school"].short_name}
    mine = [t for t in tasks if t.organization_id == a["school"].id]
    assert [u.id for u in assignees_for_tasks([mine[0].id])[mine[0].id]] == [head.id]
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "activity.targets")
    ).scalar_one()
    assert "ШНОР 2025" in entry.after["aimed_at"]


def test_school_and_group_targets_are_united_and_other_municipalities_excluded(
    plan, make_run, two_municipalities, create_user_
):
    a, b = plan["a"], two_municipalities["b"]
    # A region run lists schools of both municipalities; A's plan reaches only A's.
    run = make_run(a["region"], 2025, {a["school"]: ["SHNSU"], b["school"]: ["SHNSU"]})
    specs = [
        targeting.group_spec(run.id, "SHNSU"),
        targeting.school_spec(plan["third"].id),
        targeting.school_spec(a["school"].id),
    ]
    admin = create_user_("admin", a["region"])
    targeting.set_targets(admin, plan["roadmap"], plan["activity"], specs)
    db.session.commit()
    assert {t.organization_id for t in _tasks(plan["activity"])} == {a["school"].id, plan["third"].id}


def test_targets_page_previews_then_applies_only_what_was_previewed(plan, make_run, login_as):
    a, roadmap, activity = plan["a"], plan["roadmap"], plan["activity"]
    run = make_run(a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["RISK"]})
    coordinator = login_as("coordinator", a["authority"])
    url = f"/analysis/roadmaps/{roadmap.id}/activities/{activity.id}/targets"
    page = coordinator.get(url).text
    assert "ШНОР 2025" in page and "(1)" in page
    before = [(t.id, t.organization_id) for t in _tasks(activity)]
    preview = coordinator.post(url, {"groups": [f"{run.id}:SHNOR"]}, page=url)
    assert preview.status_code == 200
    box = preview.text[preview.text.index('id="target-preview"') :]
    assert "Войдут (1):" in box and a["school"].short_name in box and "Задач добавится: 2, удалится: 2" in box
    assert [(t.id, t.organization_id) for t in _tasks(activity)] == before  # nothing changed yet
    key = re.search(r'name="confirm" value="([0-9a-f]+)"', preview.text)[1]
    # A confirmation of another selection than the one previewed only shows a new preview.
    other = coordinator.post(url, {"groups": [f"{run.id}:RISK"], "confirm": key}, page=url)
    assert other.status_code == 200 and 'id="target-preview"' in other.text
    assert db.session.execute(select(ActivityTarget)).first() is None
    applied = coordinator.post(url, {"groups": [f"{run.id}:SHNOR"], "confirm": key}, page=url)
    assert applied.status_code == 302
    assert {t.organization_id for t in _tasks(activity)} == {a["school"].id}
    activity_page = coordinator.get(f"/roadmaps/{roadmap.id}/activities/{activity.id}").text
    assert "Адресно: <strong>ШНОР 2025" in activity_page and "Изменить адресность" in activity_page


def test_new_run_shows_who_joins_and_leaves_before_moving_targets(plan, make_run, login_as):
    a, roadmap, activity, third = plan["a"], plan["roadmap"], plan["activity"], plan["third"]
    old = make_run(a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["SHNOR"], third: []})
    coordinator = login_as("coordinator", a["authority"])
    targeting.set_targets(coordinator.user, roadmap, activity, [targeting.group_spec(old.id, "SHNOR")])
    db.session.commit()
    # School 1 has worked on its first task; school 2 has not.
    worked = next(t for t in _tasks(activity) if t.organization_id == a["school"].id)
    worked.status, worked.note = TaskStatus.in_progress, "начали"
    db.session.commit()

    new = make_run(a["municipality"], 2026, {a["school"]: [], a["school2"]: ["SHNOR"], third: ["SHNOR"]})
    run_page = coordinator.get(f"/analysis/runs/{new.id}").text
    assert "Перенести адресность" in run_page
    before = {(t.id, t.organization_id, t.is_orphaned) for t in _tasks(activity)}
    preview = coordinator.get(f"/analysis/runs/{new.id}/retarget").text
    item = preview[preview.index("retarget-item") :]
    assert "Войдут в адресность (1):" in item and third.short_name in item
    assert "Выйдут из адресности (1):" in item and a["school"].short_name in item
    assert "будут отмечены для решения: 1" in item
    assert {(t.id, t.organization_id, t.is_orphaned) for t in _tasks(activity)} == before

    target_id = db.session.execute(select(ActivityTarget.id)).scalar_one()
    response = coordinator.post(
        f"/analysis/runs/{new.id}/retarget",
        {"target_id": str(target_id)},
        page=f"/analysis/runs/{new.id}/retarget",
    )
    assert response.status_code == 302
    # Targets are replaced, not updated, so the id may change (PostgreSQL never reuses one).
    moved = db.session.execute(
        select(ActivityTarget).where(ActivityTarget.activity_id == activity.id)
    ).scalar_one()
    assert moved.run_id == new.id
    tasks = _tasks(activity)
    left = [t for t in tasks if t.organization_id == a["school"].id]
    assert [t.id for t in left] == [worked.id] and left[0].is_orphaned  # worked: flagged, not deleted
    assert {t.organization_id for t in tasks if not t.is_orphaned} == {a["school2"].id, third.id}
    assert len([t for t in tasks if t.organization_id == third.id]) == 2


def test_removing_targets_returns_to_plain_tasks_and_keeps_worked_ones(plan, make_run, login_as):
    a, roadmap, activity = plan["a"], plan["roadmap"], plan["activity"]
    run = make_run(a["municipality"], 2025, {a["school"]: ["SHNOR"]})
    user = login_as("coordinator", a["authority"]).user
    targeting.set_targets(user, roadmap, activity, [targeting.group_spec(run.id, "SHNOR")])
    db.session.commit()
    worked = _tasks(activity)[0]
    worked.status = TaskStatus.done
    db.session.commit()
    change = targeting.set_targets(user, roadmap, activity, [])
    db.session.commit()
    assert change.flagged == 1 and change.removed == 1 and change.added == 2
    tasks = _tasks(activity)
    assert sum(t.organization_id is None for t in tasks) == 2
    assert [t.id for t in tasks if t.organization_id is not None] == [worked.id]
    assert db.session.get(Task, worked.id).is_orphaned


def test_editing_the_deadline_of_a_targeted_activity_multiplies_new_windows(plan, make_run, login_as):
    a, roadmap, activity = plan["a"], plan["roadmap"], plan["activity"]
    run = make_run(a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["SHNOR"]})
    user = login_as("coordinator", a["authority"]).user
    targeting.set_targets(user, roadmap, activity, [targeting.group_spec(run.id, "SHNOR")])
    db.session.commit()
    roadmap_ops.update_activity(user, roadmap, activity, activity.section_id, deadline_text="Ноябрь 2026 г.")
    db.session.commit()
    tasks = _tasks(activity)
    assert len(tasks) == 2 and {t.organization_id for t in tasks} == {a["school"].id, a["school2"].id}
    assert {t.due.month for t in tasks} == {11}


def test_support_and_school_pages_show_progress(plan, make_run, login_as):
    a, roadmap, activity = plan["a"], plan["roadmap"], plan["activity"]
    make_run(a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["SHNSU"]})
    coordinator = login_as("coordinator", a["authority"])
    targeting.set_targets(coordinator.user, roadmap, activity, [targeting.school_spec(a["school"].id)])
    db.session.commit()
    _tasks(activity)[0].status = TaskStatus.done
    db.session.commit()
    support = coordinator.get("/analysis/support").text
    table = support[support.index('id="support"') :]
    assert a["school"].short_name in table and "Методический десант" in table and "1 из 2" in table
    # ШНСУ school 2 gets nothing yet, and the coordinator is told.
    warning = support[: support.index('id="support"')]
    assert "Без адресной поддержки" in warning and a["school2"].short_name in warning
    school_page = coordinator.get(f"/analysis/schools/{a['school'].id}").text
    assert "Методический десант" in school_page and "1 из 2" in school_page
    school_user = login_as("school", a["school"])
    assert "Методический десант" in school_user.get(f"/analysis/schools/{a['school'].id}").text
    assert school_user.get("/analysis/").headers["Location"].endswith(f"/analysis/schools/{a['school'].id}")


def test_dates_set_by_hand_are_multiplied_and_kept_when_targets_change(plan, make_run, login_as):
    from datetime import date

    from tracker.tasks import operations as task_ops
    from tracker.tasks.models import TaskOrigin

    a, roadmap, activity, third = plan["a"], plan["roadmap"], plan["activity"], plan["third"]
    run = make_run(a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["SHNOR"]})
    user = login_as("coordinator", a["authority"]).user
    targeting.set_targets(user, roadmap, activity, [targeting.group_spec(run.id, "SHNOR")])
    task_ops.override_schedule(user, roadmap, activity, [(date(2026, 10, 1), date(2026, 10, 15))])
    db.session.commit()
    tasks = _tasks(activity)
    assert {(t.organization_id, t.due, t.origin) for t in tasks} == {
        (a["school"].id, date(2026, 10, 15), TaskOrigin.manual),
        (a["school2"].id, date(2026, 10, 15), TaskOrigin.manual),
    }
    targeting.set_targets(
        user, roadmap, activity, [targeting.group_spec(run.id, "SHNOR"), targeting.school_spec(third.id)]
    )
    db.session.commit()
    assert {(t.organization_id, t.due) for t in _tasks(activity)} == {
        (school.id, date(2026, 10, 15)) for school in (a["school"], a["school2"], third)
    }
