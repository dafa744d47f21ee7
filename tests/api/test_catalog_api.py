"""The catalog API: public reads, scoped writes, one error shape, languages, bounded queries."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock
from uuid import UUID

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.viewsets import GenericViewSet

from courses.models import Course, Offering, Program, Term
from institutions.models import StaffMembership
from tests.factories import (
    CourseFactory,
    InstitutionFactory,
    OfferingFactory,
    ProgramFactory,
    TermFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ["institutions", "programs", "courses", "terms", "offerings"]


def manager(institution: Any) -> Any:
    user = UserFactory()
    StaffMembership.objects.create(user=user, institution=institution, role="course_manager")
    return user


def test_offering_shows_seats_and_audience(api):
    offering = OfferingFactory(capacity=30, open_to_public=True)
    Offering.objects.filter(pk=offering.pk).update(seats_taken=12, waitlist_length=0)
    body = api.get(f"/api/v1/offerings/{offering.public_id}/").json()
    assert body["id"] == str(offering.public_id)
    assert (body["seats_left"], body["seats_taken"], body["waitlist_length"]) == (18, 12, 0)
    assert body["audience"] == ["student", "employee", "government", "public"]
    assert body["course"]["code"] == offering.course.code
    assert body["institution"] == offering.course.institution.code
    assert body["is_open_for_enrollment"] is True
    assert "pk" not in body


def test_drafts_are_visible_to_their_staff_only(api, as_user):
    draft = OfferingFactory(status=Offering.Status.DRAFT)
    path = f"/api/v1/offerings/{draft.public_id}/"
    assert api.get(path).status_code == 404
    assert as_user(UserFactory()).get(path).status_code == 404
    assert as_user(manager(draft.course.institution)).get(path).status_code == 200


@pytest.mark.parametrize("resource", LISTS)
def test_list_query_count_does_not_grow_with_page_size(api, resource):
    institution = InstitutionFactory()
    topics = [TopicFactory(), TopicFactory()]
    for _ in range(100):
        course = CourseFactory(institution=institution, topics=topics)
        course.prerequisites.add(CourseFactory(institution=institution))
        ProgramFactory(institution=institution).courses.add(course)
        OfferingFactory(course=course, term=TermFactory(institution=institution, code=course.code))
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = api.get(f"/api/v1/{resource}/", {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 6


def test_offerings_list_leaves_long_texts_out_of_its_query(api):
    offering = OfferingFactory()
    with CaptureQueriesContext(connection) as queries:
        body = api.get("/api/v1/offerings/").json()
    page = queries.captured_queries[-1]["sql"]
    assert '"courses_offering"."schedule_zh"' in page
    for column in ("summary_zh", "summary_en", "description_zh", "description_en"):
        assert f'"courses_course"."{column}"' not in page
        assert f'"institutions_institution"."{column}"' not in page
    assert body["results"][0]["course"]["title_zh"] == offering.course.title_zh


def test_page_size_is_bounded(api):
    for _ in range(3):
        OfferingFactory()
    body = api.get("/api/v1/offerings/", {"page_size": 100000}).json()
    assert body["count"] == 3
    assert api.get("/api/v1/offerings/", {"page": 99}).status_code == 404


def test_filters_search_ordering_and_updated_since(api):
    jiaoda = InstitutionFactory(code="CQJTU")
    online = OfferingFactory(course=CourseFactory(institution=jiaoda), delivery_mode="online")
    OfferingFactory(delivery_mode="in_person")
    ids = [
        r["id"] for r in api.get("/api/v1/offerings/", {"institution": "cqjtu"}).json()["results"]
    ]
    assert ids == [str(online.public_id)]
    modes = api.get("/api/v1/offerings/", {"delivery_mode": "online"}).json()["results"]
    assert [r["id"] for r in modes] == [str(online.public_id)]
    found = api.get("/api/v1/offerings/", {"search": online.course.code}).json()["results"]
    assert [r["id"] for r in found] == [str(online.public_id)]
    later = api.get("/api/v1/offerings/", {"updated_since": "2999-01-01T00:00:00Z"}).json()
    assert later["count"] == 0
    bad = api.get("/api/v1/offerings/", {"updated_since": "yesterday"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert "updated_since" in bad.json()["error"]["fields"]


def test_error_shape_and_languages(api):
    response = api.get("/api/v1/nowhere/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}
    zh = api.get("/api/v1/offerings/not-a-uuid/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert zh.status_code == 404
    assert zh.json()["error"]["code"] == "not_found"
    malformed = api.post(
        "/api/v1/programs/",
        data="{oops",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert malformed.status_code in (400, 401, 403)
    assert set(malformed.json()["error"]) >= {"code", "message"}


def test_anonymous_cannot_write(api):
    response = api.post("/api/v1/programs/", {"code": "X"}, format="json")
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")


def test_staff_create_program_in_own_institution_only(as_user):
    mine, theirs = InstitutionFactory(code="MINE"), InstitutionFactory(code="THEIRS")
    client = as_user(manager(mine))
    data = {"institution": "MINE", "code": "NEW-MINOR", "name_zh": "新辅修", "kind": "minor"}
    created = client.post("/api/v1/programs/", data, format="json")
    assert created.status_code == 201, created.json()
    assert Program.objects.get(code="NEW-MINOR").institution == mine
    refused = client.post("/api/v1/programs/", {**data, "institution": "THEIRS"}, format="json")
    assert refused.status_code == 403
    assert not Program.objects.filter(institution=theirs).exists()
    invalid = client.post("/api/v1/programs/", {**data, "kind": "diploma"}, format="json")
    assert invalid.status_code == 400
    assert invalid.json()["error"]["fields"]["kind"]


def test_staff_cannot_change_another_institutions_course(as_user):
    course = CourseFactory()
    client = as_user(manager(InstitutionFactory()))
    response = client.patch(
        f"/api/v1/courses/{course.public_id}/", {"title_zh": "改"}, format="json"
    )
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.title_zh != "改"


def test_offering_capacity_is_not_changed_by_patch(as_user):
    offering = OfferingFactory(capacity=10)
    client = as_user(manager(offering.course.institution))
    response = client.patch(
        f"/api/v1/offerings/{offering.public_id}/", {"capacity": 5}, format="json"
    )
    assert response.status_code == 400
    assert "capacity" in response.json()["error"]["fields"]
    ok = client.patch(
        f"/api/v1/offerings/{offering.public_id}/", {"location_zh": "新地点"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["location_zh"] == "新地点"


def test_partner_needs_catalog_read(as_partner):
    offering = OfferingFactory()
    assert as_partner(["catalog:read"]).get("/api/v1/offerings/").status_code == 200
    refused = as_partner(["enrollments:read"]).get(f"/api/v1/offerings/{offering.public_id}/")
    assert refused.status_code == 403
    assert "catalog:read" in refused.json()["error"]["message"]
    writes = as_partner().post("/api/v1/programs/", {"code": "P"}, format="json")
    assert writes.status_code == 403


def test_bad_token_is_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer nope")
    response = api.get("/api/v1/offerings/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_schema_and_docs_are_served_locally(api):
    schema = api.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    spec = json.loads(schema.content)
    assert spec["openapi"].startswith("3.")
    docs = api.get("/api/v1/docs/").content.decode()
    assert "http://" not in docs.replace("http://testserver", "")
    assert "https://" not in docs


def test_staff_create_offering_for_own_course_only(as_user):
    course = CourseFactory()
    term = TermFactory(institution=course.institution)
    other = CourseFactory()
    client = as_user(manager(course.institution))
    data = {
        "course": str(course.public_id),
        "term": str(term.public_id),
        "section": "09",
        "starts_on": "2027-03-02",
        "ends_on": "2027-06-20",
        "capacity": 40,
        "enrollment_opens_at": "2027-01-10T10:00:00+08:00",
        "enrollment_closes_at": "2027-02-20T18:00:00+08:00",
        "drop_deadline": "2027-03-15T18:00:00+08:00",
        "audience": ["student", "public"],
    }
    created = client.post("/api/v1/offerings/", data, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["audience"] == ["student", "public"]
    assert created.json()["status"] == "draft"
    refused = client.post(
        "/api/v1/offerings/", {**data, "course": str(other.public_id)}, format="json"
    )
    assert refused.status_code == 403
    backwards = client.post(
        "/api/v1/offerings/", {**data, "section": "10", "ends_on": "2027-01-01"}, format="json"
    )
    assert backwards.status_code == 400
    assert backwards.json()["error"]["code"] == "invalid"
    assert Offering.objects.filter(course=course).count() == 1


def test_updated_since_takes_any_offset(api):
    OfferingFactory()
    response = api.get("/api/v1/offerings/", {"updated_since": "1619-02-03T13:50:17+21:04"})
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- The offerings list, pinned: what the API said before its serializer was hand-written. ---
# `_Reference*` are verbatim copies of the nested ModelSerializers the list used to run; every
# list response must be byte-for-byte what they give through the same view, pagination and
# renderer, for every page size, filter, ordering, caller and language.


class _ReferenceCourseBrief(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Course
        fields = ["id", "code", "title_zh", "title_en"]


class _ReferenceTermBrief(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Term
        fields = ["id", "code", "name_zh", "name_en"]


class _ReferenceOffering(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    course = _ReferenceCourseBrief(read_only=True)
    institution = serializers.CharField(source="course.institution.code", read_only=True)
    term = _ReferenceTermBrief(read_only=True)
    seats_left = serializers.IntegerField(read_only=True)
    audience = serializers.SerializerMethodField()
    is_open_for_enrollment = serializers.SerializerMethodField()

    class Meta:
        model = Offering
        fields = [
            "id",
            "course",
            "institution",
            "term",
            "section",
            "status",
            "starts_on",
            "ends_on",
            "schedule_zh",
            "schedule_en",
            "delivery_mode",
            "location_zh",
            "location_en",
            "capacity",
            "seats_taken",
            "seats_left",
            "waitlist_capacity",
            "waitlist_length",
            "enrollment_opens_at",
            "enrollment_closes_at",
            "drop_deadline",
            "audience",
            "open_to_other_institutions",
            "requires_approval",
            "promote_by_offer",
            "offer_claim_hours",
            "is_open_for_enrollment",
            "updated_at",
        ]
        read_only_fields = fields

    def get_audience(self, offering: Offering) -> list[str]:
        return offering.audience

    def get_is_open_for_enrollment(self, offering: Offering) -> bool:
        return offering.is_open_for_enrollment()


FIXED_NOW = datetime(2026, 11, 5, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def catalog() -> dict[str, Any]:
    """Offerings of every shape: statuses, audiences, empty and non-ASCII texts, open and closed,
    several owners and terms, counters full and empty, times with and without microseconds."""
    owners = [InstitutionFactory(code="CQJTU"), InstitutionFactory(), InstitutionFactory()]
    terms = [
        TermFactory(institution=owner, code=code, name_en=name)
        for owner in owners
        for code, name in (("2026-autumn", ""), ("2027-spring", "Spring 2027"))
    ]
    statuses = [
        Offering.Status.PUBLISHED,
        Offering.Status.ARCHIVED,
        Offering.Status.DRAFT,
        Offering.Status.CANCELLED,
    ]
    offerings = []
    for n in range(36):
        owner = owners[n % 3]
        course = CourseFactory(
            institution=owner, title_en="" if n % 5 == 0 else f"Course «{n}» & co"
        )
        opens = FIXED_NOW + timedelta(days=(n % 3) - 1, microseconds=(0 if n % 4 else 7))
        offering = OfferingFactory(
            course=course,
            term=terms[(n % 3) * 2 + n % 2],
            status=statuses[n % 4] if n % 7 else Offering.Status.PUBLISHED,
            delivery_mode=["in_person", "online", "hybrid"][n % 3],
            schedule_zh="周二 14:00–16:00" if n % 2 else "",
            schedule_en="Tue 2–4 pm" if n % 3 else "",
            location_zh="南岸校区" if n % 4 else "",
            capacity=20 + n,
            waitlist_capacity=n % 11,
            open_to_students=bool(n % 2),
            open_to_employees=bool(n % 3),
            open_to_government=n % 5 == 0,
            open_to_public=n % 4 == 0 or n % 6 == 0,
            open_to_other_institutions=bool(n % 6),
            requires_approval=n % 8 == 0,
            promote_by_offer=n % 9 == 0,
            enrollment_opens_at=opens,
            enrollment_closes_at=opens + timedelta(days=20, hours=n),
            drop_deadline=opens + timedelta(days=30, seconds=n),
        )
        Offering.objects.filter(pk=offering.pk).update(
            seats_taken=min(n * 2, offering.capacity + 5) if n % 3 else 0,
            waitlist_length=min(n % 4, offering.waitlist_capacity),
            updated_at=FIXED_NOW - timedelta(hours=n, microseconds=n * 1001),
        )
        offerings.append(offering)
    return {"owners": owners, "offerings": offerings}


LIST_QUERIES = [
    {},
    {"page_size": 5},
    {"page_size": 5, "page": 3},
    {"page_size": 20},
    {"page_size": 20, "page": 2},
    {"page_size": 100},
    {"page_size": 100000},
    {"institution": "cqjtu", "page_size": 5},
    {"delivery_mode": "online"},
    {"search": "Course"},
    {"ordering": "-enrollment_opens_at", "page_size": 20},
    {"ordering": "starts_on", "page_size": 5, "page": 2},
    {"updated_since": "2026-11-04T00:00:00+08:00"},
    {"status": "archived", "open": "false", "page_size": 5},
    {"open": "true", "term": "2027-spring"},
    {"course": "00000000-0000-4000-8000-000000000000"},
    {"unknown": "1", "page_size": 5},
]


def _serve(client: Any, query: dict[str, Any], language: str) -> Any:
    with freeze_clock(FIXED_NOW):
        return client.get("/api/v1/offerings/", query, HTTP_ACCEPT_LANGUAGE=language)


def _serve_one(client: Any, offering: Offering, language: str) -> Any:
    with freeze_clock(FIXED_NOW):
        return client.get(f"/api/v1/offerings/{offering.public_id}/", HTTP_ACCEPT_LANGUAGE=language)


def freeze_clock(moment: datetime) -> Any:
    return mock.patch("django.utils.timezone.now", return_value=moment)


def _headers(response: Any) -> dict[str, str]:
    return {k: v for k, v in response.items() if not k.lower().startswith("x-ratelimit")}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("caller", ["anonymous", "staff"])
def test_offerings_list_is_what_the_nested_serializers_gave(
    api, as_user, catalog, monkeypatch, language, caller
):
    from courses.api.views import OfferingViewSet

    client = api if caller == "anonymous" else as_user(manager(catalog["owners"][0]))
    fast = [_serve(client, query, language) for query in LIST_QUERIES]
    one = [_serve_one(client, offering, language) for offering in catalog["offerings"][:8]]

    def reference(view: Any) -> Any:
        return _ReferenceOffering if view.action in ("list", "retrieve") else original(view)

    original = OfferingViewSet.get_serializer_class
    monkeypatch.setattr(OfferingViewSet, "get_serializer_class", reference)
    monkeypatch.setattr(OfferingViewSet, "filter_queryset", GenericViewSet.filter_queryset)
    for query, response in zip(LIST_QUERIES, fast, strict=True):
        expected = _serve(client, query, language)
        assert response.status_code == expected.status_code == 200, query
        assert response.content == expected.content, query
        assert _headers(response) == _headers(expected), query
    for offering, response in zip(catalog["offerings"][:8], one, strict=True):
        expected = _serve_one(client, offering, language)
        assert response.status_code == expected.status_code
        assert response.content == expected.content
    assert any(r.json()["results"] and r.json()["next"] for r in fast)
    assert {r["is_open_for_enrollment"] for f in fast for r in f.json()["results"]} == {
        True,
        False,
    }


def test_offerings_list_item_is_pinned(api):
    """One item in full, as the API has always written it (times in Asia/Shanghai)."""
    owner = InstitutionFactory(code="PIN")
    course = CourseFactory(
        institution=owner,
        code="PIN-101",
        title_zh="钉住",
        title_en="",
        public_id=UUID("11111111-2222-4333-8444-555555555555"),
    )
    term = TermFactory(
        institution=owner,
        code="2027-spring",
        public_id=UUID("66666666-7777-4888-9999-000000000000"),
    )
    offering = OfferingFactory(
        course=course,
        term=term,
        section="01",
        public_id=UUID("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"),
        schedule_zh="周二",
        delivery_mode="hybrid",
        capacity=30,
        open_to_public=True,
        open_to_employees=False,
        enrollment_opens_at=datetime(2026, 11, 1, 2, 0, tzinfo=UTC),
        enrollment_closes_at=datetime(2026, 12, 1, 16, 30, 0, 5, tzinfo=UTC),
        drop_deadline=datetime(2026, 12, 31, 16, 0, tzinfo=UTC),
    )
    Offering.objects.filter(pk=offering.pk).update(
        seats_taken=31, waitlist_length=2, updated_at=datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC)
    )
    with freeze_clock(FIXED_NOW):
        response = api.get("/api/v1/offerings/", {"page_size": 5})
    assert response.content.decode() == (
        '{"count":1,"next":null,"previous":null,"results":[{'
        '"id":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee",'
        '"course":{"id":"11111111-2222-4333-8444-555555555555","code":"PIN-101",'
        '"title_zh":"钉住","title_en":""},'
        '"institution":"PIN",'
        '"term":{"id":"66666666-7777-4888-9999-000000000000","code":"2027-spring",'
        '"name_zh":"2027年春季学期","name_en":"Spring 2027"},'
        '"section":"01","status":"published","starts_on":"2027-03-02","ends_on":"2027-06-20",'
        '"schedule_zh":"周二","schedule_en":"","delivery_mode":"hybrid",'
        '"location_zh":"","location_en":"","capacity":30,"seats_taken":31,"seats_left":0,'
        '"waitlist_capacity":10,"waitlist_length":2,'
        '"enrollment_opens_at":"2026-11-01T10:00:00+08:00",'
        '"enrollment_closes_at":"2026-12-02T00:30:00.000005+08:00",'
        '"drop_deadline":"2027-01-01T00:00:00+08:00",'
        '"audience":["student","government","public"],'
        '"open_to_other_institutions":true,"requires_approval":false,'
        '"promote_by_offer":false,"offer_claim_hours":48,"is_open_for_enrollment":true,'
        '"updated_at":"2026-01-02T11:04:05.000006+08:00"}]}'
    )
