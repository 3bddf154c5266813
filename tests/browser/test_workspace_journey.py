"""A coordinator signs in, finds activities and edits the roadmap in a real browser."""

from tests.browser.conftest import sign_in


def test_coordinator_filters_and_adds_an_activity_with_live_preview(page, demo):
    roadmap = demo["roadmap"]
    sign_in(page, "koordinator@demo.local")
    page.goto(f"/roadmaps/{roadmap.id}")
    assert "Показано мероприятий: 66 из 66" in page.content()
    page.fill("#f-q", "шнор")
    page.click("text=Найти")
    page.wait_for_load_state()
    shown = page.locator("text=/Показано мероприятий: \\d+ из 66/").inner_text()
    assert shown != "Показано мероприятий: 66 из 66."

    page.goto(f"/roadmaps/{roadmap.id}/activities/new")
    page.fill("#title", "Совещание с руководителями ШНОР")
    page.fill("#deadline_text", "Ежегодно, сентябрь")
    page.locator("#deadline-preview").get_by_text("30 сентября 2026 г.").wait_for()
    page.click("button:has-text('Сохранить')")
    page.wait_for_selector("text=Мероприятие добавлено")
    assert "30 сентября 2030 г." in page.content()


def test_executor_sees_no_editing_controls(page, demo):
    sign_in(page, "ispolnitel@demo.local")
    page.goto(f"/roadmaps/{demo['roadmap'].id}")
    assert page.locator("text=+ Мероприятие").count() == 0
    assert page.locator("text=Показано мероприятий: 66 из 66").count() == 1


def test_row_buttons_move_an_activity_through_the_shared_form(page, demo):
    sign_in(page, "koordinator@demo.local")
    page.goto(f"/roadmaps/{demo['roadmap'].id}")
    rows = page.locator("tr[id^='a']")
    first, second = rows.nth(0).get_attribute("id"), rows.nth(1).get_attribute("id")
    rows.nth(0).locator("button[title='Ниже']").click()
    page.wait_for_load_state()
    rows = page.locator("tr[id^='a']")
    assert [rows.nth(0).get_attribute("id"), rows.nth(1).get_attribute("id")] == [second, first]
