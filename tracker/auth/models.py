"""Users, their roles and personal API tokens."""

import enum
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, new_stamp, utcnow
from tracker.extensions import db
from tracker.orgs.models import Organization


class Role(enum.StrEnum):
    """What a user may do within their organisation's scope."""

    admin = "admin"
    coordinator = "coordinator"
    executor = "executor"
    school = "school"
    observer = "observer"


class User(UserMixin, db.Model):
    """A person who signs in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Login, stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Full name as shown to colleagues.
    name: Mapped[str] = mapped_column(String(200))
    # Argon2 hash of the password.
    password_hash: Mapped[str] = mapped_column(String(255))
    # Role within the organisation's scope.
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=20))
    # Organisation the user works for; their scope is derived from it.
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Disabled accounts cannot sign in.
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Position, e.g. «методист».
    position: Mapped[str | None] = mapped_column(String(200))
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Random key inside the personal calendar link; replacing it revokes old links.
    calendar_key: Mapped[str] = mapped_column(String(40), default=lambda: secrets.token_urlsafe(18))
    # Last successful sign-in.
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Replaced by a new random number whenever what others see of the user changes (tracker/stamps.py).
    # Indexed: the sum of all users' stamps is read from the index alone.
    stamp: Mapped[int] = mapped_column(BigInteger, default=new_stamp, server_default="0", index=True)

    organization: Mapped[Organization] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        """Tell Flask-Login whether the account may sign in."""
        return self.is_active_account

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Owner of the token.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Hex SHA-256 of the secret.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # First characters of the secret, to tell tokens apart in the profile.
    prefix: Mapped[str] = mapped_column(String(12))
    # What the user called it.
    label: Mapped[str] = mapped_column(String(100), default="")
    # Creation moment.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Last request made with it.
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Revocation moment; a revoked token is refused.
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """One sign-in attempt, kept to slow down password guessing across all web workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_dt"),
        Index("ix_login_attempts_ip_created", "ip", "created_dt"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # E-mail typed, lower-case.
    email: Mapped[str] = mapped_column(String(254))
    # Client address.
    ip: Mapped[str] = mapped_column(String(64), default="")
    # Whether the password was right.
    is_success: Mapped[bool] = mapped_column(default=False)
    # Moment of the attempt.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(db.Model):
    """An administrative or security event: who did what to whom, from where."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_created", "created_dt"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who acted; None for the system or an anonymous visitor.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Organisation of the object, for scoping the log.
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id", ondelete="SET NULL"))
    # Event code, e.g. "user.create", "auth.lockout".
    action: Mapped[str] = mapped_column(String(60))
    # Kind of object: user, organization.
    target_type: Mapped[str] = mapped_column(String(30), default="")
    # Id of the object.
    target_id: Mapped[int | None] = mapped_column()
    # Short label of the object at the time.
    label: Mapped[str] = mapped_column(String(300), default="")
    # Changed values or other details.
    details: Mapped[dict | None] = mapped_column(JSON)
    # Client address.
    ip: Mapped[str] = mapped_column(String(64), default="")
    # Moment of the event.
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(lazy="joined")
