"""The results dashboards in Chromium: the project office reads the project's figures in Chinese
and in English, switches quarter, opens an owner and a drill-down; nothing is fetched from
anywhere but the test server. With UPDATE_SCREENSHOTS=1 it also retakes the dashboard
screenshots in docs/screenshots/.

The data: the seven owners of the demo with three courses each, run in four terms from spring
2025 to autumn 2026, and a few hundred learners who enroll, complete, fail, drop or wait.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from courses.models import Course, Offering, Program
from demo import data
from demo.indicators import seed_indicators
from enrollment.models import Enrollment, EnrollmentEvent
from institutions.models import Institution
from reports.models import Indicator, IndicatorTarget, ProjectOfficeMember
from reports.report import current_quarter, quarter_code
from tests.browser.conftest import save_screenshot
from tests.factories import TermFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Chongqing-2026!"
S = Enrollment.Status
TERMS = [  # code, Chinese name, English name, first day, last day
    ("2025-spring", "2025年春季学期", "Spring 2025", date(2025, 3, 3), date(2025, 6, 27)),
    ("2025-autumn", "2025年秋季学期", "Autumn 2025", date(2025, 9, 8), date(2026, 1, 9)),
    ("2026-spring", "2026年春季学期", "Spring 2026", date(2026, 3, 2), date(2026, 6, 26)),
    ("2026-autumn", "2026年秋季学期", "Autumn 2026", date(2026, 9, 7), date(2027, 1, 8)),
]


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def no_horizontal_scroll(page: Any) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def log_in(page: Any, server: str, email: str) -> None:
    page.goto(server + "/en/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/accounts/login/" not in page.url


def enroll(
    learner: User, offering: Offering, steps: list[tuple[str, datetime]], hours: Any
) -> None:
    enrollment = Enrollment.objects.create(
        learner=learner,
        offering=offering,
        status=steps[-1][0],
        created_at=steps[0][1],
        hours_completed=hours,
    )
    before = ""
    events = []
    for status, when in steps:
        events.append(
            EnrollmentEvent(
                enrollment=enrollment, at=when, from_status=before, to_status=status, channel="web"
            )
        )
        before = status
    EnrollmentEvent.objects.bulk_create(events)


def seed_results() -> dict[str, Any]:
    """Owners, courses, two years of runs and enrollments; the demo indicators and targets."""
    rng = random.Random(2026)  # noqa: S311  (test data, not secrets)
    today = timezone.localdate()
    owners, offerings = [], []
    for spec in data.INSTITUTIONS:
        owner = Institution.objects.create(
            **{
                k: spec[k] for k in ("code", "name_zh", "name_en", "short_name_zh", "short_name_en")
            },
            kind=spec["kind"],
            district=spec["district"],
            project_output=spec["project_output"],
        )
        owners.append(owner)
        programs = {
            p["code"]: Program.objects.create(
                institution=owner,
                code=p["code"],
                kind=p["kind"],
                name_zh=p["name_zh"],
                name_en=p["name_en"],
            )
            for p in spec["programs"]
        }
        for c in spec["courses"][:3]:
            course = Course.objects.create(
                institution=owner,
                code=c["code"],
                title_zh=c["title_zh"],
                title_en=c["title_en"],
                credits=Decimal("2.0"),
                class_hours=32,
            )
            course.programs.set([programs[code] for code in c.get("programs", [])])
            for number, (code, name_zh, name_en, first, last) in enumerate(TERMS):
                if number == 0 and rng.random() < 0.4:
                    continue  # some courses began later
                term = TermFactory(
                    institution=owner,
                    code=code,
                    name_zh=name_zh,
                    name_en=name_en,
                    starts_on=first,
                    ends_on=last,
                )
                opens = at(first - timedelta(days=40))
                running = last >= today
                offering = Offering.objects.create(
                    course=course,
                    term=term,
                    section="01",
                    starts_on=first,
                    ends_on=last,
                    capacity=rng.choice([30, 40, 50]),
                    waitlist_capacity=10,
                    enrollment_opens_at=opens,
                    enrollment_closes_at=at(first + timedelta(days=7)),
                    drop_deadline=at(first + timedelta(days=21)),
                    status=Offering.Status.PUBLISHED if running else Offering.Status.ARCHIVED,
                )
                Offering.objects.filter(pk=offering.pk).update(created_at=opens)
                offerings.append((offering, running))

    learners = []
    kinds = [User.LearnerType.STUDENT] * 6 + [
        User.LearnerType.EMPLOYEE,
        User.LearnerType.EMPLOYEE,
        User.LearnerType.GOVERNMENT,
        User.LearnerType.PUBLIC,
    ]
    for n in range(420):
        sex = rng.choices(["female", "male", ""], [46, 44, 10])[0]
        learners.append(
            UserFactory.build(
                email=f"learner{n}@example.com",
                sex=sex,
                sex_consent=bool(sex),
                learner_type=rng.choice(kinds),
                home_institution=rng.choice(owners) if rng.random() < 0.8 else None,
                password="!",
            )
        )
    User.objects.bulk_create(learners)
    learners = list(User.objects.filter(email__startswith="learner"))

    for offering, running in offerings:
        first, last = offering.starts_on, offering.ends_on
        for learner in rng.sample(learners, rng.randint(8, 26)):
            joined = at(first - timedelta(days=rng.randint(3, 30)))
            roll = rng.random()
            if roll < 0.06:  # waited, never got a seat
                enroll(learner, offering, [(S.WAITLISTED, joined), (S.EXPIRED, at(first))], None)
            elif running:
                enroll(learner, offering, [(S.ENROLLED, joined)], None)
            elif roll < 0.14:
                left = at(first + timedelta(days=rng.randint(5, 40)))
                enroll(learner, offering, [(S.ENROLLED, joined), (S.DROPPED, left)], None)
            elif roll < 0.24:
                result = at(last - timedelta(days=rng.randint(0, 5)))
                enroll(learner, offering, [(S.ENROLLED, joined), (S.NOT_COMPLETED, result)], None)
            else:
                result = at(last - timedelta(days=rng.randint(0, 5)))
                enroll(
                    learner,
                    offering,
                    [(S.ENROLLED, joined), (S.COMPLETED, result)],
                    Decimal(rng.choice([24, 32, 32, 36])),
                )

    seed_indicators()
    learners_indicator = Indicator.objects.get(code="PW-LEARNERS")
    for owner in owners:
        IndicatorTarget.objects.create(
            indicator=learners_indicator, institution=owner, target=Decimal(2800)
        )
    office = UserFactory(
        email="office@example.com", password=PASSWORD, display_name="项目办", is_staff=True
    )
    ProjectOfficeMember.objects.create(user=office)
    return {"office": office, "owners": owners}


def test_the_project_office_reads_the_results(
    live_server, browser, desktop, phone, tmp_path, outside_requests
):
    with override_settings(REPORTS_PROJECT_START=date(2025, 1, 1)):
        world = seed_results()
        quarter = quarter_code(current_quarter())
        server = live_server.url

        # Chinese, desktop: the project's dashboard from the header link.
        page = desktop
        log_in(page, server, world["office"].email)
        page.goto(server + "/")
        page.locator('.site-nav a[href="/reports/"]').click()  # "Results", in any translation
        page.wait_for_url("**/reports/")
        assert page.locator("html").get_attribute("lang") == "zh-Hans"
        main = page.locator("main")
        assert "培训学员总数" in main.inner_text()
        assert "重庆交通大学" in main.inner_text() or "重庆交大" in main.inner_text()
        assert page.locator(".result-card").count() == 12
        assert page.locator("svg.chart[role=img]").count() == 12
        learners = page.locator("#indicator-PW-LEARNERS")
        assert learners.locator("progress").count() == 1
        assert f"{quarter[:4]}年第{quarter[-1]}季度" in learners.inner_text()
        save_screenshot(page, "reports-desktop-zh", tmp_path)

        # The quarter select works without script: a GET form.
        page.select_option("#quarter-select", "2025Q4")
        page.locator(".quarter-form button").click()
        page.wait_for_url("**/reports/?quarter=2025Q4")
        assert "2025年第4季度" in page.locator(".subtitle").first.inner_text()

        # An owner's dashboard from the list of owners.
        page.locator(".results-owners").get_by_role("link").first.click()
        page.wait_for_url("**/reports/CQJTU/?quarter=2025Q4")
        assert page.get_by_role("heading", level=1).inner_text() == "重庆交通大学"

        # English, phone: fits 390 px.
        log_in(phone, server, world["office"].email)
        phone.goto(server + "/en/reports/")
        assert "Learners trained (total)" in phone.locator("main").inner_text()
        assert no_horizontal_scroll(phone)
        phone.evaluate("document.querySelector('.results-group').scrollIntoView()")
        save_screenshot(phone, "reports-phone-en", tmp_path)

        phone.locator("#indicator-PW-LEARNERS summary").click()  # the per-owner table
        assert phone.locator("#indicator-PW-LEARNERS table.table").is_visible()
        assert no_horizontal_scroll(phone)

        # A drill-down, in English on the desktop.
        page.goto(server + "/en/reports/?quarter=2026Q2")
        page.locator("#indicator-PW-COMPLETIONS").get_by_role("link", name="What makes up").click()
        page.wait_for_url("**/en/reports/all/PW-COMPLETIONS/?quarter=2026Q2")
        assert page.get_by_role("heading", level=1).inner_text() == "Completions"
        rows = page.locator(".drill-table tbody tr")
        assert rows.count() > 5
        assert "Spring 2026" in rows.first.inner_text()
        assert page.locator("caption", has_text="By sex").count() == 1
        page.get_by_role("link", name="To date").click()
        page.wait_for_url("**/en/reports/all/PW-COMPLETIONS/?quarter=2026Q2&period=cumulative")
        assert page.locator(".period-switch [aria-current=page]").inner_text().startswith("To date")
        page.get_by_role("link", name="2026 Q2").click()
        page.wait_for_url("**period=quarter")
        save_screenshot(page, "reports-drilldown-desktop-en", tmp_path)
        page.set_viewport_size({"width": 390, "height": 844})
        assert no_horizontal_scroll(page)
    assert outside_requests == []
