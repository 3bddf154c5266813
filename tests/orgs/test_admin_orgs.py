"""Administrators keep the organisation tree of their scope."""

from sqlalchemy import select

from tracker.auth.models import AuditEntry
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind


def test_admin_adds_a_school_with_code_and_edits_it(login_as, two_municipalities):
    a = two_municipalities["a"]
    admin = login_as("admin", a["municipality"])
    assert "МОУ «СОШ № 1» A" in admin.get("/admin/organizations").text
    url = "/admin/organizations/new"
    data = {
        "parent_id": a["municipality"].id,
        "name": "МОУ «СОШ № 17»",
        "short_name": "СОШ № 17",
        "kind": "school",
        "code": "a-001",
        "timezone": "Asia/Irkutsk",
    }
    response = admin.post(url, data, page=url)
    assert "уже присвоен" in response.text
    response = admin.post(url, data | {"code": "380117"}, page=url)
    assert response.status_code == 302
    school = db.session.execute(select(Organization).where(Organization.code == "380117")).scalar_one()
    assert school.kind == OrgKind.school and school.path == f"{a['municipality'].path}{school.id}/"
    edit = f"/admin/organizations/{school.id}"
    admin.post(
        edit,
        data | {"code": "380117", "short_name": "МОУ «СОШ № 17»", "timezone": "Asia/Krasnoyarsk"},
        page=edit,
    )
    school = db.session.get(Organization, school.id)
    assert (school.short_name, school.timezone) == ("МОУ «СОШ № 17»", "Asia/Krasnoyarsk")
    actions = [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    assert actions == ["organization.create", "organization.update"]


def test_unknown_time_zone_and_foreign_parent_are_refused(login_as, two_municipalities):
    a, b = two_municipalities["a"], two_municipalities["b"]
    admin = login_as("admin", a["municipality"])
    url = "/admin/organizations/new"
    before = db.session.execute(select(Organization.id)).all()
    response = admin.post(
        url,
        {
            "parent_id": b["municipality"].id,
            "name": "X",
            "short_name": "X",
            "kind": "school",
            "timezone": "Asia/Irkutsk",
        },
        page=url,
    )
    assert response.status_code == 200
    response = admin.post(
        url,
        {
            "parent_id": a["municipality"].id,
            "name": "X",
            "short_name": "X",
            "kind": "school",
            "timezone": "Mars/Olympus",
        },
        page=url,
    )
    assert response.status_code == 200
    assert db.session.execute(select(Organization.id)).all() == before
    assert admin.get(f"/admin/organizations/{b['school'].id}").status_code == 404
