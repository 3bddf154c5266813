"""User administration, the audit log and sign-in throttling."""

import pytest
from sqlalchemy import select

from tests.fixtures.auth import PASSWORD, Browser
from tracker.auth.models import AuditEntry, LoginAttempt, Role, User
from tracker.extensions import db


@pytest.fixture
def admin(login_as, two_municipalities):
    return login_as("admin", two_municipalities["a"]["municipality"])


def save_user(admin, url: str, organization, **fields):
    """Post the user form at `url`: an active school director unless `fields` say otherwise."""
    data = {
        "email": "director@school38.ru",
        "name": "Директор",
        "role": "school",
        "organization_id": organization.id,
        "password": "",
        "is_active_account": "y",
    }
    return admin.post(url, {**data, **fields}, page=url)


def test_admin_creates_user_with_policy_and_audit(admin, two_municipalities):
    org = two_municipalities["a"]["school"]
    url = "/admin/users/new"
    response = save_user(admin, url, org, password="qwerty")
    assert response.status_code == 200 and "не короче" in response.text
    response = save_user(admin, url, org, password="password1")
    assert "слишком распространён" in response.text
    assert db.session.execute(select(User).where(User.email == "director@school38.ru")).scalar() is None
    response = save_user(admin, url, org, email="Director@School38.ru", password="Strong-pass-9")
    assert response.status_code == 302
    user = db.session.execute(select(User).where(User.email == "director@school38.ru")).scalar_one()
    assert user.role == Role.school and user.organization_id == org.id
    entry = db.session.execute(select(AuditEntry)).scalar_one()
    assert entry.action == "user.create" and entry.actor_id == admin.user.id and entry.target_id == user.id
    assert "Создан пользователь" in admin.get("/admin/audit").text
    assert (
        Browser(admin.client.application.test_client()).login(user.email, "Strong-pass-9").status_code == 302
    )


def test_admin_edits_and_disables_user_and_each_change_is_audited(admin, create_user_, two_municipalities):
    user = create_user_("executor", two_municipalities["a"]["center"])
    url = f"/admin/users/{user.id}"
    # The box «активна» left unticked disables the account.
    response = save_user(
        admin,
        url,
        two_municipalities["a"]["authority"],
        email="new.name@uo38.ru",
        name="Новое имя",
        role="coordinator",
        is_active_account="",
    )
    assert response.status_code == 302
    user = db.session.get(User, user.id)
    assert (user.name, user.role, user.is_active_account) == ("Новое имя", Role.coordinator, False)
    entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "user.update")).scalar_one()
    assert entry.details["role"] == ["executor", "coordinator"] and entry.details["is_active"] == [
        True,
        False,
    ]
    assert Browser(admin.client.application.test_client()).login(user.email).status_code == 401


def test_admin_cannot_demote_self(admin):
    url = f"/admin/users/{admin.user.id}"
    response = save_user(admin, url, admin.user.organization, email="admin@uo38.ru", role="observer")
    assert "Нельзя лишить себя" in response.text
    assert db.session.get(User, admin.user.id).role == Role.admin


def test_admin_pages_are_scoped_and_only_for_admins(admin, create_user_, login_as, two_municipalities):
    stranger = create_user_("coordinator", two_municipalities["b"]["authority"])
    assert admin.get(f"/admin/users/{stranger.id}").status_code == 404
    assert stranger.email not in admin.get("/admin/users").text
    url = "/admin/users/new"
    foreign_region = two_municipalities["b"]["region"]
    response = save_user(admin, url, foreign_region, email="x@y.test", role="admin", password="Strong-pass-9")
    assert (
        response.status_code == 200
        and db.session.execute(select(User).where(User.email == "x@y.test")).scalar() is None
    )
    for role in ("coordinator", "executor", "school", "observer"):
        browser = login_as(role, two_municipalities["a"]["school" if role == "school" else "authority"])
        for path in ("/admin/users", "/admin/users/new", f"/admin/users/{stranger.id}", "/admin/audit"):
            assert browser.get(path).status_code == 403, (role, path)


def test_admin_search_finds_cyrillic_names(admin, create_user_, two_municipalities):
    create_user_("executor", two_municipalities["a"]["center"], email="ivanova@example.test")
    user = db.session.execute(select(User).where(User.email == "ivanova@example.test")).scalar_one()
    user.name = "Иванова Мария"
    db.session.commit()
    assert "Иванова Мария" in admin.get("/admin/users", query_string={"q": "иванова"}).text
    assert "Иванова Мария" not in admin.get("/admin/users", query_string={"q": "петров"}).text


def test_attempts_are_recorded(client, create_user_):
    user = create_user_("coordinator")
    Browser(client).login(user.email, "wrong")
    Browser(client).login(user.email, PASSWORD)
    attempts = db.session.execute(select(LoginAttempt).order_by(LoginAttempt.id)).scalars().all()
    assert [a.is_success for a in attempts] == [False, True]
