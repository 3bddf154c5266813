"""The three Word documents of a roadmap, from the database to bytes and a file name.

Shared by the download views and the ``tracker report`` commands, so both give the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tracker.reports import adapters
from tracker.reports.annual import build_annual_docx
from tracker.reports.approval import build_approval_docx
from tracker.reports.data import half_year, quarter, whole_year
from tracker.reports.execution import build_execution_docx
from tracker.roadmaps.models import Roadmap

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
APPROVAL_FILE = "Дорожная карта {id} на утверждение.docx"
EXECUTION_FILE = "Отчёт о выполнении дорожной карты {id} за {period}.docx"
ANNUAL_FILE = "Аналитический отчёт по дорожной карте {id} за {year} год.docx"


@dataclass(frozen=True)
class Document:
    """A rendered report: its suggested file name and its content."""

    filename: str
    content: bytes
    mimetype: str = DOCX_MIMETYPE


def local_today(roadmap: Roadmap) -> date:
    """Return today's date where the roadmap's owner is (Irkutsk and Moscow differ by five hours)."""
    return datetime.now(ZoneInfo(roadmap.organization.timezone)).date()


def approval_document(roadmap: Roadmap) -> Document:
    """Render the roadmap for approval."""
    content = build_approval_docx(adapters.load_report_roadmap(roadmap, with_marks=False))
    return Document(APPROVAL_FILE.format(id=roadmap.id), content)


def execution_document(roadmap: Roadmap, start: date, end: date, today: date) -> Document:
    """Render the execution report for the period [start, end] as of today."""
    content = build_execution_docx(adapters.load_report_roadmap(roadmap), start, end, today)
    return Document(EXECUTION_FILE.format(id=roadmap.id, period=period_code(start, end)), content)


def annual_document(roadmap: Roadmap, year: int, today: date) -> Document:
    """Render the analytical report for a year; a year still running is reported as of today."""
    content = build_annual_docx(
        adapters.load_report_roadmap(roadmap),
        year,
        adapters.load_indicators(roadmap.id),
        adapters.load_classification(roadmap, year),
        # A past year is judged as at its end: whatever is still open then is overdue.
        today if today.year <= year else None,
    )
    return Document(ANNUAL_FILE.format(id=roadmap.id, year=year), content)


def period_code(start: date, end: date) -> str:
    """Return «2026», «2026H1», «2026Q3» for a whole period, else «20260115-20260320»."""
    year = start.year
    if (start, end) == whole_year(year):
        return str(year)
    for n in (1, 2):
        if (start, end) == half_year(year, n):
            return f"{year}H{n}"
    for n in (1, 2, 3, 4):
        if (start, end) == quarter(year, n):
            return f"{year}Q{n}"
    return f"{start:%Y%m%d}-{end:%Y%m%d}"
