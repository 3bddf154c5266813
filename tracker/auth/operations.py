"""Accounts: passwords, users and API tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from tracker.auth.models import ApiToken, AuditEntry, LoginAttempt, Role, User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.orgs.models import Organization


@cache
def _argon2(time_cost: int, memory_kib: int, parallelism: int) -> tuple[PasswordHasher, str]:
    """Return a hasher with these costs and a fixed hash made with it, verified when the e-mail is unknown
    so that timing does not reveal accounts."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
    return hasher, hasher.hash("not-a-real-password")


def _hasher() -> tuple[PasswordHasher, str]:
    config = current_app.config
    return _argon2(config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"], config["ARGON2_PARALLELISM"])


def hash_password(password: str) -> str:
    """Return a slow Argon2 hash of a password (costs from the configuration)."""
    return _hasher()[0].hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Tell whether the password matches the user's; spend the same time for unknown users."""
    hasher, dummy = _hasher()
    try:
        return hasher.verify(user.password_hash if user else dummy, password) and user is not None
    except (VerificationError, InvalidHashError):
        return False


def find_user(email: str) -> User | None:
    """Return the user with this e-mail, case-insensitively."""
    return db.session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()


def create_user(email: str, name: str, role: Role, organization: Organization, password: str) -> User:
    """Create a user with a hashed password."""
    user = User(
        email=email.strip().lower(),
        name=name.strip(),
        role=role,
        organization_id=organization.id,
        password_hash=hash_password(password),
    )
    user.organization = organization
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    """Replace the user's password."""
    user.password_hash = hash_password(password)
    db.session.flush()


def _digest(secret: str) -> str:
    """Return the stored digest of a token; tokens are random, so a plain SHA-256 is enough."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(user: User, label: str = "") -> str:
    """Create a personal API token and return its secret, which is shown once and never stored."""
    secret = "trk_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=_digest(secret), prefix=secret[:10], label=label))
    db.session.flush()
    return secret


def user_for_token(secret: str) -> User | None:
    """Return the active user owning a valid, unrevoked token."""
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == _digest(secret), ApiToken.revoked_dt.is_(None))
    ).scalar_one_or_none()
    if token is None or not token.user.is_active:
        return None
    token.last_used_dt = utcnow()
    return token.user


def revoke_token(user: User, token_id: int) -> bool:
    """Revoke one of the user's own tokens. Return whether one was revoked."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id or token.revoked_dt:
        return False
    token.revoked_dt = utcnow()
    db.session.flush()
    return True


# Sign-in throttling: failures counted over a sliding window, per account and per client address.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30


def failures_since(email: str, ip: str, since: datetime) -> tuple[int, int]:
    """Return the recent failed attempts for this e-mail and for this address."""
    by_email = db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.email == email, LoginAttempt.is_success.is_(False), LoginAttempt.created_dt >= since
        )
    ).scalar()
    by_ip = db.session.execute(
        select(func.count(LoginAttempt.id)).where(
            LoginAttempt.ip == ip, LoginAttempt.is_success.is_(False), LoginAttempt.created_dt >= since
        )
    ).scalar()
    return by_email, by_ip


def is_throttled(email: str, ip: str, now: datetime | None = None) -> bool:
    """Tell whether sign-in for this e-mail or from this address is paused after repeated failures."""
    since = (now or utcnow()) - THROTTLE_WINDOW
    by_email, by_ip = failures_since(email.strip().lower(), ip, since)
    return by_email >= MAX_FAILURES_PER_EMAIL or by_ip >= MAX_FAILURES_PER_IP


def record_attempt(email: str, ip: str, success: bool) -> bool:
    """Store a sign-in attempt; return True when this failure has just locked the account's sign-in."""
    email = email.strip().lower()[:254]
    db.session.add(LoginAttempt(email=email, ip=ip[:64], is_success=success))
    db.session.flush()
    if success:
        return False
    by_email, _ = failures_since(email, ip, utcnow() - THROTTLE_WINDOW)
    return by_email == MAX_FAILURES_PER_EMAIL


def audit(
    actor: User | None,
    action: str,
    target=None,
    details: dict | None = None,
    ip: str = "",
    organization_id: int | None = None,
) -> AuditEntry:
    """Add an entry to the administrative audit log."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        label=(getattr(target, "email", None) or getattr(target, "short_name", None) or "")[:300],
        details=details,
        ip=ip[:64],
        organization_id=organization_id
        if organization_id is not None
        else getattr(target, "organization_id", None),
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def user_snapshot(user: User) -> dict:
    """Return the audited fields of a user."""
    return {
        "email": user.email,
        "name": user.name,
        "position": user.position,
        "role": user.role.value,
        "organization": user.organization.short_name if user.organization else None,
        "is_active": user.is_active_account,
    }
