"""A learner's first registration, end to end in Chromium; then staff export the roster."""

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest

from enrollment import services
from institutions.models import StaffMembership
from tests.browser.conftest import save_screenshot
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mailbox(settings: Any, tmp_path: Path) -> Path:
    """Mail goes to files, as with `./dev run`; the test reads them like a person would."""
    folder = tmp_path / "mail"
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = folder
    return folder


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
        capacity=30,
    )
    full = OfferingFactory(
        course=CourseFactory(
            institution=institution, code="DT201", title_zh="设计思维", title_en="Design Thinking"
        ),
        capacity=1,
        waitlist_capacity=10,
    )
    someone = UserFactory()
    services.enrollment_create(learner=someone, offering=full, actor=someone)
    manager = UserFactory(
        email="manager@cqjtu.example", password="staff-password-1", preferred_language="en"
    )
    StaffMembership.objects.create(user=manager, institution=institution, role="course_manager")
    return {"roomy": roomy, "full": full, "manager": manager}


def verification_link(mailbox: Path) -> str:
    text = "\n".join(path.read_text() for path in sorted(mailbox.glob("*.log")))
    links = re.findall(r"https?://\S+/accounts/email/verify/[^\s\"<]+", text)
    assert links, text
    return links[0]


def test_learner_signs_up_enrolls_waits_and_drops(
    live_server, phone, campus, mailbox, outside_requests, tmp_path
):
    page = phone
    page.goto(live_server.url + "/en/accounts/signup/")
    page.get_by_label("Email").fill("wang.fang@example.com")
    page.get_by_label("Password", exact=True).fill("Chongqing-2026!")
    page.get_by_label("Password again").fill("Chongqing-2026!")
    page.get_by_label("Display name").fill("王芳")
    page.get_by_label("I am a").select_option("student")
    save_screenshot(page, "signup-phone-en", tmp_path)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    assert "/accounts/email/verify/" in page.url

    page.goto(verification_link(mailbox))
    assert page.locator(".message, main").first.inner_text()
    page.wait_for_load_state()

    # Enroll in the roomy offering.
    page.goto(live_server.url + "/en/courses/CQJTU/IE101/")
    page.get_by_role("link", name="Enroll", exact=True).click()
    page.get_by_role("button", name="Confirm enrollment").click()
    page.wait_for_url("**/courses/CQJTU/IE101/*")
    assert (
        "You are enrolled in Foundations of Entrepreneurship."
        in page.locator(".messages").inner_text()
    )
    assert page.locator(".state-ok").inner_text() == "You are enrolled."

    # Join the waitlist of the full one.
    page.goto(live_server.url + "/en/courses/CQJTU/DT201/")
    page.get_by_role("link", name=re.compile("Join the waitlist")).click()
    page.get_by_role("button", name="Join the waitlist").click()
    page.wait_for_url("**/courses/CQJTU/DT201/*")
    assert "You are number 1 on the waitlist." in page.locator(".messages").inner_text()
    save_screenshot(page, "waitlist-phone-en", tmp_path)

    # Drop the first.
    page.goto(live_server.url + "/en/me/learning/")
    page.get_by_role("link", name="Drop this course").click()
    page.get_by_role("button", name="Drop the course").click()
    page.wait_for_url("**/me/learning/")
    assert "You left Foundations of Entrepreneurship." in page.locator(".messages").inner_text()
    learning = page.locator("main").inner_text()
    assert "Number 1 on the waitlist." in learning
    save_screenshot(page, "my-learning-phone-en", tmp_path)
    assert outside_requests == []


def test_staff_member_exports_the_roster(live_server, desktop, campus, outside_requests, tmp_path):
    roomy = campus["roomy"]
    for learner in (UserFactory(display_name=f"学员{n}") for n in range(3)):
        services.enrollment_create(learner=learner, offering=roomy, actor=learner)
    page = desktop
    page.goto(live_server.url + "/en/accounts/login/")
    page.get_by_label("Email").fill("manager@cqjtu.example")
    page.get_by_label("Password").fill("staff-password-1")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Rosters", exact=True).click()
    page.get_by_role("row", name=re.compile("Foundations of Entrepreneurship")).get_by_role(
        "link", name="Roster"
    ).click()
    page.wait_for_url("**/staff/offerings/*/")
    assert page.locator(".roster-row").count() >= 3
    save_screenshot(page, "roster-desktop-en", tmp_path)
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4
    assert {row[1] for row in rows[1:]} == {"学员0", "学员1", "学员2"}
    assert outside_requests == []
