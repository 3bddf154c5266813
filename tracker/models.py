"""Import every domain's models so the metadata is complete."""

from tracker.auth.models import ApiToken, User
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Activity, ActivityLink, HistoryEntry, Revision, Roadmap, Section
from tracker.tasks.models import Task, TaskAssignee

__all__ = [
    "Activity", "ActivityLink", "ApiToken", "HistoryEntry", "Organization", "Revision", "Roadmap",
    "Section", "Task", "TaskAssignee", "User",
]
