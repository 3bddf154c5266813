"""Who may see a task and who may act on it.

A task is visible to whoever may see its roadmap (auth/access.py); ids outside the caller's scope answer 404.
On a visible task people act in three capacities:

* assignee — named on the task, or (with nobody named) a user of the organisation it falls to;
* controller — a user of the organisation named in the activity's «Контроль» column (or named there);
* coordinator — whoever may edit the roadmap: admins and coordinators of its municipality, and a school's
  own staff for the school's roadmap.

Observers only read. Nothing is done on tasks of a roadmap being drafted, under approval or archived.
"""

from dataclasses import dataclass

from flask import abort
from sqlalchemy import Select, false, or_, select

from tracker.auth.access import EDITOR_ROLES, can_edit_roadmap, user_scope, visible_roadmaps
from tracker.auth.models import Role, User
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind
from tracker.roadmaps.models import ActivityLink, LinkRole, Roadmap, RoadmapStatus
from tracker.tasks.assignment import DOING_ROLES, tasks_of_user
from tracker.tasks.models import OPEN_STATUSES, TRANSITIONS, Evidence, Task

# Roadmap statuses in which tasks are worked on; a completed roadmap still takes late acceptances.
WORKING_ROADMAP_STATUSES = (RoadmapStatus.approved, RoadmapStatus.in_progress, RoadmapStatus.completed)
# Roadmap statuses whose tasks appear in «Мои задачи».
LISTED_ROADMAP_STATUSES = (RoadmapStatus.approved, RoadmapStatus.in_progress)


def visible_roadmap_ids(user: User) -> Select:
    """Return a query of the ids of the roadmaps the user may see."""
    return visible_roadmaps(user).with_only_columns(Roadmap.id)


def visible_tasks(user: User) -> Select:
    """Return a query of the tasks the user may see."""
    return select(Task).where(Task.roadmap_id.in_(visible_roadmap_ids(user)))


def coordinated_roadmap_ids(user: User) -> Select:
    """Return a query of the ids of the roadmaps the user coordinates (mirrors can_edit_roadmap)."""
    scope = user_scope(user)
    query = select(Roadmap.id).join(Organization, Roadmap.organization_id == Organization.id)
    if user.role in EDITOR_ROLES:
        return query.where(Organization.path.startswith(scope.full_path))
    if user.role == Role.school:
        return query.where(
            Organization.path.startswith(scope.full_path),
            Organization.kind.in_((OrgKind.school, OrgKind.branch)),
        )
    return query.where(false())


def controlled_condition(user: User):
    """Return a condition true for tasks whose activity names the user or their organisation as controller."""
    named = [ActivityLink.user_id == user.id]
    if user.role in DOING_ROLES:
        named.append(ActivityLink.organization_id == user.organization_id)
    links = select(ActivityLink.activity_id).where(ActivityLink.role == LinkRole.control, or_(*named))
    return Task.activity_id.in_(links)


def get_task_or_404(user: User, task_id: int) -> tuple[Task, Roadmap]:
    """Return a task the user may see with its roadmap, or answer 404 as if it did not exist."""
    row = db.session.execute(
        select(Task, Roadmap)
        .join(Roadmap, Task.roadmap_id == Roadmap.id)
        .where(Task.id == task_id, Task.roadmap_id.in_(visible_roadmap_ids(user)))
    ).first()
    if row is None:
        abort(404)
    return row[0], row[1]


def get_evidence_or_404(task: Task, evidence_id: int) -> Evidence:
    """Return a piece of evidence of this task, or answer 404."""
    evidence = db.session.get(Evidence, evidence_id)
    if evidence is None or evidence.task_id != task.id:
        abort(404)
    return evidence


@dataclass(frozen=True)
class Capacity:
    """In which capacities a user stands towards one task."""

    assignee: bool
    controller: bool
    coordinator: bool

    @property
    def participant(self) -> bool:
        """Tell whether the user takes part in the task at all."""
        return self.assignee or self.controller or self.coordinator


def capacity(user: User, task: Task, roadmap: Roadmap) -> Capacity:
    """Return the user's capacities on a visible task."""
    if user.role == Role.observer:
        return Capacity(False, False, False)
    mine = tasks_of_user(user).where(Task.id == task.id).with_only_columns(Task.id)
    assignee = db.session.execute(mine).first()
    controller = db.session.execute(
        select(Task.id).where(Task.id == task.id, controlled_condition(user))
    ).first()
    return Capacity(assignee is not None, controller is not None, can_edit_roadmap(user, roadmap))


def _role_allows(user: User, task: Task, cap: Capacity, action: str) -> bool:
    """Tell whether the user's capacities allow an action, whatever the task's status."""
    if action in ("start", "complete", "not_done"):
        return cap.assignee or cap.coordinator
    if action in ("accept", "return"):
        # Reviewing one's own report is left to the coordinators: a controller checks somebody else's work.
        return cap.coordinator or (cap.controller and task.submitted_by_id != user.id)
    if action == "comment":
        return cap.participant
    # cancel, reopen, assign, reschedule
    return cap.coordinator


def refusal(user: User, task: Task, roadmap: Roadmap, action: str, cap: Capacity | None = None) -> str | None:
    """Return why the user may not take the action now (forbidden, roadmap_closed, state), or None."""
    cap = cap or capacity(user, task, roadmap)
    if not _role_allows(user, task, cap, action):
        return "forbidden"
    if roadmap.status not in WORKING_ROADMAP_STATUSES:
        return "roadmap_closed"
    if action in TRANSITIONS and task.status not in TRANSITIONS[action][0]:
        return "state"
    return None


ACTIONS = (*TRANSITIONS, "comment", "assign", "reschedule")


def allowed_actions(user: User, task: Task, roadmap: Roadmap, cap: Capacity | None = None) -> set[str]:
    """Return the names of the actions the user may take on the task now."""
    cap = cap or capacity(user, task, roadmap)
    return {action for action in ACTIONS if refusal(user, task, roadmap, action, cap) is None}


def may_remove_evidence(user: User, task: Task, evidence: Evidence, actions: set[str]) -> bool:
    """Tell whether the user may take a piece of evidence off the task: only while the work is still open."""
    if task.status not in OPEN_STATUSES:
        return False
    if "complete" not in actions:
        return False
    return "assign" in actions or evidence.uploaded_by_id == user.id
