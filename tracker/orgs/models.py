"""Organisations: a hierarchy from the region down to schools and their branches."""

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, new_stamp, utcnow
from tracker.extensions import db


class OrgKind(enum.StrEnum):
    """What an organisation is in the education system."""

    region = "region"
    regional_body = "regional_body"
    municipality = "municipality"
    authority = "authority"
    method_center = "method_center"
    school = "school"
    branch = "branch"
    other = "other"


# The kinds of a school and of its branches.
SCHOOL_KINDS = (OrgKind.school, OrgKind.branch)


class Organization(db.Model):
    """An organisation; `path` holds the ids from the root so a subtree is one prefix query."""

    __tablename__ = "organizations"
    # The operator class lets PostgreSQL answer a prefix (a subtree) from the index whatever the database's
    # collation; SQLite has no such choice.
    __table_args__ = (Index("ix_organizations_path", "path", postgresql_ops={"path": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Parent in the hierarchy; None for a region.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Materialised path such as "/1/4/9/", maintained by operations.
    path: Mapped[str] = mapped_column(String(400), default="")
    # Full official name.
    name: Mapped[str] = mapped_column(String(400))
    # Name as written in roadmaps («МКУ «ЦРО»»).
    short_name: Mapped[str] = mapped_column(String(200))
    # Kind of organisation.
    kind: Mapped[OrgKind] = mapped_column(Enum(OrgKind, native_enum=False, length=20))
    # Official school code («Код ОО») used by assessment data; unique where present.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    # IANA time zone for reminders and local dates.
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Irkutsk")
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Replaced by a new random number whenever the organisation is written (tracker/stamps.py).
    stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0")

    parent: Mapped["Organization | None"] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        """Return the ids from the root down to this organisation, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    @property
    def is_school(self) -> bool:
        """Tell whether this is a school or a school branch."""
        return self.kind in SCHOOL_KINDS

    def __repr__(self) -> str:
        return f"<Organization {self.id} {self.short_name!r}>"
