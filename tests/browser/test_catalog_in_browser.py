"""The catalog's main flows in a real Chromium, on a phone and a desktop, in both languages."""

from datetime import date
from typing import Any

import pytest

from demo.services import seed_demo
from tests.browser.conftest import save_screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server: Any) -> str:
    seed_demo(today=date.today())  # noqa: DTZ011  (the demo follows the calendar)
    return live_server.url


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_phone_search_course_and_switch_language(demo, phone, outside_requests, tmp_path):
    page = phone
    page.goto(demo + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert page.get_by_role("heading", level=1).inner_text().strip()
    save_screenshot(page, "home-phone-zh", tmp_path)
    assert no_horizontal_scroll(page)

    page.get_by_role("searchbox").fill("交通")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url("**/courses/?q=*")
    results = page.locator(".course-card")
    assert results.count() >= 1
    assert no_horizontal_scroll(page)
    save_screenshot(page, "catalog-phone-zh", tmp_path)

    results.first.locator("h3 a").click()
    page.wait_for_url("**/courses/*/*/")
    assert page.locator(".offering").count() >= 1
    assert no_horizontal_scroll(page)
    chinese_title = page.get_by_role("heading", level=1).inner_text()
    save_screenshot(page, "course-phone-zh", tmp_path)

    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url("**/en/courses/*/*/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() != chinese_title
    assert page.get_by_role("heading", name="Offerings").is_visible()
    save_screenshot(page, "course-phone-en", tmp_path)
    assert outside_requests == []


def test_desktop_filters(demo, desktop, outside_requests, tmp_path):
    page = desktop
    page.goto(demo + "/en/courses/")
    assert page.locator("html").get_attribute("lang") == "en"
    all_count = page.locator(".course-card").count()
    assert all_count == 20  # first page of the demo catalog
    page.locator("summary", has_text="Filters").click()
    page.get_by_label("Institution").select_option("CSETDA")
    page.get_by_label("Open for enrollment now").check()
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/en/courses/?*institution=CSETDA*")
    cards = page.locator(".course-card")
    assert 0 < cards.count() < all_count
    for text in cards.locator(".meta").all_inner_texts():
        assert "Changshou" in text
    for card in cards.all():
        assert card.locator(".badge-open").count() == 1
    save_screenshot(page, "catalog-desktop-en", tmp_path)
    page.goto(demo + "/")
    save_screenshot(page, "home-desktop-zh", tmp_path)
    assert outside_requests == []


def test_keyboard_focus_is_visible(demo, desktop):
    page = desktop
    page.goto(demo + "/courses/")
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
