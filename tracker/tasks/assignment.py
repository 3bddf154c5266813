"""Who a task is for: named assignees, or else the users of the organisations responsible for it."""

from typing import Protocol

from sqlalchemy import CompoundSelect, Select, and_, exists, or_, select, union

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import Activity, ActivityLink, LinkRole, Roadmap
from tracker.tasks.models import Task, TaskAssignee

# Roles that carry out tasks for their organisation by default; observers only watch.
DOING_ROLES = (Role.coordinator, Role.executor, Role.school)


class Doer(Protocol):
    """What decides which tasks are someone's: a `User`, or a plain row of the same fields."""

    id: int
    role: Role
    organization_id: int


def responsible_org_ids(task_ids: list[int]) -> dict[int, set[int]]:
    """Return per task the organisations it falls to: its target school, or the activity's responsible."""
    if not task_ids:
        return {}
    rows = db.session.execute(
        select(Task.id, Task.organization_id, ActivityLink.organization_id)
        .outerjoin(
            ActivityLink,
            and_(
                ActivityLink.activity_id == Task.activity_id,
                ActivityLink.role == LinkRole.responsible,
                ActivityLink.organization_id.is_not(None),
            ),
        )
        .where(Task.id.in_(task_ids))
    ).all()
    result: dict[int, set[int]] = {task_id: set() for task_id in task_ids}
    targets: dict[int, int] = {}
    for task_id, target, linked in rows:
        if target is not None:
            targets[task_id] = target
        elif linked is not None:
            result[task_id].add(linked)
    for task_id, target in targets.items():
        # A task aimed at one school is that school's, whatever the activity says.
        result[task_id] = {target}
    return result


def assignees_for_tasks(task_ids: list[int]) -> dict[int, list[User]]:
    """Return per task the users it is for, in a fixed number of queries whatever the number of tasks."""
    if not task_ids:
        return {}
    named: dict[int, list[User]] = {}
    for task_id, user in db.session.execute(
        select(TaskAssignee.task_id, User)
        .join(User, User.id == TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(task_ids), User.is_active_account.is_(True))
        .order_by(User.name, User.id)
    ):
        named.setdefault(task_id, []).append(user)
    pending = [t for t in task_ids if t not in named]
    orgs = responsible_org_ids(pending)
    all_orgs = set().union(*orgs.values()) if orgs else set()
    by_org: dict[int, list[User]] = {}
    if all_orgs:
        for user in db.session.execute(
            select(User)
            .where(
                User.organization_id.in_(all_orgs),
                User.role.in_(DOING_ROLES),
                User.is_active_account.is_(True),
            )
            .order_by(User.name, User.id)
        ).scalars():
            by_org.setdefault(user.organization_id, []).append(user)
    result = dict(named)
    for task_id in pending:
        seen: dict[int, User] = {}
        for org_id in sorted(orgs.get(task_id, ())):
            for user in by_org.get(org_id, []):
                seen.setdefault(user.id, user)
        result[task_id] = list(seen.values())
    return result


def tasks_of_user(user: Doer) -> Select:
    """Return a query of the tasks that are the user's: named on them, or falling to their organisation.

    The ids are gathered by three indexed look-ups joined with UNION, so the database starts from the user's
    few tasks instead of testing every task of the region against correlated conditions.
    """
    named_to_me = select(TaskAssignee.task_id).where(TaskAssignee.user_id == user.id)
    if user.role not in DOING_ROLES:
        return select(Task).where(Task.id.in_(named_to_me))
    someone_named = exists().where(TaskAssignee.task_id == Task.id)
    aimed_at_org = select(Task.id).where(Task.organization_id == user.organization_id, ~someone_named)
    responsible_org = (
        select(Task.id)
        .join(ActivityLink, ActivityLink.activity_id == Task.activity_id)
        .where(
            ActivityLink.organization_id == user.organization_id,
            ActivityLink.role == LinkRole.responsible,
            Task.organization_id.is_(None),
            ~someone_named,
        )
    )
    mine = union(named_to_me, aimed_at_org, responsible_org).subquery("mine")
    # A join (not IN) makes SQLite start from these ids rather than from an index on status or due.
    return select(Task).join(mine, Task.id == mine.c[0])


def roadmaps_of_user_tasks(user: Doer) -> CompoundSelect:
    """Return (id, content stamp) of every roadmap holding a row that can make a task the user's: an assignee
    naming them, a task aimed at their organisation, a link making their organisation responsible.

    Wider than the roadmaps of `tasks_of_user` (a row counts whether or not its task is named to someone
    else, done, or in a roadmap on hold): any write that changes which tasks are the user's, or what they
    say, is a write to one of these roadmaps or adds one to them — and gives that roadmap a new content stamp
    (tracker/tasks/rollups.py). Their stamps therefore name the state of the user's tasks, read from a few
    roadmaps instead of every task. Each branch reaches its roadmaps by primary key.
    """
    columns = (Roadmap.id, Roadmap.content_stamp)
    named_to_me = (
        select(*columns)
        .join(Task, Task.roadmap_id == Roadmap.id)
        .join(TaskAssignee, TaskAssignee.task_id == Task.id)
        .where(TaskAssignee.user_id == user.id)
    )
    if user.role not in DOING_ROLES:
        return union(named_to_me)
    aimed_at_org = (
        select(*columns)
        .join(Task, Task.roadmap_id == Roadmap.id)
        .where(Task.organization_id == user.organization_id)
    )
    responsible_org = (
        select(*columns)
        .join(Activity, Activity.roadmap_id == Roadmap.id)
        .join(ActivityLink, ActivityLink.activity_id == Activity.id)
        .where(
            ActivityLink.organization_id == user.organization_id, ActivityLink.role == LinkRole.responsible
        )
    )
    return union(named_to_me, aimed_at_org, responsible_org)


def municipality_path(organization: Organization) -> str:
    """Return the path of the municipality (or region) an organisation belongs to, itself included."""
    ids = organization.ancestor_ids
    kinds = dict(
        db.session.execute(select(Organization.id, Organization.kind).where(Organization.id.in_(ids))).all()
    )
    for position in range(len(ids) - 1, -1, -1):
        if kinds.get(ids[position]) in (OrgKind.municipality, OrgKind.region):
            return "/" + "/".join(str(i) for i in ids[: position + 1]) + "/"
    return organization.path


def assignable_users(roadmap: Roadmap) -> list[User]:
    """Return the people a coordinator may name on the roadmap's tasks: doers of its municipality."""
    return list(
        db.session.execute(
            select(User)
            .join(Organization, User.organization_id == Organization.id)
            .where(
                Organization.path.startswith(municipality_path(roadmap.organization)),
                User.role.in_(DOING_ROLES),
                User.is_active_account.is_(True),
            )
            .order_by(Organization.path, User.name)
        ).scalars()
    )


def roadmap_coordinators(roadmap: Roadmap) -> list[User]:
    """Return the coordinators working in the roadmap's municipality or above it."""
    ancestors = roadmap.organization.ancestor_ids
    return list(
        db.session.execute(
            select(User)
            .join(Organization, User.organization_id == Organization.id)
            .where(
                User.role == Role.coordinator,
                User.is_active_account.is_(True),
                or_(
                    Organization.id.in_(ancestors),
                    # Committees and centres sit beside the schools, under the municipality.
                    and_(
                        Organization.parent_id.in_(ancestors),
                        Organization.kind.notin_((OrgKind.school, OrgKind.branch)),
                    ),
                ),
            )
            .order_by(User.name, User.id)
        ).scalars()
    )


def controllers_for_tasks(task_ids: list[int]) -> dict[int, list[User]]:
    """Return per task the users named, or working in the organisations named, in its «Контроль» column."""
    if not task_ids:
        return {}
    links = db.session.execute(
        select(Task.id, ActivityLink.organization_id, ActivityLink.user_id)
        .join(
            ActivityLink,
            and_(ActivityLink.activity_id == Task.activity_id, ActivityLink.role == LinkRole.control),
        )
        .where(Task.id.in_(task_ids))
    ).all()
    org_ids = {org for _, org, _ in links if org is not None}
    user_ids = {uid for _, _, uid in links if uid is not None}
    conditions = []
    if org_ids:
        conditions.append(and_(User.organization_id.in_(org_ids), User.role.in_(DOING_ROLES)))
    if user_ids:
        conditions.append(User.id.in_(user_ids))
    users = (
        db.session.execute(
            select(User)
            .where(or_(*conditions), User.is_active_account.is_(True))
            .order_by(User.name, User.id)
        )
        .scalars()
        .all()
        if conditions
        else []
    )
    result: dict[int, list[User]] = {task_id: [] for task_id in task_ids}
    for task_id, org_id, user_id in links:
        for user in users:
            matches = (user.id == user_id) or (
                org_id is not None and user.organization_id == org_id and user.role in DOING_ROLES
            )
            if matches and user not in result[task_id]:
                result[task_id].append(user)
    return result


def acceptors_for_tasks(tasks: list[Task]) -> dict[int, list[User]]:
    """Return per task who may accept it: its controllers and the coordinators of its roadmap."""
    controllers = controllers_for_tasks([t.id for t in tasks])
    coordinators: dict[int, list[User]] = {}
    result: dict[int, list[User]] = {}
    for task in tasks:
        if task.roadmap_id not in coordinators:
            roadmap = db.session.get(Roadmap, task.roadmap_id)
            coordinators[task.roadmap_id] = roadmap_coordinators(roadmap)
        seen = {u.id: u for u in controllers.get(task.id, [])}
        for user in coordinators[task.roadmap_id]:
            seen.setdefault(user.id, user)
        result[task.id] = list(seen.values())
    return result
