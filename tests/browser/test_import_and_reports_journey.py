"""In Chromium: a coordinator imports a roadmap, fixes flagged deadlines and downloads every report."""

import io
from pathlib import Path

from docx import Document

from tests.browser.conftest import sign_in

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "roadmaps" / "B_sovgavan_2021.docx"


def test_import_preview_correct_and_save(page, demo):
    sign_in(page, "koordinator@demo.local")
    page.goto("/roadmaps/")
    page.click("text=Импорт из Word/Excel")
    page.set_input_files("input[type=file]", str(SAMPLE))
    page.click("button:has-text('Загрузить и проверить')")
    page.wait_for_selector("text=Предупреждения")
    flagged = page.locator("tr.table-warning input[type=text]").first
    flagged.fill("Сентябрь 2022 г.")
    page.click("input[value='Пересчитать сроки'], button:has-text('Пересчитать сроки')")
    page.wait_for_selector("text=30 сентября 2022 г.")
    page.click("input[value='Сохранить дорожную карту'], button:has-text('Сохранить дорожную карту')")
    page.wait_for_selector("text=Показано мероприятий: 81 из 81")
    assert "Муниципальная программа повышения качества образования Советско-Гаванского" in page.content()


def test_fix_a_deadline_flagged_for_review(page, demo):
    roadmap = demo["roadmap"]
    sign_in(page, "koordinator@demo.local")
    page.goto(f"/roadmaps/{roadmap.id}/review")
    row = page.locator("tr", has_text="По плану ГАУ ИО ЦОПМКиМКО").first
    row.get_by_role("link", name="Указать сроки").click()
    page.fill("#windows", "01.03.2027 – 31.03.2027")
    page.click("button:has-text('Сохранить сроки')")
    page.wait_for_url("**/review")
    page.wait_for_selector("text=Сроки заданы вручную")
    fixed = page.locator("tr", has_text="По плану ГАУ ИО ЦОПМКиМКО")
    assert fixed.locator("text=заданы вручную").count() == 1


def test_download_each_report(page, demo):
    roadmap = demo["roadmap"]
    sign_in(page, "koordinator@demo.local")
    page.goto(f"/roadmaps/{roadmap.id}")
    files = []
    for label, click in (
        ("approval", "text=Дорожная карта на утверждение"),
        ("execution", "form[action$='execution.docx'] button"),
        ("annual", "form[action$='annual.docx'] button"),
    ):
        if not page.locator(".report-menu").is_visible():
            page.click("button:has-text('Отчёты (Word)')")
        with page.expect_download() as info:
            page.click(click)
        download = info.value
        assert download.suggested_filename.endswith(".docx"), label
        files.append(Document(io.BytesIO(Path(download.path()).read_bytes())))
    approval, execution, annual = files
    assert "УТВЕРЖДЕНА" in "\n".join(p.text for p in approval.paragraphs)
    assert approval.tables and execution.tables and annual.tables
