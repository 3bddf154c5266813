"""Load the demo data from seed/ (idempotent: what exists is left as it is)."""

import io
import json
import logging
from datetime import date, time, timedelta
from pathlib import Path

from docx import Document
from flask import current_app
from sqlalchemy import select

from tracker.auth.models import Role, User
from tracker.auth.operations import create_user
from tracker.dates import local_moment
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.orgs.operations import create_organization
from tracker.roadmaps import operations as ops
from tracker.roadmaps.models import Roadmap, RoadmapStatus
from tracker.storage import save_bytes
from tracker.tasks import operations as task_ops
from tracker.tasks.assignment import assignees_for_tasks
from tracker.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

SEED_DIR = Path(__file__).resolve().parent.parent / "seed"
DEMO_PASSWORD = "demo"


def _load(name: str):
    """Read a JSON data file from seed/."""
    return json.loads((SEED_DIR / name).read_text(encoding="utf-8"))


def seed_organizations() -> dict[str, Organization]:
    """Create the demo organisation tree; return organisations by their seed key."""
    by_key: dict[str, Organization] = {}
    existing = {(o.name, o.parent_id): o for o in db.session.execute(select(Organization)).scalars()}

    def walk(items: list[dict], parent: Organization | None) -> None:
        for item in items:
            org = existing.get((item["name"], parent.id if parent else None))
            if org is None:
                org = create_organization(
                    item["name"],
                    item["short_name"],
                    OrgKind(item["kind"]),
                    parent,
                    item.get("timezone", "Asia/Irkutsk"),
                    item.get("code"),
                )
            by_key[item["key"]] = org
            walk(item.get("children", []), org)

    walk(_load("organizations.json"), None)
    return by_key


def seed_users(orgs: dict[str, Organization]) -> dict[str, User]:
    """Create the demo users with the password «demo»."""
    users = {}
    for item in _load("users.json"):
        user = db.session.execute(select(User).where(User.email == item["email"])).scalar_one_or_none()
        if user is None:
            user = create_user(
                item["email"], item["name"], Role(item["role"]), orgs[item["org"]], DEMO_PASSWORD
            )
        users[item["email"]] = user
    return users


def seed_roadmap(orgs: dict[str, Organization], filename: str, owner_key: str) -> Roadmap:
    """Create a demo roadmap with all its sections and activities, unless one with its title exists."""
    data = _load(filename)
    roadmap = db.session.execute(select(Roadmap).where(Roadmap.title == data["title"])).scalar_one_or_none()
    if roadmap is not None:
        return roadmap
    approval = data.get("approval") or {}
    roadmap = ops.create_roadmap(
        None,
        orgs[owner_key],
        title=data["title"],
        period_start=date.fromisoformat(data["period"]["start"]),
        period_end=date.fromisoformat(data["period"]["end"]),
        goal=data.get("goal", ""),
        tasks_text=data.get("tasks_text", ""),
        legal_basis=data.get("legal_basis", ""),
        developers=data.get("developers", ""),
        executors=data.get("executors", ""),
        expected_results=data.get("expected_results", ""),
        approved_by=approval.get("approved_by", ""),
        approval_order_number=approval.get("order_number"),
        approval_order_date=(
            date.fromisoformat(approval["order_date"]) if approval.get("order_date") else None
        ),
        status=RoadmapStatus(data.get("status", "draft")),
    )

    def walk(sections: list[dict], parent_id: int | None) -> None:
        for item in sections:
            section = ops.add_section(None, roadmap, parent_id, item.get("number", ""), item["title"])
            for activity in item.get("activities", []):
                ops.add_activity(
                    None,
                    roadmap,
                    section.id,
                    **{
                        k: activity.get(k) or ""
                        for k in (
                            "number",
                            "title",
                            "deadline_text",
                            "responsible",
                            "participants",
                            "result",
                            "control",
                        )
                    },
                )
            walk(item.get("sections", []), section.id)

    walk(data["sections"], None)
    return roadmap


def seed_demo(today: date | None = None) -> dict:
    """Load every demo data set; return what exists afterwards."""
    orgs = seed_organizations()
    users = seed_users(orgs)
    roadmap = seed_roadmap(orgs, "roadmap_ustilimsk_2030.json", "ko")
    school_roadmap = seed_roadmap(orgs, "roadmap_school1.json", "s1")
    db.session.flush()
    from tracker.analysis.demo import seed_analysis

    # Before the execution seed, so the tasks aimed at ШНОР and ШНСУ schools live like the others.
    seed_analysis(orgs["ui"], users["koordinator@demo.local"], roadmap, SEED_DIR)
    seed_execution([roadmap, school_roadmap], users, today or date.today())
    db.session.flush()
    log.info("demo data: %s organisations, %s users, roadmap %s", len(orgs), len(users), roadmap.id)
    return {"organizations": orgs, "users": users, "roadmap": roadmap}


# --- a living roadmap: execution on today's date -------------------------------------------------------

# What happens to the tasks of one executor that are already due, in turn; the cycle gives every demo
# user some done, some waiting for acceptance, some returned and some overdue work.
_PAST_CYCLE = (
    "done",
    "submitted",
    "overdue",
    "done",
    "returned",
    "done",
    "not_done",
    "done",
    "overdue_started",
)
_SOON_DAYS = 45
_RETURN_COMMENT = "Приложите, пожалуйста, приказ и протокол с подписями."
_NOT_DONE_REASON = "Мероприятие перенесено: региональный семинар в этом периоде не проводился."


def seed_execution(roadmaps: list[Roadmap], users: dict[str, User], today: date) -> None:
    """Mark the demo roadmaps' tasks as a living plan on `today`, once: done, waiting, returned, overdue."""
    coordinator = users["koordinator@demo.local"]
    for roadmap in roadmaps:
        worked = db.session.execute(
            select(Task.id).where(Task.roadmap_id == roadmap.id, Task.status != TaskStatus.planned).limit(1)
        ).first()
        if worked:
            # Already lived through once: the seed stays idempotent.
            continue
        tasks = (
            db.session.execute(select(Task).where(Task.roadmap_id == roadmap.id).order_by(Task.due, Task.id))
            .scalars()
            .all()
        )
        _live(roadmap, list(tasks), coordinator, today)
        log.info("demo data: roadmap %s lives on %s", roadmap.id, today.isoformat())


def _doer(people: list[User], fallback: User) -> User:
    """Return who marks a demo task: an executor if any, else the first assignee, else the fallback."""
    for person in people:
        if person.role == Role.executor:
            return person
    return people[0] if people else fallback


def _live(roadmap: Roadmap, tasks: list, coordinator: User, today: date) -> None:
    """Walk a roadmap's tasks in due order and give each executor a share of every outcome."""
    zone = roadmap.organization.timezone
    people = assignees_for_tasks([t.id for t in tasks])
    turns: dict[int, int] = {}
    soon_turns: dict[int, int] = {}
    for task in tasks:
        doer = _doer(people.get(task.id, []), coordinator)
        if task.due < today:
            turn = turns.get(doer.id, 0)
            turns[doer.id] = turn + 1
            _past(roadmap, task, doer, coordinator, _PAST_CYCLE[turn % len(_PAST_CYCLE)], today, zone)
        elif (task.due - today).days <= _SOON_DAYS:
            turn = soon_turns.get(doer.id, 0)
            soon_turns[doer.id] = turn + 1
            if turn == 0:
                task_ops.start_task(doer, task, now=local_moment(today - timedelta(days=2), _MORNING, zone))
            elif turn == 2:
                # Somebody is early: the report is in before the due date.
                task_ops.complete_task(
                    doer,
                    task,
                    roadmap,
                    _note(task),
                    _evidence(task, doer),
                    _links(task),
                    now=local_moment(today - timedelta(days=1), _MORNING, zone),
                )


_MORNING = time(11, 0)
_AFTERNOON = time(16, 0)


def _past(
    roadmap: Roadmap, task, doer: User, coordinator: User, outcome: str, today: date, zone: str
) -> None:
    """Give one already-due task its demo outcome, with times before today."""
    done_day = min(task.due - timedelta(days=2), today - timedelta(days=3))
    if outcome == "overdue":
        return
    if outcome == "overdue_started":
        task_ops.start_task(doer, task, now=local_moment(done_day, _MORNING, zone))
        return
    if outcome == "not_done":
        task_ops.mark_not_done(doer, task, _NOT_DONE_REASON, now=local_moment(done_day, _MORNING, zone))
        return
    late_day = min(task.due + timedelta(days=3), today - timedelta(days=1))
    when = done_day if outcome == "done" else late_day
    task_ops.complete_task(
        doer,
        task,
        roadmap,
        _note(task),
        _evidence(task, doer),
        _links(task),
        now=local_moment(when, _MORNING, zone),
    )
    if outcome == "done":
        accepted = local_moment(when + timedelta(days=1), _MORNING, zone)
        task_ops.accept_task(coordinator, task, "", now=accepted)
    elif outcome == "returned":
        returned = local_moment(late_day, _AFTERNOON, zone)
        task_ops.return_task(coordinator, task, _RETURN_COMMENT, now=returned)


def _note(task) -> str:
    """Return a short plausible completion note: the planned result's first sentence."""
    result = (task.activity.result or "Мероприятие проведено").split(". ")[0].rstrip(".")
    if len(result) > 120:
        result = result[:117].rsplit(" ", 1)[0] + "…"
    return f"{result}. Материалы приложены."


def _links(task) -> list[str]:
    """Return a link to a news page for every other task."""
    return [f"https://ust-ilimsk-edu.example.ru/news/{task.id}"] if task.id % 2 else []


def _evidence(task, doer: User) -> list:
    """Store a small generated document as the task's evidence: Word for most, PDF for some."""
    number = task.activity.number or str(task.activity_id)
    upload_dir = current_app.config["UPLOAD_DIR"]
    if task.id % 3 == 0:
        data = _pdf_bytes([f"Tracker demo evidence: activity {number}", f"Due {task.due.isoformat()}"])
        return [save_bytes(data, f"Протокол п. {number} от {task.due.strftime('%d.%m.%Y')}.pdf", upload_dir)]
    data = _docx_bytes(task, doer)
    return [save_bytes(data, f"Справка о выполнении п. {number}.docx", upload_dir)]


def _docx_bytes(task, doer: User) -> bytes:
    """Return a one-page Word certificate of completion."""
    document = Document()
    document.add_heading("Справка о выполнении мероприятия", level=1)
    document.add_paragraph(f"{task.activity.number} {task.activity.title}")
    document.add_paragraph(f"Срок: {task.due.strftime('%d.%m.%Y')}. Исполнитель: {doer.name}.")
    document.add_paragraph(task.activity.result or "Мероприятие проведено в полном объёме.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf_bytes(lines: list[str]) -> bytes:
    """Return a one-page PDF with a few lines of Latin text (the standard fonts carry no Cyrillic)."""
    text = (
        "BT /F1 14 Tf 56 780 Td "
        + " ".join(f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -22 Td" for line in lines)
        + " ET"
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text.encode("ascii", "replace")),
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
