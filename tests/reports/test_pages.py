"""The results pages: who reads which dashboard and drill-down, the figures they show (from the
hand-computed data set in `tests/reports/world.py`), both languages, bad input, query counts.

The data set lies in 2027; "now" is frozen at 2027-07-15 so Q1 to Q3 2027 are reportable (the
Q2 report reads as of the end of June). Clients log in under the frozen clock, or their session
would already have expired.
"""

import re
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from html import unescape
from typing import Any
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import Context, Template
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.html import strip_tags

from accounts.models import User
from institutions.models import StaffMembership
from reports import charts
from reports.models import Indicator, IndicatorTarget, ProjectOfficeMember
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    UserFactory,
)
from tests.reports.world import S, World, at, history

pytestmark = pytest.mark.django_db

NOW = at(7, 15)
Q2 = "?quarter=2027Q2"


@pytest.fixture
def clock(world: World) -> Iterator[None]:
    """The project started in 2027 and it is 15 July 2027 (after the world was built)."""
    with (
        override_settings(REPORTS_PROJECT_START=date(2027, 1, 1)),
        mock.patch("django.utils.timezone.now", return_value=NOW),
    ):
        yield


@pytest.fixture
def office() -> User:
    user = UserFactory(email="office@example.com", is_staff=True)
    ProjectOfficeMember.objects.create(user=user)
    return user


def text(html: str) -> str:
    """The page's text, whitespace squeezed."""
    return re.sub(r"\s+", " ", unescape(strip_tags(html))).strip()


def card(response: Any, code: str) -> str:
    """The HTML of one indicator's card."""
    html = response.content.decode()
    match = re.search(rf'<article[^>]*id="indicator-{re.escape(code)}".*?</article>', html, re.S)
    assert match is not None, f"no card for {code}"
    return match[0]


def figures(response: Any, code: str) -> dict[str, str]:
    """A card's figures: term to value text, e.g. {"To date": "7", "Target": "20000 by …"}."""
    return figures_of(card(response, code))


def status(client: Client, url: str) -> int:
    return client.get(url).status_code


# --- who reads what ------------------------------------------------------------------------------


def test_the_office_reads_every_dashboard_and_drill_down(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    client = login(office)
    response = client.get("/reports/" + Q2)
    assert response.status_code == 200
    page = text(response.content.decode())
    for owner in ("甲大学", "乙职院", "丙开发区"):
        assert owner in page  # the list of owners, and the per-owner tables
    assert 'href="/reports/A/?quarter=2027Q2"' in response.content.decode()
    for owner in ("A", "b", "C"):  # codes in any case
        assert status(client, f"/reports/{owner}/{Q2}") == 200
        assert status(client, f"/reports/{owner}/PW-LEARNERS/{Q2}") == 200
    assert status(client, f"/reports/all/PW-LEARNERS/{Q2}") == 200
    assert client.get("/reports/all/" + Q2).url == "/reports/?quarter=2027Q2"


def test_superuser_reads_the_project_dashboard(
    clock: None, world: World, superuser: User, login: Callable[[User], Client]
) -> None:
    client = login(superuser)
    assert status(client, "/reports/") == 200
    assert status(client, "/reports/all/O3-SEATS/") == 200


@pytest.mark.parametrize("role", list(StaffMembership.Role))
def test_staff_read_their_own_owner_only(
    clock: None,
    world: World,
    make_staff: Callable[..., User],
    login: Callable[[User], Client],
    role: str,
) -> None:
    client = login(make_staff(institution=world.a, role=role))
    response = client.get("/reports/" + Q2)
    assert response.status_code == 302
    assert response.url == "/reports/A/?quarter=2027Q2"
    assert client.get("/en/reports/").url == "/en/reports/A/"
    assert status(client, "/reports/A/" + Q2) == 200
    assert status(client, "/reports/a/PW-LEARNERS/" + Q2) == 200
    for url in (
        "/reports/B/",
        "/reports/B/PW-LEARNERS/",
        "/reports/all/",
        "/reports/all/PW-LEARNERS/",
        "/reports/NOPE/",
        "/reports/NOPE/PW-LEARNERS/",
        "/reports/B/export/?format=csv",
    ):
        assert status(client, url + Q2) == 404, url


def test_staff_of_several_owners_choose_one(
    clock: None, world: World, make_staff: Callable[..., User], login: Callable[[User], Client]
) -> None:
    user = make_staff(institution=world.a)
    StaffMembership.objects.create(user=user, institution=world.c, role="instructor")
    client = login(user)
    response = client.get("/en/reports/" + Q2)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="/en/reports/A/?quarter=2027Q2"' in html
    assert 'href="/en/reports/C/?quarter=2027Q2"' in html
    assert "/reports/B/" not in html
    assert status(client, "/reports/C/" + Q2) == 200
    assert status(client, "/reports/B/" + Q2) == 404


def test_learners_get_not_found_and_visitors_the_login_page(
    clock: None, world: World, login: Callable[[User], Client]
) -> None:
    learner = login(world.users["u1"])
    for url in ("/reports/", "/reports/A/", "/reports/A/PW-LEARNERS/", "/reports/all/O3-SEATS/"):
        assert status(learner, url) == 404, url
        response = Client().get(url + Q2)
        assert response.status_code == 302
        assert response.url.startswith("/accounts/login/?next=")
    assert Client().get("/en/reports/").url.startswith("/en/accounts/login/")


def test_an_inactive_owner_has_no_dashboard(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    world.b.is_active = False
    world.b.save()
    client = login(office)
    assert status(client, "/reports/B/" + Q2) == 404
    assert status(client, "/reports/B/PW-LEARNERS/" + Q2) == 404


def test_the_header_links_to_results_for_those_who_read_them(
    clock: None,
    world: World,
    office: User,
    make_staff: Callable[..., User],
    login: Callable[[User], Client],
) -> None:
    link = 'href="/en/reports/"'
    assert link in login(office).get("/en/courses/").content.decode()
    assert link in login(make_staff(institution=world.b)).get("/en/courses/").content.decode()
    assert link not in login(world.users["u2"]).get("/en/courses/").content.decode()
    assert link not in Client().get("/en/courses/").content.decode()


def test_the_header_tag_asks_nothing_for_visitors_and_learners(world: World) -> None:
    template = Template("{% load report_tags %}{% can_view_results user as show %}{{ show }}")
    learner = User.objects.get(pk=world.users["u1"].pk)
    learner._institution_roles = {}  # type: ignore[attr-defined]  # as the admin link left it
    for user in (AnonymousUser(), learner):
        with CaptureQueriesContext(connection) as queries:
            rendered = template.render(Context({"user": user}))
        assert rendered == "False"
        assert len(queries) == 0


# --- what the dashboards show --------------------------------------------------------------------


def test_project_dashboard_shows_the_known_figures(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    response = login(office).get("/en/reports/" + Q2)
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "Project results" in page
    assert "2027 Q2 · figures as of" in page
    learners = figures(response, "PW-LEARNERS")
    assert learners["2027 Q2"] == "5"
    assert learners["To date"] == "7"  # u1 … u7 held a seat in the half year
    assert learners["Baseline"] == "0"
    assert learners["Target"] == "20,000 by Dec. 31, 2029"
    html = card(response, "PW-LEARNERS")
    assert "Learners trained (total)" in html
    assert '<progress max="100" value="0"' in html
    assert "0.0%" in html
    # By sex, to date: u1 u2 u6 female, u3 u4 male, u5 u7 not stated (never guessed).
    assert re.search(r"Female</span> <strong>3</strong>", html)
    assert re.search(r"Male</span> <strong>2</strong>", html)
    assert re.search(r"Not stated</span> <strong>2</strong>", html)
    # The trend, in the chart's name and in the table beside it.
    assert 'aria-label="PW-LEARNERS per quarter: 2027 Q1 6, 2027 Q2 5"' in html
    assert '<th scope="row">2027 Q1</th><td>6</td>' in html
    # Per owner: A 6 to date (3 this quarter), B 2 (0), C 3 (3).
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", html, re.S)
    owners = {
        text(name): [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        for name, cells in rows
        if '<td class="num"' in cells
    }
    assert owners["A University"][:2] == ["3", "6"]
    assert owners["B College"][:2] == ["0", "2"]
    assert owners["C Zone"][:2] == ["3", "3"]

    # Percentages and hours carry their unit; the completion rate its parts. As of 30 June,
    # E10's result was still "completed" (corrected on 5 July): 5 of 8 ended, 62.5%.
    rate = figures(response, "PW-COMPLETION-RATE")
    assert rate["To date"] == "62.5% (5 of 8)"
    assert "Target 80.0%" in card(response, "PW-COMPLETION-RATE")  # the dashed line's label
    assert 'class="chart-target"' in card(response, "PW-COMPLETION-RATE")
    assert 'class="chart-target"' not in html  # counts have no target line
    hours = figures(response, "PW-HOURS")
    assert hours["2027 Q2"] == "62 h"  # E2 30 + E8 16 + E12 16; E10 has no hours
    women = card(response, "PW-WOMEN")
    assert figures(response, "PW-WOMEN")["To date"] == "60.0% (3 of 5)"
    assert re.search(r"Not stated</span> <strong>2</strong>", women)

    # Grouped by output, then the project-wide ones.
    headings = re.findall(r'<h2 id="output-\d">(.*?)</h2>', response.content.decode())
    assert [h.split(":")[0] for h in headings] == [
        "Output 1",
        "Output 2",
        "Output 3",
        "Project-wide",
    ]


def test_owner_dashboard_uses_the_owner_figures_and_target(
    clock: None, world: World, make_staff: Callable[..., User], login: Callable[[User], Client]
) -> None:
    learners = Indicator.objects.get(code="PW-LEARNERS")
    IndicatorTarget.objects.create(indicator=learners, institution=world.a, baseline=1, target=21)
    response = login(make_staff(institution=world.a)).get("/en/reports/A/" + Q2)
    assert response.status_code == 200
    assert "A University" in text(response.content.decode())
    shown = figures(response, "PW-LEARNERS")
    assert (shown["To date"], shown["Baseline"], shown["Target"]) == (
        "7",
        "1",
        "21 by Dec. 31, 2029",
    )
    assert '<progress max="100" value="30.0"' in card(response, "PW-LEARNERS")
    assert "O2-EMPLOYEES" not in response.content.decode()  # output 2 is the zones'
    assert "<details" not in card(response, "PW-LEARNERS")  # no per-owner table
    assert figures(response, "O1-COURSES")["Target"] == "no target set"


def test_progress_bar_stops_at_100_and_says_the_real_figure(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    Indicator.objects.filter(code="PW-LEARNERS").update(target=4)
    html = card(login(office).get("/en/reports/" + Q2), "PW-LEARNERS")
    assert '<progress max="100" value="100"' in html
    assert "175.0%" in html  # 7 of 4


def test_both_languages(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    client = login(office)
    chinese = client.get("/reports/" + Q2)
    assert '<html lang="zh-Hans">' in chinese.content.decode()
    assert "培训学员总数" in card(chinese, "PW-LEARNERS")
    assert "甲大学" in card(chinese, "PW-LEARNERS")
    assert "2027年12月31日" not in card(chinese, "PW-LEARNERS")
    assert "2029年12月31日" in card(chinese, "PW-LEARNERS")
    english = client.get("/en/reports/" + Q2)
    assert "Learners trained (total)" in card(english, "PW-LEARNERS")
    assert "培训学员总数" not in english.content.decode()
    drill = client.get("/en/reports/A/PW-LEARNERS/" + Q2)
    assert "Learners trained (total)" in drill.content.decode()
    assert "A University" in drill.content.decode()


def test_the_quarter_select_lists_the_reportable_quarters(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    html = login(office).get("/en/reports/" + Q2).content.decode()
    options = re.findall(r'<option value="([^"]+)"( selected)?>', html)
    assert options == [("2027Q3", ""), ("2027Q2", " selected"), ("2027Q1", "")]
    assert '<form class="quarter-form" method="get"' in html


def test_the_default_is_the_current_quarter(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    response = login(office).get("/en/reports/")
    assert response.status_code == 200
    assert "2027 Q3 · figures as of" in text(response.content.decode())
    assert figures(response, "PW-LEARNERS")["To date"] == "7"
    assert figures(response, "PW-LEARNERS")["2027 Q3"] == "1"  # u4 (E13) still holds a seat


@pytest.mark.parametrize(
    "quarter",
    ["abc", "1999Q1", "2026Q4", "2027Q9", "2027Q4", "2101Q1", "9" * 5000, "2027Q1'\"<x>", "   "],
)
def test_a_bad_quarter_shows_the_default_and_says_why(
    clock: None, world: World, office: User, login: Callable[[User], Client], quarter: str
) -> None:
    client = login(office)
    for url in ("/en/reports/", "/en/reports/A/", "/en/reports/A/PW-LEARNERS/"):
        response = client.get(url, {"quarter": quarter})
        if not quarter.strip():
            assert response.status_code == 200
            continue
        assert response.status_code == 400, url
        html = response.content.decode()
        assert 'class="message error" role="alert"' in html
        assert "<x>" not in html
        assert "2027 Q3" in text(html)  # the default quarter instead


def test_a_future_quarter_before_the_project_has_figures(
    world: World, office: User, login: Callable[[User], Client]
) -> None:
    """Today (December 2026) the 2027 project has not begun: nothing to report, no error."""
    with override_settings(REPORTS_PROJECT_START=date(2027, 1, 1)):
        client = login(office)
        response = client.get("/en/reports/" + Q2)
        assert response.status_code == 400
        page = text(response.content.decode())
        assert "There are no results to report yet." in page
        assert "The project's reporting starts in 2027Q1." in page
        assert status(client, "/en/reports/") == 200
        assert status(client, "/en/reports/A/PW-LEARNERS/") == 404


def test_export_links(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    html = login(office).get("/en/reports/" + Q2).content.decode()
    for fmt in ("xlsx", "csv"):
        for lang in ("zh-hans", "en"):
            assert (
                f'href="/en/reports/all/export/?quarter=2027Q2&amp;format={fmt}&amp;lang={lang}"'
                in html
            )


# --- drill-down ---------------------------------------------------------------------------------


def drill_rows(response: Any) -> list[list[str]]:
    body = re.search(
        r'<table class="table drill-table">.*?<tbody>(.*?)</tbody>', response.content.decode(), re.S
    )
    if body is None:
        return []
    return [
        [text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body[1], re.S)
    ]


def test_drill_down_lists_the_offerings_behind_the_figure(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    client = login(office)
    # Completions in Q2 as of 30 June: E2 (OA1), E8 and E12 (OC1), E10 (OA2, corrected later).
    response = client.get("/en/reports/all/PW-COMPLETIONS/" + Q2)
    assert response.status_code == 200
    rows = drill_rows(response)
    oc1 = world.offerings["OC1"]
    assert rows[0] == [
        f"CC1 {oc1.course.title_en or oc1.course.title_zh}",
        oc1.section,
        "Term 2027-summer",
        "C Zone",
        "2",
    ]
    assert sorted((r[0].split()[0], r[-1]) for r in rows[1:]) == [("CA1", "1"), ("CA2", "1")]
    assert "u1@example.com" not in response.content.decode()  # counts, never names
    # To date: E1 too (OA1).
    rows = drill_rows(
        client.get("/en/reports/all/PW-COMPLETIONS/?quarter=2027Q2&period=cumulative")
    )
    assert {(r[0].split()[0], r[-1]) for r in rows} == {("CA1", "2"), ("CC1", "2"), ("CA2", "1")}
    # A's scope: only A's offerings.
    rows = drill_rows(client.get("/en/reports/A/PW-COMPLETIONS/" + Q2))
    assert {r[0].split()[0] for r in rows} == {"CA1", "CA2"}


def test_drill_down_of_a_rate_keeps_rows_with_a_denominator(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    # Q1: E1 completed, E3 dropped after the start, E4 not completed: all at OA1, 1 of 3.
    rows = drill_rows(login(office).get("/en/reports/all/PW-COMPLETION-RATE/?quarter=2027Q1"))
    oa1 = world.offerings["OA1"]
    course = oa1.course
    assert rows == [
        [
            f"CA1 {course.title_en}",
            oa1.section,
            "Term 2027-spring",
            "A University",
            "33.3% (1 of 3)",
        ]
    ]


def test_drill_down_of_courses_and_programs(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    client = login(office)
    rows = drill_rows(client.get("/en/reports/all/O1-COURSES/" + Q2))
    assert sorted(r[0].split()[0] for r in rows) == ["CA2", "CC1"]  # launched in Q2
    assert all(len(r) == 3 for r in rows)  # course, institution, value
    rows = drill_rows(client.get("/en/reports/all/O1-PROGRAMS/" + Q2))
    assert [r[0] for r in rows] == ["PC PC training"]
    assert rows[0][1:] == ["C Zone", "1"]


def test_drill_down_shows_the_splits(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    response = login(office).get("/en/reports/all/PW-LEARNERS/?quarter=2027Q2&period=cumulative")
    html = response.content.decode()
    captions = re.findall(r"<caption>(.*?)</caption>", html)
    assert captions == [
        "By sex",
        "By learner type",
        "By institution",
        "By program",
        "By term",
    ]
    sex = re.search(r"<caption>By sex</caption>.*?</table>", html, re.S)
    assert sex is not None
    cells = re.findall(r'<th scope="row">(.*?)</th><td class="num">(.*?)</td>', sex[0])
    assert [(label, value) for label, value in cells] == [
        ("Female", "3"),
        ("Male", "2"),
        ("Not stated", "2"),
    ]
    seats = login(office).get("/en/reports/all/O3-SEATS/" + Q2).content.decode()
    assert "By sex" not in seats  # catalog figures count no people


def test_drill_down_404s_and_bad_input(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    client = login(office)
    assert status(client, "/reports/all/NOPE/" + Q2) == 404
    assert status(client, "/reports/all/" + "X" * 500 + "/") == 404
    assert status(client, "/reports/" + "X" * 500 + "/PW-LEARNERS/") == 404
    for odd in ("%00", "a%20b", "%E4%B8%AD", "A%00"):
        with CaptureQueriesContext(connection) as queries:
            assert status(client, f"/reports/{odd}/") == 404
            assert status(client, f"/reports/{odd}/PW-LEARNERS/") == 404
        lookups = [
            q["sql"]
            for q in queries.captured_queries
            if 'FROM "institutions_institution"' in q["sql"]
        ]
        assert lookups == []  # not looked up at all
    Indicator.objects.create(
        code="C-ONLY", name_zh="丙区学员", measure="unique_learners", institution=world.c, target=3
    )
    assert status(client, "/reports/A/C-ONLY/" + Q2) == 404  # not one of A's indicators
    assert status(client, "/reports/C/c-only/" + Q2) == 200
    response = client.get("/en/reports/all/PW-LEARNERS/", {"quarter": "2027Q2", "period": "x<y"})
    assert response.status_code == 400
    assert "x<y" not in response.content.decode()
    for page in ("2", "0", "-1", "abc", "9" * 100):
        assert status(client, f"/reports/all/PW-LEARNERS/?quarter=2027Q2&page={page}") == 200


def test_drill_down_pages_at_50(
    clock: None, world: World, office: User, login: Callable[[User], Client]
) -> None:
    course = CourseFactory(institution=world.a, code="BIG")
    for n in range(53):
        offering = OfferingFactory(course=course, section=f"S{n:02d}", starts_on=date(2027, 5, 1))
        for k in range(1 + n % 3):
            learner = UserFactory(email=f"big{n}-{k}@example.com")
            history(learner, offering, (S.ENROLLED, at(4, 10)))
    client = login(office)
    first = client.get("/en/reports/A/PW-LEARNERS/" + Q2)
    assert len(drill_rows(first)) == 50
    assert "55 rows, largest first" in text(first.content.decode())  # 53 + OA1 + OA2
    values = [int(r[-1]) for r in drill_rows(first)]
    assert values == sorted(values, reverse=True)
    second = client.get("/en/reports/A/PW-LEARNERS/?quarter=2027Q2&page=2")
    assert len(drill_rows(second)) == 5
    assert 'href="?quarter=2027Q2&amp;page=1"' in second.content.decode()


# --- queries -------------------------------------------------------------------------------------


def more_owners(count: int) -> None:
    for _ in range(count):
        institution = InstitutionFactory()
        offering = OfferingFactory(
            course=CourseFactory(institution=institution), starts_on=date(2027, 1, 5)
        )
        learner = UserFactory(sex="female", sex_consent=True)
        history(learner, offering, (S.ENROLLED, at(1, 6)), (S.COMPLETED, at(2, 1)), hours="4")
        IndicatorTarget.objects.create(
            indicator=Indicator.objects.get(code="PW-LEARNERS"), institution=institution, target=9
        )


def test_query_count_does_not_grow_with_owners_or_quarters(
    clock: None,
    world: World,
    office: User,
    login: Callable[[User], Client],
    django_assert_max_num_queries: Any,
) -> None:
    client = login(office)
    client.get("/reports/")  # the session and the user, once

    def count(url: str) -> int:
        # build_report's at most 64, then the session, the user, the office, roles and inbox.
        with django_assert_max_num_queries(70) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    few = (count("/reports/?quarter=2027Q1"), count("/reports/all/PW-LEARNERS/?quarter=2027Q1"))
    more_owners(4)  # 7 owners; 3 quarters instead of 1
    many = (count("/reports/?quarter=2027Q3"), count("/reports/all/PW-LEARNERS/?quarter=2027Q3"))
    assert few == many
    assert many[1] <= 20
    page = client.get("/reports/?quarter=2027Q3").content.decode()
    assert page.count('class="card result-card"') == 12
    assert page.count('href="/reports/INST') >= 4  # the new owners are listed


# --- the chart -----------------------------------------------------------------------------------


def test_the_chart_escapes_its_text_and_scales() -> None:
    bars = [
        charts.Bar("<b>Q1</b>", "2027 Q1", Decimal(4), "4", group="2027"),
        charts.Bar("Q2", "2027 Q2", Decimal(0), "0 & none", current=True),
    ]
    svg = str(
        charts.bar_chart(
            bars,
            title='A "title" <script>',
            summary="A <summary>",
            target=Decimal(8),
            target_text="Target <8>",
        )
    )
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "&lt;b&gt;Q1&lt;/b&gt;" in svg
    assert 'aria-label="A &lt;summary&gt;"' in svg
    assert "<title>A &quot;title&quot; &lt;script&gt;</title>" in svg
    assert 'role="img"' in svg
    assert 'viewBox="0 0 320 160"' in svg
    assert "width=" in svg
    assert 'class="chart-bar chart-bar-current"' in svg
    assert "Target &lt;8&gt;" in svg
    assert 'stroke-dasharray="5 4"' in svg
    # Bar heights: 4 of a scale up to the target 8 is half the plot.
    heights = re.findall(r'<rect[^>]* height="([\d.]+)"', svg)
    assert [float(h) for h in heights] == [50.0, 0.0]
    empty = str(charts.bar_chart([], title="t", summary="s"))
    assert "<svg" in empty


def test_the_chart_shows_the_latest_eight_quarters(
    world: World, office: User, login: Callable[[User], Client]
) -> None:
    with (
        override_settings(REPORTS_PROJECT_START=date(2025, 1, 1)),
        mock.patch("django.utils.timezone.now", return_value=NOW),
    ):
        html = card(login(office).get("/en/reports/" + Q2), "PW-LEARNERS")
    assert html.count("<rect") == 8  # 2025Q3 … 2027Q2 of the ten quarters
    assert "2025 Q3" in html
    assert "2025 Q2" not in html
    assert "the latest 8 quarters" in html
    assert figures_of(html)["To date"] == "7"


def figures_of(html: str) -> dict[str, str]:
    found = re.search(r'<dl class="result-figures">(.*?)</dl>', html, re.S)
    assert found is not None
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", found[1], re.S)
    return {text(term): text(value) for term, value in pairs}
