"""Report downloads and the indicators pages: content, file names, scopes and roles.

Every route with another municipality's ids and with each role is in tests/test_route_table.py.
"""

import re
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from tests.fixtures.permissions import call, db_state
from tests.reports.factories import open_docx, rows_text, table_after
from tracker.extensions import db
from tracker.reports.models import Indicator

ROUTES = [
    ("GET", "/reports/roadmaps/{roadmap_id}/approval.docx", None),
    ("GET", "/reports/roadmaps/{roadmap_id}/execution.docx?period=2026Q3", None),
    ("GET", "/reports/roadmaps/{roadmap_id}/annual.docx?year=2026", None),
    ("GET", "/reports/roadmaps/{roadmap_id}/indicators", None),
    ("GET", "/reports/roadmaps/{roadmap_id}/indicators/new", None),
    ("GET", "/reports/roadmaps/{roadmap_id}/indicators/{indicator_id}/edit", None),
    ("GET", "/reports/roadmaps/{roadmap_id}/indicators/{indicator_id}/actuals", None),
    ("POST", "/reports/roadmaps/{roadmap_id}/indicators/new", {"name": "X", "direction": "up"}),
    (
        "POST",
        "/reports/roadmaps/{roadmap_id}/indicators/{indicator_id}/edit",
        {"name": "X", "direction": "up"},
    ),
    ("POST", "/reports/roadmaps/{roadmap_id}/indicators/{indicator_id}/actuals", {"actual_2026": "1"}),
    ("POST", "/reports/roadmaps/{roadmap_id}/indicators/{indicator_id}/delete", {}),
    ("POST", "/reports/roadmaps/{roadmap_id}/indicators/compute", {}),
]
WRITE_ROUTES = [r for r in ROUTES if r[0] == "POST" or r[1].endswith(("edit", "new", "actuals"))]


def _attachment(response) -> str:
    """Return the file name of an attachment from its RFC 5987 filename* parameter."""
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    match = re.search(r"filename\*=UTF-8''(\S+)", disposition)
    assert match, disposition
    from urllib.parse import unquote

    return unquote(match.group(1))


def test_approval_download_is_the_roadmap_ready_to_sign(permission_world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    response = browser.get(f"/reports/roadmaps/{permission_world.a['roadmap_id']}/approval.docx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert _attachment(response) == f"Дорожная карта {permission_world.a['roadmap_id']} на утверждение.docx"
    assert quote("Дорожная") in response.headers["Content-Disposition"]
    doc = open_docx(response.data)
    assert doc.paragraphs[0].text == "УТВЕРЖДЕНА"
    rows = rows_text(doc.tables[0])
    assert rows[1] == ["1 Направление: сопровождение ШНОР"]
    assert rows[2][:3] == ["1.1", "Семинар для ШНОР", "Ежегодно, сентябрь"]


def test_execution_download_carries_marks_for_the_chosen_quarter(
    permission_world, login_as, two_municipalities
):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    response = browser.get(
        f"/reports/roadmaps/{permission_world.a['roadmap_id']}/execution.docx?period=2026Q3"
    )
    assert response.status_code == 200
    assert (
        _attachment(response)
        == f"Отчёт о выполнении дорожной карты {permission_world.a['roadmap_id']} за 2026Q3.docx"
    )
    doc = open_docx(response.data)
    texts = [p.text for p in doc.paragraphs]
    assert "за III квартал 2026 г." in texts
    table = rows_text(table_after(doc, "4. Выполнение мероприятий"))
    mark = table[2][-1]
    assert "Выполнено 10.09.2026" in mark and "Проведён семинар" in mark and "Протокол.pdf" in mark


def test_annual_download_has_indicators_of_the_year(permission_world, login_as, two_municipalities):
    browser = login_as("observer", two_municipalities["a"]["center"])
    response = browser.get(f"/reports/roadmaps/{permission_world.a['roadmap_id']}/annual.docx?year=2026")
    assert response.status_code == 200
    assert (
        _attachment(response)
        == f"Аналитический отчёт по дорожной карте {permission_world.a['roadmap_id']} за 2026 год.docx"
    )
    doc = open_docx(response.data)
    indicators = rows_text(table_after(doc, "2. Целевые показатели"))
    assert indicators[1][1] == "Доля выпускников, не получивших аттестат"
    assert indicators[1][5:8] == ["6", "6,5", "+0,5"]


@pytest.mark.parametrize("query", ["period=2031Q1", "period=2026Q5", "period=", "period=x", ""])
def test_a_bad_period_goes_back_with_a_message(permission_world, login_as, two_municipalities, query):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    response = browser.get(f"/reports/roadmaps/{permission_world.a['roadmap_id']}/execution.docx?{query}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/roadmaps/{permission_world.a['roadmap_id']}")
    page = browser.get(response.headers["Location"]).text
    assert "Выберите отчётный период в пределах срока дорожной карты." in page


def test_a_bad_year_goes_back_with_a_message(permission_world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    response = browser.get(
        f"/reports/roadmaps/{permission_world.a['roadmap_id']}/annual.docx?year=2040", follow_redirects=True
    )
    assert "Выберите год в пределах срока дорожной карты." in response.text


def test_roadmap_page_offers_the_reports(permission_world, login_as, two_municipalities):
    browser = login_as("executor", two_municipalities["a"]["center"])
    page = browser.get(f"/roadmaps/{permission_world.a['roadmap_id']}").text
    r = permission_world.a["roadmap_id"]
    assert f'href="/reports/roadmaps/{r}/approval.docx"' in page
    assert f'action="/reports/roadmaps/{r}/execution.docx"' in page
    assert f'action="/reports/roadmaps/{r}/annual.docx"' in page
    assert f'href="/reports/roadmaps/{r}/indicators"' in page
    assert '<option value="2026Q3"' in page and '<option value="2030"' in page
    assert "III квартал 2026 г." in page


def test_anonymous_visitors_are_sent_to_sign_in(permission_world, client):
    response = client.get(f"/reports/roadmaps/{permission_world.a['roadmap_id']}/approval.docx")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_indicator_of_another_roadmap_answers_404(permission_world, login_as, two_municipalities):
    browser = login_as("coordinator", two_municipalities["a"]["authority"])
    before = db_state()
    for method, template, data in ROUTES:
        if "{indicator_id}" in template:
            ids = {
                "roadmap_id": permission_world.a["roadmap_id"],
                "indicator_id": permission_world.school["indicator_id"],
            }
            assert call(browser, method, template, data, ids).status_code == 404, template
    assert db_state() == before


@pytest.mark.parametrize("role", ["executor", "observer", "school"])
def test_read_only_roles_download_and_read_but_cannot_change_indicators(
    permission_world, login_as, two_municipalities, role
):
    org = two_municipalities["a"]["school" if role == "school" else "center"]
    browser = login_as(role, org)
    before = db_state()
    for method, template, data in ROUTES:
        response = call(browser, method, template, data, permission_world.a)
        expected = 403 if (method, template, data) in WRITE_ROUTES else 200
        assert response.status_code == expected, (role, method, template)
    assert db_state() == before
    page = browser.get(f"/reports/roadmaps/{permission_world.a['roadmap_id']}/indicators").text
    assert "+ Показатель" not in page and "Ввести факт" not in page


def test_a_school_keeps_the_indicators_of_its_own_roadmap(permission_world, login_as, two_municipalities):
    browser = login_as("school", two_municipalities["a"]["school"])
    url = f"/reports/roadmaps/{permission_world.school['roadmap_id']}/indicators/new"
    response = browser.post(url, {"name": "Доля обучающихся на «4» и «5»", "direction": "up"}, page=url)
    assert response.status_code == 302
    assert db.session.execute(select(func.count()).select_from(Indicator)).scalar() == 4
    # Another school cannot even see it.
    other = login_as("school", two_municipalities["a"]["school2"])
    assert (
        other.get(f"/reports/roadmaps/{permission_world.school['roadmap_id']}/approval.docx").status_code
        == 404
    )


def test_annual_download_has_the_classification_of_the_year(
    permission_world, login_as, two_municipalities, add_run
):
    a = two_municipalities["a"]
    add_run(a["municipality"], 2025, {a["school"]: ["SHNOR"]})
    add_run(a["municipality"], 2026, {a["school"]: [], a["school2"]: ["SHNOR"]})
    browser = login_as("coordinator", a["authority"])
    doc = open_docx(
        browser.get(f"/reports/roadmaps/{permission_world.a['roadmap_id']}/annual.docx?year=2026").data
    )
    rows = rows_text(table_after(doc, "4. Классификация школ 2026 г."))
    assert rows[1] == [
        "ШНОР — школы с низкими образовательными результатами",
        "1",
        a["school2"].name,
        a["school2"].name,
        a["school"].name,
    ]
