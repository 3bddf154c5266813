"""Administration of the organisation tree."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from tracker.auth.access import visible_organizations
from tracker.auth.operations import audit
from tracker.db import db_int
from tracker.extensions import db
from tracker.orgs.forms import OrganizationForm
from tracker.orgs.models import Organization, OrgKind
from tracker.orgs.operations import create_organization, update_organization


def _in_scope() -> list[Organization]:
    """Return the organisations in the administrator's scope, in tree order."""
    return list(db.session.execute(visible_organizations(current_user).order_by(Organization.path)).scalars())


def index():
    """Show the organisation tree."""
    orgs = _in_scope()
    base = len(orgs[0].ancestor_ids) if orgs else 0
    return render_template("orgs/index.html", rows=[(o, len(o.ancestor_ids) - base) for o in orgs])


def form(org_id: int | None = None):
    """Add an organisation or change one."""
    orgs = _in_scope()
    by_id = {o.id: o for o in orgs}
    org = by_id.get(org_id) if org_id else None
    if org_id and org is None:
        abort(404)
    the_form = OrganizationForm(obj=org)
    the_form.parent_id.choices = {
        str(o.id): o.short_name
        for o in orgs
        if org is None or o.id != org.id and not o.path.startswith(org.path)
    }
    if request.method == "GET":
        if org is None:
            parent = request.args.get("parent", type=db_int)
            the_form.parent_id.data = parent or (orgs[0].id if orgs else None)
        else:
            the_form.kind.data = org.kind.value
            the_form.parent_id.data = org.parent_id
    if org is not None and org.parent_id not in by_id:
        # The root of the administrator's scope keeps its place.
        the_form.parent_id.choices = {str(org.parent_id or 0): "—"}
        the_form.parent_id.data = org.parent_id or 0
    if the_form.validate_on_submit():
        code = (the_form.code.data or "").strip() or None
        clash = (
            db.session.execute(select(Organization).where(Organization.code == code)).scalar_one_or_none()
            if code
            else None
        )
        if clash is not None and clash is not org:
            the_form.code.errors.append("Этот код уже присвоен другой организации.")
        else:
            fields = {
                "name": the_form.name.data.strip(),
                "short_name": the_form.short_name.data.strip(),
                "kind": OrgKind(the_form.kind.data),
                "code": code,
                "timezone": the_form.timezone.data,
            }
            if org is None:
                parent = by_id.get(the_form.parent_id.data)
                if parent is None:
                    abort(404)
                org = create_organization(
                    fields["name"], fields["short_name"], fields["kind"], parent, fields["timezone"], code
                )
                audit(
                    current_user,
                    "organization.create",
                    org,
                    {"parent": parent.short_name},
                    request.remote_addr or "",
                    organization_id=org.id,
                )
                flash("Организация добавлена.", "success")
            else:
                changed = update_organization(org, **fields)
                if changed:
                    audit(
                        current_user,
                        "organization.update",
                        org,
                        changed,
                        request.remote_addr or "",
                        organization_id=org.id,
                    )
                flash("Изменения сохранены." if changed else "Изменений нет.", "success")
            db.session.commit()
            return redirect(url_for("admin.organizations"))
    return render_template("orgs/form.html", form=the_form, org=org)
