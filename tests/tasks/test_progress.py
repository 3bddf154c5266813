"""Progress figures: the pure folding of counts, the pages built on them, and their query budget."""

from datetime import date
from types import SimpleNamespace

import pytest

from tests.fixtures.pages import QueryCounter, captured
from tracker.extensions import db
from tracker.orgs.models import OrgKind
from tracker.storage import StoredFile
from tracker.tasks import operations as ops
from tracker.tasks import progress

TODAY = date(2026, 6, 15)


def test_counts_fold_statuses_and_lateness():
    counts = progress.total_counts(
        [
            ("done", 1, 3),
            ("done", 0, 1),
            ("submitted", 1, 2),
            ("planned", 1, 4),
            ("returned", 0, 1),
            ("not_done", 1, 1),
            ("cancelled", 1, 5),
            ("in_progress", 0, 2),
        ]
    )
    assert (counts.total, counts.done, counts.submitted, counts.not_done, counts.cancelled) == (
        14,
        4,
        2,
        1,
        5,
    )
    # Overdue: due date passed and not closed (a late report still waiting for acceptance counts).
    assert counts.overdue == 2 + 4
    assert (counts.due_passed, counts.done_due) == (10, 3)
    assert counts.percent == 29 and counts.percent_due == 30
    assert progress.Counts().percent == 0 and progress.Counts().percent_due == 0


def test_directions_and_organisations():
    section_top = progress.top_section_of([(1, None), (2, 1), (3, 2), (4, None)])
    assert section_top == {1: 1, 2: 1, 3: 1, 4: 4}
    rows = [
        (10, None, "done", 1, 1),  # activity 10 in section 3 → direction 1, two responsible bodies
        (11, None, "planned", 1, 2),  # activity 11 in section 4, nobody recognised
        (12, 77, "planned", 0, 1),  # aimed at school 77
        (13, None, "done", 0, 1),  # activity without a section
    ]
    directions = progress.by_direction(rows, {10: 3, 11: 4, 12: 4, 13: None}, section_top)
    assert directions[1].done == 1 and directions[4].total == 3 and directions[4].overdue == 2
    assert directions[None].total == 1
    organizations = progress.by_organization(rows, {10: [5, 6], 12: [5], 13: [6]})
    assert organizations[5].done == 1 and organizations[6].done == 2
    assert organizations[77].total == 1 and organizations[None].overdue == 2


def test_timeline_cells():
    grid = progress.timeline(
        [
            (1, 3, "done", 1, 1),
            (1, 3, "planned", 1, 2),
            (1, 9, "planned", 0, 1),
            (2, 12, "cancelled", 0, 1),
            (2, 5, "not_done", 1, 1),
            (2, 5, "submitted", 1, 1),
        ]
    )
    assert (grid[1][3].done, grid[1][3].overdue, grid[1][9].open) == (1, 2, 1)
    assert grid[2][12].is_empty and (grid[2][5].not_done, grid[2][5].submitted) == (1, 1)


def test_rollup_groups_schools_under_their_municipality_lagging_first():
    def org(id_, path, kind):
        return SimpleNamespace(
            id=id_,
            path=path,
            kind=OrgKind(kind),
            is_school=kind in ("school", "branch"),
            short_name=f"org{id_}",
        )

    region, muni = org(1, "/1/", "region"), org(2, "/1/2/", "municipality")
    authority, s1, s2, s3 = (
        org(3, "/1/2/3/", "authority"),
        org(4, "/1/2/4/", "school"),
        org(5, "/1/2/5/", "school"),
        org(6, "/1/2/6/", "school"),
    )
    roadmaps = [
        SimpleNamespace(id=10, organization_id=3),
        SimpleNamespace(id=11, organization_id=4),
        SimpleNamespace(id=12, organization_id=5),
    ]
    late, fine = progress.Counts(), progress.Counts()
    late.add("planned", True, 3)
    fine.add("done", True, 2)
    aimed = progress.Counts()
    aimed.add("planned", True, 1)
    groups = progress.rollup(
        [region, muni, authority, s1, s2, s3], roadmaps, {10: fine, 11: fine, 12: late}, {4: aimed}
    )
    assert len(groups) == 1 and groups[0].municipality is muni
    assert [r.id for r, _ in groups[0].municipal] == [10]
    schools = groups[0].schools
    assert [s.organization.id for s in schools] == [5, 4, 6]
    assert schools[1].own.done == 2 and schools[1].aimed.overdue == 1 and schools[1].both.total == 3
    assert groups[0].schools_total.total == 3 + 3


@pytest.fixture
def lived(world, create_section, create_activity, create_task, monkeypatch):
    """World's roadmap with a second direction and tasks in every state around TODAY."""
    from tracker.tasks import views

    monkeypatch.setattr(views, "_today", lambda: TODAY)
    section = create_section(world.roadmap, "Второе направление", "2")
    committee = create_activity(
        world.roadmap,
        section,
        number="2.1",
        deadline_text="",
        responsible="Комитет образования",
        control="Комитет образования",
    )
    unknown = create_activity(world.roadmap, section, number="2.2", deadline_text="", responsible="ГПС")
    executor, coordinator = world.users["executor"], world.users["coordinator"]
    done = create_task(world.roadmap, world.activity, due=date(2026, 3, 31))
    ops.complete_task(
        executor,
        done,
        world.roadmap,
        "Семинар проведён, 30 человек",
        [StoredFile("Протокол.pdf", "9" * 32, 5, "0" * 64, "application/pdf")],
        ["https://school.example.ru/n/1"],
    )
    ops.accept_task(coordinator, done)
    late = create_task(world.roadmap, committee, due=date(2026, 5, 31))
    submitted = create_task(world.roadmap, committee, due=date(2026, 6, 30))
    ops.complete_task(coordinator, submitted, world.roadmap, "Совещание проведено", [], [])
    create_task(world.roadmap, unknown, due=date(2026, 4, 30))
    create_task(world.roadmap, unknown, due=date(2026, 12, 31))
    cancelled = create_task(world.roadmap, unknown, due=date(2026, 2, 28))
    ops.cancel_task(coordinator, cancelled, "Исключено")
    aimed = create_task(
        world.roadmap, committee, due=date(2026, 5, 15), organization=world.orgs["school"], label="СОШ № 1"
    )
    db.session.commit()
    return SimpleNamespace(section=section, committee=committee, unknown=unknown, late=late, aimed=aimed)


def test_roadmap_progress_page(world, lived, login_as, app):
    browser = login_as(user=world.users["coordinator"])
    with captured(app) as seen:
        response = browser.get(f"/tasks/roadmaps/{world.roadmap.id}/progress")
    assert response.status_code == 200
    context = dict(seen)["tasks/progress.html"]
    totals = context["totals"]
    # world's own task (30 Sep) is ahead; the cancelled one is left out.
    assert (totals.total, totals.done, totals.submitted, totals.overdue, totals.cancelled) == (7, 1, 1, 3, 1)
    directions = {d.number: c for d, c in context["directions"]}
    assert directions["1"].total == 2 and directions["1"].done == 1
    assert directions["2"].total == 5 and directions["2"].overdue == 3
    organizations = {o.short_name: c for o, c in context["organizations"]}
    assert organizations["Комитет образования"].total == 2
    assert organizations[world.orgs["school"].short_name].overdue == 1
    assert organizations[world.orgs["center"].short_name].done == 1
    assert context["unlinked"].total == 2 and context["unlinked"].overdue == 1
    assert [t.due for t in context["overdue"]] == [date(2026, 4, 30), date(2026, 5, 15), date(2026, 5, 31)]
    owners = context["assignees"]
    assert owners[lived.late.id][0].id == world.users["coordinator"].id
    assert "просрочено на 46 дней" in response.text and "Второе направление" in response.text


def test_timeline_and_overview(world, lived, login_as, app, create_roadmap, create_activity, create_task):
    school_roadmap = create_roadmap(world.orgs["school"], title="Программа школы № 1")
    school_activity = create_activity(school_roadmap, deadline_text="", responsible=world.orgs["school"].name)
    create_task(school_roadmap, school_activity, due=date(2026, 1, 31))
    browser = login_as(user=world.users["coordinator"])
    with captured(app) as seen:
        assert browser.get(f"/tasks/roadmaps/{world.roadmap.id}/timeline?year=2026").status_code == 200
        assert browser.get("/tasks/overview").status_code == 200
    rendered = dict(seen)
    grid = rendered["tasks/timeline.html"]["grid"]
    assert grid[world.activity.id][3].done == 1 and grid[lived.committee.id][5].overdue == 2
    assert rendered["tasks/timeline.html"]["year"] == 2026
    groups = rendered["tasks/_overview_body.html"]["groups"]
    assert [g.municipality.id for g in groups] == [world.orgs["municipality"].id]
    school = next(s for s in groups[0].schools if s.organization.id == world.orgs["school"].id)
    assert [r.title for r in school.roadmaps] == ["Программа школы № 1"]
    assert school.own.overdue == 1 and school.aimed.overdue == 1 and school.both.total == 2
    assert groups[0].schools[0].organization.id == world.orgs["school"].id
    # Another municipality's coordinator sees none of it.
    with captured(app) as seen:
        login_as(user=world.users["other_coordinator"]).get("/tasks/overview")
    assert all(
        not g.municipal and not any(s.both.total for s in g.schools)
        for g in dict(seen)["tasks/_overview_body.html"]["groups"]
    )


def test_roadmap_table_shows_completion_marks(world, lived, login_as):
    page = login_as(user=world.users["school"]).get(f"/roadmaps/{world.roadmap.id}").text
    assert "Семинар проведён, 30 человек" in page and "Протокол.pdf" in page
    assert "https://school.example.ru/n/1" in page and "на проверке" in page
    assert "Совещание проведено" in page


def test_task_list_filters_and_pages(world, lived, login_as, app):
    browser = login_as(user=world.users["coordinator"])
    base = f"/tasks/roadmaps/{world.roadmap.id}"
    cases = {
        "": 8,
        "?overdue=1": 3,
        "?status=done": 1,
        f"?direction={lived.section.id}": 6,
        f"?org={world.orgs['school'].id}": 1,
        "?from=2026-05-01&to=2026-06-30": 3,
        "?q=семинар": 2,
        "?status=nonsense&from=garbage": 8,
    }
    for query, expected in cases.items():
        with captured(app) as seen:
            assert browser.get(base + query).status_code == 200
        assert len(dict(seen)["tasks/list.html"]["tasks"]) == expected, query


def test_pages_do_not_query_per_task(world, login_as, create_task, client, api_token):
    browser = login_as(user=world.users["executor"])
    urls = [
        "/tasks/",
        f"/tasks/roadmaps/{world.roadmap.id}",
        f"/tasks/roadmaps/{world.roadmap.id}/progress",
        f"/tasks/roadmaps/{world.roadmap.id}/timeline",
        f"/roadmaps/{world.roadmap.id}",
        "/tasks/overview",
    ]

    def budget() -> list[int]:
        counts = []
        for url in urls:
            with QueryCounter(db.engine) as counter:
                assert browser.get(url).status_code == 200
            counts.append(counter.count)
        with QueryCounter(db.engine) as counter:
            client.get("/api/v1/tasks", headers=headers)
        return [*counts, counter.count]

    headers = api_token(world.users["executor"])
    # The first page reads the signed-in user, whom the pages then keep (tracker/auth/signed_in.py); the
    # mark below changes the roadmap, so no page is kept when the statements are counted.
    browser.get("/tasks/")
    ops.complete_task(world.users["executor"], world.task, world.roadmap, "Первая отметка", [], [])
    db.session.commit()
    few = budget()
    for month in range(1, 13):
        task = create_task(world.roadmap, world.activity, due=date(2026, month, 28))
        if month % 2:
            ops.complete_task(
                world.users["executor"],
                task,
                world.roadmap,
                f"Отметка {month}",
                [StoredFile(f"п{month}.pdf", f"{month:032x}", 5, "0" * 64, "application/pdf")],
                [],
            )
    db.session.commit()
    assert budget() == few


def test_region_overview_shows_one_line_per_municipality_and_details_on_demand(
    login_as, create_roadmap, create_activity, create_org
):
    region = create_org("region", name="Общий регион")
    first = create_org("municipality", region, name="Первый район")
    second = create_org("municipality", region, name="Второй район")
    for municipality, title in ((first, "Карта первого"), (second, "Карта второго")):
        authority = create_org("authority", municipality, name=f"Управление образования {title}")
        create_activity(create_roadmap(authority, title=title))
    admin = login_as("admin", region)
    page = admin.get("/tasks/overview").text
    assert "Первый район" in page and "Второй район" in page
    assert "Карта первого" not in page and "муниципальные карты" in page
    detail = admin.get("/tasks/overview", query_string={"municipality": first.id}).text
    assert "Карта первого" in detail and "Карта второго" not in detail and "Все муниципалитеты" in detail
