"""Who a task is for: named assignees, or else the users of the organisations responsible for it."""

from sqlalchemy import Select, and_, exists, or_, select

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.roadmaps.models import ActivityLink, LinkRole
from tracker.tasks.models import Task, TaskAssignee

# Roles that carry out tasks for their organisation by default; observers only watch.
DOING_ROLES = (Role.coordinator, Role.executor, Role.school)


def responsible_org_ids(task_ids: list[int]) -> dict[int, set[int]]:
    """Return per task the organisations it falls to: its target school, or the activity's responsible ones."""
    if not task_ids:
        return {}
    rows = db.session.execute(
        select(Task.id, Task.organization_id, ActivityLink.organization_id)
        .outerjoin(
            ActivityLink,
            and_(ActivityLink.activity_id == Task.activity_id, ActivityLink.role == LinkRole.responsible,
                 ActivityLink.organization_id.is_not(None)),
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
        select(TaskAssignee.task_id, User).join(User, User.id == TaskAssignee.user_id)
        .where(TaskAssignee.task_id.in_(task_ids), User.is_active_account.is_(True))
        .order_by(User.name)
    ):
        named.setdefault(task_id, []).append(user)
    pending = [t for t in task_ids if t not in named]
    orgs = responsible_org_ids(pending)
    all_orgs = set().union(*orgs.values()) if orgs else set()
    by_org: dict[int, list[User]] = {}
    if all_orgs:
        for user in db.session.execute(
            select(User).where(User.organization_id.in_(all_orgs), User.role.in_(DOING_ROLES),
                               User.is_active_account.is_(True)).order_by(User.name)
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


def tasks_of_user(user: User) -> Select:
    """Return a query of the tasks that are the user's: named on them, or falling to their organisation."""
    named = exists().where(TaskAssignee.task_id == Task.id)
    mine = exists().where(TaskAssignee.task_id == Task.id, TaskAssignee.user_id == user.id)
    org_responsible = exists().where(
        ActivityLink.activity_id == Task.activity_id,
        ActivityLink.role == LinkRole.responsible,
        ActivityLink.organization_id == user.organization_id,
    )
    by_org = and_(
        ~named,
        or_(Task.organization_id == user.organization_id, and_(Task.organization_id.is_(None), org_responsible)),
    )
    if user.role not in DOING_ROLES:
        return select(Task).where(mine)
    return select(Task).where(or_(mine, by_org))
