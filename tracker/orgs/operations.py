"""Changes to the organisation tree."""

from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind


def create_organization(
    name: str,
    short_name: str,
    kind: OrgKind,
    parent: Organization | None = None,
    timezone: str = "Asia/Irkutsk",
    code: str | None = None,
) -> Organization:
    """Create an organisation under a parent and set its materialised path."""
    org = Organization(
        name=name,
        short_name=short_name,
        kind=kind,
        parent_id=parent.id if parent else None,
        timezone=timezone,
        code=code,
    )
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    db.session.flush()
    return org


def update_organization(org: Organization, **fields) -> dict:
    """Change an organisation's names, code, kind or time zone; return the changed values as [old, new]."""
    changed = {}
    for name, value in fields.items():
        old = getattr(org, name)
        if old != value:
            changed[name] = [getattr(old, "value", old), getattr(value, "value", value)]
            setattr(org, name, value)
    db.session.flush()
    return changed
