"""The console script: demo data, users and tokens."""

from sqlalchemy import func, select

from tracker.auth.models import User
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, Roadmap, Section
from tracker.tasks.models import Task


def _counts() -> dict:
    return {
        m.__name__: db.session.execute(select(func.count()).select_from(m)).scalar()
        for m in (Organization, User, Roadmap, Section, Activity, Task)
    }


def test_seed_demo_loads_the_sample_roadmap_and_is_idempotent(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    first = _counts()
    # The municipal roadmap (66 activities, 5 directions, 9 sections) and school № 1's own (9, 3, 3).
    assert first["Activity"] == 66 + 9
    directions = db.session.execute(select(Section).where(Section.parent_id.is_(None))).scalars().all()
    assert len(directions) == 5 + 3
    assert first["Section"] == 9 + 3
    assert {
        "admin@demo.local",
        "koordinator@demo.local",
        "ispolnitel@demo.local",
        "shkola1@demo.local",
    } <= set(db.session.execute(select(User.email)).scalars())
    assert first["Task"] > 66
    assert runner.invoke(args=["seed", "demo"]).exit_code == 0
    assert _counts() == first
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert "не пуста" in result.output
    assert _counts() == first


def test_demo_roadmap_is_readable_by_the_demo_users(app, client):
    from tests.fixtures.auth import Browser

    app.test_cli_runner().invoke(args=["seed", "demo"])
    municipal = select(Roadmap).where(Roadmap.title.startswith("Муниципальная"))
    roadmap = db.session.execute(municipal).scalar_one()
    for email in (
        "koordinator@demo.local",
        "ispolnitel@demo.local",
        "shkola1@demo.local",
        "admin@demo.local",
    ):
        browser = Browser(app.test_client())
        assert browser.login(email, "demo").status_code == 302, email
        page = browser.get(f"/roadmaps/{roadmap.id}").text
        assert "Показано мероприятий: 66 из 66" in page, email


def test_users_create_and_token(app, client, two_municipalities):
    runner = app.test_cli_runner()
    org = two_municipalities["a"]["center"]
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@Example.test",
            "--name",
            "Новый",
            "--role",
            "executor",
            "--org",
            str(org.id),
            "--password",
            "Long-pass-1",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.email == "new@example.test")).scalar_one()
    assert user.organization_id == org.id
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@example.test",
            "--name",
            "X",
            "--role",
            "executor",
            "--org",
            str(org.id),
            "--password",
            "Long-pass-1",
        ]
    )
    assert again.exit_code != 0 and "уже существует" in again.output
    bad_org = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "x@example.test",
            "--name",
            "X",
            "--role",
            "executor",
            "--org",
            "Нет такой",
            "--password",
            "Long-pass-1",
        ]
    )
    assert bad_org.exit_code != 0 and "не найдена" in bad_org.output
    token = runner.invoke(args=["users", "token", "new@example.test"]).output.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.get_json()["email"] == "new@example.test"
    missing = runner.invoke(args=["users", "token", "nobody@example.test"])
    assert missing.exit_code != 0 and "не найден" in missing.output
