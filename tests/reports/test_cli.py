"""The ``tracker report`` commands write Word files that python-docx opens."""

from datetime import UTC, datetime

import pytest

from tests.reports.factories import open_docx, rows_text, table_after


@pytest.fixture
def worked(create_roadmap, create_section, create_activity, tasks_of, work_task, create_indicator):
    """A roadmap with a done task and an indicator."""
    roadmap = create_roadmap(title="Карта для отчёта")
    section = create_section(roadmap, "Направление: сопровождение ШНОР")
    activity = create_activity(roadmap, section, number="1.1", title="Семинар", deadline_text="Март 2026 г.")
    work_task(tasks_of(activity)[0], "done", note="Проведён", completed=datetime(2026, 3, 5, 2, tzinfo=UTC))
    create_indicator(roadmap, targets={2026: 6}, actuals={2026: 5})
    return roadmap


def test_approval_document_is_written_to_the_given_file(app, worked, tmp_path):
    out = tmp_path / "карта.docx"
    result = app.test_cli_runner().invoke(
        args=["report", "roadmap", str(worked.id), "--kind", "approval", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert f"Отчёт записан: {out}" in result.output
    doc = open_docx(out.read_bytes())
    assert doc.paragraphs[0].text == "УТВЕРЖДЕНА"
    assert rows_text(doc.tables[0])[2][:2] == ["1.1", "Семинар"]


def test_execution_report_for_a_quarter(app, worked, tmp_path):
    out = tmp_path / "q1.docx"
    result = app.test_cli_runner().invoke(
        args=[
            "report",
            "roadmap",
            str(worked.id),
            "--kind",
            "execution",
            "--period",
            "2026Q1",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    doc = open_docx(out.read_bytes())
    assert "за I квартал 2026 г." in [p.text for p in doc.paragraphs]
    marks = rows_text(table_after(doc, "4. Выполнение мероприятий"))
    assert "Выполнено 05.03.2026" in marks[2][-1] and "Проведён" in marks[2][-1]


def test_default_file_name_in_the_current_folder(app, worked, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = app.test_cli_runner().invoke(
        args=["report", "roadmap", str(worked.id), "--kind", "execution", "--period", "2026h1"]
    )
    assert result.exit_code == 0, result.output
    written = tmp_path / f"Отчёт о выполнении дорожной карты {worked.id} за 2026H1.docx"
    assert "за I полугодие 2026 г." in [p.text for p in open_docx(written.read_bytes()).paragraphs]


def test_annual_report_of_a_year(app, worked, tmp_path):
    out = tmp_path / "год.docx"
    result = app.test_cli_runner().invoke(
        args=["report", "annual", str(worked.id), "--year", "2026", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    doc = open_docx(out.read_bytes())
    assert "за 2026 год" in [p.text for p in doc.paragraphs]
    indicators = rows_text(table_after(doc, "2. Целевые показатели"))
    assert indicators[1][5:9] == ["6", "5", "-1", "Достигнут"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["roadmap", "999"], "Дорожная карта № 999 не найдена."),
        (["roadmap", "{id}", "--kind", "execution", "--period", "2026Q5"], "нужен год (2026), полугодие"),
        (["roadmap", "{id}", "--period", "2026"], "--period относится только к отчёту о выполнении"),
        (["annual", "{id}"], "Missing option '--year'"),
    ],
)
def test_mistakes_are_explained(app, worked, tmp_path, args, message):
    args = [a.format(id=worked.id) for a in args]
    result = app.test_cli_runner().invoke(args=["report", *args, "--out", str(tmp_path / "x.docx")])
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "x.docx").exists()
