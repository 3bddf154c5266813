"""Importing school data through the UI: check, preview, confirm; bad files; replacement; unknown codes."""

import io
import re

import openpyxl
import pytest
from sqlalchemy import func, select

from tests.fixtures.analysis import RESULTS_HEADER, RISK_HEADER, SOCIAL_HEADER, csv_upload
from tracker.analysis import operations as ops
from tracker.analysis.loaders import load_results, load_risk, load_social
from tracker.analysis.models import AssessmentResult, DataImport, ImportStatus, RiskFactor, SocialPassport
from tracker.extensions import db
from tracker.orgs.models import Organization, OrgKind


@pytest.fixture
def coordinator(login_as, two_municipalities):
    return login_as("coordinator", two_municipalities["a"]["authority"])


def _count(model) -> int:
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def upload(browser, kind: str, stream, name: str):
    return browser.post(
        "/analysis/data/upload", {"kind": kind, "file": (stream, name)}, page="/analysis/data"
    )


def _import_id(response) -> int:
    assert response.status_code == 302, response.text
    return int(re.search(r"/analysis/imports/(\d+)$", response.headers["Location"])[1])


def _apply(browser, import_id: int, decisions: dict | None = None):
    page = f"/analysis/imports/{import_id}"
    return browser.post(f"{page}/apply", decisions or {}, page=page)


def test_results_import_previews_then_applies(coordinator, two_municipalities):
    rows = (
        "a-001;МОУ «СОШ № 1» A;;2025;ВПР математика 5 класс;20;7",
        "a-001;МОУ «СОШ № 1» A;;2025;ВПР по русскому языку (5 класс);20;2",
        "a-002;МОУ «СОШ № 2» A;;2025;ВПР математика 5 класс;18;1",
        "a-002;МОУ «СОШ № 2» A;;2025;КДР читательская грамотность;18;3",
    )
    response = upload(coordinator, "results", *csv_upload(RESULTS_HEADER, *rows, name="vpr-2025.csv"))
    import_id = _import_id(response)
    # Checked and kept, but nothing stored yet.
    assert _count(AssessmentResult) == 0
    page = coordinator.get(f"/analysis/imports/{import_id}").text
    assert "vpr-2025.csv" in page and "ждёт подтверждения" in page
    assert "добавится строк: <strong>4</strong>" in page
    assert "КДР читательская грамотность" in page and "не учитывается" in page
    assert "Неизвестные коды ОО" not in page

    response = _apply(coordinator, import_id)
    assert response.status_code == 302
    assert _count(AssessmentResult) == 4
    item = db.session.get(DataImport, import_id)
    assert item.status == ImportStatus.applied and item.years == [2025]
    assert item.summary["added"] == 4 and item.summary["removed"] == 0
    stored = (
        db.session.execute(
            select(AssessmentResult).where(
                AssessmentResult.organization_id == two_municipalities["a"]["school"].id
            )
        )
        .scalars()
        .all()
    )
    assert {(r.procedure, r.participants, r.low) for r in stored} == {
        ("VPR-MA-5", 20, 7),
        ("VPR-RU-5", 20, 2),
    }
    assert "Результат загрузки" in coordinator.get(f"/analysis/imports/{import_id}").text
    # Applying twice is refused.
    assert _apply(coordinator, import_id).status_code == 302
    assert _count(AssessmentResult) == 4


def test_bad_file_lists_russian_row_errors_and_saves_nothing(coordinator, app):
    kept = set(ops.upload_dir().iterdir())
    rows = (
        "a-001;Школа;;2025;ВПР математика 5 класс;20;25",
        "a-001;Школа;;двадцать;ВПР математика 6 класс;20;2",
        "a-002;Школа;;2025;ВПР математика 5 класс;-3;1",
    )
    response = upload(coordinator, "results", *csv_upload(RESULTS_HEADER, *rows, name="bad.csv"))
    assert response.status_code == 422
    html = response.text
    assert "Файл не загружен" in html and "Данные не изменились" in html
    table = html[html.index('id="row-errors"') :]
    assert "bad.csv" in table
    assert (
        "<td>2</td><td>Получили «2» / не преодолели порог</td><td>25 больше числа участников (20)</td>"
        in table
    )
    assert "<td>3</td><td>Год</td>" in table and "год должен быть вида 2025" in table
    assert "<td>4</td><td>Участников</td><td>число не может быть отрицательным (-3)</td>" in table
    assert _count(DataImport) == 0 and _count(AssessmentResult) == 0
    assert set(ops.upload_dir().iterdir()) == kept


def test_missing_columns_and_wrong_format_are_explained(coordinator):
    response = upload(coordinator, "social", *csv_upload("Код ОО;Год;Всего обучающихся", "a-001;2025;100"))
    assert response.status_code == 422
    assert (
        "нет обязательного столбца" in response.text and "Оба родителя с высшим образованием" in response.text
    )
    response = upload(coordinator, "results", io.BytesIO(b"x"), "data.txt")
    assert response.status_code == 400 and "Загрузите файл .csv или .xlsx" in response.text
    assert _count(DataImport) == 0


def test_reimport_of_the_same_year_shows_changes_then_replaces(coordinator, two_municipalities):
    first = (
        "a-001;Школа;;2025;ВПР математика 5 класс;20;7",
        "a-001;Школа;;2025;ВПР русский язык 5 класс;20;2",
        "a-002;Школа;;2024;ВПР математика 5 класс;18;1",
    )
    _apply(coordinator, _import_id(upload(coordinator, "results", *csv_upload(RESULTS_HEADER, *first))))
    second = (
        "a-001;Школа;;2025;ВПР математика 5 класс;20;5",  # changed
        "a-002;Школа;;2025;ОГЭ математика;30;3",  # added; ВПР русский язык of a-001 is removed
    )
    import_id = _import_id(upload(coordinator, "results", *csv_upload(RESULTS_HEADER, *second)))
    page = coordinator.get(f"/analysis/imports/{import_id}").text
    changes = page[page.index('id="changes"') :]
    assert "добавится строк: <strong>1</strong>" in changes
    assert "изменится строк: <strong>1</strong>" in changes
    assert "удалится строк (их нет в новом файле): <strong>1</strong>" in changes
    assert _count(AssessmentResult) == 3  # nothing changed before the confirmation
    _apply(coordinator, import_id)
    rows = db.session.execute(
        select(AssessmentResult.year, AssessmentResult.procedure, AssessmentResult.low)
    ).all()
    # 2025 was replaced; 2024, absent from the new file, stays.
    assert sorted(rows) == [(2024, "VPR-MA-5", 1), (2025, "OGE-MA", 3), (2025, "VPR-MA-5", 5)]


def test_reimport_in_one_municipality_leaves_the_other_alone(login_as, two_municipalities, store_results):
    store_results(two_municipalities["b"]["school"], 2025, {"VPR-MA-5": (10, 1)})
    coordinator = login_as("coordinator", two_municipalities["a"]["authority"])
    stream, name = csv_upload(RESULTS_HEADER, "a-001;Школа;;2025;ВПР математика 5 класс;20;7")
    _apply(coordinator, _import_id(upload(coordinator, "results", stream, name)))
    assert _count(AssessmentResult) == 2


def test_unknown_codes_can_be_created_matched_or_skipped(coordinator, two_municipalities, create_org):
    a = two_municipalities["a"]
    nameless = create_org(
        OrgKind.school, a["municipality"], name="МОУ «Гимназия № 3»", short_name="Гимназия № 3"
    )
    rows = (
        "a-001;Школа;;2025;ВПР математика 5 класс;20;7",
        "NEW-1;МОУ «Новая школа»;;2025;ВПР математика 5 класс;15;1",
        "NEW-2;МОУ «Гимназия № 3»;;2025;ВПР математика 5 класс;25;2",
        "NEW-3;Неизвестная;;2025;ВПР математика 5 класс;12;6",
        "b-001;Чужая;;2025;ВПР математика 5 класс;12;6",
    )
    import_id = _import_id(upload(coordinator, "results", *csv_upload(RESULTS_HEADER, *rows)))
    page = coordinator.get(f"/analysis/imports/{import_id}").text
    unknown = page[page.index('id="unknown-codes"') :]
    assert "NEW-1" in unknown and "NEW-2" in unknown and "NEW-3" in unknown and "b-001" not in unknown
    # The school without a code whose name matches is offered first.
    assert f'<option selected value="org:{nameless.id}">' in unknown
    assert "b-001" in page and "вне вашей территории" in page

    response = _apply(
        coordinator, import_id, {"code_0": "create", "code_1": f"org:{nameless.id}", "code_2": "skip"}
    )
    assert response.status_code == 302
    created = db.session.execute(select(Organization).where(Organization.code == "NEW-1")).scalar_one()
    assert created.kind == OrgKind.school and created.parent_id == a["municipality"].id
    assert created.name == "МОУ «Новая школа»"
    assert db.session.get(Organization, nameless.id).code == "NEW-2"
    assert db.session.execute(select(Organization).where(Organization.code == "NEW-3")).first() is None
    item = db.session.get(DataImport, import_id)
    assert item.summary["created_schools"] == 1 and item.summary["matched_schools"] == 1
    assert item.summary["skipped_rows"] == 2  # NEW-3 and the other municipality's school
    owners = set(db.session.execute(select(AssessmentResult.organization_id)).scalars())
    assert owners == {a["school"].id, created.id, nameless.id}


def test_a_forged_match_is_refused_and_nothing_is_saved(coordinator, two_municipalities):
    stream, name = csv_upload(RESULTS_HEADER, "NEW-1;Новая;;2025;ВПР математика 5 класс;15;1")
    import_id = _import_id(upload(coordinator, "results", stream, name))
    other = two_municipalities["b"]["school2"]
    response = _apply(coordinator, import_id, {"code_0": f"org:{other.id}"})
    assert response.status_code == 400  # not among the choices
    assert _count(AssessmentResult) == 0
    assert db.session.get(DataImport, import_id).status == ImportStatus.pending


def test_discard_removes_the_file_and_changes_nothing(coordinator, app):
    stream, name = csv_upload(SOCIAL_HEADER, "a-001;2025;100;20;10;2")
    import_id = _import_id(upload(coordinator, "social", stream, name))
    path = ops.upload_dir() / db.session.get(DataImport, import_id).stored_name
    assert path.exists()
    page = f"/analysis/imports/{import_id}"
    assert coordinator.post(f"{page}/discard", {}, page=page).status_code == 302
    assert not path.exists()
    assert db.session.get(DataImport, import_id).status == ImportStatus.discarded
    assert _count(SocialPassport) == 0


def test_social_and_risk_imports(coordinator, two_municipalities):
    stream, name = csv_upload(SOCIAL_HEADER, "a-001;2024/2025;100;20;10;2", "a-002;2025;50;5;10;5")
    _apply(coordinator, _import_id(upload(coordinator, "social", stream, name)))
    stream, name = csv_upload(
        RISK_HEADER,
        "a-001;2025;Дефицит педагогических кадров;высокий",
        "a-001;2025;Низкий уровень оснащения;средний",
    )
    _apply(coordinator, _import_id(upload(coordinator, "risk", stream, name)))
    assert _count(SocialPassport) == 2 and _count(RiskFactor) == 2
    overview = coordinator.get("/analysis/data").text
    assert "строк: 2, школ: 2" in overview and "строк: 2, школ: 1" in overview


def test_xlsx_upload(coordinator):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Код ОО", "Наименование ОО", "Год", "Процедура", "Участников", "Получили «2»"])
    sheet.append(["a-001", "Школа", 2025, "ОГЭ по математике", 30, 4])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    import_id = _import_id(upload(coordinator, "results", buffer, "oge.xlsx"))
    _apply(coordinator, import_id)
    assert db.session.execute(select(AssessmentResult.procedure, AssessmentResult.low)).all() == [
        ("OGE-MA", 4)
    ]


@pytest.mark.parametrize(
    ("kind", "loader", "header"),
    [
        ("results", load_results, "Код ОО"),
        ("social", load_social, "Всего обучающихся"),
        ("risk", load_risk, "Уровень"),
    ],
)
def test_templates_download_as_xlsx_that_the_loaders_read(coordinator, kind, loader, header):
    response = coordinator.get(f"/analysis/data/templates/{kind}.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert header in [cell.value for cell in workbook.worksheets[0][1]]
    assert "Пояснения" in workbook.sheetnames
    rows = loader(io.BytesIO(response.data), filename=f"{kind}.xlsx")
    assert rows and all(row.code == "380101" for row in rows)
