"""Sample inputs for the report builders, and helpers that read the rendered reports back."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.table import Table
from docx.text.paragraph import Paragraph

from tracker.reports.data import (
    Approval,
    ClassificationSummary,
    CompletionMark,
    Indicator,
    ReportActivity,
    ReportRoadmap,
    ReportSection,
)

TODAY = date(2026, 7, 15)
COMMITTEE = "Комитет образования"
CENTRE = "МКУ «ЦРО»"


def make_activity(number: str, **kw: Any) -> ReportActivity:
    """Return an activity with plausible texts; keywords override any field."""
    fields: dict[str, Any] = {
        "title": f"Мероприятие {number}",
        "deadline_text": "Ежегодно, март",
        "responsible": COMMITTEE,
        "participants": f"{COMMITTEE}, {CENTRE}, МОУ",
        "result": f"Результат {number}",
        "control": COMMITTEE,
    }
    fields.update(kw)
    return ReportActivity(number=number, **fields)


def make_roadmap(**kw: Any) -> ReportRoadmap:
    """Return a two-direction roadmap with a numbered group, marks of every status and evidence."""
    direction_1 = ReportSection(
        number="1",
        title="Направление: планирование; организация",
        items=(
            make_activity(
                "1.1",
                title="Разработка муниципальной дорожной карты",
                marks=(
                    CompletionMark(
                        date(2026, 2, 28),
                        "done",
                        done_date=date(2026, 2, 20),
                        note="Дорожная карта утверждена",
                        evidence_names=("Приказ №45.pdf", "https://edu.example.ru/roadmap"),
                    ),
                ),
            ),
            make_activity(
                "1.2",
                title="Разработка дорожных карт МОУ",
                responsible=CENTRE,
                marks=(
                    CompletionMark(
                        date(2026, 3, 31),
                        "not_done",
                        reason="Не утверждены списки ШНОР",
                        organization="МБОУ СОШ № 2",
                    ),
                    CompletionMark(
                        date(2026, 3, 31), "done", done_date=date(2026, 3, 30), organization="МОУ СОШ № 1"
                    ),
                ),
            ),
            ReportSection(
                number="1.3",
                title="В рамках деятельности лаборатории",
                level=2,
                items=(
                    make_activity(
                        "1.3.1",
                        title="Подготовка программ выхода из списка ШНОР",
                        marks=(
                            CompletionMark(date(2026, 5, 31), "in_progress", reason="Ждём данные ВПР"),
                            CompletionMark(date(2026, 9, 30), "planned"),
                        ),
                    ),
                    make_activity(
                        "1.3.2",
                        title="Повышение квалификации педагогов ШНОР",
                        responsible=CENTRE,
                        marks=(
                            CompletionMark(date(2026, 6, 30), "submitted", note="Справка направлена"),
                            CompletionMark(date(2026, 1, 31), "cancelled"),
                        ),
                    ),
                ),
            ),
        ),
    )
    direction_2 = ReportSection(
        number="2",
        title="Направление: методическое сопровождение",
        items=(
            make_activity(
                "2.1",
                title="Проведение совещаний по результатам ВПР",
                deadline_text="Не менее 2 раз в год",
                marks=(
                    CompletionMark(date(2026, 4, 30), "returned", note="Нет протокола"),
                    CompletionMark(date(2026, 8, 31), "planned"),
                    CompletionMark(date(2026, 11, 30), "planned"),
                ),
            ),
            make_activity("2.2", title="Методические рекомендации", responsible=CENTRE),
        ),
    )
    fields: dict[str, Any] = {
        "title": "Муниципальная дорожная карта повышения качества образования на период до 2030 года",
        "organization": "Комитет образования Администрации города Усть-Илимска",
        "period_start": date(2026, 1, 1),
        "period_end": date(2030, 12, 31),
        "goal": "повышение эффективности механизмов управления качеством образования.",
        "approval": Approval(approved_by="приказом Комитета образования Администрации города Усть-Илимска"),
        "items": (direction_1, direction_2),
    }
    fields.update(kw)
    return ReportRoadmap(**fields)


def make_big_roadmap(activities: int = 1000, per_section: int = 25) -> ReportRoadmap:
    """Return a roadmap with the given number of activities, each with two marks."""
    directions = []
    for d in range(1, activities // per_section + 1):
        items = tuple(
            make_activity(
                f"{d}.{i}",
                title=f"Мероприятие {d}.{i}: проведение семинара для педагогов ШНОР по результатам ВПР " * 2,
                marks=(
                    CompletionMark(
                        date(2026, 3, 31), "done", done_date=date(2026, 3, 20), evidence_names=("п.pdf",)
                    ),
                    CompletionMark(date(2026, 6, 30), "not_done", reason="Нет финансирования"),
                ),
            )
            for i in range(1, per_section + 1)
        )
        directions.append(ReportSection(number=str(d), title=f"Направление {d}", items=items))
    return make_roadmap(items=tuple(directions))


def make_indicators() -> list[Indicator]:
    """Return an indicator that grows, one that falls, and one without an actual value."""
    return [
        Indicator(
            name="Доля выпускников, не получивших аттестат",
            unit="%",
            method="Число выпускников без аттестата / число выпускников × 100",
            direction="down",
            baseline_value=7,
            baseline_year=2025,
            targets={2026: 6, 2027: 5},
            actuals={2026: 6.5},
        ),
        Indicator(
            name="Доля педагогов ШНОР, прошедших повышение квалификации",
            unit="%",
            direction="up",
            baseline_value=40,
            baseline_year=2025,
            targets={2026: 60},
            actuals={2026: 75},
        ),
        Indicator(name="Число школ-наставников", unit="ед.", targets={2026: 3}),
    ]


def make_classification() -> ClassificationSummary:
    """Return a classification of 2026 with schools joining and leaving groups."""
    return ClassificationSummary(
        year=2026,
        groups={"SHNOR": ["МОУ СОШ № 1", "МОУ СОШ № 7"], "SHNSU": ["МОУ СОШ № 7"], "RISK": []},
        joined={"SHNOR": ["МОУ СОШ № 7"]},
        left={"SHNOR": ["МОУ СОШ № 3"], "RISK": ["МОУ СОШ № 9"]},
    )


# Reading reports back: small helpers the three test modules share.


def open_docx(data: bytes) -> DocxDocument:
    """Parse .docx bytes back with python-docx."""
    return docx.Document(io.BytesIO(data))


def assert_office_layout(doc: DocxDocument) -> None:
    """Assert landscape A4, margins 30/15/20/20 mm, Times New Roman 12 pt and a PAGE field in the footer."""
    section = doc.sections[0]
    assert len(doc.sections) == 1
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)
    margins = (section.left_margin, section.right_margin, section.top_margin, section.bottom_margin)
    assert [round(m.mm) for m in margins] == [30, 15, 20, 20]
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    fonts = defaults.find(qn("w:rFonts"))
    assert {fonts.get(qn(f"w:{a}")) for a in ("ascii", "hAnsi", "eastAsia", "cs")} == {"Times New Roman"}
    assert defaults.find(qn("w:sz")).get(qn("w:val")) == "24"
    assert doc.styles["Normal"].font.name == "Times New Roman"
    assert doc.styles["Normal"].font.size.pt == 12
    # No run may fall back to another font or size.
    assert not doc.element.body.findall(".//" + qn("w:rFonts"))
    assert not doc.element.body.findall(".//" + qn("w:sz"))
    assert doc.settings.element.find(qn("w:autoHyphenation")) is not None
    instructions = [i.text.strip() for i in section.footer._element.iter(qn("w:instrText"))]
    assert instructions == ["PAGE"]


def table_after(doc: DocxDocument, heading: str) -> Table:
    """Return the first table after the body paragraph that starts with heading."""
    seen = False
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph) and block.text.startswith(heading):
            seen = True
        elif seen and isinstance(block, Table):
            return block
    raise AssertionError(f"no table after {heading!r}")


def paragraph_after(doc: DocxDocument, heading: str) -> str:
    """Return the text of the body paragraph right after the one that starts with heading."""
    blocks = list(doc.iter_inner_content())
    for block, following in zip(blocks, blocks[1:], strict=False):
        if isinstance(block, Paragraph) and block.text.startswith(heading):
            assert isinstance(following, Paragraph), f"a table follows {heading!r}"
            return following.text
    raise AssertionError(f"no paragraph {heading!r}")


def rows_text(table: Table) -> list[list[str]]:
    """Return each row as the texts of its distinct cells (a merged cell once)."""
    return [[tc_text(tc) for tc in tr.findall(qn("w:tc"))] for tr in table._tbl.findall(qn("w:tr"))]


def tc_text(tc: BaseOxmlElement) -> str:
    """Return a cell's paragraphs joined by newlines."""
    return "\n".join("".join(t.text or "" for t in p.iter(qn("w:t"))) for p in tc.findall(qn("w:p")))


def tc_span(tc: BaseOxmlElement) -> int:
    """Return how many grid columns a cell spans."""
    span = tc.find(f"{qn('w:tcPr')}/{qn('w:gridSpan')}")
    return 1 if span is None else int(span.get(qn("w:val")))


def tc_fill(tc: BaseOxmlElement) -> str | None:
    """Return a cell's background colour, if shaded."""
    shd = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")
    return None if shd is None else shd.get(qn("w:fill"))


def is_bold(tc: BaseOxmlElement) -> bool:
    """Tell whether every run of a cell is bold."""
    runs = tc.findall(f".//{qn('w:r')}")
    return bool(runs) and all(r.find(f"{qn('w:rPr')}/{qn('w:b')}") is not None for r in runs)
