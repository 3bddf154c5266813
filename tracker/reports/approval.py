"""The roadmap for approval: approval block, title, goal and the roadmap table, ready to sign.

The layout is the one the importer reads (spec/import.md, layout 1), so an exported roadmap imports back.
"""

from __future__ import annotations

from tracker.dates import format_date_ru
from tracker.reports.data import Approval, ReportRoadmap
from tracker.reports.docx_common import (
    add_roadmap_table,
    add_text,
    new_document,
    title_with_period,
    to_bytes,
    usable_width,
)

APPROVED = "УТВЕРЖДЕНА"
APPROVED_BY_BLANK = "приказом ______________________________"
ORDER_DATE = "от {date}"
ORDER_DATE_BLANK = "от «___» ________ 20__ г."
ORDER_NUMBER = "№ {number}"
ORDER_NUMBER_BLANK = "№ ____"
GOAL = "Цель: {goal}"
# The approval block sits in the right part of the page, its lines aligned left, as on signed orders.
APPROVAL_BLOCK_MM = 95


def build_approval_docx(roadmap: ReportRoadmap) -> bytes:
    """Render the roadmap for approval as .docx bytes."""
    doc = new_document(title=roadmap.title, author=roadmap.organization)
    indent = usable_width(doc) / 1440 * 25.4 - APPROVAL_BLOCK_MM
    for line in approval_lines(roadmap.approval):
        add_text(doc, line, indent_mm=indent)
    add_text(
        doc,
        title_with_period(roadmap.title, roadmap.period_start, roadmap.period_end),
        bold=True,
        align="center",
        space_before=18,
        space_after=12,
    )
    if roadmap.goal:
        goal = roadmap.goal if roadmap.goal.lower().startswith("цель") else GOAL.format(goal=roadmap.goal)
        add_text(doc, goal, align="both", space_after=12)
    add_roadmap_table(doc, roadmap)
    return to_bytes(doc)


def approval_lines(approval: Approval | None) -> list[str]:
    """Return the lines of the approval block, with blanks for what is not yet known."""
    approved_by = approval.approved_by if approval and approval.approved_by else APPROVED_BY_BLANK
    order_date = approval.order_date if approval else None
    order_number = approval.order_number if approval else None
    when = ORDER_DATE.format(date=format_date_ru(order_date)) if order_date else ORDER_DATE_BLANK
    number = ORDER_NUMBER.format(number=order_number) if order_number else ORDER_NUMBER_BLANK
    return [APPROVED, approved_by, f"{when} {number}"]
