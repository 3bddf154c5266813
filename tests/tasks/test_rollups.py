"""Cached task counts of the dashboards: any task write makes them recount; they match a fresh count."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import delete, insert, select, update

from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps import operations as roadmap_ops
from tracker.roadmaps.models import Roadmap
from tracker.tasks import operations as ops
from tracker.tasks import progress, queries, rollups
from tracker.tasks.models import Task, TaskRollup, TaskStatus

TODAY = date(2026, 6, 15)


def fresh(ids, today=TODAY):
    """Count straight from the tasks, bypassing the cache."""
    rows = queries.grouped_counts([Task.roadmap_id, Task.organization_id], [Task.roadmap_id.in_(ids)], today)
    return _sorted((r, o, str(s), int(late), n) for r, o, s, late, n in rows)


def cached(ids, today=TODAY):
    versions = db.session.execute(select(Roadmap.id, Roadmap.tasks_version).where(Roadmap.id.in_(ids))).all()
    return _sorted(rollups.status_rows(dict(versions), today))


def _sorted(rows):
    return sorted(rows, key=lambda row: tuple(-1 if v is None else v for v in row))


def stored_version(roadmap_id):
    return db.session.execute(
        select(TaskRollup.version).where(TaskRollup.roadmap_id == roadmap_id)
    ).scalar_one_or_none()


def current_version(roadmap_id):
    return db.session.execute(select(Roadmap.tasks_version).where(Roadmap.id == roadmap_id)).scalar_one()


@pytest.fixture
def region(world, create_roadmap, create_section, create_activity, create_task):
    """World's roadmap and one of municipality B, tasks on both sides of TODAY, one aimed at a school."""
    other = create_roadmap(world.other["authority"], title="Карта Б")
    other_activity = create_activity(other, deadline_text="")
    create_task(other, other_activity, due=date(2026, 3, 31))
    section = create_section(world.roadmap, "Второе направление", "2")
    activity = create_activity(world.roadmap, section, number="2.1", deadline_text="")
    create_task(world.roadmap, activity, due=date(2026, 5, 31))
    create_task(world.roadmap, world.activity, due=date(2026, 4, 30), organization=world.orgs["school"])
    return SimpleNamespace(ids=[world.roadmap.id, other.id], other=other, section=section, activity=activity)


def test_cached_counts_are_reused_until_a_task_changes(world, region):
    assert cached(region.ids) == fresh(region.ids)
    version = current_version(world.roadmap.id)
    assert stored_version(world.roadmap.id) == version
    # Reading again changes nothing.
    assert cached(region.ids) == fresh(region.ids) and current_version(world.roadmap.id) == version

    ops.complete_task(world.users["executor"], world.task, world.roadmap, "Проведено", [], [])
    db.session.commit()
    assert current_version(world.roadmap.id) > stored_version(world.roadmap.id)
    # Municipality B's roadmap was not touched, so its row stays valid.
    assert current_version(region.other.id) == stored_version(region.other.id)
    assert cached(region.ids) == fresh(region.ids)
    assert ("submitted", 0) in {(s, late) for r, _, s, late, _ in cached(region.ids) if r == world.roadmap.id}


def test_every_kind_of_task_write_makes_the_roadmap_recount(world, region, create_task, create_activity):
    roadmap_id = world.roadmap.id

    def changes_are_seen():
        assert cached(region.ids) == fresh(region.ids)

    changes_are_seen()
    # A task added through the session, aimed at a school.
    create_task(world.roadmap, world.activity, due=date(2026, 2, 28), organization=world.orgs["school"])
    changes_are_seen()
    # A due date moved by the coordinator (late → not late).
    late = db.session.execute(select(Task).where(Task.due == date(2026, 2, 28))).scalar_one()
    ops.reschedule_tasks(world.users["coordinator"], [late], "Перенос", due=date(2026, 12, 1))
    db.session.commit()
    changes_are_seen()
    # A task removed through the session.
    db.session.delete(late)
    db.session.commit()
    changes_are_seen()
    # An activity removed: the database removes its tasks.
    roadmap_ops.delete_activity(world.users["coordinator"], world.roadmap, region.activity)
    db.session.commit()
    changes_are_seen()
    # A section removed by one statement: its activities and tasks go by cascade.
    inside = create_activity(world.roadmap, region.section, deadline_text="")
    create_task(world.roadmap, inside, due=date(2026, 1, 31))
    roadmap_ops.delete_section(world.users["coordinator"], world.roadmap, region.section)
    db.session.commit()
    changes_are_seen()
    # Bulk statements: insert, update, delete.
    before = current_version(roadmap_id)
    db.session.execute(
        insert(Task),
        [
            {"activity_id": world.activity.id, "roadmap_id": roadmap_id, "start": d, "due": d}
            for d in (date(2026, 1, 15), date(2026, 7, 15))
        ],
    )
    db.session.commit()
    assert current_version(roadmap_id) > before
    changes_are_seen()
    db.session.execute(update(Task).where(Task.roadmap_id == roadmap_id).values(status=TaskStatus.done))
    db.session.commit()
    changes_are_seen()
    db.session.execute(delete(Task).where(Task.due == date(2026, 1, 15)))
    db.session.commit()
    changes_are_seen()


def test_a_new_day_recounts_lateness(world, region):
    assert cached(region.ids) == fresh(region.ids)
    later = TODAY + timedelta(days=120)
    assert fresh(region.ids, later) != fresh(region.ids)
    assert cached(region.ids, later) == fresh(region.ids, later)


def test_the_scheduler_job_counts_only_what_is_stale(world, region):
    from tracker.notifications.jobs import JOBS

    assert rollups.refresh_rollups_job in JOBS
    moment = datetime(2026, 6, 15, 1, 0).astimezone()
    roadmaps = db.session.execute(select(Roadmap.id)).scalars().all()
    assert rollups.refresh_rollups_job(moment) == {"counted": len(roadmaps)}
    assert rollups.refresh_rollups_job(moment) == {"counted": 0}
    ops.complete_task(world.users["executor"], world.task, world.roadmap, "Проведено", [], [])
    db.session.commit()
    assert rollups.refresh_rollups_job(moment) == {"counted": 1}


def _org(id_, path, kind):
    return SimpleNamespace(id=id_, path=path, kind=OrgKind(kind), short_name=f"org{id_}")


def test_municipality_lines_add_up_like_the_detailed_rollup():
    region = _org(1, "/1/", "region")
    muni, other = _org(2, "/1/2/", "municipality"), _org(7, "/1/7/", "municipality")
    authority, school, branch = (
        _org(3, "/1/2/3/", "authority"),
        _org(4, "/1/2/4/", "school"),
        _org(5, "/1/2/4/5/", "branch"),
    )
    far_school = _org(8, "/1/7/8/", "school")
    organizations = [region, muni, authority, school, branch, other, far_school]
    owners = {10: 3, 11: 4, 12: 5, 13: 1, 14: 8}
    rows = [
        (10, None, "done", 1, 2),
        (10, 4, "planned", 1, 1),  # a municipal task aimed at the school
        (10, 8, "planned", 0, 3),  # aimed at a school of the other municipality
        (11, None, "submitted", 0, 1),
        (12, None, "planned", 1, 4),
        (13, None, "cancelled", 0, 2),
        (14, None, "done", 0, 5),
    ]
    summaries = {s.municipality.id: s for s in progress.area_summaries(organizations, owners, rows)}
    roadmaps = [SimpleNamespace(id=i, organization_id=o) for i, o in owners.items()]
    groups = progress.rollup(
        [
            SimpleNamespace(**vars(o), is_school=o.kind in (OrgKind.school, OrgKind.branch))
            for o in organizations
        ],
        roadmaps,
        progress.counts_by(rows, lambda row: row[0]),
        progress.counts_by((r for r in rows if r[1] is not None), lambda row: row[1]),
    )
    assert set(summaries) == {g.municipality.id for g in groups} == {1, 2, 7}
    for group in groups:
        line = summaries[group.municipality.id]
        assert line.municipal_total == group.municipal_total
        assert line.schools_total == group.schools_total
        assert line.school_count == len(group.schools)
        assert line.roadmap_count == len(group.municipal)
    assert summaries[2].schools_total.total == 1 + 1 + 4 and summaries[7].schools_total.total == 3 + 5


def test_region_lines_follow_tasks_and_organisations(
    login_as, create_org, create_roadmap, create_activity, create_task
):
    region = create_org("region", name="Общий регион")
    first = create_org("municipality", region, name="Первый район")
    second = create_org("municipality", region, name="Второй район")
    tasks = []
    for municipality in (first, second):
        authority = create_org("authority", municipality, name=f"Управление {municipality.name}")
        roadmap = create_roadmap(authority, title=f"Карта {municipality.name}")
        tasks.append(create_task(roadmap, create_activity(roadmap, deadline_text=""), due=date(2020, 1, 31)))
    admin = login_as("admin", region)

    def lines():
        from tracker.tasks.views import _today

        page = admin.get("/tasks/overview")
        assert page.status_code == 200
        listed = select(Roadmap.id, Roadmap.organization_id, Roadmap.tasks_version, Roadmap.content_stamp)
        columns = (Organization.id, Organization.path, Organization.kind, Organization.short_name)
        summed = rollups.municipality_lines(
            db.session.execute(listed).all(), db.session.execute(select(*columns)).all(), _today()
        )
        return page.text, summed, {line.municipality.id: line.municipal_total for line in summed}

    text, before, _ = lines()
    assert lines()[1] is before  # the same roadmaps, versions and organisations: the lines already summed
    assert "Первый район" in text and "Второй район" in text
    tasks[1].status = TaskStatus.done
    db.session.commit()
    text, after, totals = lines()
    assert after is not before
    assert (totals[second.id].done, totals[second.id].overdue, totals[first.id].overdue) == (1, 0, 1)
    second.short_name = "Переименованный район"
    db.session.commit()
    text, renamed, _ = lines()
    assert renamed is not after and "Переименованный район" in text and "Второй район" not in text
