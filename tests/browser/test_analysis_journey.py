"""A coordinator loads school data, classifies the schools and aims an activity, in a real browser."""

from pathlib import Path

from sqlalchemy import select

from tests.browser.conftest import sign_in
from tracker.analysis.models import ClassificationRun, RunSchool
from tracker.extensions import db

RESULTS = (
    "Код ОО;Наименование ОО;Муниципалитет;Год;Процедура;Участников;Получили «2» / не преодолели порог\n"
    "380101;МОУ «СОШ № 1»;;2026;ВПР математика 5 класс;60;30\n"
    "380101;МОУ «СОШ № 1»;;2026;ВПР русский язык 5 класс;60;25\n"
    "380102;МОУ «СОШ № 2»;;2026;ВПР математика 5 класс;50;2\n"
)


def test_coordinator_imports_classifies_and_sees_the_charts(page, demo, tmp_path: Path):
    run = db.session.execute(select(ClassificationRun)).scalars().first()
    sign_in(page, "koordinator@demo.local")
    page.goto("/analysis/")
    page.click(f"a[href='/analysis/runs/{run.id}'] >> nth=0")
    page.wait_for_url(f"**/analysis/runs/{run.id}")
    # The demo run: the scatter chart is drawn by the server, dots link to school pages.
    assert page.locator("svg.analysis-chart circle[data-group='SHNOR']").count() >= 1
    assert page.locator("svg.analysis-chart line.regression").count() == 1

    upload = tmp_path / "vpr-2026.csv"
    upload.write_text(RESULTS, encoding="utf-8")
    page.goto("/analysis/data")
    page.select_option("#kind", "results")
    page.set_input_files("#file", str(upload))
    page.click("text=Проверить файл")
    page.wait_for_selector("text=Что изменится")
    assert "добавится строк: 3" in page.locator("#changes").inner_text()
    page.click("text=Загрузить данные")
    page.wait_for_selector("text=Данные загружены")

    page.goto("/analysis/runs/new")
    page.select_option("#year", "2026")
    page.click("button:has-text('Выполнить расчёт')")
    page.wait_for_selector("text=Расчёт выполнен")
    assert page.locator("#run-schools").get_by_text("МОУ «СОШ № 1»").count() == 1
    page.locator("#run-schools").get_by_text("МОУ «СОШ № 1»").click()
    assert page.locator("svg.analysis-chart g.procedure rect").count() >= 2


def test_analysis_pages_fit_a_phone(page, demo):
    run = db.session.execute(select(ClassificationRun)).scalars().first()
    shnor = select(RunSchool.organization_id).where(RunSchool.is_shnor)
    school_id = db.session.execute(shnor).scalars().first()
    page.set_viewport_size({"width": 390, "height": 800})
    sign_in(page, "koordinator@demo.local")
    for url in (
        "/analysis/",
        f"/analysis/runs/{run.id}",
        f"/analysis/schools/{school_id}",
        "/analysis/support",
        "/analysis/data",
        "/analysis/runs/new",
    ):
        page.goto(url)
        page.wait_for_load_state("load")
        # Tables and charts scroll inside their boxes; the page itself never scrolls sideways.
        wide = page.evaluate(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 391"
            " && !e.closest('.table-responsive, .chart-scroll'))"
            ".slice(0, 3).map(e => e.tagName + '.' + e.className)"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, (url, wide)
