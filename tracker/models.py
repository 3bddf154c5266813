"""Import every domain's models so the metadata is complete."""

import tracker.analysis.models  # noqa: F401
from tracker.auth.models import ApiToken, AuditEntry, LoginAttempt, User
from tracker.notifications.models import NotificationSetting, OutboxMessage, RoadmapReminderPolicy  # noqa: F401
from tracker.orgs.models import Organization
from tracker.reports.models import Indicator, IndicatorValue  # noqa: F401
from tracker.roadmaps.models import Activity, ActivityLink, HistoryEntry, Revision, Roadmap, Section
from tracker.tasks.models import Evidence, Task, TaskAssignee, TaskComment  # noqa: F401

__all__ = [
    "Activity",
    "ActivityLink",
    "ApiToken",
    "AuditEntry",
    "LoginAttempt",
    "HistoryEntry",
    "Organization",
    "Revision",
    "Roadmap",
    "Section",
    "Task",
    "TaskAssignee",
    "User",
]
