"""Shared pieces of the Word reports: page setup, fonts, fast tables, the roadmap table, Russian wording.

Formatting follows Russian office practice: A4, Times New Roman 12 pt, margins 30/15/20/20 mm, tables
whose header row repeats on every page, page numbers in the footer.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from babel.numbers import format_decimal, format_percent
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt
from docx.text.paragraph import Paragraph
from lxml import etree

from tracker.dates import format_date_ru
from tracker.reports.data import ColumnKey, ReportActivity, ReportRoadmap, ReportSection, half_year, quarter

FONT_NAME = "Times New Roman"
FONT_SIZE_PT = 12
A4_MM = (210, 297)
MARGINS_MM = {"left": 30, "right": 15, "top": 20, "bottom": 20}
LOCALE = "ru"

COLUMN_HEADINGS: dict[ColumnKey, str] = {
    "number": "№ п/п",
    "title": "Мероприятие",
    "deadline": "Срок реализации",
    "responsible": "Ответственные",
    "participants": "Участники",
    "result": "Планируемый результат",
    "control": "Контроль",
}
# Relative widths: the activity and its result carry most of the text.
COLUMN_WEIGHTS: dict[ColumnKey, int] = {
    "number": 7,
    "title": 24,
    "deadline": 13,
    "responsible": 17,
    "participants": 14,
    "result": 22,
    "control": 13,
}
_ACTIVITY_FIELDS: dict[ColumnKey, Callable[[ReportActivity], str]] = {
    "number": lambda a: a.number or "",
    "title": lambda a: a.title,
    "deadline": lambda a: a.deadline_text,
    "responsible": lambda a: a.responsible,
    "participants": lambda a: a.participants,
    "result": lambda a: a.result,
    "control": lambda a: a.control,
}

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
PERIOD_QUARTER = "{roman} квартал {year} г."
PERIOD_HALF = "{roman} полугодие {year} г."
PERIOD_YEAR = "{year} год"
PERIOD_RANGE = "период с {start} по {end}"
YEARS_SUFFIX = "на {start}–{end} годы"
YEAR_SUFFIX = "на {year} год"
_YEAR_RANGE = re.compile(r"\d{4}\s*[-–—]\s*\d{4}")
_UNTIL_YEAR = re.compile(r"\s*(?:на\s+период\s+)?до\s+\d{4}\s+года\.?\s*$", re.IGNORECASE)
# Characters XML 1.0 forbids; Word's vertical tab (manual line break in pasted text) becomes a new line.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0c\x0e-\x1f]")

# 1 mm instead of Word's 1.9 mm: with eight columns on a page, headings such as «Ответственные» must fit.
CELL_MARGIN = 57  # twips
# qn() splits and looks up the prefix on every call; table rows call it a quarter of a million times.
_qn = cache(qn)
Align = Literal["left", "center", "right", "both"]
Text = str | Sequence[str]


def new_document(*, title: str = "", author: str = "") -> DocxDocument:
    """Return an empty landscape A4 document with the office page setup, fonts and a page-number footer."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(A4_MM[1]), Mm(A4_MM[0])
    section.left_margin = Mm(MARGINS_MM["left"])
    section.right_margin = Mm(MARGINS_MM["right"])
    section.top_margin = Mm(MARGINS_MM["top"])
    section.bottom_margin = Mm(MARGINS_MM["bottom"])
    section.footer_distance = Mm(10)
    _set_default_font(doc)
    # Narrow table columns full of long Russian words («общеобразовательных») need hyphenation; without it
    # Word breaks such words anywhere. Its place in w:settings is fixed by the schema: after defaultTabStop.
    doc.settings.element.find(qn("w:defaultTabStop")).addnext(OxmlElement("w:autoHyphenation"))
    _add_page_number(section.footer.paragraphs[0])
    doc.core_properties.title = title
    doc.core_properties.author = author
    doc.core_properties.language = "ru-RU"
    return doc


def _set_default_font(doc: DocxDocument) -> None:
    # Set the document defaults rather than each run: every paragraph, table and footer inherits them,
    # and the template's theme fonts (Calibri/Cambria) are replaced for all scripts, Cyrillic included.
    styles = doc.styles.element
    r_pr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = r_pr.find(qn("w:rFonts"))
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT_NAME)
    for tag in ("w:sz", "w:szCs"):
        r_pr.find(qn(tag)).set(qn("w:val"), str(FONT_SIZE_PT * 2))
    lang = r_pr.find(qn("w:lang"))
    lang.set(qn("w:val"), "ru-RU")
    lang.set(qn("w:eastAsia"), "ru-RU")
    spacing = (
        styles.find(qn("w:docDefaults")).find(qn("w:pPrDefault")).find(qn("w:pPr")).find(qn("w:spacing"))
    )
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    normal = doc.styles["Normal"].font
    normal.name = FONT_NAME
    normal.size = Pt(FONT_SIZE_PT)


def _add_page_number(paragraph: Paragraph) -> None:
    # A complex field (begin/instr/separate/end) rather than w:fldSimple: both Word and LibreOffice
    # update it on open, and python-docx can read the instruction back.
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    instr = OxmlElement("w:instrText", {qn("xml:space"): "preserve"})
    instr.text = " PAGE "
    for element in (_field_char("begin"), instr, _field_char("separate")):
        paragraph.add_run()._r.append(element)
    paragraph.add_run("1")  # shown until the field is updated
    paragraph.add_run()._r.append(_field_char("end"))


def _field_char(kind: str) -> BaseOxmlElement:
    return OxmlElement("w:fldChar", {qn("w:fldCharType"): kind})


def usable_width(doc: DocxDocument) -> int:
    """Return the width between the margins, in twips."""
    section = doc.sections[0]
    return (section.page_width - section.left_margin - section.right_margin) // 635  # 635 EMU per twip


def add_text(
    doc: DocxDocument,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    align: Align | None = None,
    space_before: int = 0,
    space_after: int = 0,
    indent_mm: float = 0,
) -> Paragraph:
    """Append a paragraph of body text."""
    paragraph = doc.add_paragraph()
    if align != "both":
        # Hyphenation is for tables and justified text; a title or an approval line is never broken.
        paragraph._p.get_or_add_pPr().append(OxmlElement("w:suppressAutoHyphens"))
    run = paragraph.add_run(clean(text))
    run.bold = bold or None
    run.italic = italic or None
    fmt = paragraph.paragraph_format
    if align:
        paragraph.alignment = _ALIGN[align]
    if space_before:
        fmt.space_before = Pt(space_before)
    if space_after:
        fmt.space_after = Pt(space_after)
    if indent_mm:
        fmt.left_indent = Mm(indent_mm)
    return paragraph


_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "both": WD_ALIGN_PARAGRAPH.JUSTIFY,
}


def clean(text: str) -> str:
    """Return text safe for XML, with Word's vertical tabs turned into line breaks."""
    return _XML_ILLEGAL.sub("", text.replace("\x0b", "\n").replace("\r\n", "\n").replace("\r", "\n"))


@dataclass(frozen=True)
class Cell:
    """One table cell: its paragraphs, how many grid columns it spans, and its look."""

    text: Text = ""
    span: int = 1
    fill: str | None = None  # background colour, hex RRGGBB
    bold: bool = False
    italic: bool = False
    align: Align | None = None
    vmerge: Literal["restart", "continue"] | None = None


class TableWriter:
    """Append rows to a Word table by building its XML directly.

    python-docx's ``add_row``/``row.cells`` API re-reads the row (and ``merge`` the table) on every
    access: the bare 1,000 rows of bench/report_bench.py took 0.8 s with it, while the whole formatted
    table built here with lxml takes about 0.1 s.
    """

    def __init__(
        self, doc: DocxDocument, widths: Sequence[int], *, grid: bool = True, cell_margin: int = CELL_MARGIN
    ) -> None:
        table = doc.add_table(rows=0, cols=len(widths))
        if grid:
            table.style = doc.styles["Table Grid"]
        table.autofit = False  # fixed layout: Word would otherwise re-flow columns to the longest word
        self.table = table
        self.widths = list(widths)
        tbl = table._tbl
        tbl_w = tbl.tblPr.find(qn("w:tblW"))
        tbl_w.set(qn("w:type"), "dxa")
        tbl_w.set(qn("w:w"), str(sum(widths)))
        for col, width in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=True):
            col.set(qn("w:w"), str(width))
        margins = OxmlElement("w:tblCellMar")
        for side in ("left", "right"):
            etree.SubElement(margins, qn(f"w:{side}"), {qn("w:w"): str(cell_margin), qn("w:type"): "dxa"})
        tbl.tblPr.find(qn("w:tblLayout")).addnext(margins)
        self._tbl = tbl

    def header(self, texts: Sequence[Text]) -> None:
        """Append the header row, bold and centred, repeated at the top of every page."""
        self.row([Cell(t, bold=True, align="center") for t in texts], header=True)

    def full_row(
        self, text: Text, *, bold: bool = True, italic: bool = False, align: Align | None = None
    ) -> None:
        """Append a row with one cell merged across the whole width."""
        self.row([Cell(text, span=len(self.widths), bold=bold, italic=italic, align=align)])

    def row(
        self,
        cells: Sequence[Cell | Text],
        *,
        height: int | None = None,
        exact: bool = False,
        header: bool = False,
    ) -> None:
        """Append a row of cells; plain strings become default cells, height is in twips."""
        tr = etree.SubElement(self._tbl, _qn("w:tr"))
        if height is not None or header:
            tr_pr = etree.SubElement(tr, _qn("w:trPr"))
            if header:
                etree.SubElement(tr_pr, _qn("w:cantSplit"))
                etree.SubElement(tr_pr, _qn("w:tblHeader"))
            if height is not None:
                etree.SubElement(
                    tr_pr,
                    _qn("w:trHeight"),
                    {_qn("w:val"): str(height), _qn("w:hRule"): "exact" if exact else "atLeast"},
                )
        col = 0
        for cell in cells:
            if not isinstance(cell, Cell):
                cell = Cell(cell)
            width = sum(self.widths[col : col + cell.span])
            col += cell.span
            _append_tc(tr, cell, width)
        if col != len(self.widths):
            raise ValueError(f"row spans {col} grid columns, the table has {len(self.widths)}")


def _append_tc(tr: etree._Element, cell: Cell, width: int) -> None:
    tc = etree.SubElement(tr, _qn("w:tc"))
    tc_pr = etree.SubElement(tc, _qn("w:tcPr"))  # children in the schema's order: tcW, gridSpan, vMerge, shd
    etree.SubElement(tc_pr, _qn("w:tcW"), {_qn("w:w"): str(width), _qn("w:type"): "dxa"})
    if cell.span > 1:
        etree.SubElement(tc_pr, _qn("w:gridSpan"), {_qn("w:val"): str(cell.span)})
    if cell.vmerge == "restart":
        etree.SubElement(tc_pr, _qn("w:vMerge"), {_qn("w:val"): "restart"})
    elif cell.vmerge == "continue":
        etree.SubElement(tc_pr, _qn("w:vMerge"))
    if cell.fill:
        etree.SubElement(
            tc_pr, _qn("w:shd"), {_qn("w:val"): "clear", _qn("w:color"): "auto", _qn("w:fill"): cell.fill}
        )
    lines = clean(cell.text).split("\n") if isinstance(cell.text, str) else [clean(t) for t in cell.text]
    for line in lines or [""]:
        _append_p(tc, line, cell)


def _append_p(parent: etree._Element, text: str, cell: Cell) -> None:
    p = etree.SubElement(parent, _qn("w:p"))
    if cell.align:
        p_pr = etree.SubElement(p, _qn("w:pPr"))
        etree.SubElement(p_pr, _qn("w:jc"), {_qn("w:val"): cell.align})
    if not text:
        return
    r = etree.SubElement(p, _qn("w:r"))
    if cell.bold or cell.italic:
        r_pr = etree.SubElement(r, _qn("w:rPr"))
        if cell.bold:
            etree.SubElement(r_pr, _qn("w:b"))
        if cell.italic:
            etree.SubElement(r_pr, _qn("w:i"))
    t = etree.SubElement(r, _qn("w:t"))
    t.text = text
    if text != text.strip():
        t.set(_qn("xml:space"), "preserve")


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split an integer total proportionally to weights by largest remainder, summing exactly to it."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class ExtraColumn:
    """A column appended to the roadmap table, rendered from each activity."""

    heading: str
    weight: int
    render: Callable[[ReportActivity], Text]


def add_roadmap_table(doc: DocxDocument, roadmap: ReportRoadmap, extra: ExtraColumn | None = None) -> None:
    """Append the roadmap as one table: header, section rows across the width, activity rows."""
    columns = list(roadmap.columns)
    headings = [COLUMN_HEADINGS[c] for c in columns]
    weights = [COLUMN_WEIGHTS[c] for c in columns]
    if extra:
        headings.append(extra.heading)
        weights.append(extra.weight)
    writer = TableWriter(doc, apportion(usable_width(doc), weights))
    writer.header(headings)
    fields = [_ACTIVITY_FIELDS[c] for c in columns]

    def emit(items: Sequence[ReportSection | ReportActivity]) -> None:
        for item in items:
            if isinstance(item, ReportSection):
                writer.full_row(section_label(item), italic=item.level > 1)
                emit(item.items)
            else:
                cells: list[Cell | Text] = [
                    Cell(f(item), align="center") if key == "number" else f(item)
                    for key, f in zip(columns, fields, strict=True)
                ]
                if extra:
                    cells.append(extra.render(item))
                writer.row(cells)

    emit(roadmap.items)


def section_label(section: ReportSection) -> str:
    """Return a section's heading as written: its number, if any, then its title."""
    return f"{section.number} {section.title}" if section.number else section.title


def title_with_period(title: str, start: date, end: date) -> str:
    """Return the roadmap title naming its period in years («… на 2026–2030 годы»)."""
    # An explicit range lets the importer read the period back without knowing the approval year.
    if _YEAR_RANGE.search(title):
        return title
    base = _UNTIL_YEAR.sub("", title).rstrip(" .")
    suffix = (
        YEAR_SUFFIX.format(year=start.year)
        if start.year == end.year
        else YEARS_SUFFIX.format(start=start.year, end=end.year)
    )
    return f"{base} {suffix}"


def short_date(day: date) -> str:
    """Format a date as «12.03.2026» for dense table cells."""
    return day.strftime("%d.%m.%Y")


def ru_number(value: float) -> str:
    """Format a number with a decimal comma and at most two decimals."""
    return format_decimal(value, format="#,##0.##", locale=LOCALE)


def ru_percent(ratio: float) -> str:
    """Format a share 0..1 as a whole percentage («75 %»)."""
    return format_percent(ratio, locale=LOCALE)


def period_label(start: date, end: date) -> str:
    """Name a reporting period: «I квартал 2026 г.», «II полугодие 2026 г.», «2026 год» or a date range."""
    year = start.year
    if (start, end) == (date(year, 1, 1), date(year, 12, 31)):
        return PERIOD_YEAR.format(year=year)
    for n in (1, 2):
        if (start, end) == half_year(year, n):
            return PERIOD_HALF.format(roman=ROMAN[n], year=year)
    for n in (1, 2, 3, 4):
        if (start, end) == quarter(year, n):
            return PERIOD_QUARTER.format(roman=ROMAN[n], year=year)
    return PERIOD_RANGE.format(start=format_date_ru(start), end=format_date_ru(end))


def to_bytes(doc: DocxDocument) -> bytes:
    """Serialise the document to .docx bytes."""
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
