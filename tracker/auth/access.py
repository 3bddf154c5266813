"""Who may see and change what: every query goes through these scopes."""

from dataclasses import dataclass

from flask import abort, g, has_request_context
from sqlalchemy import Select, and_, bindparam, false, or_, select

from tracker.auth import signed_in
from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.memo import Memo
from tracker.orgs.models import SCHOOL_KINDS, Organization, OrgKind
from tracker.pool import prepared
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

    @property
    def local(self) -> bool:
        """Tell whether the scope lies below the root of the tree (a municipality or less) rather than over a
        whole region, whose states are named without matching paths (`tasks.views._overview_state`)."""
        return self.full_path.count("/") > 2


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
    municipality = _municipality(org)
    if user.role in MUNICIPAL_ROLES and not org.is_school:
        return Scope(full_path=municipality.path, municipal_path=None)
    # School staff see their school (and its branches) and read the municipality's plans.
    return Scope(full_path=org.path, municipal_path=municipality.path)


def _municipality(org: Organization) -> Organization:
    """Return the nearest of the organisation and its ancestors that is a municipality or a region (else the
    root), walking up the parents (the signed-in user's organisation comes with two: tracker/app.py)."""
    while org.kind not in (OrgKind.municipality, OrgKind.region) and org.parent is not None:
        org = org.parent
    return org


def visible_roadmaps(user: User) -> Select:
    """Return a query of the roadmaps the user may see."""
    scope = user_scope(user)
    owner = Organization
    conditions = [owner.path.startswith(scope.full_path)]
    if scope.municipal_path:
        conditions.append(
            and_(
                owner.path.startswith(scope.municipal_path),
                owner.kind.notin_(SCHOOL_KINDS),
                Roadmap.status != RoadmapStatus.draft,
            )
        )
    if not scope.full_path:
        conditions = [false()]
    return select(Roadmap).join(owner, Roadmap.organization_id == owner.id).where(or_(*conditions))


# The statements of one visible roadmap and of its heading, by the scope they are built from; per process
# (most pages ask for them).
_ONE_VISIBLE: Memo[Select] = Memo(256)
_HEADINGS: Memo[Select] = Memo(256)


def get_roadmap_or_404(user: User, roadmap_id: int) -> Roadmap:
    """Return a roadmap the user may see, or answer 404 as if it did not exist."""
    query = _ONE_VISIBLE.get(
        user_scope(user), lambda: visible_roadmaps(user).where(Roadmap.id == bindparam("roadmap_id"))
    )
    roadmap = db.session.execute(query, {"roadmap_id": roadmap_id}).scalar_one_or_none()
    if roadmap is None:
        abort(404)
    return roadmap


@dataclass(frozen=True, slots=True)
class RoadmapHeading:
    """What names the state of a visible roadmap and the viewer's rights on it, read without loading it."""

    id: int
    content_stamp: int
    owner_stamp: int
    owner_timezone: str
    may_edit: bool


def roadmap_heading_or_404(user: User, roadmap_id: int) -> RoadmapHeading:
    """Return the heading of a roadmap the user may see (one row, no objects), or answer 404."""
    query = _HEADINGS.get(
        user_scope(user),
        lambda: prepared(
            visible_roadmaps(user)
            .with_only_columns(
                Roadmap.content_stamp,
                Organization.stamp,
                Organization.timezone,
                Organization.path,
                Organization.kind,
            )
            .where(Roadmap.id == bindparam("roadmap_id"))
        ),
    )
    # A page's first statement: it also checks the signed-in user when they are kept (signed_in.py).
    row = signed_in.execute_one(query, {"roadmap_id": roadmap_id})
    if row is None:
        abort(404)
    content_stamp, owner_stamp, timezone, path, kind = row
    may_edit = _may_edit(user, path, kind in SCHOOL_KINDS)
    return RoadmapHeading(roadmap_id, content_stamp, owner_stamp, timezone, may_edit)


def can_edit_roadmap(user: User, roadmap: Roadmap) -> bool:
    """Tell whether the user may change the roadmap's structure, passport and status."""
    return _may_edit(user, roadmap.organization.path, roadmap.organization.is_school)


def _may_edit(user: User, owner_path: str, owner_is_school: bool) -> bool:
    if not owner_path.startswith(user_scope(user).full_path):
        return False
    if user.role in EDITOR_ROLES:
        return True
    # A school keeps its own roadmap.
    return user.role == Role.school and owner_is_school


def require_edit(user: User, roadmap: Roadmap) -> None:
    """Answer 403 unless the user may edit the roadmap."""
    if not can_edit_roadmap(user, roadmap):
        abort(403)


def visible_organizations(user: User) -> Select:
    """Return a query of the organisations within the user's scope."""
    return select(Organization).where(Organization.path.startswith(user_scope(user).full_path))
