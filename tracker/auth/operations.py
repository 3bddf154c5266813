"""Accounts: passwords, users and API tokens."""

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select

from tracker.auth.models import ApiToken, Role, User
from tracker.db import utcnow
from tracker.extensions import db
from tracker.orgs.models import Organization

_hasher = PasswordHasher()
# A fixed hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """Return a slow Argon2 hash of a password."""
    return _hasher.hash(password)


def check_password(user: User | None, password: str) -> bool:
    """Tell whether the password matches the user's; spend the same time for unknown users."""
    try:
        return _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
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
