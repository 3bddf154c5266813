"""Who may see and change what: every query goes through these scopes."""

from dataclasses import dataclass

from flask import abort, g, has_request_context
from sqlalchemy import Select, and_, bindparam, false, or_, select

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.memo import Memo
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import Roadmap, RoadmapStatus

# Roles that work for a municipality as a whole rather than for one school.
MUNICIPAL_ROLES = (Role.coordinator, Role.executor, Role.observer)
# Roles allowed to change roadmap structure.
EDITOR_ROLES = (Role.admin, Role.coordinator)


@dataclass(frozen=True)
class Scope:
    """The part of the organisation tree a user works in."""

    # Path prefix of the subtree whose roadmaps the user sees in full.
    full_path: str
    # Path prefix of the municipality whose non-draft municipal roadmaps a school user may read.
    municipal_path: str | None


def _ancestors(org: Organization) -> list:
    """Return the organisation's ancestors from the root, itself included, as (id, path, kind) rows."""
    ids = org.ancestor_ids
    query = select(Organization.id, Organization.path, Organization.kind).where(Organization.id.in_(ids))
    by_id = {row.id: row for row in db.session.execute(query)}
    return [by_id[i] for i in ids if i in by_id]


def user_scope(user: User) -> Scope:
    """Return the subtree a user may see, derived from their organisation and role (once per request)."""
    if not has_request_context():
        return _scope(user)
    org = user.organization
    key = (user.id, user.role, org.id, org.path, org.kind)
    known = g.setdefault("scopes", {})
    if key not in known:
        known[key] = _scope(user)
    return known[key]


def _scope(user: User) -> Scope:
    org = user.organization
    if user.role == Role.admin or org.kind in (OrgKind.region, OrgKind.municipality):
        return Scope(full_path=org.path, municipal_path=None)
    chain = _ancestors(org)
    municipality = next(
        (o for o in reversed(chain) if o.kind in (OrgKind.municipality, OrgKind.region)), chain[0]
    )
    if user.role in MUNICIPAL_ROLES and not org.is_school:
        return Scope(full_path=municipality.path, municipal_path=None)
    # School staff see their school (and its branches) and read the municipality's plans.
    return Scope(full_path=org.path, municipal_path=municipality.path)


def visible_roadmaps(user: User) -> Select:
    """Return a query of the roadmaps the user may see."""
    scope = user_scope(user)
    owner = Organization
    conditions = [owner.path.startswith(scope.full_path)]
    if scope.municipal_path:
        conditions.append(
            and_(
                owner.path.startswith(scope.municipal_path),
                owner.kind.notin_((OrgKind.school, OrgKind.branch)),
                Roadmap.status != RoadmapStatus.draft,
            )
        )
    if not scope.full_path:
        conditions = [false()]
    return select(Roadmap).join(owner, Roadmap.organization_id == owner.id).where(or_(*conditions))


# The statement of one visible roadmap by the scope it is built from; per process (most pages ask for it).
_ONE_VISIBLE: Memo[Select] = Memo(256)


def get_roadmap_or_404(user: User, roadmap_id: int) -> Roadmap:
    """Return a roadmap the user may see, or answer 404 as if it did not exist."""
    query = _ONE_VISIBLE.get(
        user_scope(user), lambda: visible_roadmaps(user).where(Roadmap.id == bindparam("roadmap_id"))
    )
    roadmap = db.session.execute(query, {"roadmap_id": roadmap_id}).scalar_one_or_none()
    if roadmap is None:
        abort(404)
    return roadmap


def can_edit_roadmap(user: User, roadmap: Roadmap) -> bool:
    """Tell whether the user may change the roadmap's structure, passport and status."""
    if not roadmap.organization.path.startswith(user_scope(user).full_path):
        return False
    if user.role in EDITOR_ROLES:
        return True
    # A school keeps its own roadmap.
    return user.role == Role.school and roadmap.organization.is_school


def require_edit(user: User, roadmap: Roadmap) -> None:
    """Answer 403 unless the user may edit the roadmap."""
    if not can_edit_roadmap(user, roadmap):
        abort(403)


def visible_organizations(user: User) -> Select:
    """Return a query of the organisations within the user's scope."""
    return select(Organization).where(Organization.path.startswith(user_scope(user).full_path))
