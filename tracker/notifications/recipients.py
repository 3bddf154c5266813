"""Who is reminded of a task besides its assignees: its controllers, while it waits for acceptance."""

from sqlalchemy import select

from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.roadmaps.models import ActivityLink, LinkRole, Roadmap
from tracker.tasks.assignment import DOING_ROLES
from tracker.tasks.models import Task


def controllers_for_tasks(task_ids: list[int]) -> dict[int, list[User]]:
    """Return per task the users who accept it, in a fixed number of queries.

    Controllers are the users named in the activity's control column, the users of the organisations
    named there, and the coordinators of the roadmap's owner, who accept whatever nobody else checks.
    """
    if not task_ids:
        return {}
    links = db.session.execute(
        select(Task.id, ActivityLink.organization_id, ActivityLink.user_id)
        .join(ActivityLink, ActivityLink.activity_id == Task.activity_id)
        .where(Task.id.in_(task_ids), ActivityLink.role == LinkRole.control)
    ).all()
    owners = dict(
        db.session.execute(
            select(Task.id, Roadmap.organization_id)
            .join(Roadmap, Roadmap.id == Task.roadmap_id)
            .where(Task.id.in_(task_ids))
        ).all()
    )
    control_orgs: dict[int, set[int]] = {}
    named: dict[int, set[int]] = {}
    for task_id, org_id, user_id in links:
        if org_id is not None:
            control_orgs.setdefault(task_id, set()).add(org_id)
        if user_id is not None:
            named.setdefault(task_id, set()).add(user_id)
    org_ids = set(owners.values()).union(*control_orgs.values()) if control_orgs else set(owners.values())
    user_ids = set().union(*named.values()) if named else set()
    users = db.session.execute(
        select(User).where(
            User.is_active_account.is_(True),
            (User.organization_id.in_(org_ids) & User.role.in_(DOING_ROLES)) | User.id.in_(user_ids),
        ).order_by(User.name, User.id)
    ).scalars().all()
    by_org: dict[int, list[User]] = {}
    by_id: dict[int, User] = {}
    for user in users:
        by_id[user.id] = user
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
        for user in by_org.get(owners.get(task_id), []):
            if user.role == Role.coordinator:
                chosen.setdefault(user.id, user)
        result[task_id] = list(chosen.values())
    return result
