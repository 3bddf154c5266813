"""Time importing a generated 150-row Word roadmap into a fresh database; print {"import_docx_150_s": s}.

The figure covers what a coordinator waits for on «Сохранить»: parsing the file, creating sections,
activities, organisation links and tasks, and the commit.
"""

from __future__ import annotations

import io
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

import docx

from tracker.app import create_app
from tracker.extensions import db

ACTIVITIES = 150
DIRECTIONS = 10
RUNS = 3
HEADER = (
    "№ п/п",
    "Мероприятия",
    "Координация",
    "Участие",
    "Срок реализации",
    "Планируемый результат",
    "Контроль",
)
DEADLINES = (
    "Ежегодно, сентябрь",
    "Февраль 2026 г.",
    "Ежеквартально",
    "Февраль 2026 г. – декабрь 2030 г.",
    "Ежегодно, май – июнь",
    "В течение года",
    "По плану ИРО",
    "2 квартал 2027 г.",
    "Ежемесячно",
)


def make_docx(activities: int = ACTIVITIES, directions: int = DIRECTIONS) -> bytes:
    """Return a roadmap in layout 1 of spec/import.md: direction rows spanning the table, 7 columns."""
    document = docx.Document()
    document.add_paragraph("УТВЕРЖДЕНА приказом Комитета образования от 15.01.2026 № 12-од")
    document.add_paragraph("Муниципальная дорожная карта повышения качества образования на 2026-2030 годы")
    per_direction = activities // directions
    table = document.add_table(rows=1, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    # Rows are appended one by one: table.cell(r, c) rescans the whole grid and gets quadratic.
    for d in range(1, directions + 1):
        cells = table.add_row().cells
        cells[0].merge(cells[-1]).text = f"Направление {d}: повышение качества"
        for n in range(1, per_direction + 1):
            texts = (
                f"{d}.{n}",
                f"Проведение методического семинара № {n} для педагогов ШНОР по итогам ВПР, ОГЭ и ЕГЭ",
                "Комитет образования",
                "МКУ «ЦРО», МОУ",
                DEADLINES[(d * per_direction + n) % len(DEADLINES)],
                "Проведено не менее 2 семинаров; аналитическая справка",
                "Комитет образования",
            )
            for cell, text in zip(table.add_row().cells, texts, strict=True):
                cell.text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def main() -> None:
    """Import the generated file a few times into a fresh SQLite database and print the median."""
    logging.disable(logging.INFO)
    from flask_migrate import upgrade

    from tracker.orgs.models import OrgKind
    from tracker.orgs.operations import create_organization
    from tracker.roadmaps.importer import read_roadmap
    from tracker.roadmaps.importing import import_roadmap

    data = make_docx()
    folder = Path(tempfile.mkdtemp(prefix="tracker-import-bench-"))
    app = create_app(
        "config.Config", SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.db", INSTANCE_DIR=folder
    )
    timings = []
    with app.app_context():
        upgrade(revision="heads")
        region = create_organization("Иркутская область", "Иркутская область", OrgKind.region)
        municipality = create_organization("Город", "Город", OrgKind.municipality, region)
        owner = create_organization(
            "Комитет образования", "Комитет образования", OrgKind.authority, municipality
        )
        create_organization("МКУ «ЦРО»", "МКУ «ЦРО»", OrgKind.method_center, municipality)
        db.session.commit()
        for _ in range(RUNS):
            started = time.perf_counter()
            parsed = read_roadmap(data, "bench.docx")
            import_roadmap(None, owner, parsed, "bench.docx")
            db.session.commit()
            timings.append(time.perf_counter() - started)
            assert len(parsed.activities) == ACTIVITIES, len(parsed.activities)
        db.session.remove()
        db.engine.dispose()
    print(", ".join(f"{t:.3f} s" for t in timings), file=sys.stderr)
    print(json.dumps({"import_docx_150_s": round(statistics.median(timings), 3)}))


if __name__ == "__main__":
    main()
