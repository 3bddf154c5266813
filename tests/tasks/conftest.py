"""A municipality with a roadmap and the people who act on its tasks."""

from dataclasses import dataclass
from datetime import date

import pytest

from tracker.auth.models import Role


@dataclass
class World:
    """Who is who around one task."""

    roadmap: object
    activity: object
    task: object
    orgs: dict
    other: dict
    users: dict


@pytest.fixture
def world(two_municipalities, create_roadmap, create_section, create_activity, create_task, create_user_):
    """Build municipality A's roadmap with one activity of МКУ «ЦРО» controlled by the committee, and people."""
    a, b = two_municipalities["a"], two_municipalities["b"]
    roadmap = create_roadmap(a["authority"], title="Карта А")
    section = create_section(roadmap, "Направление", "1")
    activity = create_activity(roadmap, section, number="1.1", title="Семинар для заместителей директоров",
                               deadline_text="", responsible=a["center"].name, control="Комитет образования")
    task = create_task(roadmap, activity, due=date(2026, 9, 30))
    users = {
        "executor": create_user_(Role.executor, a["center"]),
        "executor2": create_user_(Role.executor, a["center"]),
        "coordinator": create_user_(Role.coordinator, a["authority"]),
        "controller": create_user_(Role.executor, a["authority"]),
        "school": create_user_(Role.school, a["school"]),
        "observer": create_user_(Role.observer, a["authority"]),
        "admin": create_user_(Role.admin, a["municipality"]),
        "other_coordinator": create_user_(Role.coordinator, b["authority"]),
        "other_executor": create_user_(Role.executor, b["center"]),
    }
    return World(roadmap, activity, task, a, b, users)
