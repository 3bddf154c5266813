"""Generate a whole region of synthetic data to measure the product at scale (`tracker seed region`)."""

import logging
import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from tracker.auth.models import Role, User
from tracker.auth.operations import hash_password
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.deadlines import parse_deadline
from tracker.roadmaps.models import Activity, ActivityLink, LinkRole, Roadmap, RoadmapStatus, Section
from tracker.tasks.models import Task, TaskStatus

log = logging.getLogger(__name__)

REGION_NAME = "Тестовая область (нагрузочные данные)"
# Deadline phrases as met in real roadmaps; each is parsed once and reused.
PHRASES = [
    "Ежегодно",
    "Ежегодно, сентябрь",
    "Май, декабрь ежегодно",
    "Ежегодно (сентябрь – ноябрь, апрель)",
    "В течение учебного года",
    "Октябрь 2026г., далее - ежегодно",
    "Февраль 2026 г.",
    "2 квартал 2027 г.",
    "Ежегодно, по отдельному плану",
    "Август ежегодно",
    "1 раз в полугодие",
    "Март 2027 г.",
    "2026 г.",
]
TITLES = [
    "Проведение совещания с руководителями ОО по итогам {}",
    "Анализ результатов {} и подготовка справки",
    "Методический семинар для учителей по теме «{}»",
    "Мониторинг выполнения плана мероприятий по {}",
    "Адресная поддержка школ с низкими результатами: {}",
    "Повышение квалификации педагогов по направлению «{}»",
]
TOPICS = [
    "ВПР",
    "ОГЭ",
    "ЕГЭ",
    "функциональной грамотности",
    "наставничества",
    "объективности оценивания",
    "работы с ШНОР",
    "школьных программ повышения качества",
]


def _chunks(rows: list[dict], size: int = 5000):
    """Yield slices of rows for batched inserts."""
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def _insert_returning_ids(model, rows: list[dict]) -> list[int]:
    """Insert rows in batches and return their new ids in order."""
    ids: list[int] = []
    for chunk in _chunks(rows):
        ids.extend(
            db.session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), chunk)
            .scalars()
            .all()
        )
    return ids


def _bulk(model, rows: list[dict]) -> None:
    """Insert rows in batches without asking for ids."""
    for chunk in _chunks(rows):
        db.session.execute(insert(model), chunk)


def seed_region(
    municipalities: int = 60,
    schools_per_municipality: int = 20,
    municipal_activities: int = 150,
    school_activities: int = 40,
    users_per_school: int = 4,
    today: date | None = None,
    seed: int = 2026,
) -> dict:
    """Create a region: municipalities, schools, users, roadmaps, five years of tasks; return the counts."""
    rng = random.Random(seed)
    today = today or date.today()
    if db.session.execute(select(Organization.id).where(Organization.name == REGION_NAME)).first():
        raise ValueError("region exists")
    period = (date(2026, 1, 1), date(2030, 12, 31))
    schedules = {p: [(o.start, o.due) for o in parse_deadline(p, period).occurrences] for p in PHRASES}
    now = datetime.now(UTC)
    password = hash_password("demo")

    region = Organization(
        name=REGION_NAME,
        short_name="Тестовая область",
        kind=OrgKind.region,
        timezone="Asia/Krasnoyarsk",
        path="",
    )
    db.session.add(region)
    db.session.flush()
    region.path = f"/{region.id}/"
    org_rows, meta = [], []
    for m in range(municipalities):
        org_rows.append(
            {
                "name": f"Муниципальный район № {m + 1}",
                "short_name": f"МР № {m + 1}",
                "kind": OrgKind.municipality,
                "timezone": "Asia/Krasnoyarsk",
                "parent_id": region.id,
                "path": "",
            }
        )
    muni_ids = _insert_returning_ids(Organization, org_rows)
    child_rows = []
    for m, muni_id in enumerate(muni_ids):
        child_rows.append(
            {
                "name": f"Управление образования МР № {m + 1}",
                "short_name": "Управление образования",
                "kind": OrgKind.authority,
                "parent_id": muni_id,
                "timezone": "Asia/Krasnoyarsk",
                "path": "",
            }
        )
        child_rows.append(
            {
                "name": f"Методический центр МР № {m + 1}",
                "short_name": "ИМЦ",
                "kind": OrgKind.method_center,
                "parent_id": muni_id,
                "timezone": "Asia/Krasnoyarsk",
                "path": "",
            }
        )
        for s in range(schools_per_municipality):
            child_rows.append(
                {
                    "name": f"МБОУ СОШ № {s + 1} МР № {m + 1}",
                    "short_name": f"СОШ № {s + 1}",
                    "kind": OrgKind.school,
                    "parent_id": muni_id,
                    "timezone": "Asia/Krasnoyarsk",
                    "code": f"9{m:03d}{s:03d}",
                    "path": "",
                }
            )
            meta.append((m, s))
    child_ids = _insert_returning_ids(Organization, child_rows)
    # Materialised paths need the ids, so they are written in a second pass.
    paths = [{"id": i, "path": f"/{region.id}/{i}/"} for i in muni_ids]
    for row, child_id in zip(child_rows, child_ids, strict=True):
        paths.append({"id": child_id, "path": f"/{region.id}/{row['parent_id']}/{child_id}/"})
    for chunk in _chunks(paths):
        db.session.execute(
            Organization.__table__.update()
            .where(Organization.__table__.c.id == db.bindparam("b_id"))
            .values(path=db.bindparam("b_path")),
            [{"b_id": p["id"], "b_path": p["path"]} for p in chunk],
        )
    per_muni = 2 + schools_per_municipality
    layout = {}
    for m, muni_id in enumerate(muni_ids):
        block = child_ids[m * per_muni : (m + 1) * per_muni]
        layout[muni_id] = {"authority": block[0], "center": block[1], "schools": block[2:]}

    user_rows = [
        {
            "email": "admin@region.test",
            "name": "Администратор региона",
            "role": Role.admin,
            "organization_id": region.id,
        }
    ]
    for m, (muni_id, orgs) in enumerate(layout.items()):
        user_rows.append(
            {
                "email": f"admin{m + 1}@region.test",
                "name": f"Администратор МР {m + 1}",
                "role": Role.admin,
                "organization_id": muni_id,
            }
        )
        for k in range(5):
            user_rows.append(
                {
                    "email": f"koord{m + 1}-{k}@region.test",
                    "name": f"Координатор {m + 1}-{k}",
                    "role": Role.coordinator,
                    "organization_id": orgs["authority"],
                }
            )
        for k in range(14):
            user_rows.append(
                {
                    "email": f"isp{m + 1}-{k}@region.test",
                    "name": f"Методист {m + 1}-{k}",
                    "role": Role.executor,
                    "organization_id": orgs["center"],
                }
            )
        for s, school_id in enumerate(orgs["schools"]):
            for k in range(users_per_school):
                user_rows.append(
                    {
                        "email": f"s{m + 1}-{s + 1}-{k}@region.test",
                        "name": f"Сотрудник школы {s + 1}",
                        "role": Role.school,
                        "organization_id": school_id,
                    }
                )
    for row in user_rows:
        row |= {
            "password_hash": password,
            "is_active_account": True,
            "calendar_key": f"k{rng.getrandbits(64):x}",
        }
    _bulk(User, user_rows)

    roadmap_rows, owners = [], []
    for m, orgs in enumerate(layout.values()):
        roadmap_rows.append(
            _roadmap_row(f"Дорожная карта МР № {m + 1} на 2026–2030 годы", orgs["authority"], period)
        )
        owners.append((orgs["authority"], municipal_activities, orgs))
        for s, school_id in enumerate(orgs["schools"]):
            roadmap_rows.append(
                _roadmap_row(f"Программа повышения качества СОШ № {s + 1} МР № {m + 1}", school_id, period)
            )
            owners.append((school_id, school_activities, None))
    roadmap_ids = _insert_returning_ids(Roadmap, roadmap_rows)

    section_rows, section_owner = [], []
    for roadmap_id, (_, count, _) in zip(roadmap_ids, owners, strict=True):
        for d in range(5 if count > 50 else 3):
            section_rows.append(
                {
                    "roadmap_id": roadmap_id,
                    "position": d,
                    "number": str(d + 1),
                    "title": f"Направление {d + 1}: {rng.choice(TOPICS)}",
                }
            )
            section_owner.append(roadmap_id)
    section_ids = _insert_returning_ids(Section, section_rows)
    sections_of: dict[int, list[int]] = {}
    for section_id, roadmap_id in zip(section_ids, section_owner, strict=True):
        sections_of.setdefault(roadmap_id, []).append(section_id)

    activity_rows, activity_meta = [], []
    for roadmap_id, (owner_id, count, orgs) in zip(roadmap_ids, owners, strict=True):
        secs = sections_of[roadmap_id]
        for i in range(count):
            phrase = rng.choice(PHRASES)
            title = rng.choice(TITLES).format(rng.choice(TOPICS))
            responsible_org = owner_id if orgs is None else rng.choice((orgs["authority"], orgs["center"]))
            activity_rows.append(
                {
                    "roadmap_id": roadmap_id,
                    "section_id": secs[i % len(secs)],
                    "position": i,
                    "number": f"{i % len(secs) + 1}.{i // len(secs) + 1}",
                    "title": title,
                    "deadline_text": phrase,
                    "responsible": "Управление образования" if orgs else "Администрация школы",
                    "participants": "ОО",
                    "result": "Аналитическая справка",
                    "control": "Управление образования",
                    "search_text": title.casefold(),
                    "responsible_norm": "управление образования",
                    "schedule_rule": phrase.lower(),
                    "schedule_note": "",
                    "completion_mark": "",
                }
            )
            activity_meta.append((roadmap_id, phrase, responsible_org))
    activity_ids = _insert_returning_ids(Activity, activity_rows)

    link_rows, task_rows = [], []
    for activity_id, (roadmap_id, phrase, org_id) in zip(activity_ids, activity_meta, strict=True):
        link_rows.append(
            {"activity_id": activity_id, "role": LinkRole.responsible, "organization_id": org_id}
        )
        for start, due in schedules[phrase]:
            status = _status_for(due, today, rng)
            task_rows.append(
                {
                    "activity_id": activity_id,
                    "roadmap_id": roadmap_id,
                    "start": start,
                    "due": due,
                    "status": status,
                    "note": "Выполнено, справка размещена на сайте" if status == TaskStatus.done else "",
                    "completed_dt": now - timedelta(days=rng.randint(1, 300))
                    if status == TaskStatus.done
                    else None,
                    "version": 1,
                    "created_dt": now,
                    "updated_dt": now,
                }
            )
    _bulk(ActivityLink, link_rows)
    _bulk(Task, task_rows)
    db.session.flush()
    counts = {
        "municipalities": len(muni_ids),
        "schools": len(meta),
        "users": len(user_rows),
        "roadmaps": len(roadmap_ids),
        "activities": len(activity_ids),
        "tasks": len(task_rows),
    }
    log.info("region generated: %s", counts)
    return counts


def _roadmap_row(title: str, owner_id: int, period: tuple[date, date]) -> dict:
    """Return the insert values of a generated roadmap."""
    now = datetime.now(UTC)
    return {
        "title": title,
        "organization_id": owner_id,
        "period_start": period[0],
        "period_end": period[1],
        "status": RoadmapStatus.in_progress,
        "goal": "Повышение качества образования",
        "tasks_text": "",
        "legal_basis": "",
        "developers": "",
        "executors": "",
        "expected_results": "",
        "approved_by": "",
        "is_acceptance_required": True,
        "columns": ["number", "title", "deadline", "responsible", "participants", "result", "control"],
        "created_dt": now,
        "updated_dt": now,
    }


def _status_for(due: date, today: date, rng: random.Random) -> TaskStatus:
    """Pick a plausible status: most past tasks done, some late, the future planned."""
    if due >= today:
        return TaskStatus.planned if rng.random() < 0.9 else TaskStatus.in_progress
    roll = rng.random()
    if roll < 0.75:
        return TaskStatus.done
    if roll < 0.85:
        return TaskStatus.submitted
    if roll < 0.95:
        return TaskStatus.planned
    return TaskStatus.not_done
