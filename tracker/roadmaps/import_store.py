"""Uploaded roadmap files kept between upload, preview and save, under INSTANCE_DIR/imports.

A file is stored under a random token, never under a name or path the client chose, next to a small JSON
record of who uploaded it and the choices made so far. Records older than a day are swept away.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

from flask import current_app

log = logging.getLogger(__name__)

MAX_AGE_SECONDS = 24 * 60 * 60
_TOKEN = re.compile(r"[0-9a-f]{32}")


@dataclass
class PendingImport:
    """An uploaded file waiting to be saved as a roadmap or applied as a corrected version."""

    token: str
    user_id: int
    filename: str
    created: float
    organization_id: int | None = None  # owner of a new roadmap
    roadmap_id: int | None = None  # roadmap a corrected version is for
    period: tuple[date, date] | None = None
    corrections: dict[int, str] = field(default_factory=dict)  # row → deadline text typed in the preview


def _folder() -> Path:
    """Return the folder of pending imports, creating it on first use."""
    folder = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write(path: Path, data: bytes) -> None:
    """Write a file readable by the server's user only, replacing any previous version at once."""
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def _dump(pending: PendingImport) -> bytes:
    """Serialise a record to JSON."""
    record = asdict(pending)
    record["period"] = [d.isoformat() for d in pending.period] if pending.period else None
    record["corrections"] = {str(row): text for row, text in pending.corrections.items()}
    return json.dumps(record, ensure_ascii=False).encode("utf-8")


def _load(raw: bytes) -> PendingImport:
    """Read a record back from JSON."""
    record = json.loads(raw)
    period = record.pop("period")
    corrections = record.pop("corrections")
    return PendingImport(
        **record,
        period=(date.fromisoformat(period[0]), date.fromisoformat(period[1])) if period else None,
        corrections={int(row): text for row, text in corrections.items()},
    )


def create_pending(data: bytes, user_id: int, filename: str, **choices) -> PendingImport:
    """Store an uploaded file under a new random token and return its record."""
    sweep_expired()
    pending = PendingImport(
        token=secrets.token_hex(16), user_id=user_id, filename=filename, created=time.time(), **choices
    )
    folder = _folder()
    _write(folder / f"{pending.token}.bin", data)
    _write(folder / f"{pending.token}.json", _dump(pending))
    return pending


def load_pending(token: str, user_id: int) -> PendingImport | None:
    """Return the record of a token if it exists, belongs to the user and has not expired."""
    if not _TOKEN.fullmatch(token or ""):
        return None
    path = _folder() / f"{token}.json"
    try:
        pending = _load(path.read_bytes())
    except (OSError, ValueError, TypeError, KeyError):
        return None
    if pending.user_id != user_id or pending.token != token:
        return None
    if time.time() - pending.created > MAX_AGE_SECONDS:
        discard_pending(token)
        return None
    return pending


def read_data(pending: PendingImport) -> bytes:
    """Return the uploaded file's bytes."""
    return (_folder() / f"{pending.token}.bin").read_bytes()


def save_pending(pending: PendingImport) -> None:
    """Store the record's changed choices."""
    _write(_folder() / f"{pending.token}.json", _dump(pending))


def discard_pending(token: str) -> None:
    """Delete an upload and its record."""
    if not _TOKEN.fullmatch(token or ""):
        return
    for suffix in (".bin", ".json", ".tmp"):
        (_folder() / f"{token}{suffix}").unlink(missing_ok=True)


def sweep_expired(now: float | None = None) -> int:
    """Delete uploads older than a day; return how many files were removed."""
    limit = (time.time() if now is None else now) - MAX_AGE_SECONDS
    removed = 0
    for path in _folder().iterdir():
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:  # another request swept it first
            continue
    if removed:
        log.info("swept %s expired import files", removed)
    return removed
