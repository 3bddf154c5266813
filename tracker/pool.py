"""How requests use their PostgreSQL connection: as few round trips to the server as is safe.

A page that is kept (tracker/memo.py) costs one statement: the state of what it shows, which also checks the
signed-in user kept by the process (tracker/auth/signed_in.py). Around it the driver would send three more
commands, each a round trip in which the worker waits for the server — under load, behind every other process
wanting the machine's cores:

- a ping as the connection is taken from the pool. A connection is pinged only when it has lain in the pool
  longer than `IDLE_PING_S`, long enough for the server to have been restarted or to have closed it; one in
  steady use is not. A connection the server dropped while it was in use fails its statement; the pool then
  discards every connection opened before that moment (SQLAlchemy's handling of a disconnect).
- BEGIN before the first statement and ROLLBACK after the last. A request with a safe method (GET, HEAD,
  OPTIONS) reads with the connection in autocommit mode: each SELECT is then its own transaction — which,
  under PostgreSQL's READ COMMITTED, is what each statement of a transaction sees anyway. The first statement
  that is not a plain SELECT (a page storing what it computed, a stamp renewed; a SELECT taking row locks
  counts as a write) switches the connection back before it is sent, so that statement and everything after
  it form one transaction that the request commits or rolls back as any other.

Statements are parsed and planned at every run, except those marked with `prepared`: the signed-in user, a
roadmap's heading, a feed's owner (rows found by key) and the states of pages (`stamps.state_of`) —
planning the signed-in user's statement cost more than running it. Each connection prepares such a
statement at its second run on it: preparing is a round trip of its own and the driver keeps 100 prepared
statements per connection, so a text run once (one school's page on a connection serving the whole region)
is only run. A prepared statement has the values it was built with written into its text, and only what is
given at each run (an id) as parameters: PostgreSQL's one plan for all runs then knows the scope's path and
the statuses counted. With them as parameters it either planned again at every run (a school's «Мои
задачи»: 0.44 ms of the server's CPU a run instead of 0.12) or planned without them (over a whole region a
loop over few organisations, twice as slow).

The driver's own preparing (after five runs of any statement) stays off: PostgreSQL may then plan a
statement once for all parameters, and for a statement whose best plan depends on them that is a trap —
measured here, the feed's former look-up of an officer's tasks took 73 ms a request instead of 3. (While
every request ended with ROLLBACK, which makes the driver forget what it prepared, nothing was ever
prepared; a request that rolls back still makes it forget, and the next one prepares again.)

SQLite, a file in the same process, has no round trips to save; none of this applies to it.
"""

from __future__ import annotations

import re
import time

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.sql import visitors
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import BindParameter

# Seconds a connection may lie in the pool and still be taken without a ping.
IDLE_PING_S = 10.0
# Requests that only read, by HTTP's definition; they may still write (see the module's docstring).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Keys of a pooled connection's `info`: when it was put back, and whether it reads in autocommit mode.
_IDLE_SINCE = "tracker_idle_since"
_READING = "tracker_reading"
# A SELECT that locks the rows it reads holds them until its transaction ends: it is run as a write.
_LOCKING = re.compile(r"\bFOR (?:NO KEY )?UPDATE\b|\bFOR (?:KEY )?SHARE\b")
# The execution option of statements prepared on PostgreSQL (see `prepared`).
_PREPARE = "tracker_prepare"
# Key of a pooled connection's `info`: how often it ran each marked statement's text; at most so many texts.
_RUNS = "tracker_runs"
_RUNS_KEPT = 1000


def engine_options(uri: str) -> dict:
    """Return the engine options this module expects for a database URI (given options take precedence)."""
    if uri.startswith("postgresql"):
        # The driver prepares a statement after this many runs: never, unless asked (`prepared`).
        return {"pool_pre_ping": False, "connect_args": {"prepare_threshold": 2**31 - 1}}
    return {}


def prepared(statement: Executable) -> Executable:
    """Mark a statement for PostgreSQL to parse and plan once per connection rather than at every run.

    The values the statement holds are written into its text; only the parameters given at each run
    (`bindparam("user_id")`) stay parameters. So only for statements kept per everything their values come
    from, whose best plan does not depend on what is given at each run: rows found by key, or none given.
    """
    written_in = visitors.cloned_traverse(statement, {}, {"bindparam": _write_in})
    return written_in.execution_options(**{_PREPARE: True})


def _write_in(parameter: BindParameter) -> None:
    if parameter.value is not None or parameter.callable is not None:
        parameter.literal_execute = True


def is_prepared(statement: Executable) -> bool:
    """Tell whether a statement is marked with `prepared`."""
    return bool(statement.get_execution_options().get(_PREPARE))


def _reading_request() -> bool:
    return has_request_context() and request.method in SAFE_METHODS


def _on_checkout(engine: Engine):
    def checkout(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.pop(_IDLE_SINCE, None)
        if idle_since is not None and time.monotonic() - idle_since > IDLE_PING_S:
            try:
                engine.dialect.do_ping(dbapi_connection)
            except engine.dialect.loaded_dbapi.Error as error:
                # The pool drops this connection and opens a fresh one in its place.
                raise DisconnectionError("the database connection was lost while idle") from error
        if _reading_request():
            dbapi_connection.autocommit = True
            record.info[_READING] = True

    return checkout


def _checkin(dbapi_connection, record) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()
    if record.info.pop(_READING, False) and dbapi_connection is not None and not dbapi_connection.closed:
        # Back in the pool the connection is as the driver made it, whoever takes it next.
        dbapi_connection.autocommit = False


def _reads_only(statement: str) -> bool:
    """Tell whether a statement only reads: a SELECT that locks no rows."""
    return statement.lstrip()[:6].upper() == "SELECT" and _LOCKING.search(statement) is None


def _before_cursor_execute(connection, _cursor, statement: str, _parameters, _context, _many) -> None:
    info = connection.info
    if info.get(_READING) and not _reads_only(statement):
        # A write: from here on the request's statements form one transaction (BEGIN goes with this one).
        info[_READING] = False
        connection.connection.dbapi_connection.autocommit = False


def _do_execute(cursor, statement: str, parameters, context) -> bool | None:
    if not context.execution_options.get(_PREPARE):
        return None
    runs = context.root_connection.info.setdefault(_RUNS, {})
    count = runs.get(statement, 0)
    if not count and len(runs) >= _RUNS_KEPT:
        runs.clear()
    runs[statement] = count + 1
    # Preparing is a round trip of its own: a text run once on this connection is only run.
    cursor.execute(statement, parameters, prepare=count > 0)
    return True


def tune_postgresql(engine: Engine) -> None:
    """Make requests' use of a PostgreSQL engine's connections as described in the module's docstring."""
    if engine.dialect.name != "postgresql":
        return
    event.listen(engine, "checkout", _on_checkout(engine))
    event.listen(engine, "checkin", _checkin)
    event.listen(engine, "before_cursor_execute", _before_cursor_execute)
    event.listen(engine, "do_execute", _do_execute)
