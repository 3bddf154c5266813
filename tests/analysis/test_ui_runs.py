"""Classification runs through the UI: storage, reproduction, comparison, table, charts and export."""

import io
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select

from tracker.analysis import operations as ops
from tracker.analysis.classify import Settings
from tracker.analysis.models import AssessmentResult, ClassificationRun, RunSchool
from tracker.extensions import db
from tracker.orgs.models import OrgKind

SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "analysis"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def coordinator(login_as, two_municipalities):
    return login_as("coordinator", two_municipalities["a"]["authority"])


def _run_form(browser, **fields):
    data = {
        "year": "2025",
        "scope_id": str(fields.pop("scope_id")),
        "quantile": "25",
        "two_year": "any",
        "min_participants": "1",
        "procedures": ["VPR-MA-5", "VPR-RU-5"],
        "title": "",
    } | fields
    return browser.post("/analysis/runs/new", data, page="/analysis/runs/new")


def _run_id(response) -> int:
    assert response.status_code == 302, response.text
    return int(re.search(r"/analysis/runs/(\d+)$", response.headers["Location"])[1])


def test_run_is_stored_with_settings_fingerprint_and_reasons(coordinator, analysis_area):
    schools = analysis_area["schools"]
    form = coordinator.get("/analysis/runs/new").text
    assert "2025 (2024/2025 учебный год)" in form and "рейтинг школ" in form  # «это не рейтинг»
    run_id = _run_id(_run_form(coordinator, scope_id=analysis_area["municipality"].id, title="для приказа"))
    run = db.session.get(ClassificationRun, run_id)
    assert run.year == 2025 and run.title == "для приказа" and run.schools_count == 12
    assert run.settings["quantile"] == 25 and run.settings["procedures"] == ["VPR-MA-5", "VPR-RU-5"]
    assert len(run.fingerprint) == 64 and run.regression is not None
    rows = {
        r.organization_id: r
        for r in db.session.execute(select(RunSchool).where(RunSchool.run_id == run_id)).scalars()
    }
    assert rows[schools[0].id].groups[0] == "SHNOR" and rows[schools[0].id].confidence == "надёжно"
    assert rows[schools[1].id].is_shnor  # one low in 2025 and one in 2024
    assert {s.id for s in schools[-3:]} == {i for i, r in rows.items() if r.is_shnsu}
    page = coordinator.get(f"/analysis/runs/{run_id}").text
    assert "ВПР математика 5 кл.: 45% «2» (2025)" in page
    assert "Классификация школ 2024/2025" in page and "рейтинг" not in page.lower()


def test_same_inputs_give_the_same_fingerprint_and_results(
    coordinator, analysis_area, classify_area, store_results
):
    area = analysis_area["municipality"]
    first, second = classify_area(area), classify_area(area)
    assert first.fingerprint == second.fingerprint

    def outcome(run):
        return sorted(
            (r.organization_id, tuple(r.groups), r.isbsh, r.results_index, r.residual, json.dumps(r.reasons))
            for r in db.session.execute(select(RunSchool).where(RunSchool.run_id == run.id)).scalars()
        )

    assert outcome(first) == outcome(second)
    page = coordinator.get(f"/analysis/runs/{first.id}/reproduce").text
    assert "расчёт воспроизводится" in page
    # Data of other years does not change a run: 2023 is neither Y nor Y−1.
    store_results(analysis_area["schools"][5], 2023, {"VPR-MA-5": (20, 15)})
    assert "расчёт воспроизводится" in coordinator.get(f"/analysis/runs/{first.id}/reproduce").text
    # New 2025 data does, and the page names the schools whose groups changed.
    db.session.execute(
        AssessmentResult.__table__.update()
        .where(
            AssessmentResult.organization_id == analysis_area["schools"][5].id, AssessmentResult.year == 2025
        )
        .values(low=15)
    )
    db.session.commit()
    page = coordinator.get(f"/analysis/runs/{first.id}/reproduce").text
    assert "Данные изменились после расчёта" in page and "МОУ «Школа № 6»" in page


def test_sample_data_set_through_the_ui_gives_the_expected_groups(coordinator, two_municipalities):
    expected = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"))
    for kind, name in (("results", "results.csv"), ("social", "social.csv")):
        stream = io.BytesIO((SAMPLES / name).read_bytes())
        response = coordinator.post(
            "/analysis/data/upload", {"kind": kind, "file": (stream, name)}, page="/analysis/data"
        )
        import_id = int(response.headers["Location"].rsplit("/", 1)[1])
        page = f"/analysis/imports/{import_id}"
        # Every code is new: the schools are created from the file's names (the default choice).
        assert coordinator.post(f"{page}/apply", {}, page=page).status_code == 302
    area = two_municipalities["a"]["municipality"]
    for two_year in ("any", "same"):
        run_id = _run_id(
            _run_form(
                coordinator, scope_id=area.id, two_year=two_year, procedures=list(Settings(2025).procedures)
            )
        )
        got = {
            r.code: r
            for r in db.session.execute(select(RunSchool).where(RunSchool.run_id == run_id)).scalars()
        }
        wanted = expected["expected"][two_year]
        assert set(got) == set(wanted)
        for code, want in wanted.items():
            assert set(got[code].groups) == set(want["groups"]), code
            for key in ("isbsh", "results_index", "residual"):
                assert getattr(got[code], key) == pytest.approx(want[key], rel=1e-9), (code, key)


def test_table_filters_by_group_and_text(coordinator, analysis_area, classify_area):
    run = classify_area(analysis_area["municipality"])
    html = coordinator.get(f"/analysis/runs/{run.id}?group=SHNOR").text
    table = html[html.index('id="run-schools"') :]
    assert "МОУ «СОШ № 1» A" in table and "МОУ «СОШ № 2» A" in table and "Школа № 5" not in table
    table = coordinator.get(f"/analysis/runs/{run.id}?q=школа № 12").text
    table = table[table.index('id="run-schools"') :]
    assert "Школа № 12" in table and "СОШ № 1" not in table
    html = coordinator.get(f"/analysis/runs/{run.id}?q=нет такой").text
    assert "Под выбранные условия школ нет." in html


def test_scatter_chart_is_server_side_svg_with_groups_and_regression(
    coordinator, analysis_area, classify_area
):
    run = classify_area(analysis_area["municipality"])
    response = coordinator.get(f"/analysis/runs/{run.id}/chart.svg")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("image/svg+xml")
    root = ET.fromstring(response.data)
    dots = root.findall(f".//{SVG}g[@class='dots']//{SVG}circle")
    assert len(dots) == 12
    fills = {dot.get("data-group"): dot.get("fill") for dot in dots}
    assert fills["SHNOR"] == "#dc3545" and "SHNSU" in fills
    assert root.find(f".//{SVG}line[@class='regression']") is not None
    assert root.find(f".//{SVG}g[@class='threshold']") is not None
    assert "script" not in response.text and "style=" not in response.text
    page = coordinator.get(f"/analysis/runs/{run.id}").text
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page and 'class="regression"' in page
    # Each dot links to its school page.
    assert f'href="/analysis/schools/{analysis_area["schools"][0].id}"' in page


def test_export_opens_in_openpyxl_with_groups_and_reasons(coordinator, analysis_area, classify_area):
    run = classify_area(analysis_area["municipality"])
    response = coordinator.get(f"/analysis/runs/{run.id}/export.xlsx?group=SHNOR")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook["Результаты"]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["Код ОО", "Наименование ОО", "Муниципалитет", "Группы"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[0] for row in rows} == {"a-001", "a-002"}
    first = next(row for row in rows if row[0] == "a-001")
    assert "ШНОР" in first[3] and "ВПР математика 5 кл.: 45% «2» (2025)" in first[-1]
    settings = dict(workbook["Параметры расчёта"].iter_rows(min_row=2, values_only=True))
    assert settings["Отпечаток входных данных"] == run.fingerprint


def test_runs_are_compared_year_to_year(coordinator, analysis_area, make_run):
    schools = analysis_area["schools"]
    area = analysis_area["municipality"]
    old = make_run(area, 2024, {schools[0]: ["SHNOR"], schools[2]: ["SHNOR"], schools[3]: []})
    new = make_run(area, 2025, {schools[0]: ["SHNOR"], schools[2]: [], schools[3]: ["SHNOR", "SHNSU"]})
    html = coordinator.get(f"/analysis/runs/{new.id}").text
    comparison = html[html.index('id="comparison"') :]
    assert f"Расчёт № {old.id} (2024)" in html
    shnor = comparison[: comparison.index("ШНСУ")]
    assert "вошли в список (1):" in shnor and schools[3].short_name in shnor
    assert "вышли из списка (1):" in shnor and schools[2].short_name in shnor
    assert ops.compare(old, new)["SHNSU"] == {"joined": [schools[3].id], "left": []}


def test_school_page_shows_results_chart_isbsh_risks_and_groups(
    coordinator, analysis_area, classify_area, store_risk
):
    school = analysis_area["schools"][0]
    store_risk(
        school, 2025, {"Дефицит педагогических кадров": "высокий", "Низкий уровень оснащения": "низкий"}
    )
    classify_area(analysis_area["municipality"])
    html = coordinator.get(f"/analysis/schools/{school.id}").text
    assert "ВПР математика 5 класс" in html and "9 из 20" in html
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg"')
    svg = html[start : html.index("</svg>", start) + 6]
    root = ET.fromstring(svg)
    bars = root.findall(f".//{SVG}g[@class='procedure']/{SVG}rect")
    assert len(bars) == 4  # two procedures × two years
    assert root.find(f".//{SVG}g[@class='threshold']") is not None
    assert "45%" in svg
    assert "ИСБШ" in html and "Дефицит педагогических кадров" in html
    assert "ВПР математика 5 кл.: 45% «2» (2025)" in html


def test_region_scope_is_only_for_administrators_at_region_level(
    login_as, two_municipalities, create_org, analysis_area
):
    a = two_municipalities["a"]
    region_option = f'<option value="{a["region"].id}">'
    municipality_option = f'<option value="{a["municipality"].id}">'
    admin = login_as("admin", a["region"])
    page = admin.get("/analysis/runs/new").text
    assert region_option in page and municipality_option in page
    coordinator = login_as("coordinator", create_org(OrgKind.regional_body, a["region"], name="ИРО"))
    page = coordinator.get("/analysis/runs/new").text
    assert region_option not in page and municipality_option in page
    response = _run_form(coordinator, scope_id=a["region"].id)
    assert response.status_code == 200 and "Неверный вариант." in response.text
    assert db.session.execute(select(func.count(ClassificationRun.id))).scalar() == 0
    # The administrator's region run covers the region's schools.
    run = db.session.get(ClassificationRun, _run_id(_run_form(admin, scope_id=a["region"].id)))
    assert run.scope_organization_id == a["region"].id and run.schools_count == 12
