"""The organisation tree and the scopes derived from it."""

from tracker.auth.access import user_scope
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
