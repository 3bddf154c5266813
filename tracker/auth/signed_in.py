"""The signed-in user: read for every request, or kept per process for the pages that check it themselves.

Every page needs its signed-in user with the organisations their scope is derived from (tracker/auth/
access.py). Read on its own, that is a statement per request — on a kept page (tracker/memo.py) half of the
round trips and a third of the Python it costs. A view marked `@checks_signed_in` (a page that only reads)
is given instead, for GET and HEAD requests, the user as this process last read them: a snapshot of the user
and every organisation above them, outside any session. The first statement the view runs through
`execute_one` (the state of what the page shows) reads, besides its own row, the user's stamp and the sum of
those organisations' stamps. A user's stamp changes with their name, role, organisation, calendar key and
whether their account is active, an organisation's with any of its columns (tracker/stamps.py); when they
differ from the snapshot's — or the user is gone — that row is dropped, the user is read again as on any
other page, and the view runs again from the start with them. A view that ends or aborts before such a
statement has the user checked by a statement of its own before its answer goes. So nothing decided from a
stale snapshot leaves the request, and a change to a user takes effect at their next page, as it does
without snapshots.

A snapshot is read-only: it belongs to no session (nothing loads through it, nothing is written through it),
and the views marked only read. Its organisations are loaded up to the root, so walking up the tree needs no
session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import current_app, g, request
from flask_login import current_user
from sqlalchemy import Select, bindparam, func, literal, select, true
from sqlalchemy.orm import joinedload

from tracker.auth.models import User
from tracker.extensions import db
from tracker.memo import Memo
from tracker.orgs.models import Organization
from tracker.pool import is_prepared, prepared

# Organisations above a user (their own included) that a snapshot can check in one statement; a user deeper
# in the tree is read for every request.
DEPTH = 6
# The attribute marking a view that checks a kept user (`checks_signed_in`).
_MARK = "checks_signed_in"
# The methods whose requests run a checking view (and are safe, so the view may run twice).
_VIEWED = frozenset({"GET", "HEAD"})
# Where a request keeps its snapshot until it is checked.
_UNCHECKED = "signed_in_unchecked"

# The user with their organisation and the two above it: enough for the scope of nearly every user (a
# school's or a branch's municipality) without another statement.
_READ = prepared(
    select(User)
    .where(User.id == bindparam("user_id"))
    .options(joinedload(User.organization).joinedload(Organization.parent).joinedload(Organization.parent))
)
# What a statement of a checking view reads besides its row: the user's stamp and their organisations' sum.
_USER_STAMP = select(User.stamp).where(User.id == bindparam("signed_in_user")).scalar_subquery()
_ORGANIZATIONS_STAMP = (
    select(func.coalesce(func.sum(Organization.stamp), 0))
    .where(Organization.id.in_([bindparam(f"signed_in_organization_{i}") for i in range(DEPTH)]))
    .scalar_subquery()
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A user as read, with the organisations above them (their own first), outside any session."""

    user: User
    organizations: tuple[Organization, ...]

    @property
    def stamps(self) -> tuple[int, int]:
        """The user's stamp and the sum of the organisations' stamps, as read."""
        return self.user.stamp, sum(organization.stamp for organization in self.organizations)

    @property
    def parameters(self) -> dict[str, int]:
        """The values of the checking columns' parameters (the last organisation repeated to fill them)."""
        ids = [organization.id for organization in self.organizations]
        ids += ids[-1:] * (DEPTH - len(ids))
        return {"signed_in_user": self.user.id} | {
            f"signed_in_organization_{i}": value for i, value in enumerate(ids)
        }


class Changed(Exception):
    """The kept user differs from the database's: the view is to run again with the user read anew."""


# Snapshots by user id; per process.
_KEPT: Memo[Snapshot] = Memo(1024)
# Statements of checking views with the checking columns, by the statement; per process.
_CHECKING: Memo[Select] = Memo(512)


def read(user_id: int) -> User | None:
    """Read the user (and the two organisations above theirs) in the request's session."""
    return db.session.execute(_READ, {"user_id": user_id}).scalar_one_or_none()


def load(user_id: str) -> User | None:
    """Return the signed-in user of the request (Flask-Login's user loader): kept, for a checking view."""
    if not user_id.isdigit():
        return None
    view = current_app.view_functions.get(request.endpoint or "")
    # Not for OPTIONS: Flask answers it without running the view, so nothing would check the user.
    if request.method not in _VIEWED or not getattr(view, _MARK, False):
        return read(int(user_id))
    snapshot = _KEPT.peek(int(user_id))
    # Only an active user's snapshot is given: what runs before the view (the sign-in check) then lets the
    # request through to the view, which checks them; an inactive one is read again, and kept as they are now.
    if snapshot is not None and snapshot.user.is_active:
        setattr(g, _UNCHECKED, snapshot)
        return snapshot.user
    return _read_and_keep(int(user_id))


def _read_and_keep(user_id: int) -> User | None:
    """Read the user and keep a snapshot of them; they are then detached from the request's session."""
    user = read(user_id)
    if user is None:
        return None
    organizations = []
    # Loads what the joined statement left out (a deep tree's upper organisations): a snapshot has no session.
    organization: Organization | None = user.organization
    while organization is not None:
        organizations.append(organization)
        organization = organization.parent
    if len(organizations) > DEPTH:
        return user
    for instance in (user, *organizations):
        db.session.expunge(instance)
    _KEPT.put(user_id, Snapshot(user, tuple(organizations)))
    return user


def execute_one(statement: Select, parameters: dict[str, Any] | None = None) -> tuple | None:
    """Return the one row of a statement (None when it finds none), a statement its caller keeps.

    When the request's user is a snapshot not yet checked, the same statement checks it: the row comes with
    the user's and their organisations' stamps, and `Changed` is raised when they differ from the snapshot's.
    """
    snapshot: Snapshot | None = g.get(_UNCHECKED)
    if snapshot is None:
        row = db.session.execute(statement, parameters).one_or_none()
        return None if row is None else tuple(row)
    checking = _CHECKING.get(statement, lambda: _checking(statement))
    row = db.session.execute(checking, (parameters or {}) | snapshot.parameters).one()
    if (row[0], row[1]) != snapshot.stamps:
        raise Changed
    g.pop(_UNCHECKED)
    return tuple(row[3:]) if row[2] is not None else None


def _checking(statement: Select) -> Select:
    """Return the statement with the checking columns first and a mark of whether it found its row; outer-
    joined to one row, so the user is checked even when the statement finds none."""
    found = statement.add_columns(literal(1).label("signed_in_found")).subquery()
    one = select(literal(1).label("one")).subquery()
    checking = select(_USER_STAMP, _ORGANIZATIONS_STAMP, found.c.signed_in_found, *found.c[:-1])
    checking = checking.select_from(one.outerjoin(found, true()))
    return prepared(checking) if is_prepared(statement) else checking


# The statement checking a user whose view found no statement to check them with.
_CHECK = select(literal(1))


def settle() -> bool:
    """Check the request's kept user if they are not checked yet, putting the user as they are now in their
    place when they changed (or an anonymous visitor when they are gone); tell whether they changed.

    For what answers without a checking statement: a view ending without one, an error page (its menu shows
    the user)."""
    # Loaded now if nothing has asked for them yet (a guard refusing the request before any view).
    current_user._get_current_object()
    if g.get(_UNCHECKED) is None:
        return False
    try:
        execute_one(_CHECK)
    except Changed:
        _read_again()
        return True
    return False


def checks_signed_in(view: Callable) -> Callable:
    """Mark a view (one that only reads) as one given a kept user, which it checks (see the module)."""

    @wraps(view)
    def checking_view(*args, **kwargs):
        try:
            answer = view(*args, **kwargs)
        except Changed:
            _read_again()
        except Exception:
            # A refusal (or a failure) decided from a stale user is not the user's answer.
            if not settle():
                raise
        else:
            if not settle():
                return answer
        # The view again, with the user as they are now (or the sign-in page when they may no longer sign in).
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        return view(*args, **kwargs)

    setattr(checking_view, _MARK, True)
    return checking_view


def _read_again() -> None:
    """Put the signed-in user as they are now in the snapshot's place: read anew (and kept), or an anonymous
    visitor when they are gone."""
    snapshot: Snapshot = g.pop(_UNCHECKED)
    # What was derived from the snapshot in this request (the scope) is derived again.
    g.pop("scopes", None)
    # As Flask-Login's own loading ends: the user, or an anonymous one when there is none.
    current_app.login_manager._update_request_context_with_user(_read_and_keep(snapshot.user.id))
