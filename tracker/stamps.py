"""Stamps: random numbers that name one state of some rows, so pages can keep what they render from them.

Roadmaps, organisations and users carry a stamp that is replaced by a new random number whenever the row is
written through the session or by an update statement of the session (a user's only when what others see of
them changes — name, role, organisation, whether the account is active — or their calendar key, which their
feed is kept under). A roadmap's stamp is also replaced
whenever one of its sections, activities, tasks or their evidence, links and assignees is written
(tracker/tasks/rollups.py).

A set of rows is named by its count and the sum of its stamps (`state_of`): adding, removing or writing any
row changes it — two states share a name only by a chance of one in 2⁴⁰. Being random rather than counted, a
stamp does not come back after a database is reset or restored, nor name a state of another database, so a
page kept under it is what a fresh render gives.

Users and organisations, which change seldom, also have a stamp for their whole table (`TableStamp`), renewed
with any row's: a page drawn from any of them names their state by one row instead of summing thousands.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

from sqlalchemy import BigInteger, Select, String, event, func, inspect, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.auth import signed_in
from tracker.auth.models import User
from tracker.db import new_stamp
from tracker.extensions import db
from tracker.memo import Memo
from tracker.orgs.models import Organization
from tracker.pool import prepared
from tracker.roadmaps.models import Roadmap

# The stamp attribute of each stamped model, and the attributes whose change renews it (None: any column).
STAMPED: dict[type, tuple[str, tuple[str, ...] | None]] = {
    Roadmap: ("content_stamp", None),
    Organization: ("stamp", None),
    User: ("stamp", ("name", "role", "organization_id", "is_active_account", "calendar_key")),
}


# The tables named as a whole by one stamp, by model.
WHOLE: dict[type, str] = {User: "users", Organization: "organizations"}


class TableStamp(db.Model):
    """The stamp of a whole table, renewed whenever any of its rows is (see WHOLE)."""

    __tablename__ = "table_stamps"

    # The table's name.
    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    stamp: Mapped[int] = mapped_column(BigInteger)


def _before_flush(session: Session, _context, _instances) -> None:
    tables = {WHOLE[type(obj)] for obj in (*session.new, *session.deleted) if type(obj) in WHOLE}
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
            if type(obj) in WHOLE:
                tables.add(WHOLE[type(obj)])
    if tables:
        renew_tables(session.connection(), tables)


def renew_tables(connection: Connection, tables: set[str]) -> None:
    """Give the tables new stamps, inserting the row of a table that has none yet."""
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    for name in sorted(tables):
        statement = insert(TableStamp).values(name=name, stamp=new_stamp())
        connection.execute(
            statement.on_conflict_do_update(index_elements=["name"], set_={"stamp": statement.excluded.stamp})
        )


def whole(model: type) -> Select:
    """Return the source of `state_of` naming the state of a whole table of WHOLE."""
    return select(TableStamp).where(TableStamp.name == WHOLE[model])


# Statements naming the state of sets of rows, by what they are built from; per process.
_NAMINGS: Memo[Select] = Memo(256)


def state_of(key: Hashable, sources: Callable[[], Sequence[Select | tuple[Select, Any]]]) -> tuple[int, ...]:
    """Return, for each (query, stamp column) of `sources`, its number of rows and the sum of their stamps,
    and for each `whole(model)` the stamp of that table: the name of their state, read in one statement.

    The statement is built once per `key`, which must name everything the queries are built from (building
    it costs more than running it). Holding no parameters, it is prepared on PostgreSQL (`pool.prepared`):
    planned once per connection with every value known.
    """

    def build() -> Select:
        return prepared(_naming(sources()))

    # A page's first statement: it also checks the signed-in user when they are kept (auth/signed_in.py).
    return tuple(int(value) for value in signed_in.execute_one(_NAMINGS.get(key, build)))


def _naming(sources: Sequence[Select | tuple[Select, Any]]) -> Select:
    columns, parts = [], []
    for source in sources:
        if isinstance(source, Select):
            # A table that has no stamp yet (an empty database) reads 0 until its first write.
            columns.append(func.coalesce(source.with_only_columns(TableStamp.stamp).scalar_subquery(), 0))
            continue
        query, stamp = source
        part = (
            query.with_only_columns(func.count().label("n"), func.coalesce(func.sum(stamp), 0).label("s"))
            .order_by(None)
            .subquery()
        )
        parts.append(part)
        columns += [part.c.n, part.c.s]
    naming = select(*columns)
    if parts:
        joined = parts[0]
        for part in parts[1:]:
            joined = joined.join(part, true())
        naming = naming.select_from(joined)
    return naming


def _bulk_statement(state) -> None:
    # A statement updating many stamped rows at once gives them all a new stamp; one that writes rows of a
    # table named as a whole renews the table's stamp.
    if not (state.is_update or state.is_insert or state.is_delete):
        return
    for mapper in state.all_mappers:
        stamped = STAMPED.get(mapper.class_)
        if stamped is not None and state.is_update:
            state.statement = state.statement.values({stamped[0]: new_stamp()})
        if mapper.class_ in WHOLE:
            renew_tables(state.session.connection(), {WHOLE[mapper.class_]})
        if stamped is not None:
            return


def install() -> None:
    """Listen to every session's flushes and bulk statements (once per process)."""
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "do_orm_execute", _bulk_statement)
