"""Sign-in, sign-out, password change and API tokens from the profile."""

from argon2 import PasswordHasher
from sqlalchemy import select

from config import Config
from tests.fixtures.auth import PASSWORD, Browser, csrf_from
from tracker.auth.models import ApiToken, User
from tracker.auth.operations import check_password
from tracker.extensions import db


def test_pages_require_sign_in(client):
    for url in ("/roadmaps/", "/profile", "/roadmaps/1"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_login_success_and_logout(client, create_user_):
    user = create_user_("coordinator", email="Koord@Example.test")
    browser = Browser(client)
    response = browser.login("koord@example.test")
    assert response.status_code == 302
    page = client.get("/roadmaps/")
    assert page.status_code == 200
    assert "Дорожные карты" in page.text
    assert db.session.get(User, user.id).last_login_dt is not None
    client.post("/logout", data={"csrf_token": csrf_from(page.text)})
    assert client.get("/roadmaps/").status_code == 302


def test_wrong_password_gives_russian_message(client, create_user_):
    user = create_user_("coordinator")
    response = Browser(client).login(user.email, "wrong-password")
    assert response.status_code == 401
    assert "Неверная электронная почта или пароль" in response.text
    response = Browser(client).login("nobody@example.test", PASSWORD)
    assert "Неверная электронная почта или пароль" in response.text


def test_login_without_csrf_is_refused(client, create_user_):
    user = create_user_("coordinator")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400 and "Форма устарела" in response.text
    assert client.get("/roadmaps/").status_code == 302


def test_login_does_not_redirect_elsewhere(client, create_user_):
    user = create_user_("coordinator")
    page = client.get("/login")
    response = client.post(
        "/login?next=https://evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert response.headers["Location"].endswith("/roadmaps/")


def test_password_is_hashed_with_the_configured_costs(create_user_, app):
    user = create_user_("coordinator")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    config = app.config
    assert (
        f"m={config['ARGON2_MEMORY_KIB']},t={config['ARGON2_TIME_COST']},p={config['ARGON2_PARALLELISM']}"
        in (user.password_hash)
    )
    # A deployment hashes slowly by default (RFC 9106 low-memory profile) …
    assert (Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_KIB, Config.ARGON2_PARALLELISM) == (3, 65536, 4)
    # … and a hash made with other costs still verifies: each hash carries its own.
    user.password_hash = PasswordHasher(time_cost=2, memory_cost=16, parallelism=2).hash(PASSWORD)
    assert check_password(user, PASSWORD) and not check_password(user, PASSWORD + "x")


def test_password_change_validates_and_saves(login_as):
    browser = login_as("coordinator")
    response = browser.post("/profile/password", {"current": PASSWORD, "new": "short", "confirm": "short"})
    assert response.status_code == 422
    assert "не короче" in response.text
    response = browser.post(
        "/profile/password", {"current": "bad", "new": "New-pass-22", "confirm": "New-pass-22"}
    )
    assert "Текущий пароль указан неверно" in response.text
    response = browser.post(
        "/profile/password", {"current": PASSWORD, "new": "New-pass-22", "confirm": "other-22"}
    )
    assert "Пароли не совпадают" in response.text
    response = browser.post(
        "/profile/password", {"current": PASSWORD, "new": "New-pass-22", "confirm": "New-pass-22"}
    )
    assert response.status_code == 302
    fresh = Browser(browser.client.application.test_client())
    assert fresh.login(browser.user.email, "New-pass-22").status_code == 302


def test_token_created_on_profile_is_shown_once_and_works(login_as, client):
    browser = login_as("coordinator")
    browser.post("/profile/tokens", {"label": "Отчёты"})
    page = browser.get("/profile").text
    token = page.split('id="new-token">')[1].split("<")[0]
    assert token.startswith("trk_")
    assert token not in browser.get("/profile").text
    stored = db.session.execute(select(ApiToken)).scalar_one()
    assert stored.token_hash != token and stored.label == "Отчёты"
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    browser.post(f"/profile/tokens/{stored.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(login_as, create_user_, api_token, client):
    other = create_user_("coordinator")
    headers = api_token(other)
    token = db.session.execute(select(ApiToken).where(ApiToken.user_id == other.id)).scalar_one()
    browser = login_as("coordinator")
    browser.post(f"/profile/tokens/{token.id}/revoke")
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_disabled_account_cannot_sign_in(client, create_user_):
    user = create_user_("coordinator")
    user.is_active_account = False
    db.session.commit()
    assert Browser(client).login(user.email).status_code == 401
