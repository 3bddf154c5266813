"""The menu of signed-in pages, kept per user, organisation and page."""

import re

from tests.fixtures.auth import Browser
from tracker.auth.models import Role
from tracker.extensions import db

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"')
ACTIVE = re.compile(r'class="nav-link active" href="([^"]+)"')


def test_each_session_signs_out_with_its_own_token(app, create_user_):
    user = create_user_("coordinator")
    browsers = [Browser(app.test_client()) for _ in range(2)]
    tokens = []
    for browser in browsers:
        assert browser.login(user.email).status_code == 302
        page = browser.client.get("/roadmaps/").text
        tokens.append(TOKEN.search(page).group(1))
    assert tokens[0] != tokens[1] and "\x00" not in page
    # The first session's token does not sign the second out; its own does.
    assert browsers[1].client.post("/logout", data={"csrf_token": tokens[0]}).status_code == 400
    assert browsers[1].client.post("/logout", data={"csrf_token": tokens[1]}).status_code == 302
    assert browsers[1].client.get("/roadmaps/").status_code == 302
    assert browsers[0].client.get("/roadmaps/").status_code == 200


def test_the_menu_follows_the_user_the_organisation_and_the_page(app, create_user_, two_municipalities):
    user = create_user_("coordinator")
    browser = Browser(app.test_client())
    browser.login(user.email)
    page = browser.client.get("/roadmaps/").text
    assert f"{user.name} · {user.organization.short_name}" in page
    assert ACTIVE.findall(page) == ["/roadmaps/"]
    assert ACTIVE.findall(browser.client.get("/tasks/").text) == ["/tasks/"]
    assert "Администрирование" not in page
    user.name = "Смирнова Ольга Викторовна"
    user.organization.short_name = "Управление образования"
    db.session.commit()
    assert "Смирнова Ольга Викторовна · Управление образования" in browser.client.get("/roadmaps/").text
    user.role = Role.admin
    db.session.commit()
    assert "Администрирование" in browser.client.get("/roadmaps/").text
