"""The approval document of the demo roadmap, imported back, is the same roadmap."""

import pytest

from tracker.demo import seed_demo
from tracker.extensions import db
from tracker.reports.adapters import load_report_roadmap
from tracker.reports.approval import build_approval_docx
from tracker.reports.data import walk
from tracker.reports.docx_common import title_with_period
from tracker.roadmaps.importer import read_roadmap

FIELDS = ("deadline_text", "responsible", "participants", "result", "control")


@pytest.fixture
def demo(app):
    """The demo roadmap, its report tree and the approval document read back by the importer."""
    roadmap = seed_demo()["roadmap"]
    db.session.commit()
    report = load_report_roadmap(roadmap, with_marks=False)
    parsed = read_roadmap(build_approval_docx(report), "Дорожная карта.docx")
    return roadmap, report, parsed


def test_every_activity_comes_back_with_its_texts_and_place(demo):
    _, report, parsed = demo
    expected = list(walk(report.items))
    assert len(expected) > 50
    assert len(parsed.activities) == len(expected)
    for (path, activity), back in zip(expected, parsed.activities, strict=True):
        assert back.number == activity.number
        assert back.title == activity.title
        for name in FIELDS:
            assert (getattr(back, name) or "") == getattr(activity, name), (activity.number, name)
        assert back.section_path == [s.title for s in path], activity.number
        assert back.section_numbers == [s.number or "" for s in path], activity.number


def test_title_period_goal_and_approval_come_back(demo):
    roadmap, _, parsed = demo
    # The document names the period in years («… на 2026–2030 годы») so that the importer can read it.
    assert parsed.title == title_with_period(roadmap.title, roadmap.period_start, roadmap.period_end)
    assert parsed.period == (roadmap.period_start, roadmap.period_end)
    assert parsed.period_source == "document"
    assert parsed.goal == roadmap.goal
    assert (parsed.approval_number, parsed.approval_date) == (
        roadmap.approval_order_number,
        roadmap.approval_order_date,
    )


def test_nothing_is_misread(demo):
    _, _, parsed = demo
    # The only warnings are about deadlines that name no date at all — the same as on the first import.
    assert all("не дал ни одной даты" in w.message for w in parsed.warnings), parsed.warnings
