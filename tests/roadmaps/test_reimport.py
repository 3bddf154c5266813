"""Re-import of a corrected version (корректировка): comparison side by side, then apply as a revision."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.extensions import db
from tracker.roadmaps import importing
from tracker.roadmaps.importer import read_roadmap
from tracker.roadmaps.models import Activity, HistoryEntry, Revision, Roadmap, RoadmapStatus, Section
from tracker.tasks.models import Task, TaskStatus

# An order may not be dated in the future.
TODAY = date.today()
VERSION_1 = [
    ("Направление: оценка качества", [
        ("1.1", "Мониторинг результатов ВПР", "Май 2026 г.", "Комитет образования"),
        ("1.2", "Совещание руководителей по итогам ВПР", "Июнь 2026 г.", "Комитет образования"),
        ("1.3", "Собеседование с руководителями ШНОР", "Ежегодно, сентябрь", "МКУ «ЦРО»"),
    ]),
    ("Направление: кадры", [
        ("2.1", "Семинар для учителей математики", "Октябрь 2026 г.", "МКУ «ЦРО»"),
        ("2.2", "Конкурс методических разработок", "Ноябрь 2026 г.", "МКУ «ЦРО»"),
    ]),
]  # fmt: skip
VERSION_2 = [
    ("Направление: оценка качества", [
        ("1.1", "Мониторинг результатов ВПР", "Май 2026 г.", "Комитет образования"),
        ("1.2", "Совещание руководителей по итогам ВПР", "Июнь 2026 г.", "МКУ «ЦРО»"),
        ("1.3", "Собеседование с руководителями ШНОР", "Ежегодно, октябрь", "МКУ «ЦРО»"),
    ]),
    ("Направление: работа с родителями", [
        ("3.1", "Родительское собрание по подготовке к ГИА", "Декабрь 2026 г.", "МОУ"),
    ]),
]  # fmt: skip


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def _tasks(activity_id: int) -> list[tuple[int, str, date]]:
    rows = db.session.execute(
        select(Task.id, Task.status, Task.due)
        .where(Task.activity_id == activity_id)
        .order_by(Task.due, Task.id)
    )
    return [(i, s.value, d) for i, s, d in rows]


@pytest.fixture
def stored(two_municipalities, roadmap_docx, work_task):
    """Import version 1, put it in progress and record work on 1.2, 1.3 (September 2026) and 2.2."""
    parsed = read_roadmap(roadmap_docx(VERSION_1), "v1.docx")
    roadmap = importing.import_roadmap(None, two_municipalities["a"]["authority"], parsed, "v1.docx")
    roadmap.status = RoadmapStatus.in_progress
    db.session.commit()
    by_number = {a.number: a for a in db.session.execute(select(Activity)).scalars()}
    for number in ("1.2", "1.3", "2.2"):
        first = (
            db.session.execute(
                select(Task).where(Task.activity_id == by_number[number].id).order_by(Task.due)
            )
            .scalars()
            .first()
        )
        work_task(first, "done", note="Проведено, протокол на сайте")
    return roadmap, {n: a.id for n, a in by_number.items()}


def _upload(browser, roadmap_id: int, data: bytes, filename: str = "v2.docx"):
    url = f"/roadmaps/{roadmap_id}/reimport"
    return browser.post(url, {"file": (io.BytesIO(data), filename)}, page=url)


def _token(response, roadmap_id: int) -> str:
    assert response.status_code == 302, response.text
    match = re.search(rf"/roadmaps/{roadmap_id}/reimport/([0-9a-f]{{32}})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


@pytest.fixture
def coordinator(login_as, two_municipalities):
    return login_as("coordinator", two_municipalities["a"]["authority"])


def test_roadmap_page_offers_the_corrected_version_to_editors_only(
    stored, coordinator, login_as, two_municipalities
):
    roadmap, _ = stored
    assert "Загрузить исправленную версию" in coordinator.get(f"/roadmaps/{roadmap.id}").text
    observer = login_as("observer", two_municipalities["a"]["authority"])
    assert "Загрузить исправленную версию" not in observer.get(f"/roadmaps/{roadmap.id}").text


def test_comparison_shows_added_removed_and_changed_side_by_side(stored, coordinator, roadmap_docx):
    roadmap, ids = stored
    token = _token(_upload(coordinator, roadmap.id, roadmap_docx(VERSION_2)), roadmap.id)
    response = coordinator.get(f"/roadmaps/{roadmap.id}/reimport/{token}")
    assert response.status_code == 200
    page = response.text
    assert re.search(r"badge text-bg-success\">1</span> добавлено", page)
    assert re.search(r"badge text-bg-danger\">2</span> удалено", page)
    assert re.search(r"badge text-bg-warning\">2</span> изменено", page)
    assert re.search(r"badge text-bg-secondary\">1</span> без изменений", page)
    # Changed: field by field, the old value and the new one.
    assert "<del>Комитет образования</del>" in page and "<ins>МКУ «ЦРО»</ins>" in page
    assert "<del>Ежегодно, сентябрь</del>" in page and "<ins>Ежегодно, октябрь</ins>" in page
    assert "31 октября 2026 г." in page  # the new deadline's dates
    # Added and removed.
    assert "Родительское собрание по подготовке к ГИА" in page
    assert "Семинар для учителей математики" in page and "Конкурс методических разработок" in page
    assert page.count("не будет удалено: есть отметки о выполнении") == 1
    assert 'name="reason"' in page and 'name="order_number"' in page
    # Nothing is applied by looking.
    assert _count(Revision) == 0 and db.session.get(Activity, ids["2.1"]) is not None


def test_applying_keeps_tasks_and_records_a_revision(stored, coordinator, roadmap_docx):
    roadmap, ids = stored
    before_unchanged = _tasks(ids["1.1"])
    before_changed = _tasks(ids["1.2"])
    september = _tasks(ids["1.3"])[0]
    token = _token(_upload(coordinator, roadmap.id, roadmap_docx(VERSION_2)), roadmap.id)
    url = f"/roadmaps/{roadmap.id}/reimport/{token}"
    response = coordinator.post(
        url,
        {"reason": "Ежегодная корректировка", "order_number": "15-од", "order_date": TODAY.isoformat()},
        page=url,
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/roadmaps/{roadmap.id}")
    # Unchanged and changed activities keep their tasks, ids and statuses.
    assert _tasks(ids["1.1"]) == before_unchanged
    assert _tasks(ids["1.2"]) == before_changed and before_changed[0][1] == "done"
    assert db.session.get(Activity, ids["1.2"]).responsible == "МКУ «ЦРО»"
    # A changed deadline regenerates the schedule but keeps the task that carries work.
    shnor = db.session.get(Activity, ids["1.3"])
    assert shnor.deadline_text == "Ежегодно, октябрь"
    tasks = db.session.execute(select(Task).where(Task.activity_id == shnor.id)).scalars().all()
    kept = next(t for t in tasks if t.id == september[0])
    assert kept.status == TaskStatus.done and kept.is_orphaned
    assert {t.due for t in tasks if t.id != kept.id} == {
        date(2026, 10, 31),
        date(2027, 10, 31),
        date(2028, 10, 31),
    }
    # Removed: deleted unless worked on.
    assert db.session.get(Activity, ids["2.1"]) is None
    assert db.session.get(Activity, ids["2.2"]) is not None
    # Added, in a new section.
    added = db.session.execute(select(Activity).where(Activity.number == "3.1")).scalar_one()
    section = db.session.get(Section, added.section_id)
    assert section.title == "Направление: работа с родителями" and section.parent_id is None
    assert [t[2] for t in _tasks(added.id)] == [date(2026, 12, 31)]
    # One revision with its reason and order; the changes are filed under it.
    revision = db.session.execute(select(Revision)).scalar_one()
    assert (revision.reason, revision.order_number, revision.order_date) == (
        "Ежегодная корректировка", "15-од", TODAY,
    )  # fmt: skip
    filed = (
        db.session.execute(select(HistoryEntry.action).where(HistoryEntry.revision_id == revision.id))
        .scalars()
        .all()
    )
    assert {
        "activity.update",
        "activity.create",
        "activity.delete",
        "section.create",
        "roadmap.import",
    } <= set(filed)
    page = coordinator.get(response.headers["Location"]).text
    assert "Корректировка № 1 применена: добавлено 1, изменено 2, удалено 1." in page
    assert "Не удалены: есть отметки о выполнении — 2.2 Конкурс методических разработок" in page
    # The upload is gone.
    assert coordinator.get(url).status_code == 404


def test_reimport_of_the_same_file_changes_nothing(stored, coordinator, roadmap_docx):
    roadmap, _ = stored
    token = _token(_upload(coordinator, roadmap.id, roadmap_docx(VERSION_1)), roadmap.id)
    page = coordinator.get(f"/roadmaps/{roadmap.id}/reimport/{token}").text
    assert re.search(r"badge text-bg-secondary\">5</span> без изменений", page)
    assert "применять нечего" in page


def test_missing_reason_is_explained_and_nothing_applied(stored, coordinator, roadmap_docx):
    roadmap, ids = stored
    token = _token(_upload(coordinator, roadmap.id, roadmap_docx(VERSION_2)), roadmap.id)
    url = f"/roadmaps/{roadmap.id}/reimport/{token}"
    response = coordinator.post(url, {"reason": "", "order_number": "", "order_date": ""}, page=url)
    assert response.status_code == 422 and "Заполните это поле" in response.text
    assert _count(Revision) == 0 and db.session.get(Activity, ids["2.1"]) is not None


def test_a_failure_while_applying_saves_nothing(stored, coordinator, roadmap_docx, monkeypatch):
    roadmap, ids = stored
    token = _token(_upload(coordinator, roadmap.id, roadmap_docx(VERSION_2)), roadmap.id)
    url = f"/roadmaps/{roadmap.id}/reimport/{token}"
    counts = [_count(m) for m in (Activity, Section, Task, HistoryEntry)]

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importing.ops, "record_revision", broken)
    response = coordinator.post(
        url, {"reason": "Корректировка", "order_number": "1", "order_date": TODAY.isoformat()}, page=url
    )
    assert response.status_code == 500
    assert [_count(m) for m in (Activity, Section, Task, HistoryEntry)] == counts
    assert db.session.get(Activity, ids["1.2"]).responsible == "Комитет образования"


def test_bad_corrected_file_is_refused_on_the_form(stored, coordinator):
    roadmap, _ = stored
    response = _upload(coordinator, roadmap.id, b"%PDF-1.5 scanned", "v2.docx")
    assert response.status_code == 422 and "Это PDF" in response.text


@pytest.mark.parametrize("role", ["executor", "observer"])
def test_executor_and_observer_cannot_reimport(stored, login_as, two_municipalities, roadmap_docx, role):
    roadmap, _ = stored
    browser = login_as(role, two_municipalities["a"]["authority"])
    assert browser.get(f"/roadmaps/{roadmap.id}/reimport").status_code == 403
    assert _upload(browser, roadmap.id, roadmap_docx(VERSION_2)).status_code == 403


def test_tokens_are_bound_to_their_user_and_roadmap(
    stored, coordinator, login_as, two_municipalities, roadmap_docx, create_roadmap
):
    roadmap, _ = stored
    token = _token(_upload(coordinator, roadmap.id, roadmap_docx(VERSION_2)), roadmap.id)
    other = login_as("coordinator", two_municipalities["a"]["authority"])
    assert other.get(f"/roadmaps/{roadmap.id}/reimport/{token}").status_code == 404
    data = {"reason": "x", "order_number": "1", "order_date": TODAY.isoformat()}
    assert other.post(f"/roadmaps/{roadmap.id}/reimport/{token}", data, page="/profile").status_code == 404
    # The same user cannot apply the file to another roadmap, nor use it as a new import.
    second = create_roadmap(title="Другая карта")
    assert coordinator.get(f"/roadmaps/{second.id}/reimport/{token}").status_code == 404
    assert coordinator.get(f"/roadmaps/import/{token}").status_code == 404
    # Another municipality's roadmap is not even visible.
    foreign = create_roadmap(two_municipalities["b"]["authority"], title="Чужая карта")
    assert coordinator.get(f"/roadmaps/{foreign.id}/reimport").status_code == 404
    assert _count(Revision) == 0


def test_compare_with_matches_by_section_and_number(stored, roadmap_docx):
    roadmap, ids = stored
    parsed = read_roadmap(roadmap_docx(VERSION_2), "v2.docx", roadmap.period)
    comparison = importing.compare_with(db.session.get(Roadmap, roadmap.id), parsed)
    assert [k.id for k, _ in comparison.unchanged] == [ids["1.1"]]
    assert {c.current.id: c.fields for c in comparison.changed} == {
        ids["1.2"]: ["responsible"],
        ids["1.3"]: ["deadline_text"],
    }
    assert {k.id for k in comparison.removed} == {ids["2.1"], ids["2.2"]}
    assert [a.number for a in comparison.added] == ["3.1"]
