"""Schedules drive tasks: generation, regeneration that keeps work, manual override, the review list."""

from datetime import date

from sqlalchemy import select

from tracker.extensions import db
from tracker.roadmaps import operations as ops
from tracker.roadmaps.models import Activity, HistoryEntry
from tracker.tasks.models import Task, TaskOrigin, TaskStatus


def _tasks(activity) -> list[Task]:
    return list(
        db.session.execute(select(Task).where(Task.activity_id == activity.id).order_by(Task.due)).scalars()
    )


def _dues(activity) -> list[date]:
    return [t.due for t in _tasks(activity)]


def test_activity_gets_one_task_per_occurrence_with_rule_in_words(create_roadmap, create_activity):
    roadmap = create_roadmap()
    activity = create_activity(roadmap, deadline_text="Ежегодно (сентябрь – ноябрь, апрель)")
    assert _dues(activity) == [date(y, m, d) for y in range(2026, 2031) for m, d in ((4, 30), (11, 30))]
    assert _tasks(activity)[1].start == date(2026, 9, 1)
    assert activity.schedule_rule and not activity.is_review_needed


def test_changing_text_keeps_tasks_with_work_and_flags_them(create_roadmap, create_activity, create_user_):
    roadmap = create_roadmap()
    activity = create_activity(roadmap, deadline_text="Май, декабрь ежегодно")
    tasks = _tasks(activity)
    tasks[0].status = TaskStatus.done
    tasks[1].note = "Справка подготовлена"
    db.session.commit()
    user = create_user_("coordinator")
    ops.update_activity(user, roadmap, activity, activity.section_id, deadline_text="Ежегодно, сентябрь")
    db.session.commit()
    remaining = _tasks(activity)
    kept = {t.due: t for t in remaining}
    assert kept[date(2026, 5, 31)].is_orphaned and kept[date(2026, 5, 31)].status == TaskStatus.done
    assert kept[date(2026, 12, 31)].is_orphaned
    assert [t.due for t in remaining if not t.is_orphaned] == [date(y, 9, 30) for y in range(2026, 2031)]


def test_unchanged_occurrences_keep_their_identity(create_roadmap, create_activity, create_user_):
    roadmap = create_roadmap()
    activity = create_activity(roadmap, deadline_text="Май, декабрь ежегодно")
    ids = {t.due: t.id for t in _tasks(activity)}
    ops.update_activity(
        create_user_("coordinator"), roadmap, activity, activity.section_id, deadline_text="Май ежегодно"
    )
    db.session.commit()
    assert {t.due: t.id for t in _tasks(activity)} == {d: i for d, i in ids.items() if d.month == 5}


def test_period_change_regenerates_untouched_tasks(create_roadmap, create_activity, create_user_):
    roadmap = create_roadmap()
    activity = create_activity(roadmap, deadline_text="Ежегодно, сентябрь")
    first = _tasks(activity)[0]
    first.status = TaskStatus.in_progress
    db.session.commit()
    ops.update_passport(
        create_user_("coordinator"), roadmap, period_start=date(2027, 1, 1), period_end=date(2028, 12, 31)
    )
    db.session.commit()
    tasks = _tasks(activity)
    assert [t.due for t in tasks if not t.is_orphaned] == [date(2027, 9, 30), date(2028, 9, 30)]
    assert [t.id for t in tasks if t.is_orphaned] == [first.id]


def test_review_needed_listed_and_fixed_by_manual_dates(login_as, create_roadmap, create_activity):
    roadmap = create_roadmap()
    unclear = create_activity(
        roadmap, number="1.2", title="Курсы по плану ИРО", deadline_text="По плану ГАУ ИО ЦОПМКиМКО"
    )
    create_activity(roadmap, number="1.3", title="Совещание", deadline_text="Март 2027 г.")
    assert unclear.is_review_needed and _tasks(unclear) == []
    browser = login_as("coordinator")
    page = browser.get(f"/roadmaps/{roadmap.id}/review").text
    assert "Курсы по плану ИРО" in page and "Совещание" not in page

    url = f"/roadmaps/{roadmap.id}/activities/{unclear.id}/schedule"
    bad = browser.post(url, {"windows": "31.02.2027"}, page=url)
    assert "такой даты нет" in bad.text and _tasks(unclear) == []
    bad = browser.post(url, {"windows": "завтра"}, page=url)
    assert "Строка 1" in bad.text
    response = browser.post(
        f"{url}?next=review", {"windows": "01.03.2027 – 31.03.2027\n30.10.2027"}, page=url
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    activity = db.session.get(Activity, unclear.id)
    assert activity.is_schedule_overridden
    tasks = _tasks(activity)
    assert [(t.start, t.due) for t in tasks] == [
        (date(2027, 3, 1), date(2027, 3, 31)),
        (date(2027, 10, 30), date(2027, 10, 30)),
    ]
    assert {t.origin for t in tasks} == {TaskOrigin.manual}
    assert (
        db.session.execute(select(HistoryEntry).where(HistoryEntry.action == "activity.schedule_override"))
        .scalar_one()
        .after["windows"]
    )


def test_override_survives_text_change_and_can_be_reset(login_as, create_roadmap, create_activity):
    roadmap = create_roadmap()
    activity = create_activity(roadmap, deadline_text="Сентябрь 2026 г.")
    browser = login_as("coordinator")
    url = f"/roadmaps/{roadmap.id}/activities/{activity.id}/schedule"
    browser.post(url, {"windows": "15.10.2026"}, page=url)
    edit = f"/roadmaps/{roadmap.id}/activities/{activity.id}/edit"
    browser.post(
        edit,
        {
            "section_id": "",
            "number": "1.1",
            "title": "Мероприятие",
            "deadline_text": "Ноябрь 2026 г.",
            "responsible": "Комитет образования",
        },
        page=edit,
    )
    assert _dues(activity) == [date(2026, 10, 15)]
    browser.post(f"/roadmaps/{roadmap.id}/activities/{activity.id}/schedule/reset")
    assert _dues(activity) == [date(2026, 11, 30)]
    assert not db.session.get(Activity, activity.id).is_schedule_overridden


def test_form_preview_answers_the_schedule_as_json(login_as, create_roadmap):
    roadmap = create_roadmap()
    browser = login_as("coordinator")
    body = browser.get(
        f"/roadmaps/{roadmap.id}/deadline-preview", query_string={"text": "2 раза в год (декабрь, май)"}
    ).get_json()
    assert [o["due"] for o in body["occurrences"]][:2] == ["2026-05-31", "2026-12-31"]
    assert body["occurrences"][0]["due_text"] == "31 мая 2026 г."
    assert body["rule"] and body["needs_review"] is False
    page = browser.get(f"/roadmaps/{roadmap.id}/activities/new").text
    assert "data-deadline-preview" in page


def test_academic_year_columns_feed_the_schedule(create_roadmap, create_activity):
    roadmap = create_roadmap(period=(date(2021, 9, 1), date(2024, 8, 31)))
    activity = create_activity(roadmap, deadline_text="")
    activity.years = {"2021/2022": "Рефлексивный семинар (Январь, апрель)", "2022/2023": "(Август-сентябрь)"}
    from tracker.tasks.operations import sync_activity_tasks

    sync_activity_tasks(activity, roadmap)
    db.session.commit()
    assert [(t.start, t.due) for t in _tasks(activity)] == [
        (date(2022, 1, 1), date(2022, 1, 31)),
        (date(2022, 4, 1), date(2022, 4, 30)),
        (date(2022, 8, 1), date(2022, 9, 30)),
    ]
