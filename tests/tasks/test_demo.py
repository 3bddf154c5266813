"""The demo data is a living roadmap on the given day, the same after a second load."""

import io
from datetime import date

from docx import Document
from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.demo import seed_demo
from tracker.extensions import db
from tracker.roadmaps.models import HistoryEntry, Roadmap
from tracker.storage import path_of
from tracker.tasks.assignment import assignees_for_tasks
from tracker.tasks.models import Evidence, EvidenceKind, Task, TaskStatus
from tracker.tasks.queries import my_tasks

TODAY = date(2026, 11, 22)


def _snapshot() -> tuple:
    statuses = db.session.execute(select(Task.id, Task.status, Task.version).order_by(Task.id)).all()
    counts = tuple(
        db.session.execute(select(func.count()).select_from(m)).scalar() for m in (Evidence, HistoryEntry)
    )
    return tuple(statuses), counts


def _user(email: str) -> User:
    return db.session.execute(select(User).where(User.email == email)).scalar_one()


def test_demo_roadmaps_live_on_today(app):
    seed_demo(today=TODAY)
    db.session.commit()
    coordinator = _user("koordinator@demo.local")
    for title in ("Муниципальная", "Программа повышения качества образования МОУ"):
        roadmap = db.session.execute(select(Roadmap).where(Roadmap.title.startswith(title))).scalar_one()
        tasks = db.session.execute(select(Task).where(Task.roadmap_id == roadmap.id)).scalars().all()
        by_status = {s: [t for t in tasks if t.status == s] for s in TaskStatus}
        assert (
            by_status[TaskStatus.done] and by_status[TaskStatus.submitted] and by_status[TaskStatus.returned]
        )
        assert all(
            t.accepted_by_id == coordinator.id and t.completed_dt.date() < TODAY
            for t in by_status[TaskStatus.done]
        )
        assert any(t.status in (TaskStatus.planned, TaskStatus.in_progress) and t.due < TODAY for t in tasks)
        assert any(t.status == TaskStatus.in_progress and t.due >= TODAY for t in tasks)
        done_ids = [t.id for t in by_status[TaskStatus.done]]
        evidence = db.session.execute(select(Evidence).where(Evidence.task_id.in_(done_ids))).scalars().all()
        assert {e.task_id for e in evidence if e.kind == EvidenceKind.file} == set(done_ids)
    files = db.session.execute(select(Evidence).where(Evidence.kind == EvidenceKind.file)).scalars().all()
    for item in files[:6]:
        data = path_of(app.config["UPLOAD_DIR"], item.stored_name).read_bytes()
        if item.original_filename.endswith(".docx"):
            assert "Справка о выполнении" in Document(io.BytesIO(data)).paragraphs[0].text
        else:
            assert data.startswith(b"%PDF-")


def test_demo_users_have_open_tasks_of_their_organisations(app):
    seed_demo(today=TODAY)
    db.session.commit()
    for email, org_name in (("ispolnitel@demo.local", "МКУ «ЦРО»"), ("shkola1@demo.local", "МОУ «СОШ № 1»")):
        user = _user(email)
        groups = my_tasks(user, TODAY)
        assert groups["overdue"].total and groups["later"].total and groups["closed"].total, email
        open_tasks = groups["overdue"].tasks + groups["later"].tasks
        people = assignees_for_tasks([t.id for t in open_tasks])
        assert all(user.id in {p.id for p in people[t.id]} for t in open_tasks), email
        assert user.organization.short_name == org_name
    assert my_tasks(_user("koordinator@demo.local"), TODAY)["to_accept"].total


def test_loading_the_demo_again_changes_nothing(app):
    seed_demo(today=TODAY)
    db.session.commit()
    first = _snapshot()
    seed_demo(today=date(2027, 2, 1))
    db.session.commit()
    assert _snapshot() == first
