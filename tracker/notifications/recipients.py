"""Who is reminded of a task besides its assignees: its controllers, while it waits for acceptance."""

from sqlalchemy import and_, or_, select

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import ActivityLink, LinkRole, Roadmap
from tracker.tasks.assignment import DOING_ROLES
from tracker.tasks.models import Task

_SCHOOL_KINDS = (OrgKind.school, OrgKind.branch)


def controllers_for_tasks(task_ids: list[int]) -> dict[int, list[User]]:
    """Return per task the users who may accept it, in a fixed number of queries whatever the number of tasks.

    The same people as tasks.assignment.acceptors_for_tasks, which answers one roadmap at a time: the users
    named in the activity's «Контроль» column, the users of the organisations named there, and the
    coordinators working in the roadmap's municipality or above it.
    """
    if not task_ids:
        return {}
    links = db.session.execute(
        select(Task.id, ActivityLink.organization_id, ActivityLink.user_id)
        .join(ActivityLink, ActivityLink.activity_id == Task.activity_id)
        .where(Task.id.in_(task_ids), ActivityLink.role == LinkRole.control)
    ).all()
    owner_paths = db.session.execute(
        select(Task.id, Organization.path)
        .join(Roadmap, Roadmap.id == Task.roadmap_id)
        .join(Organization, Organization.id == Roadmap.organization_id)
        .where(Task.id.in_(task_ids))
    ).all()
    ancestors = {
        task_id: {int(part) for part in path.strip("/").split("/") if part} for task_id, path in owner_paths
    }
    all_ancestors = set().union(*ancestors.values()) if ancestors else set()
    control_orgs: dict[int, set[int]] = {}
    named: dict[int, set[int]] = {}
    for task_id, org_id, user_id in links:
        if org_id is not None:
            control_orgs.setdefault(task_id, set()).add(org_id)
        if user_id is not None:
            named.setdefault(task_id, set()).add(user_id)
    org_ids = set().union(*control_orgs.values()) if control_orgs else set()
    user_ids = set().union(*named.values()) if named else set()

    doers = (
        db.session.execute(
            select(User)
            .where(
                User.is_active_account.is_(True),
                or_(
                    and_(User.organization_id.in_(org_ids), User.role.in_(DOING_ROLES)), User.id.in_(user_ids)
                ),
            )
            .order_by(User.name, User.id)
        )
        .scalars()
        .all()
        if org_ids or user_ids
        else []
    )
    coordinators = (
        db.session.execute(
            select(User)
            .join(Organization, Organization.id == User.organization_id)
            .where(
                User.role == Role.coordinator,
                User.is_active_account.is_(True),
                # Committees and centres sit beside the schools, under the municipality.
                or_(
                    Organization.id.in_(all_ancestors),
                    and_(Organization.parent_id.in_(all_ancestors), Organization.kind.notin_(_SCHOOL_KINDS)),
                ),
            )
            .order_by(User.name, User.id)
        )
        .scalars()
        .all()
    )

    by_id = {user.id: user for user in doers}
    by_org: dict[int, list[User]] = {}
    for user in doers:
        if user.role in DOING_ROLES:
            by_org.setdefault(user.organization_id, []).append(user)
    result: dict[int, list[User]] = {}
    for task_id in task_ids:
        chosen: dict[int, User] = {}
        for user_id in sorted(named.get(task_id, ())):
            if user_id in by_id:
                chosen[user_id] = by_id[user_id]
        for org_id in sorted(control_orgs.get(task_id, ())):
            for user in by_org.get(org_id, []):
                chosen.setdefault(user.id, user)
        mine = ancestors.get(task_id, set())
        for user in coordinators:
            org = user.organization
            if org.id in mine or (org.parent_id in mine and not org.is_school):
                chosen.setdefault(user.id, user)
        result[task_id] = list(chosen.values())
    return result
