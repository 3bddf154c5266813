"""Who sees which school data, runs and imports: the analysis views of tracker.auth.access scopes."""

from flask import abort
from sqlalchemy import Select, literal, or_, select

from tracker.analysis.models import ClassificationRun, DataImport
from tracker.auth.access import user_scope, visible_organizations
from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind

# Roles that load data, run classifications and aim activities; everyone else in scope only reads.
MANAGER_ROLES = (Role.admin, Role.coordinator)
SCHOOL_KINDS = (OrgKind.school, OrgKind.branch)
AREA_KINDS = (OrgKind.municipality, OrgKind.region)


def scope_root(user: User) -> Organization:
    """Return the organisation at the top of the user's scope (their municipality, region or school)."""
    path = user_scope(user).full_path
    root_id = int(path.strip("/").split("/")[-1])
    return db.session.get(Organization, root_id)


def can_manage(user: User) -> bool:
    """Tell whether the user may import data, run classifications and change targets."""
    return user.role in MANAGER_ROLES and scope_root(user).kind in AREA_KINDS


def require_manage(user: User) -> None:
    """Answer 403 unless the user may change analysis data."""
    if not can_manage(user):
        abort(403)


def visible_schools(user: User) -> Select:
    """Return a query of the schools and branches within the user's scope."""
    return visible_organizations(user).where(Organization.kind.in_(SCHOOL_KINDS))


def get_school_or_404(user: User, organization_id: int) -> Organization:
    """Return a school the user may see, or answer 404."""
    school = db.session.execute(
        visible_schools(user).where(Organization.id == organization_id)
    ).scalar_one_or_none()
    if school is None:
        abort(404)
    return school


def _within_scope(user: User) -> Select:
    """Return the ids of the organisations within the user's scope, as a subquery source."""
    return select(Organization.id).where(Organization.path.startswith(user_scope(user).full_path))


def visible_runs(user: User) -> Select:
    """Return a query of the runs whose scope lies within the user's scope."""
    return select(ClassificationRun).where(ClassificationRun.scope_organization_id.in_(_within_scope(user)))


def get_run_or_404(user: User, run_id: int) -> ClassificationRun:
    """Return a run the user may see, or answer 404."""
    run = db.session.execute(visible_runs(user).where(ClassificationRun.id == run_id)).scalar_one_or_none()
    if run is None:
        abort(404)
    return run


def visible_imports(user: User) -> Select:
    """Return a query of the data imports whose scope lies within the user's scope."""
    return select(DataImport).where(DataImport.scope_organization_id.in_(_within_scope(user)))


def get_import_or_404(user: User, import_id: int) -> DataImport:
    """Return an import the user may see, or answer 404."""
    item = db.session.execute(visible_imports(user).where(DataImport.id == import_id)).scalar_one_or_none()
    if item is None:
        abort(404)
    return item


def run_scope_choices(user: User) -> list[Organization]:
    """Return the areas the user may classify: their municipality, or a region's municipalities (and the
    region itself for an administrator)."""
    root = scope_root(user)
    if root.kind == OrgKind.municipality:
        return [root]
    if root.kind != OrgKind.region:
        return []
    municipalities = (
        db.session.execute(
            visible_organizations(user)
            .where(Organization.kind == OrgKind.municipality)
            .order_by(Organization.name)
        )
        .scalars()
        .all()
    )
    return ([root] if user.role == Role.admin else []) + list(municipalities)


def area_of(organization: Organization) -> Organization:
    """Return the municipality (or region) an organisation belongs to, itself included."""
    if organization.kind in AREA_KINDS:
        return organization
    ids = organization.ancestor_ids
    rows = (
        db.session.execute(
            select(Organization).where(Organization.id.in_(ids), Organization.kind.in_(AREA_KINDS))
        )
        .scalars()
        .all()
    )
    by_id = {row.id: row for row in rows}
    return next((by_id[i] for i in reversed(ids) if i in by_id), organization)


def runs_covering(user: User, area: Organization) -> Select:
    """Return a query of the visible runs whose scope contains the area or lies inside it."""
    scope_org = Organization
    return (
        visible_runs(user)
        .join(scope_org, scope_org.id == ClassificationRun.scope_organization_id)
        .where(or_(scope_org.path.startswith(area.path), literal(area.path).startswith(scope_org.path)))
    )
