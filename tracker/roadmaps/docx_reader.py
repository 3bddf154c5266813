"""Read a .docx body into paragraphs and grid tables with merged cells resolved.

A Word table is a list of rows of `w:tc` cells; a cell may span several grid columns (`w:gridSpan`),
continue a vertical merge from the row above (`w:vMerge`) or be preceded by skipped grid columns
(`w:gridBefore`). `read_blocks` flattens every table into a rectangular grid where each grid column of
each row holds a `GridCell`; cells of one merged block share their `origin`, and rows covered by a
vertical merge get the block's text with `continued=True`. Spreadsheet readers build the same grid.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import docx
from docx.oxml.ns import qn
from lxml import etree

log = logging.getLogger(__name__)

# Wrappers Word puts around rows, cells and body content (content controls, custom XML, smart tags).
_WRAPPERS = frozenset(qn(t) for t in ("w:sdt", "w:sdtContent", "w:customXml", "w:smartTag"))
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_W_P, _W_TBL, _W_TR, _W_TC = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc")
_W_T, _W_TAB, _W_BR, _W_CR = qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr")
_W_NB_HYPHEN, _W_SOFT_HYPHEN = qn("w:noBreakHyphen"), qn("w:softHyphen")
_W_VAL = qn("w:val")
# A malformed or hostile file must not make us allocate an absurd grid.
MAX_GRID_COLUMNS = 64


@dataclass(frozen=True, slots=True)
class GridCell:
    """One grid position of a table row."""

    text: str  # raw text, paragraphs and line breaks as "\n"
    origin: tuple[int, int]  # (row, column) of the merged block's top-left cell; equal origins = one cell
    span: int = 1  # grid columns the block covers
    continued: bool = False  # the row only continues a vertical merge started above


@dataclass(slots=True)
class GridTable:
    """A table as a rectangular grid of cells."""

    rows: list[list[GridCell]]
    first_row: int  # running 1-based row number of rows[0] (see importer's row convention)
    name: str = ""  # a sheet name for spreadsheets, empty for Word tables

    @property
    def width(self) -> int:
        """Return the number of grid columns."""
        return len(self.rows[0]) if self.rows else 0


@dataclass(frozen=True, slots=True)
class DocParagraph:
    """A body paragraph outside tables."""

    text: str


Block = DocParagraph | GridTable


def read_blocks(data: bytes) -> list[Block]:
    """Return the body paragraphs and tables of a .docx in document order."""
    document = docx.Document(io.BytesIO(data))
    blocks: list[Block] = []
    _read_container(document.element.body, blocks, depth=0)
    log.debug("read %s blocks", len(blocks))
    return blocks


def _read_container(container: etree._Element, blocks: list[Block], depth: int) -> None:
    """Append the paragraphs and tables of a body (or of a layout table's cell) to `blocks`."""
    for element in _children(container, (_W_P, _W_TBL)):
        if element.tag == _W_P:
            blocks.append(DocParagraph(element_text(element)))
        elif depth < 3 and (cells := _layout_cells(element)):
            # Some documents put the whole roadmap inside a one-column frame table: read what it holds.
            for tc in cells:
                _read_container(tc, blocks, depth + 1)
        else:
            tables = [b for b in blocks if isinstance(b, GridTable)]
            next_row = tables[-1].first_row + len(tables[-1].rows) if tables else 1
            blocks.append(read_table(element, next_row))


def _layout_cells(tbl: etree._Element) -> list[etree._Element]:
    """Return the cells of a frame table (one cell per row, holding tables), else an empty list."""
    cells = []
    for tr in _children(tbl, (_W_TR,)):
        row = list(_children(tr, (_W_TC,)))
        if len(row) != 1:
            return []
        cells.append(row[0])
    return cells if any(tc.find(_W_TBL) is not None for tc in cells) else []


def read_table(tbl: etree._Element, first_row: int) -> GridTable:
    """Flatten one `w:tbl` into a grid, resolving horizontal and vertical merges."""
    rows: list[list[GridCell]] = []
    for r, tr in enumerate(_children(tbl, (_W_TR,))):
        above = rows[-1] if rows else []
        row: list[GridCell] = []
        for _ in range(_row_property(tr, "w:gridBefore")):
            row.append(GridCell("", (r, len(row))))
        for tc in _children(tr, (_W_TC,)):
            if len(row) >= MAX_GRID_COLUMNS:
                break
            span, vmerge, hmerge_continue = _cell_properties(tc)
            col = len(row)
            if vmerge == "continue" and col < len(above):
                top = above[col]
                cell = GridCell(top.text, top.origin, span, continued=True)
            elif hmerge_continue and row:
                left = row[-1]
                cell = GridCell(left.text, left.origin, left.span + span, left.continued)
            else:
                cell = GridCell(element_text(tc), (r, col), span)
            row.extend([cell] * min(span, MAX_GRID_COLUMNS - col))
        rows.append(row)
    width = max((len(row) for row in rows), default=0)
    for r, row in enumerate(rows):
        row.extend(GridCell("", (r, c)) for c in range(len(row), width))
    return GridTable(rows, first_row)


def element_text(element: etree._Element) -> str:
    """Return the visible text of a paragraph or cell, paragraphs and breaks as newlines."""
    parts: list[str] = []
    # An explicit stack instead of recursion: nesting depth is attacker-controlled.
    stack: list[tuple[etree._Element, bool]] = [(element, False)]
    while stack:
        node, closing = stack.pop()
        tag = node.tag
        if closing:
            parts.append("\n")
            continue
        if tag == _W_T:
            parts.append(node.text or "")
        elif tag in (_W_TAB,):
            parts.append(" ")
        elif tag in (_W_BR, _W_CR):
            parts.append("\n")
        elif tag == _W_NB_HYPHEN:
            parts.append("-")
        elif tag == _W_SOFT_HYPHEN:
            parts.append("\u00ad")
        elif tag == _MC_FALLBACK or not isinstance(tag, str):
            # Fallback duplicates the mc:Choice content; comments and processing instructions have no text.
            continue
        else:
            if tag == _W_P:
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
    return "".join(parts).strip("\n")


def _children(parent: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    """Yield the children with one of `tags`, looking through content-control wrappers."""
    for child in parent:
        if child.tag in tags:
            yield child
        elif child.tag in _WRAPPERS:
            yield from _children(child, tags)


def _row_property(tr: etree._Element, name: str) -> int:
    """Return an integer row property such as `w:gridBefore` (0 when absent or invalid)."""
    trpr = tr.find(qn("w:trPr"))
    prop = trpr.find(qn(name)) if trpr is not None else None
    return _int(prop.get(_W_VAL) if prop is not None else None, default=0)


def _cell_properties(tc: etree._Element) -> tuple[int, str | None, bool]:
    """Return a cell's grid span, vertical merge state and whether it continues a legacy hMerge."""
    tcpr = tc.find(qn("w:tcPr"))
    if tcpr is None:
        return 1, None, False
    span_el = tcpr.find(qn("w:gridSpan"))
    span = _int(span_el.get(_W_VAL) if span_el is not None else None, default=1)
    vmerge_el = tcpr.find(qn("w:vMerge"))
    # <w:vMerge/> without a value means "continue" (ECMA-376 17.4.85).
    vmerge = None if vmerge_el is None else (vmerge_el.get(_W_VAL) or "continue")
    hmerge_el = tcpr.find(qn("w:hMerge"))
    hmerge_continue = hmerge_el is not None and (hmerge_el.get(_W_VAL) or "continue") == "continue"
    return max(1, span), vmerge, hmerge_continue


def _int(value: str | None, default: int) -> int:
    """Parse a small non-negative integer attribute, clamped to the grid limit."""
    try:
        return min(max(int(value or ""), 0), MAX_GRID_COLUMNS)
    except ValueError:
        return default
