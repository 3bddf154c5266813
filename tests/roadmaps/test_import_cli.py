"""`tracker roadmap import`: the dry-run JSON of the samples, saving a roadmap, refused files."""

import json

import pytest
from sqlalchemy import func, select

from tests.fixtures.roadmaps import SAMPLE_FIELDS as FIELDS
from tests.fixtures.roadmaps import SAMPLES_DIR
from tracker.extensions import db
from tracker.roadmaps.importer import read_roadmap
from tracker.roadmaps.models import Activity, HistoryEntry, Roadmap, RoadmapStatus, Section
from tracker.tasks.models import Task


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["roadmap", "import", *map(str, args)])


@pytest.mark.parametrize("name", ["A_ustilimsk_2030", "B_sovgavan_2021"])
def test_dry_run_json_gives_the_expected_parse_and_writes_nothing(app, name):
    result = _run(app, SAMPLES_DIR / f"{name}.docx", "--dry-run", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    expected = json.loads((SAMPLES_DIR / f"{name}.expected.json").read_text("utf-8"))
    assert out["title"] == expected["title"]
    assert [out["period"]["start"], out["period"]["end"]] == expected["period"]
    assert len(out["activities"]) == len(expected["activities"])
    for got, want in zip(out["activities"], expected["activities"], strict=True):
        for field in FIELDS:
            if want.get(field) is not None:
                assert got[field] == want[field], (want["number"], field)
        if want.get("due") is not None:
            assert [o["due"] for o in got["occurrences"]] == want["due"], want["number"]
    assert all(set(w) == {"row", "message"} for w in out["warnings"])
    # Cyrillic is printed as is, not as \u escapes.
    assert "\\u04" not in result.stdout
    assert _count(Roadmap) == 0 and _count(Activity) == 0


def test_dry_run_takes_the_period_argument(app):
    result = _run(app, SAMPLES_DIR / "B_sovgavan_2021.docx", "--dry-run", "--json", "--period", "2022:2025")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["period"] == {"start": "2022-01-01", "end": "2025-12-31"}


def test_bad_period_is_explained(app):
    result = _run(app, SAMPLES_DIR / "B_sovgavan_2021.docx", "--dry-run", "--period", "2030:2026")
    assert result.exit_code != 0
    assert "НАЧАЛО:КОНЕЦ" in result.output


def test_import_saves_sample_a_with_sections_activities_and_tasks(app, two_municipalities):
    owner = two_municipalities["a"]["authority"]
    result = _run(app, SAMPLES_DIR / "A_ustilimsk_2030.docx", "--org", owner.id)
    assert result.exit_code == 0, result.output
    roadmap = db.session.get(Roadmap, int(result.stdout.strip()))
    assert roadmap.organization_id == owner.id and roadmap.status == RoadmapStatus.draft
    assert roadmap.title.startswith("Муниципальная дорожная карта повышения качества образования")
    assert roadmap.goal.startswith("повышение эффективности механизмов")
    activities = db.session.execute(select(Activity).where(Activity.roadmap_id == roadmap.id)).scalars().all()
    assert len(activities) == 66
    by_number = {a.number: a for a in activities}
    lab = by_number["1.16.4"]
    group = db.session.get(Section, lab.section_id)
    direction = db.session.get(Section, group.parent_id)
    assert (direction.number, group.number) == ("1", "1.16") and direction.parent_id is None
    # Same path, same section: the activities of a group share one row.
    assert by_number["1.16.5"].section_id == group.id
    assert _count(Task) > 66
    assert (
        db.session.execute(
            select(func.count()).select_from(Task).where(Task.activity_id == by_number["1.1"].id)
        ).scalar()
        == 1
    )
    # The schedules come from the same grammar as the preview: the same activities need review.
    parsed = read_roadmap((SAMPLES_DIR / "A_ustilimsk_2030.docx").read_bytes(), "A.docx")
    assert {(a.number, a.title) for a in parsed.activities if a.needs_review} == {
        (a.number, a.title) for a in activities if a.is_review_needed
    }
    actions = db.session.execute(select(HistoryEntry.action)).scalars().all()
    assert actions.count("roadmap.import") == 1 and "activity.create" not in actions


def test_import_without_org_is_refused(app):
    result = _run(app, SAMPLES_DIR / "A_ustilimsk_2030.docx")
    assert result.exit_code != 0
    assert "--org" in result.output
    assert _count(Roadmap) == 0


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("plan.docx", b"this is plain text, not a document", "не является документом Word"),
        ("plan.pdf", b"%PDF-1.7 something", "PDF"),
        ("plan.docx", b"PK\x03\x04 broken archive", "повреждён"),
    ],
)
def test_refused_files_exit_non_zero_with_a_russian_message(
    app, tmp_path, two_municipalities, filename, content, message
):
    path = tmp_path / filename
    path.write_bytes(content)
    result = _run(app, path, "--org", two_municipalities["a"]["authority"].id)
    assert result.exit_code != 0
    assert message in result.output
    assert _count(Roadmap) == 0 and _count(Activity) == 0


def test_a_document_without_tables_is_refused(app, tmp_path, two_municipalities):
    import docx

    document = docx.Document()
    document.add_paragraph("Дорожная карта на 2026-2028 годы без таблицы")
    path = tmp_path / "plan.docx"
    document.save(path)
    result = _run(app, path, "--org", two_municipalities["a"]["authority"].id)
    assert result.exit_code != 0
    assert "нет ни одной таблицы" in result.output
    assert _count(Roadmap) == 0
