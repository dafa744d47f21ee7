"""The public catalog: search, every filter, both languages with fallback, bounded queries."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from courses.models import Offering
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgramFactory,
    TermFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def listed(response: Any) -> list[str]:
    return [course.code for course in response.context["courses"]]


def catalog(client: Any, **params: Any) -> list[str]:
    response = client.get(reverse("courses:catalog"), params)
    assert response.status_code == 200
    return listed(response)


@pytest.fixture
def catalog_data() -> dict[str, Any]:
    """Three courses at two institutions, with distinct programs, topics, modes and terms."""
    jiaoda = InstitutionFactory(
        code="CQJTU", name_zh="重庆交通大学", name_en="Chongqing Jiaotong University"
    )
    zone = InstitutionFactory(
        code="CSETDA",
        name_zh="长寿经济技术开发区",
        name_en="Changshou ETDA",
        kind="development_zone",
    )
    transport = TopicFactory(
        slug="intelligent-transport", name_zh="智慧交通", name_en="Intelligent transport"
    )
    startup = TopicFactory(slug="entrepreneurship", name_zh="创业", name_en="Entrepreneurship")
    minor = ProgramFactory(institution=jiaoda, code="ITE-MINOR")
    its = CourseFactory(
        institution=jiaoda,
        code="ITS201",
        title_zh="智慧交通系统创新",
        title_en="Innovation in Intelligent Transport Systems",
        summary_zh="用数据改进城市出行。",
        language="bilingual",
        level="intermediate",
        topics=[transport],
        programs=[minor],
    )
    basics = CourseFactory(
        institution=jiaoda,
        code="IE101",
        title_zh="创新创业基础",
        title_en="",  # English missing: pages fall back to Chinese
        language="zh",
        topics=[startup],
    )
    safety = CourseFactory(
        institution=zone,
        code="SAFE01",
        title_zh="化工园区安全生产管理",
        title_en="Safety Management in Chemical Industrial Parks",
        language="zh",
        level="advanced",
    )
    now = timezone.now()
    autumn = {"code": "2026-autumn", "name_zh": "2026秋季学期", "name_en": "Autumn 2026"}
    OfferingFactory(course=its, delivery_mode="online", term=TermFactory(institution=jiaoda))
    OfferingFactory(
        course=basics,
        delivery_mode="in_person",
        term=TermFactory(institution=jiaoda, **autumn),
        enrollment_opens_at=now - timedelta(days=60),
        enrollment_closes_at=now - timedelta(days=30),
        drop_deadline=now - timedelta(days=20),
    )
    # Open now, but a draft: invisible to the public and to the filters.
    OfferingFactory(course=safety, delivery_mode="hybrid", status=Offering.Status.DRAFT)
    return {"its": its, "basics": basics, "safety": safety, "minor": minor, "zone": zone}


def test_catalog_lists_active_courses(client, catalog_data):
    assert catalog(client) == ["IE101", "ITS201", "SAFE01"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("智慧交通", ["ITS201"]),  # Chinese title substring, no word boundaries needed
        ("创业", ["IE101"]),  # topic and title
        ("transport", ["ITS201"]),  # English title, case-insensitive
        ("its201", ["ITS201"]),  # code
        ("长寿", ["SAFE01"]),  # institution name
        ("出行", ["ITS201"]),  # summary
        ("Entrepreneurship", ["IE101"]),  # English topic name
        ("创新 系统", ["ITS201"]),  # every word must match
        ("区块链", []),
    ],
)
def test_search(client, catalog_data, query, expected):
    assert catalog(client, q=query) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"institution": "CSETDA"}, ["SAFE01"]),
        ({"topic": "intelligent-transport"}, ["ITS201"]),
        ({"language": "bilingual"}, ["ITS201"]),
        ({"level": "advanced"}, ["SAFE01"]),
        ({"mode": "online"}, ["ITS201"]),
        ({"mode": "in_person"}, ["IE101"]),
        ({"mode": "hybrid"}, []),  # only a draft is hybrid
        ({"term": "2026-autumn"}, ["IE101"]),
        ({"term": "2027-spring"}, ["ITS201"]),
        ({"open": "1"}, ["ITS201"]),  # IE101's window closed; SAFE01 is a draft
        ({"open": "1", "term": "2026-autumn"}, []),  # conditions hold for one offering
        ({"institution": "CQJTU", "language": "zh"}, ["IE101"]),
    ],
)
def test_filters(client, catalog_data, params, expected):
    assert catalog(client, **params) == expected


def test_program_filter(client, catalog_data):
    assert catalog(client, program=str(catalog_data["minor"].public_id)) == ["ITS201"]


@pytest.mark.parametrize(
    "params",
    [
        {"institution": "NOPE"},
        {"program": "not-a-uuid"},
        {"mode": "teleport"},
        {"page": "999"},
        {"page": "abc"},
        {"q": "x" * 5000},
        {"open": "maybe"},
    ],
)
def test_bad_filter_values_never_fail(client, catalog_data, params):
    response = client.get(reverse("courses:catalog"), params)
    assert response.status_code == 200


def test_inactive_courses_are_hidden(client, catalog_data):
    catalog_data["safety"].is_active = False
    catalog_data["safety"].save()
    assert "SAFE01" not in catalog(client)
    response = client.get(reverse("courses:course_detail", args=["CSETDA", "SAFE01"]))
    assert response.status_code == 404


def test_pages_render_in_chinese_with_english_fallback(client, catalog_data):
    home = client.get("/").content.decode()
    assert 'lang="zh-Hans"' in home
    assert "重庆交通大学" in home
    page = client.get("/courses/CQJTU/ITS201/").content.decode()
    assert "智慧交通系统创新" in page
    assert "Innovation in Intelligent Transport Systems" not in page
    assert "学分" in page  # UI strings from the zh_Hans catalog
    assert "学生、企业员工、政府工作人员" in page  # lists joined the Chinese way


def test_pages_render_in_english_and_fall_back_to_chinese(client, catalog_data):
    page = client.get("/en/courses/CQJTU/ITS201/").content.decode()
    assert 'lang="en"' in page
    assert "Innovation in Intelligent Transport Systems" in page
    assert "Credits" in page
    listing = client.get("/en/courses/").content.decode()
    assert "创新创业基础" in listing  # no English title: the Chinese one stands in
    assert "Safety Management in Chemical Industrial Parks" in listing


def test_every_page_links_to_itself_in_the_other_language(client, catalog_data):
    page = client.get("/courses/", {"q": "交通", "mode": "online"}).content.decode()
    assert 'href="/en/courses/?q=%E4%BA%A4%E9%80%9A&amp;mode=online"' in page
    english = client.get("/en/courses/CQJTU/ITS201/").content.decode()
    assert 'href="/courses/CQJTU/ITS201/"' in english


def test_course_page_shows_offerings_seats_and_audience(client, catalog_data):
    catalog_data["its"].offerings.update(
        seats_taken=12, open_to_public=True, open_to_other_institutions=False
    )
    with translation.override("en"):
        page = client.get("/en/courses/CQJTU/ITS201/").content.decode()
    assert "18 of 30" in page
    assert "Open for enrollment" in page
    assert "Student, Company employee, Government staff, Member of the public" in page
    assert "Only learners of" in page


def test_drafts_are_shown_to_the_owners_staff_only(client, login, make_staff, catalog_data):
    url = "/en/courses/CSETDA/SAFE01/"
    assert "Draft" not in client.get(url).content.decode()
    staff = make_staff(catalog_data["zone"])
    assert "Draft: only staff see this" in login(staff).get(url).content.decode()
    outsider = make_staff(InstitutionFactory())
    assert "Draft" not in login(outsider).get(url).content.decode()


def test_full_offering_shows_waitlist(client, catalog_data):
    catalog_data["its"].offerings.update(seats_taken=30, waitlist_length=4)
    page = client.get("/en/courses/CQJTU/ITS201/").content.decode()
    assert "Full" in page
    assert "6 waitlist places left" in page


def test_institution_pages(client, catalog_data):
    listing = client.get("/en/institutions/").content.decode()
    assert "Changshou ETDA" in listing
    detail = client.get("/institutions/cqjtu/")
    assert detail.status_code == 200
    assert "ITS201" in detail.content.decode()
    assert client.get("/institutions/NOPE/").status_code == 404


def test_unknown_course_is_404(client, catalog_data):
    assert client.get("/courses/CQJTU/NOPE/").status_code == 404
    assert client.get("/courses/NOPE/ITS201/").status_code == 404


def make_courses(count: int) -> None:
    institution = InstitutionFactory()
    topics = [TopicFactory(), TopicFactory()]
    program = ProgramFactory(institution=institution)
    for _ in range(count):
        course = CourseFactory(institution=institution, topics=topics, programs=[program])
        OfferingFactory(course=course)


@pytest.mark.parametrize("url", ["/courses/", "/courses/?open=1&mode=in_person&q=课程", "/"])
def test_catalog_query_count_does_not_grow_with_courses(client, url):
    make_courses(5)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_courses(45)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_catalog_query_count_is_bounded(client, django_assert_max_num_queries):
    make_courses(30)
    with django_assert_max_num_queries(8):
        client.get("/courses/")


def test_catalog_paginates(client):
    make_courses(25)
    first = client.get("/courses/")
    assert len(first.context["courses"]) == 20
    assert 'href="?page=2" rel="next"' in first.content.decode()
    second = client.get("/courses/?q=&page=2")
    assert len(second.context["courses"]) == 5
    assert 'href="?q=&amp;page=1" rel="prev"' in second.content.decode()
