"""The roadmap workspace: tree table, filters, editing through forms, history, corrections and status."""

from datetime import date

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.roadmaps.models import Activity, HistoryEntry, Revision, Roadmap, RoadmapStatus, Section
from tracker.tasks.models import Task, TaskStatus


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_create_roadmap_through_the_form(login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    response = browser.post(
        "/roadmaps/new",
        {
            "title": "Дорожная карта 2026–2030",
            "organization_id": two_municipalities["a"]["authority"].id,
            "period_start": "2026-01-01",
            "period_end": "2030-12-31",
            "goal": "Цель",
            "is_acceptance_required": "y",
        },
        page="/roadmaps/new",
    )
    assert response.status_code == 302
    roadmap = db.session.execute(select(Roadmap)).scalar_one()
    assert roadmap.title == "Дорожная карта 2026–2030" and roadmap.status == RoadmapStatus.draft
    assert roadmap.is_acceptance_required


def test_invalid_roadmap_form_explains_in_russian_and_saves_nothing(login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    response = browser.post(
        "/roadmaps/new",
        {
            "title": "",
            "organization_id": two_municipalities["a"]["authority"].id,
            "period_start": "2030-01-01",
            "period_end": "2026-12-31",
        },
        page="/roadmaps/new",
    )
    assert response.status_code == 200
    assert "Заполните это поле" in response.text
    assert "Окончание периода раньше его начала" in response.text
    assert _count(Roadmap) == 0


def test_cannot_create_roadmap_for_another_municipality(login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    browser.post(
        "/roadmaps/new",
        {
            "title": "Чужая",
            "organization_id": two_municipalities["b"]["authority"].id,
            "period_start": "2026-01-01",
            "period_end": "2030-12-31",
        },
        page="/roadmaps/new",
    )
    assert _count(Roadmap) == 0


def test_tree_table_shows_sections_and_activities_in_order(
    login_as, create_roadmap, create_section, create_activity
):
    roadmap = create_roadmap()
    direction = create_section(roadmap, "Направление: планирование", "1")
    group = create_section(roadmap, "Группа мероприятий лаборатории", "1.2", parent=direction)
    create_activity(roadmap, direction, number="1.1", title="Разработка дорожной карты")
    create_activity(roadmap, group, number="1.2.1", title="Заседание лаборатории")
    page = login_as("coordinator").get(f"/roadmaps/{roadmap.id}").text
    order = [
        page.index(t)
        for t in (
            "Направление: планирование",
            "Разработка дорожной карты",
            "Группа мероприятий лаборатории",
            "Заседание лаборатории",
        )
    ]
    assert order == sorted(order)
    assert "Показано мероприятий: 2 из 2" in page


def test_filters_by_direction_responsible_and_cyrillic_text(
    login_as, create_roadmap, create_section, create_activity
):
    roadmap = create_roadmap()
    first = create_section(roadmap, "Первое направление", "1")
    second = create_section(roadmap, "Второе направление", "2")
    create_activity(roadmap, first, number="1.1", title="Сопровождение ШНОР", responsible="МКУ «ЦРО»")
    create_activity(
        roadmap, first, number="1.2", title="Семинар для Ёлкинской школы", responsible="Комитет образования"
    )
    create_activity(roadmap, second, number="2.1", title="Анализ результатов ВПР", responsible="МКУ «ЦРО»")
    browser = login_as("coordinator")
    url = f"/roadmaps/{roadmap.id}"
    assert "Показано мероприятий: 1 из 3" in browser.get(url, query_string={"q": "шнор"}).text
    page = browser.get(url, query_string={"q": "ЕЛКИНСКОЙ"}).text
    assert "Семинар для Ёлкинской школы" in page and "Анализ результатов" not in page
    page = browser.get(url, query_string={"responsible": "мку «цро»"}).text
    assert "Показано мероприятий: 2 из 3" in page
    page = browser.get(url, query_string={"direction": second.id}).text
    assert "Анализ результатов ВПР" in page and "Сопровождение ШНОР" not in page
    page = browser.get(url, query_string={"direction": second.id, "q": "шнор"}).text
    assert "Ничего не найдено" in page
    assert "Показано мероприятий: 0 из 3" in browser.get(url, query_string={"q": "100%_"}).text


def test_add_edit_and_delete_activity_with_history(login_as, create_roadmap, create_section):
    roadmap = create_roadmap()
    section = create_section(roadmap)
    browser = login_as("coordinator")
    form_page = f"/roadmaps/{roadmap.id}/activities/new"
    response = browser.post(
        form_page,
        {
            "section_id": section.id,
            "number": "1.1",
            "title": "Совещание с руководителями",
            "deadline_text": "Сентябрь 2026 г.",
            "responsible": "Комитет образования",
        },
        page=form_page,
    )
    assert response.status_code == 302
    activity = db.session.execute(select(Activity)).scalar_one()
    assert [(t.start, t.due) for t in db.session.execute(select(Task)).scalars()] == [
        (date(2026, 9, 1), date(2026, 9, 30))
    ]

    edit = f"/roadmaps/{roadmap.id}/activities/{activity.id}/edit"
    browser.post(
        edit,
        {
            "section_id": section.id,
            "number": "1.1",
            "title": "Совещание с директорами",
            "deadline_text": "Октябрь 2026 г.",
            "responsible": "Комитет образования",
        },
        page=edit,
    )
    db.session.expire_all()
    assert db.session.get(Activity, activity.id).title == "Совещание с директорами"
    assert [t.due for t in db.session.execute(select(Task)).scalars()] == [date(2026, 10, 31)]
    update = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "activity.update")
    ).scalar_one()
    assert update.before == {"title": "Совещание с руководителями", "deadline_text": "Сентябрь 2026 г."}
    assert update.after == {"title": "Совещание с директорами", "deadline_text": "Октябрь 2026 г."}
    assert update.user_id == browser.user.id

    history = browser.get(f"/roadmaps/{roadmap.id}/history").text
    assert "Изменено мероприятие" in history and "Совещание с руководителями" in history

    browser.post(f"/roadmaps/{roadmap.id}/activities/{activity.id}/delete")
    assert _count(Activity) == 0 and _count(Task) == 0
    assert db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "activity.delete")
    ).scalar_one()


def test_invalid_activity_form_keeps_input_and_saves_nothing(login_as, create_roadmap):
    roadmap = create_roadmap()
    browser = login_as("coordinator")
    url = f"/roadmaps/{roadmap.id}/activities/new"
    response = browser.post(url, {"title": "", "deadline_text": "Май 2027", "section_id": "12345"}, page=url)
    assert response.status_code == 200
    assert "Заполните это поле" in response.text
    assert "Май 2027" in response.text
    assert _count(Activity) == 0


def test_activity_with_work_is_not_deleted(login_as, create_roadmap, create_activity):
    roadmap = create_roadmap()
    activity = create_activity(roadmap)
    task = db.session.execute(select(Task)).scalar_one()
    task.status = TaskStatus.done
    db.session.commit()
    browser = login_as("coordinator")
    response = browser.post(f"/roadmaps/{roadmap.id}/activities/{activity.id}/delete", follow_redirects=True)
    assert "нельзя удалить" in response.text
    assert _count(Activity) == 1


def test_sections_add_edit_move_and_delete(login_as, create_roadmap, create_activity):
    roadmap = create_roadmap()
    browser = login_as("coordinator")
    url = f"/roadmaps/{roadmap.id}/sections/new"
    for number, title in (("1", "Первое"), ("2", "Второе")):
        browser.post(url, {"parent_id": "", "number": number, "title": title}, page=url)
    first, second = db.session.execute(select(Section).order_by(Section.position)).scalars().all()
    browser.post(url, {"parent_id": first.id, "number": "1.1", "title": "Вложенная задача"}, page=url)
    child = db.session.execute(select(Section).where(Section.parent_id == first.id)).scalar_one()
    create_activity(roadmap, child, title="Мероприятие внутри")

    browser.post(f"/roadmaps/{roadmap.id}/sections/{second.id}/move/up")
    db.session.expire_all()
    assert [
        s.title
        for s in db.session.execute(
            select(Section).where(Section.parent_id.is_(None)).order_by(Section.position)
        ).scalars()
    ] == ["Второе", "Первое"]

    edit = f"/roadmaps/{roadmap.id}/sections/{first.id}/edit"
    response = browser.post(edit, {"parent_id": child.id, "number": "1", "title": "Первое"}, page=edit)
    assert response.status_code == 200
    assert db.session.get(Section, first.id).parent_id is None

    browser.post(edit, {"parent_id": "", "number": "I", "title": "Первое направление"}, page=edit)
    db.session.expire_all()
    assert db.session.get(Section, first.id).number == "I"

    browser.post(f"/roadmaps/{roadmap.id}/sections/{first.id}/delete")
    assert _count(Section) == 1 and _count(Activity) == 0
    actions = {e.action for e in db.session.execute(select(HistoryEntry)).scalars()}
    assert {
        "section.create",
        "section.move",
        "section.update",
        "section.delete",
        "activity.delete",
    } <= actions


def test_move_activity_between_sections_and_within(login_as, create_roadmap, create_section, create_activity):
    roadmap = create_roadmap()
    one = create_section(roadmap, "Один", "1")
    two = create_section(roadmap, "Два", "2")
    a = create_activity(roadmap, one, number="1.1", title="А")
    b = create_activity(roadmap, one, number="1.2", title="Б")
    browser = login_as("coordinator")
    browser.post(f"/roadmaps/{roadmap.id}/activities/{b.id}/move/up")
    db.session.expire_all()
    assert db.session.get(Activity, b.id).position < db.session.get(Activity, a.id).position
    edit = f"/roadmaps/{roadmap.id}/activities/{a.id}/edit"
    browser.post(
        edit,
        {
            "section_id": two.id,
            "number": "2.1",
            "title": "А",
            "deadline_text": "Сентябрь 2026 г.",
            "responsible": "Комитет образования",
        },
        page=edit,
    )
    db.session.expire_all()
    assert db.session.get(Activity, a.id).section_id == two.id


def test_passport_edit_is_recorded(login_as, create_roadmap):
    roadmap = create_roadmap()
    browser = login_as("coordinator")
    url = f"/roadmaps/{roadmap.id}/passport"
    response = browser.post(
        url,
        {
            "title": "Новое название",
            "period_start": "2026-01-01",
            "period_end": "2030-12-31",
            "goal": "Повышение качества",
            "legal_basis": "273-ФЗ",
            "developers": "Комитет",
            "executors": "ЦРО",
            "expected_results": "Рост",
            "tasks_text": "Задачи",
        },
        page=url,
    )
    assert response.status_code == 302
    db.session.expire_all()
    roadmap = db.session.get(Roadmap, roadmap.id)
    assert roadmap.goal == "Повышение качества" and roadmap.legal_basis == "273-ФЗ"
    entry = db.session.execute(
        select(HistoryEntry).where(HistoryEntry.action == "roadmap.update")
    ).scalar_one()
    assert entry.after["title"] == "Новое название" and entry.before["title"] == "Дорожная карта"


def test_correction_records_reason_order_and_groups_changes(login_as, create_roadmap, create_activity):
    roadmap = create_roadmap()
    create_activity(roadmap)
    browser = login_as("coordinator")
    url = f"/roadmaps/{roadmap.id}/history"
    response = browser.post(
        f"/roadmaps/{roadmap.id}/revise", {"reason": "", "order_number": "", "order_date": ""}, page=url
    )
    assert response.status_code == 422 and "Заполните это поле" in response.text
    assert _count(Revision) == 0
    response = browser.post(
        f"/roadmaps/{roadmap.id}/revise",
        {"reason": "Изменение перечня ШНОР", "order_number": "112-о", "order_date": "2026-09-01"},
        page=url,
    )
    assert response.status_code == 302
    revision = db.session.execute(select(Revision)).scalar_one()
    assert (revision.number, revision.order_number, revision.order_date) == (1, "112-о", date(2026, 9, 1))
    grouped = (
        db.session.execute(select(HistoryEntry).where(HistoryEntry.revision_id == revision.id))
        .scalars()
        .all()
    )
    assert {e.action for e in grouped} >= {"roadmap.create", "activity.create"}
    page = browser.get(url).text
    assert "Изменение перечня ШНОР" in page and "112-о" in page


def test_status_workflow_requires_order_for_approval(login_as, create_roadmap):
    roadmap = create_roadmap(status="draft")
    browser = login_as("coordinator")
    page = f"/roadmaps/{roadmap.id}"
    browser.post(f"/roadmaps/{roadmap.id}/status", {"status": "review"}, page=page)
    response = browser.post(
        f"/roadmaps/{roadmap.id}/status", {"status": "approved"}, page=page, follow_redirects=True
    )
    assert "укажите номер и дату приказа" in response.text
    db.session.expire_all()
    assert db.session.get(Roadmap, roadmap.id).status == RoadmapStatus.review
    browser.post(
        f"/roadmaps/{roadmap.id}/status",
        {"status": "approved", "order_number": "45", "order_date": "2026-02-10"},
        page=page,
    )
    browser.post(f"/roadmaps/{roadmap.id}/status", {"status": "archived"}, page=page)
    db.session.expire_all()
    roadmap = db.session.get(Roadmap, roadmap.id)
    assert roadmap.status == RoadmapStatus.approved
    assert (roadmap.approval_order_number, roadmap.approval_order_date) == ("45", date(2026, 2, 10))
    assert "утверждена" in browser.get(page).text


def test_pages_show_russian_dates_and_empty_states(login_as, create_roadmap):
    browser = login_as("coordinator")
    assert "Дорожных карт пока нет" in browser.get("/roadmaps/").text
    roadmap = create_roadmap()
    page = browser.get(f"/roadmaps/{roadmap.id}").text
    assert "1 января 2026 г." in page and "31 декабря 2030 г." in page
    assert "В дорожной карте пока нет мероприятий" in page


def test_error_pages_are_russian(login_as):
    browser = login_as("coordinator")
    response = browser.get("/roadmaps/999999")
    assert response.status_code == 404 and "Страница не найдена" in response.text
