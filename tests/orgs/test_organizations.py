"""The organisation tree and the scopes derived from it."""

from tracker.auth.access import user_scope
from tracker.extensions import db
from tracker.orgs.models import OrgKind


def test_paths_follow_the_tree(two_municipalities):
    a = two_municipalities["a"]
    assert a["region"].path == f"/{a['region'].id}/"
    assert a["school"].path == f"{a['municipality'].path}{a['school'].id}/"
    assert a["school"].ancestor_ids == [a["region"].id, a["municipality"].id, a["school"].id]
    assert a["school"].is_school and not a["authority"].is_school


def test_scope_of_each_role(two_municipalities, create_user_, create_org):
    a = two_municipalities["a"]
    branch = create_org(OrgKind.branch, a["school"], name="Филиал")
    coordinator = create_user_("coordinator", a["authority"])
    assert user_scope(coordinator).full_path == a["municipality"].path
    executor = create_user_("executor", a["center"])
    assert user_scope(executor).full_path == a["municipality"].path
    school = create_user_("school", a["school"])
    assert user_scope(school).full_path == a["school"].path
    assert user_scope(school).municipal_path == a["municipality"].path
    branch_user = create_user_("school", branch)
    assert user_scope(branch_user).full_path == branch.path
    admin = create_user_("admin", a["region"])
    assert user_scope(admin).full_path == a["region"].path
    # Within a municipality one plan of a statement over the scope serves every such scope; not over a region.
    assert [user_scope(u).local for u in (coordinator, executor, school, branch_user, admin)] == [
        True,
        True,
        True,
        True,
        False,
    ]


def test_a_signed_in_users_municipality_is_found_however_deep_and_follows_kind_changes(
    two_municipalities, create_org, create_user_, create_roadmap, login_as
):
    a = two_municipalities["a"]
    # A school three levels below the municipality: the user's organisation is loaded with two above it.
    department = create_org(OrgKind.other, a["authority"], name="Отдел общего образования")
    school = create_org(OrgKind.school, department, name="Школа при отделе")
    create_roadmap(a["center"], title="Карта методического центра")
    browser = login_as(user=create_user_("school", school))
    assert "Карта методического центра" in browser.get("/roadmaps/").text
    # The committee becomes the school's municipality: the centre, beside it, is out of the school's reach.
    a["authority"].kind = OrgKind.municipality
    db.session.commit()
    assert "Карта методического центра" not in browser.get("/roadmaps/").text
    a["authority"].kind = OrgKind.authority
    db.session.commit()
    assert "Карта методического центра" in browser.get("/roadmaps/").text
