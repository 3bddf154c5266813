"""Configuration: the only place that reads the environment."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _bool(name: str, default: bool) -> bool:
    """Read a yes/no environment variable."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    """Read an integer environment variable."""
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    """Settings for a real deployment; every value can be overridden by the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-change-me")
    INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", BASE_DIR / "instance"))
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{(BASE_DIR / 'instance' / 'tracker.db').as_posix()}"
    )
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    UPLOAD_DIR = Path(os.environ.get("UPLOAD_DIR", BASE_DIR / "instance" / "uploads"))
    MAX_UPLOAD_MB = _int("MAX_UPLOAD_MB", 25)
    MAX_IMPORT_MB = _int("MAX_IMPORT_MB", 20)
    # The request body limit must admit several evidence files at once.
    MAX_CONTENT_LENGTH = _int("MAX_REQUEST_MB", 110) * 1024 * 1024
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = _int("SMTP_PORT", 25)
    SMTP_USER = os.environ.get("SMTP_USER", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = _int("SMTP_TIMEOUT", 20)
    MAIL_FROM = os.environ.get("MAIL_FROM", "tracker@localhost")
    MAIL_OUTBOX_DIR = Path(os.environ.get("MAIL_OUTBOX_DIR", BASE_DIR / "instance" / "outbox"))
    DEFAULT_TIMEZONE = os.environ.get("DEFAULT_TIMEZONE", "Asia/Irkutsk")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    SCHEDULER_INTERVAL_SECONDS = _int("SCHEDULER_INTERVAL_SECONDS", 60)
    PASSWORD_MIN_LENGTH = _int("PASSWORD_MIN_LENGTH", 8)
    # Argon2id costs of new password hashes (RFC 9106 low-memory profile); a hash keeps its own costs.
    ARGON2_TIME_COST = _int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_KIB = _int("ARGON2_MEMORY_KIB", 65536)
    ARGON2_PARALLELISM = _int("ARGON2_PARALLELISM", 4)


class TestConfig(Config):
    """Settings for the test suite: a throw-away database, no real mail."""

    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    WTF_CSRF_ENABLED = True
    SERVER_NAME = None
    BASE_URL = "http://tracker.test"
    SMTP_HOST = ""
    PASSWORD_MIN_LENGTH = 8
    # Thousands of test users: the cheapest Argon2 the library allows, the same code path.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 8
    ARGON2_PARALLELISM = 1
