"""Stamps: random numbers that name one state of some rows, so pages can keep what they render from them.

Roadmaps, organisations and users carry a stamp that is replaced by a new random number whenever the row is
written through the session or by an update statement of the session (a user's only when what others see of
them changes: name, role, organisation, whether the account is active). A roadmap's stamp is also replaced
whenever one of its sections, activities, tasks or their evidence, links and assignees is written
(tracker/tasks/rollups.py).

A set of rows is named by its count and the sum of its stamps (`state_of`): adding, removing or writing any
row changes it — two states share a name only by a chance of one in 2⁴⁰. Being random rather than counted, a
stamp does not come back after a database is reset or restored, nor name a state of another database, so a
page kept under it is what a fresh render gives.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sqlalchemy import Select, event, func, inspect, select, true
from sqlalchemy.orm import Session

from tracker.auth.models import User
from tracker.db import new_stamp
from tracker.extensions import db
from tracker.memo import Memo
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Roadmap

# The stamp attribute of each stamped model, and the attributes whose change renews it (None: any column).
STAMPED: dict[type, tuple[str, tuple[str, ...] | None]] = {
    Roadmap: ("content_stamp", None),
    Organization: ("stamp", None),
    User: ("stamp", ("name", "role", "organization_id", "is_active_account")),
}


def _before_flush(session: Session, _context, _instances) -> None:
    for obj in session.dirty:
        stamped = STAMPED.get(type(obj))
        if stamped is None:
            continue
        attribute, watched = stamped
        if watched is None:
            renew = session.is_modified(obj, include_collections=False)
        else:
            attrs = inspect(obj).attrs
            renew = any(attrs[name].history.has_changes() for name in watched)
        if renew:
            setattr(obj, attribute, new_stamp())


# Statements naming the state of sets of rows, by what they are built from; per process.
_NAMINGS: Memo[Select] = Memo(256)


def state_of(key: Hashable, sources: Callable[[], Sequence[tuple[Select, Any]]]) -> tuple[int, ...]:
    """Return, for each (query, stamp column) of `sources`, its number of rows and the sum of their stamps:
    the name of their state, read in one statement.

    The statement is built once per `key`, which must name everything the queries are built from (building
    it costs more than running it).
    """
    return tuple(
        int(value) for value in db.session.execute(_NAMINGS.get(key, lambda: _naming(sources()))).one()
    )


def _naming(sources: Sequence[tuple[Select, Any]]) -> Select:
    parts = [
        query.with_only_columns(func.count().label("n"), func.coalesce(func.sum(stamp), 0).label("s"))
        .order_by(None)
        .subquery()
        for query, stamp in sources
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())
    return select(*(column for part in parts for column in (part.c.n, part.c.s))).select_from(joined)


def _bulk_update(state) -> None:
    # A statement updating many stamped rows at once gives them all a new stamp.
    if not state.is_update:
        return
    for mapper in state.all_mappers:
        stamped = STAMPED.get(mapper.class_)
        if stamped is not None:
            state.statement = state.statement.values({stamped[0]: new_stamp()})
            return


def install() -> None:
    """Listen to every session's flushes and bulk statements (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _bulk_update)
