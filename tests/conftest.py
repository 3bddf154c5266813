"""Test set-up: one application per session, a clean database for every test, factory fixtures."""

import contextvars
import os
import re
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from tracker.app import create_app
from tracker.extensions import db

pytest_plugins = [
    "tests.fixtures.orgs",
    "tests.fixtures.auth",
    "tests.fixtures.roadmaps",
    "tests.fixtures.notifications",
    "tests.fixtures.tasks",
    "tests.fixtures.analysis",
    "tests.fixtures.reports",
    "tests.fixtures.permissions",
]

# Copies of ../shared/samples (real roadmaps, deadline phrases, the school data set).
SAMPLES = Path(__file__).resolve().parent / "samples"


def _database_url(tmp_dir: str) -> str:
    """Return the test database: TEST_DATABASE_URL (PostgreSQL) or a throw-away SQLite file."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        # psycopg 3 is the installed driver; accept plain postgresql:// URLs.
        return re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", url)
    return f"sqlite:///{tmp_dir}/test.db"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context, as in production.

    Tests hold an application context for direct database access; without this, requests would reuse it and
    share `g` (the signed-in user) and the database session across requests.
    """

    def open(self, *args, **kwargs):
        # Buffered responses close their body (e.g. a sent file) at once, leaving no open handles behind.
        kwargs.setdefault("buffered", True)
        response = contextvars.Context().run(super().open, *args, **kwargs)
        try:
            # What the request committed must be visible to the test's own session.
            db.session.expire_all()
        except RuntimeError:
            pass
        return response


@pytest.fixture(scope="session")
def app():
    """Build the application once and migrate an empty database to the latest schema."""
    tmp_dir = tempfile.mkdtemp(prefix="tracker-test-")
    url = _database_url(tmp_dir)
    application = create_app(
        "config.TestConfig",
        SQLALCHEMY_DATABASE_URI=url,
        UPLOAD_DIR=Path(tmp_dir) / "uploads",
        MAIL_OUTBOX_DIR=Path(tmp_dir) / "outbox",
        INSTANCE_DIR=Path(tmp_dir),
    )
    application.test_client_class = IsolatedClient
    with application.app_context():
        _reset_schema()
        from flask_migrate import upgrade

        # Domains add their migrations as branches from the same base; "heads" applies them all.
        upgrade(revision="heads")
    yield application
    with application.app_context():
        db.session.remove()
        # Pooled connections are closed here rather than left to the garbage collector.
        db.engine.dispose()


def _reset_schema() -> None:
    """Drop whatever a previous run left in the test database."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(autouse=True)
def _clean_database(request):
    """Give every test that uses the application an empty database and an application context."""
    if "app" not in request.fixturenames:
        # Pure-module tests need neither.
        yield
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        yield
        db.session.rollback()
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def client(app):
    """Return a test client of the web application."""
    return app.test_client()


def pytest_configure(config):
    """Register the markers of this suite."""
    config.addinivalue_line("markers", "browser: the test drives real Chromium")
