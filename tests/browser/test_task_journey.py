"""An officer closes a task with a file and a link, the coordinator accepts it, in a real browser."""

from tests.browser.conftest import sign_in
from tests.fixtures.tasks import pdf_bytes


def test_officer_completes_and_coordinator_accepts(page, demo, tmp_path):
    sign_in(page, "ispolnitel@demo.local")
    # Officers land on their tasks.
    assert page.url.endswith("/tasks/")
    page.locator("#overdue").get_by_role("link", name="Отметить выполнение").first.click()
    page.wait_for_selector("#complete")
    title = page.locator("h1").inner_text()
    evidence = tmp_path / "Протокол совещания.pdf"
    evidence.write_bytes(pdf_bytes())
    page.fill("#complete-note", "Совещание проведено, протокол приложен.")
    page.set_input_files("#complete-files", str(evidence))
    page.fill("#complete-links", "https://ust-ilimsk-edu.example.ru/news/42")
    page.click("button:has-text('Отправить на проверку')")
    page.wait_for_selector("text=Отметка о выполнении отправлена на проверку")
    task_url = page.url
    with page.expect_download() as download:
        page.click("text=Протокол совещания.pdf")
    assert download.value.suggested_filename == "Протокол совещания.pdf"

    page.context.clear_cookies()
    sign_in(page, "koordinator@demo.local")
    page.goto(task_url)
    assert page.locator("h1").inner_text() == title
    page.click("button:has-text('Принять')")
    page.wait_for_selector("text=Выполнение принято")
    assert page.locator(".badge:has-text('Выполнена')").count() >= 1
    page.goto("/tasks/overview")
    assert page.locator("text=МОУ «СОШ № 1»").count() >= 1
