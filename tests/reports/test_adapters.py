"""The database adapter: the report tree, completion marks with evidence, indicators and analysis data."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests.fixtures.pages import QueryCounter
from tracker.extensions import db
from tracker.reports import adapters
from tracker.reports.data import ReportActivity, ReportSection, walk
from tracker.reports.execution import build_execution_docx
from tracker.roadmaps import operations as roadmap_ops


@pytest.fixture
def tree(create_roadmap, create_section, create_activity):
    """A roadmap with a loose activity, two directions, a nested group and activities in each."""
    roadmap = create_roadmap(title="Карта на период до 2030 года")
    loose = create_activity(roadmap, None, number="", title="Вводное мероприятие")
    first = create_section(roadmap, "Направление: планирование", "1")
    second = create_section(roadmap, "Методическое сопровождение", "")
    group = create_section(roadmap, "В рамках лаборатории", "1.2", parent=first)
    a11 = create_activity(
        roadmap, first, number="1.1", title="Разработка карты", deadline_text="Ежегодно, сентябрь"
    )
    a121 = create_activity(roadmap, group, number="1.2.1", title="Программы ШНОР", responsible="МКУ «ЦРО»")
    a21 = create_activity(
        roadmap, second, number="2.1", title="Семинары", result="Протоколы", control="Комитет"
    )
    return {"roadmap": roadmap, "loose": loose, "a11": a11, "a121": a121, "a21": a21}


def test_tree_keeps_order_levels_and_numbers(tree):
    report = adapters.load_report_roadmap(tree["roadmap"])
    loose, first, second = report.items
    assert isinstance(loose, ReportActivity) and loose.number is None and loose.title == "Вводное мероприятие"
    assert isinstance(first, ReportSection) and (first.number, first.title, first.level) == (
        "1",
        "Направление: планирование",
        1,
    )
    assert second.number is None and second.level == 1
    # Activities of a section come before its sub-sections, as on the roadmap page.
    assert [type(i).__name__ for i in first.items] == ["ReportActivity", "ReportSection"]
    group = first.items[1]
    assert (group.number, group.level) == ("1.2", 2)
    assert group.items[0].responsible == "МКУ «ЦРО»"
    numbers = [(tuple(s.number for s in path), a.number) for path, a in walk(report.items)]
    assert numbers == [((), None), (("1",), "1.1"), (("1", "1.2"), "1.2.1"), ((None,), "2.1")]
    assert second.items[0].result == "Протоколы" and second.items[0].control == "Комитет"


def test_header_carries_owner_period_goal_and_approval(tree, two_municipalities):
    roadmap = tree["roadmap"]
    roadmap.goal = "Повышение качества"
    roadmap.approved_by = "приказом Комитета образования"
    roadmap.approval_order_number = "15"
    roadmap.approval_order_date = date(2026, 1, 20)
    roadmap.columns = ["number", "title", "deadline", "responsible", "bogus"]
    db.session.commit()
    report = adapters.load_report_roadmap(roadmap)
    assert report.organization == two_municipalities["a"]["authority"].name
    assert (report.period_start, report.period_end) == (date(2026, 1, 1), date(2030, 12, 31))
    assert report.goal == "Повышение качества"
    assert report.approval.approved_by == "приказом Комитета образования"
    assert (report.approval.order_number, report.approval.order_date) == ("15", date(2026, 1, 20))
    assert report.columns == ("number", "title", "deadline", "responsible")


def test_columns_without_a_title_fall_back_to_all():
    assert adapters.report_columns(["number"]) == adapters.report_columns(None)
    assert adapters.report_columns(["title", "number"]) == ("title", "number")


def test_marks_carry_status_dates_notes_reasons_schools_and_evidence(
    tree, tasks_of, work_task, two_municipalities
):
    first, second, *rest = tasks_of(tree["a11"])
    assert len(rest) == 3  # every September of 2026–2030
    school = two_municipalities["a"]["school"]
    # 20:30 UTC on 19 September is already 20 September in Irkutsk.
    work_task(
        first,
        "done",
        note="Карта утверждена",
        completed=datetime(2026, 9, 19, 20, 30, tzinfo=UTC),
        evidence=("Приказ № 45.pdf", "https://edu.example.ru/roadmap"),
    )
    work_task(second, "not_done", reason="Нет финансирования", organization=school)
    report = adapters.load_report_roadmap(tree["roadmap"])
    activity = report.items[1].items[0]
    marks = activity.marks
    assert [m.due.year for m in marks] == [2026, 2027, 2028, 2029, 2030]
    assert marks[0].status == "done" and marks[0].done_date == date(2026, 9, 20)
    assert marks[0].note == "Карта утверждена"
    assert list(marks[0].evidence_names) == ["Приказ № 45.pdf", "https://edu.example.ru/roadmap"]
    assert marks[1].status == "not_done" and marks[1].reason == "Нет финансирования"
    assert marks[1].organization == school.short_name and marks[1].done_date is None
    assert marks[2].status == "planned" and marks[2].evidence_names == ()


def test_approval_tree_needs_no_tasks(tree):
    report = adapters.load_report_roadmap(tree["roadmap"], with_marks=False)
    assert all(not a.marks for _, a in walk(report.items))


def _grow(roadmap, directions: int, per_direction: int) -> None:
    """Add directions of activities whose tasks are all worked, each with evidence."""
    from tracker.tasks.models import Evidence, EvidenceKind, Task, TaskStatus

    for d in range(directions):
        section = roadmap_ops.add_section(None, roadmap, None, str(d + 1), f"Направление {d + 1}")
        for i in range(per_direction):
            roadmap_ops.add_activity(
                None,
                roadmap,
                section.id,
                number=f"{d + 1}.{i + 1}",
                title=f"Мероприятие {d}.{i}",
                deadline_text="Ежегодно, март",
                responsible="Комитет образования",
                participants="МОУ",
                result="Справка",
                control="Комитет образования",
            )
    db.session.flush()
    for task in db.session.execute(select(Task).where(Task.roadmap_id == roadmap.id)).scalars():
        task.status = TaskStatus.done
        task.completed_dt = datetime(2026, 3, 1, tzinfo=UTC)
        db.session.add(
            Evidence(
                task_id=task.id,
                kind=EvidenceKind.link,
                original_filename="https://x.test",
                url="https://x.test",
            )
        )
    db.session.commit()


def test_queries_do_not_grow_with_the_roadmap(create_roadmap):
    small, big = create_roadmap(title="Малая"), create_roadmap(title="Большая")
    _grow(small, 2, 3)
    _grow(big, 8, 25)
    counts = []
    for roadmap in (small, big):
        db.session.expire_all()
        roadmap = db.session.get(type(roadmap), roadmap.id)
        with QueryCounter(db.engine) as counter:
            report = adapters.load_report_roadmap(roadmap)
        counts.append(len(counter.statements))
        assert sum(len(a.marks) for _, a in walk(report.items)) == 5 * sum(1 for _ in walk(report.items))
    assert counts[0] == counts[1] <= 4, counts
    # Sections, activities, tasks and evidence: one query each.
    assert all(len(a.marks[0].evidence_names) == 1 for _, a in walk(report.items))
    data = build_execution_docx(report, date(2026, 1, 1), date(2026, 12, 31), date(2026, 7, 1))
    assert data[:2] == b"PK"


def test_indicators_load_in_two_queries(tree, create_indicator):
    roadmap = tree["roadmap"]
    create_indicator(roadmap, targets={2026: 6, 2027: 5}, actuals={2026: 6.5})
    create_indicator(roadmap, name="Число школ-наставников", unit="ед.", direction="up", targets={2026: 3})
    roadmap_id = roadmap.id
    db.session.expire_all()
    with QueryCounter(db.engine) as counter:
        indicators = adapters.load_indicators(roadmap_id)
    assert len(counter.statements) == 2
    first, second = indicators
    assert (first.name, first.unit, first.direction, first.baseline_value, first.baseline_year) == (
        "Доля выпускников, не получивших аттестат",
        "%",
        "down",
        7.0,
        2025,
    )
    assert first.targets == {2026: 6, 2027: 5} and first.actuals == {2026: 6.5}
    assert second.targets == {2026: 3} and second.actuals == {}


def test_assessment_rows_cover_the_municipality_of_a_municipal_roadmap(
    tree, two_municipalities, add_results, create_roadmap
):
    a, b = two_municipalities["a"], two_municipalities["b"]
    add_results(a["school"], 2026, {"EGE-RU": (20, 2), "VPR-MA-4": (30, 3)})
    add_results(a["school2"], 2026, {"EGE-RU": (10, 1)})
    add_results(b["school"], 2026, {"EGE-RU": (50, 50)})
    rows = adapters.assessment_rows(tree["roadmap"])
    # Only the standard indicators' procedures of municipality A's schools.
    assert sorted((r.procedure, r.participants) for r in rows) == [("EGE-RU", 10), ("EGE-RU", 20)]
    school_map = create_roadmap(a["school"], title="Школьная карта")
    assert [r.participants for r in adapters.assessment_rows(school_map)] == [20]


def test_classification_of_the_year_with_changes(tree, two_municipalities, add_run):
    a = two_municipalities["a"]
    add_run(a["municipality"], 2025, {a["school"]: ["SHNOR"], a["school2"]: ["RISK"]})
    add_run(
        a["municipality"],
        2026,
        {a["school"]: [], a["school2"]: ["SHNOR", "SHNSU"]},
        created=datetime(2026, 1, 1, tzinfo=UTC),
    )
    add_run(a["municipality"], 2026, {a["school"]: ["SHNOR"], a["school2"]: ["SHNOR", "SHNSU"]})
    add_run(two_municipalities["b"]["municipality"], 2026, {two_municipalities["b"]["school"]: ["SHNOR"]})
    summary = adapters.load_classification(tree["roadmap"], 2026)
    # The latest run of the year wins; municipality B's run is not ours.
    assert summary.groups == {
        "SHNOR": sorted([a["school"].name, a["school2"].name]),
        "SHNSU": [a["school2"].name],
    }
    assert summary.joined == {"SHNOR": [a["school2"].name], "SHNSU": [a["school2"].name]}
    assert summary.left == {"RISK": [a["school2"].name]}
    assert adapters.load_classification(tree["roadmap"], 2024) is None


def test_classification_summary_without_a_previous_year_names_no_changes():
    summary = adapters.classification_summary(2026, {"SHNOR": ["Б", "А"]}, None)
    assert summary.groups == {"SHNOR": ["А", "Б"]} and summary.joined == {} and summary.left == {}


def test_everyone_joins_when_last_year_had_an_empty_classification():
    summary = adapters.classification_summary(2026, {"SHNOR": ["А"]}, {})
    assert summary.joined == {"SHNOR": ["А"]} and summary.left == {}
