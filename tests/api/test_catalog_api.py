"""The catalog API: public reads, scoped writes, one error shape, languages, bounded queries."""

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import Offering, Program
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
