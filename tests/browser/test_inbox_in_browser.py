"""The inbox in Chromium: the header badge, an action, mark all read, message settings, and the
unsubscribe link from an email opened without logging in. The last test also takes the inbox and
email screenshots (scripts/screenshot_notifications.py runs it with UPDATE_SCREENSHOTS=1).
"""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from courses.models import Offering
from enrollment import services
from notifications import services as notices
from notifications.channels import build_email, unsubscribe_url
from notifications.models import Delivery, Notification, Preferences
from tests.browser.conftest import new_page, save_screenshot
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Chongqing-2026!"


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in(page: Any, server: str, email: str) -> None:
    page.goto(server + "/en/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url


def on_server(url: str, server: str) -> str:
    """A link as mailed (it starts with SITE_URL), pointed at the live test server instead."""
    from django.conf import settings

    return server + url.removeprefix(settings.SITE_URL.rstrip("/"))


@pytest.fixture
def campus() -> dict[str, Any]:
    institution = InstitutionFactory(
        code="CQJTU", name_zh="重庆交通大学", name_en="Chongqing Jiaotong University"
    )
    roomy = OfferingFactory(
        course=CourseFactory(
            institution=institution,
            code="IE101",
            title_zh="创新创业基础",
            title_en="Foundations of Entrepreneurship",
        ),
        location_zh="南岸校区 3 教 201",
        location_en="Nan'an campus, building 3, room 201",
        schedule_zh="每周二 14:00–15:40",
        schedule_en="Tuesdays 14:00–15:40",
    )
    full = OfferingFactory(
        course=CourseFactory(
            institution=institution, code="DT201", title_zh="设计思维", title_en="Design Thinking"
        ),
        capacity=1,
        waitlist_capacity=10,
        promote_by_offer=True,
        offer_claim_hours=48,
        location_zh="科学城校区 2 教 310",
        location_en="Science City campus, building 2, room 310",
        schedule_zh="每周四 09:00–11:30",
        schedule_en="Thursdays 09:00–11:30",
    )
    return {"roomy": roomy, "full": full}


def test_learner_reads_the_inbox_and_chooses_messages(
    live_server, browser, phone, campus, outside_requests
):
    learner = UserFactory(
        email="li.na@example.com", password=PASSWORD, display_name="李娜", preferred_language="en"
    )
    services.enrollment_create(learner=learner, offering=campus["roomy"], actor=learner)
    services.enrollment_create(learner=UserFactory(), offering=campus["full"], actor=None)
    services.enrollment_create(learner=learner, offering=campus["full"], actor=learner)
    assert Notification.objects.filter(recipient=learner, read_at=None).count() == 2

    page = phone
    log_in(page, live_server.url, learner.email)
    page.goto(live_server.url + "/en/")
    inbox_link = page.get_by_role("link", name="Inbox unread: 2", exact=True)
    assert inbox_link.is_visible()
    assert page.locator(".inbox-count").inner_text().split()[-1] == "2"
    inbox_link.click()
    page.wait_for_url("**/en/me/inbox/")
    assert no_horizontal_scroll(page)
    items = page.locator(".inbox-item")
    assert items.count() == 2
    assert "Waitlisted: DT201 Design Thinking" in items.nth(0).inner_text()
    enrolled = items.nth(1)
    assert "Enrolled: IE101 Foundations of Entrepreneurship" in enrolled.inner_text()
    assert "Nan'an campus, building 3, room 201" in enrolled.inner_text()

    # The action takes the learner to My learning, and reads the message on the way.
    enrolled.get_by_role("button", name="Open My learning").click()
    page.wait_for_url("**/en/me/learning/")
    assert page.get_by_role("heading", level=1).inner_text() == "My learning"
    assert page.locator(".inbox-count").inner_text().split()[-1] == "1"

    page.go_back()
    page.reload()
    page.wait_for_url("**/en/me/inbox/")
    assert page.locator(".inbox-unread").count() == 1
    page.get_by_role("button", name="Mark all read").click()
    page.wait_for_url("**/en/me/inbox/")
    assert "All messages marked read." in page.locator(".messages").inner_text()
    assert page.locator(".inbox-count").count() == 0
    assert page.locator(".inbox-unread").count() == 0
    assert page.get_by_role("button", name="Mark all read").count() == 0

    # Message settings: no more reminders.
    page.get_by_role("link", name="Message settings").click()
    page.wait_for_url("**/en/me/notifications/")
    assert no_horizontal_scroll(page)
    reminders = page.get_by_label("Reminders")
    assert reminders.is_checked()
    reminders.focus()
    page.keyboard.press("Space")
    assert not reminders.is_checked()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/en/me/notifications/")
    assert "Your message choices are saved." in page.locator(".messages").inner_text()
    assert not page.get_by_label("Reminders").is_checked()
    assert page.get_by_label("Announcements").is_checked()
    choices = Preferences.objects.get(user=learner)
    assert (choices.reminders, choices.digests, choices.announcements) == (False, True, True)

    # An unsubscribe link from an email, opened where nobody is logged in.
    link = on_server(unsubscribe_url(learner, "announcements"), live_server.url)
    assert "/en/unsubscribe/" in link
    stranger = new_page(browser, outside_requests, width=390, height=844)
    try:
        stranger.goto(link)
        assert stranger.locator(".inbox-link").count() == 0  # not logged in
        assert "li…@example.com" in stranger.locator("main").inner_text()
        assert Preferences.objects.get(user=learner).announcements  # looking changed nothing
        stranger.get_by_role("button", name="Unsubscribe").click()
        stranger.wait_for_load_state()
        assert stranger.get_by_role("heading", level=1).inner_text() == "You are unsubscribed"
        assert no_horizontal_scroll(stranger)
        changed = stranger.goto(link[:-3] + "x/")  # one character off
        assert changed.status == 400
        assert stranger.get_by_role("heading", level=1).inner_text() == "This link does not work"
    finally:
        stranger.context.close()
    choices.refresh_from_db()
    assert (choices.reminders, choices.digests, choices.announcements) == (False, True, False)
    page.reload()
    assert not page.get_by_label("Announcements").is_checked()
    assert outside_requests == []


def test_keyboard_reaches_the_inbox_and_its_buttons(live_server, desktop, campus):
    learner = UserFactory(email="kb@example.com", password=PASSWORD)
    services.enrollment_create(learner=learner, offering=campus["roomy"], actor=learner)
    page = desktop
    log_in(page, live_server.url, learner.email)
    page.goto(live_server.url + "/en/me/inbox/")
    reached = []
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(() => { const e = document.activeElement;"
            " if (e === document.body) return null;"
            " const s = getComputedStyle(e);"
            " return [e.textContent.trim(), s.outlineStyle, s.outlineColor]; })()"
        )
        if focused is None:  # past the last control
            break
        reached.append(focused[0])
        assert focused[1] != "none", focused
    assert any(text.startswith("Inbox") for text in reached)
    assert "Open My learning" in reached
    assert "Mark read" in reached
    assert "Mark all read" in reached


# --- screenshots ---------------------------------------------------------------------------------


def inbox_of(learner: Any, roomy: Offering, full: Offering) -> None:
    """A few days of messages: enrolled, waitlisted, a changed room, then a seat offered."""
    services.enrollment_create(learner=learner, offering=roomy, actor=learner)
    first = UserFactory()
    taken = services.enrollment_create(learner=first, offering=full, actor=first)
    services.enrollment_create(learner=learner, offering=full, actor=learner)
    roomy.location_zh, roomy.location_en = (
        "南岸校区 5 教 105",
        "Nan'an campus, building 5, room 105",
    )
    roomy.save()  # tells its learners (courses.signals.offering_changed)
    services.enrollment_drop(enrollment=taken, actor=first)
    now = timezone.now()
    rows = list(Notification.objects.filter(recipient=learner).order_by("created_at", "id"))
    assert [row.event for row in rows] == [
        "enrollment.enrolled",
        "enrollment.waitlisted",
        "offering.changed",
        "enrollment.offered",
    ]
    for age, row in zip((50, 26, 3, 0), rows, strict=True):
        Notification.objects.filter(pk=row.pk).update(created_at=now - timedelta(hours=age))
    notices.inbox_mark_read(user=learner, public_ids=[row.public_id for row in rows[:2]])


def email_screenshot(browser: Any, delivery: Delivery, name: str, tmp_path: Path) -> str:
    """The HTML part of the delivery's email, opened from a file as a mail app would show it."""
    email = build_email(delivery)
    html = email.alternatives[0][0]
    source = tmp_path / f"{name}.html"
    source.write_text(str(html), encoding="utf-8")
    context = browser.new_context(viewport={"width": 600, "height": 200}, locale="zh-CN")
    fetched: list[str] = []
    context.on("request", lambda request: fetched.append(request.url))
    try:
        page = context.new_page()
        page.goto(source.as_uri())
        assert no_horizontal_scroll(page)
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": 600, "height": height})
        save_screenshot(page, name, tmp_path)
        text = page.locator("body").inner_text()
    finally:
        context.close()
    assert fetched == [source.as_uri()]  # no images or fonts from anywhere
    return text


def test_screenshots_of_the_inbox_and_the_email(
    live_server, browser, phone, desktop, campus, settings, tmp_path, outside_requests
):
    settings.SITE_URL = "https://yuchuang.example"
    chinese = UserFactory(email="wang.fang@example.com", password=PASSWORD, display_name="王芳")
    inbox_of(chinese, campus["roomy"], campus["full"])
    english = UserFactory(
        email="li.lei@example.com",
        password=PASSWORD,
        display_name="Li Lei",
        preferred_language="en",
    )
    inbox_of(
        english,
        OfferingFactory(
            course=campus["roomy"].course,
            section="E1",
            location_zh="南岸校区 3 教 201",
            location_en="Nan'an campus, building 3, room 201",
        ),
        OfferingFactory(
            course=campus["full"].course,
            section="E1",
            capacity=1,
            promote_by_offer=True,
            offer_claim_hours=48,
            location_zh="科学城校区 2 教 310",
            location_en="Science City campus, building 2, room 310",
            schedule_zh="每周四 09:00–11:30",
            schedule_en="Thursdays 09:00–11:30",
            starts_on=date(2027, 3, 4),
        ),
    )

    log_in(phone, live_server.url, chinese.email)
    phone.goto(live_server.url + "/me/inbox/")
    assert phone.locator("html").get_attribute("lang") == "zh-Hans"
    assert phone.locator(".inbox-item").count() == 4
    assert no_horizontal_scroll(phone)
    assert "设计思维" in phone.locator(".inbox-item").first.inner_text()
    save_screenshot(phone, "inbox-phone-zh", tmp_path)

    log_in(desktop, live_server.url, english.email)
    desktop.goto(live_server.url + "/en/me/inbox/")
    assert "A seat is yours to claim: DT201 Design Thinking" in desktop.locator("main").inner_text()
    save_screenshot(desktop, "inbox-desktop-en", tmp_path)
    assert outside_requests == []

    delivery = Delivery.objects.get(
        notification__recipient=chinese, notification__event="enrollment.offered"
    )
    text = email_screenshot(browser, delivery, "email-offered-zh", tmp_path)
    assert "王芳" in text
    assert "设计思维" in text
    delivery = Delivery.objects.get(
        notification__recipient=english, notification__event="enrollment.offered"
    )
    text = email_screenshot(browser, delivery, "email-offered-en", tmp_path)
    assert "Hello Li Lei," in text
    assert "Accept by" in text
    assert "https://yuchuang.example/en/me/learning/#offers" in text
