"""Load the demo data from seed/ (idempotent: what exists is left as it is)."""

import json
import logging
from datetime import date
from pathlib import Path

from sqlalchemy import select

from tracker.auth.models import Role, User
from tracker.auth.operations import create_user
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.orgs.operations import create_organization
from tracker.roadmaps import operations as ops
from tracker.roadmaps.models import Roadmap, RoadmapStatus

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
                    item["name"], item["short_name"], OrgKind(item["kind"]), parent,
                    item.get("timezone", "Asia/Irkutsk"), item.get("code"),
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
            user = create_user(item["email"], item["name"], Role(item["role"]), orgs[item["org"]], DEMO_PASSWORD)
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
        None, orgs[owner_key],
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
        approval_order_date=date.fromisoformat(approval["order_date"]) if approval.get("order_date") else None,
        status=RoadmapStatus(data.get("status", "draft")),
    )

    def walk(sections: list[dict], parent_id: int | None) -> None:
        for item in sections:
            section = ops.add_section(None, roadmap, parent_id, item.get("number", ""), item["title"])
            for activity in item.get("activities", []):
                ops.add_activity(None, roadmap, section.id, **{k: activity.get(k) or "" for k in (
                    "number", "title", "deadline_text", "responsible", "participants", "result", "control")})
            walk(item.get("sections", []), section.id)

    walk(data["sections"], None)
    return roadmap


def seed_demo() -> dict:
    """Load every demo data set; return what exists afterwards."""
    orgs = seed_organizations()
    users = seed_users(orgs)
    roadmap = seed_roadmap(orgs, "roadmap_ustilimsk_2030.json", "ko")
    db.session.flush()
    log.info("demo data: %s organisations, %s users, roadmap %s", len(orgs), len(users), roadmap.id)
    return {"organizations": orgs, "users": users, "roadmap": roadmap}
