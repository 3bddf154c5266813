"""How requests use PostgreSQL connections (tracker/pool.py): reads hold no transaction, a write opens one
that the request commits or rolls back whole, and a connection the server dropped while idle is replaced."""

from contextlib import contextmanager
from datetime import date

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import bindparam, event, func, select, text

from tests.fixtures.auth import csrf_from
from tests.fixtures.pages import QueryCounter
from tracker import pool
from tracker.auth.access import user_scope
from tracker.extensions import db
from tracker.orgs.models import Organization
from tracker.roadmaps.models import Roadmap, RoadmapStatus
from tracker.tasks import queries
from tracker.tasks.models import TaskRollup
from tracker.tasks.permissions import LISTED_ROADMAP_STATUSES


@pytest.fixture
def postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: a SQLite file has no round trips to save")


@contextmanager
def statements():
    """Record (first word of each statement, whether a transaction was open after it) of every request."""
    seen: list[tuple[str, bool]] = []

    def after(_conn, cursor, statement, *_args) -> None:
        status = cursor.connection.info.transaction_status
        seen.append((statement.split(None, 1)[0].upper(), status != TransactionStatus.IDLE))

    event.listen(db.engine, "after_cursor_execute", after)
    try:
        yield seen
    finally:
        event.remove(db.engine, "after_cursor_execute", after)


def test_pages_read_without_a_transaction(postgresql, world, login_as, create_task):
    create_task(world.roadmap, world.activity, due=date(2026, 9, 1))
    browser = login_as(user=world.users["executor"])
    with statements() as seen:
        assert browser.get("/tasks/").status_code == 200
    assert seen and all(word == "SELECT" and not open_ for word, open_ in seen)


def test_a_form_is_one_transaction(postgresql, world, app):
    client = app.test_client()
    form = {"email": world.users["executor"].email, "password": "не тот пароль"}
    form["csrf_token"] = csrf_from(client.get("/login").text)
    with statements() as seen:
        # A wrong password: the user is read, the failure counted.
        assert client.post("/login", data=form).status_code == 401
    assert seen and all(open_ for _word, open_ in seen)


def test_a_page_that_writes_does_it_in_one_transaction(postgresql, world, login_as, create_task):
    """The overview stores the counts it made: the reads before run alone, the writes (a delete and an insert)
    in one transaction, which is committed."""
    create_task(world.roadmap, world.activity, due=date(2026, 9, 1))
    db.session.execute(TaskRollup.__table__.delete())
    db.session.commit()
    browser = login_as(user=world.users["coordinator"])
    with statements() as seen:
        assert browser.get("/tasks/overview").status_code == 200
    writes = [i for i, (word, _open) in enumerate(seen) if word != "SELECT"]
    assert writes and writes[0] > 0
    assert not any(open_ for _word, open_ in seen[: writes[0]])
    assert all(open_ for _word, open_ in seen[writes[0] : writes[-1] + 1])
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(TaskRollup)) > 0
    # Back in the pool, a connection begins transactions again for whoever takes it outside a request.
    with db.engine.connect() as connection:
        connection.execute(select(1))
        assert connection.connection.dbapi_connection.info.transaction_status == TransactionStatus.INTRANS


def test_a_connection_dropped_while_idle_is_replaced(postgresql, world, login_as, monkeypatch):
    browser = login_as(user=world.users["executor"])
    backends: set[int] = set()

    def backend(_conn, cursor, *_args) -> None:
        backends.add(cursor.connection.info.backend_pid)

    event.listen(db.engine, "after_cursor_execute", backend)
    try:
        assert browser.get("/tasks/").status_code == 200
    finally:
        event.remove(db.engine, "after_cursor_execute", backend)
    # The server ends the session the page used, now back in the pool (a restart, an idle timeout).
    own = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    for pid in backends - {own}:
        db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.commit()
    monkeypatch.setattr(pool, "IDLE_PING_S", 0.0)
    assert browser.get("/tasks/").status_code == 200


def test_only_statements_marked_prepared_are_prepared(postgresql):
    """A marked statement is prepared at its second run on a connection (a text run once is only run); any
    other is planned at every run, however often."""
    count = text("SELECT count(*) FROM pg_prepared_statements")
    with db.engine.connect() as connection:
        before = connection.execute(count).scalar()
        for _ in range(10):
            connection.execute(select(func.length("без подготовки"))).scalar()
        assert connection.execute(count).scalar() == before
        word = "подготовлен"
        marked = pool.prepared(select(func.length(word)))
        assert connection.execute(marked).scalar() == len(word)
        assert connection.execute(count).scalar() == before
        assert connection.execute(marked).scalar() == len(word)
        assert connection.execute(count).scalar() == before + 1
        connection.rollback()


def test_a_prepared_statement_holds_its_values_and_takes_what_each_run_gives(app, world):
    """Prepared, a statement has the values it was built with in its text (so PostgreSQL plans it knowing
    them) and only what is given at each run as parameters; it answers as the same statement unprepared."""
    path = world.orgs["municipality"].path
    visible = (
        select(Roadmap.id)
        .join(Organization, Organization.id == Roadmap.organization_id)
        .where(
            Organization.path.startswith(path),
            Roadmap.status.in_([RoadmapStatus.draft, RoadmapStatus.in_progress]),
            Roadmap.id == bindparam("roadmap_id"),
        )
    )
    for roadmap_id in (world.roadmap.id, world.roadmap.id + 1):
        expected = db.session.execute(visible, {"roadmap_id": roadmap_id}).scalars().all()
        with QueryCounter(db.engine) as sent:
            got = db.session.execute(pool.prepared(visible), {"roadmap_id": roadmap_id}).scalars().all()
        assert got == expected and expected in ([world.roadmap.id], [])
        (statement,), (parameters,) = sent.statements, sent.parameters
        assert f"'{path}'" in statement and "'draft', 'in_progress'" in statement
        assert list(parameters.values() if isinstance(parameters, dict) else parameters) == [roadmap_id]


def test_a_prepared_statement_is_planned_once_for_every_run(postgresql, world):
    """PostgreSQL makes one plan for all runs of a prepared statement that knows its values (a «generic»
    plan) rather than planning it again at each run."""
    scope = user_scope(world.users["school"])
    statement = pool.prepared(queries.visible_roadmaps_in(world.users["school"], LISTED_ROADMAP_STATUSES))
    with db.engine.connect() as connection:
        for _ in range(8):
            connection.execute(statement).all()
        # (Pooled connections may hold the same text from earlier tests: their ids repeat.)
        plans = connection.execute(
            text("SELECT max(generic_plans) FROM pg_prepared_statements WHERE statement LIKE :path"),
            {"path": f"%'{scope.full_path}'%"},
        ).scalar()
        connection.rollback()
    assert plans is not None and plans >= 1
