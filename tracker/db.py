"""Declarative base, column types and helpers shared by every domain's models."""

import secrets
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Ids are `integer` columns on PostgreSQL: a larger one names no row (SQLite cannot bind one past 2**63).
MAX_ID = 2**31 - 1


def db_int(value) -> int:
    """Parse a whole number an integer column can hold, else raise ValueError (for `type=` and `coerce=`)."""
    number = int(value)
    if not -MAX_ID - 1 <= number <= MAX_ID:
        raise ValueError("число вне допустимого диапазона")
    return number


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC and always hand back aware UTC values.

    SQLite has no time zone support, so naive values read back are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current moment as an aware UTC datetime."""
    return datetime.now(UTC)


# Stamps are 40-bit: the sum of eight million of them stays within SQLite's 64-bit integer (PostgreSQL sums
# bigints exactly), and two states share a sum only by a chance of one in 2⁴⁰.
STAMP_BITS = 40


def new_stamp() -> int:
    """Return a random number that names one state of some rows (tracker/stamps.py)."""
    return secrets.randbits(STAMP_BITS)


def normalize_text(value: str | None) -> str:
    """Return text folded for case-insensitive Cyrillic search on every database."""
    if not value:
        return ""
    return " ".join(value.casefold().replace("ё", "е").split())


def _sqlite_foreign_keys(dbapi_connection, connection_record) -> None:
    """Switch on foreign keys (and their cascades) for every SQLite connection."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


def enable_sqlite_foreign_keys() -> None:
    """Make SQLite enforce foreign keys as PostgreSQL does; called once by the factory."""
    if not event.contains(Engine, "connect", _sqlite_foreign_keys):
        event.listen(Engine, "connect", _sqlite_foreign_keys)
