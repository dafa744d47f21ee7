"""The enrollment API: who sees and changes what, every action, refusals with codes, bad input.

The status rule under test (see enrollment/api/views.py): an enrollment outside what the caller
sees is 404 for reading and for every action; one the caller sees but may not change that way
is 403 with the service's code; business rules are 422, wrong states 409.
"""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses.models import Offering
from enrollment import services
from enrollment.models import Channel, Enrollment, EnrollmentEvent, Status
from institutions.models import StaffMembership
from notifications.models import Notification
from partners.models import PartnerLearner
from tests.factories import InstitutionFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enrollments/"


def detail(enrollment: Enrollment, action: str = "") -> str:
    return f"{LIST}{enrollment.public_id}/" + (f"{action}/" if action else "")


def manager_of(offering: Offering, role: str = "course_manager") -> Any:
    user = UserFactory()
    StaffMembership.objects.create(user=user, institution=offering.course.institution, role=role)
    return user


def enroll(offering: Offering, learner: Any = None) -> Enrollment:
    learner = learner or UserFactory()
    return services.enrollment_create(learner=learner, offering=offering, actor=learner)


def learner_of(partner: Any, external_id: str, **fields: Any) -> Any:
    user = UserFactory(**fields)
    PartnerLearner.objects.create(organisation=partner, user=user, external_id=external_id)
    return user


def state() -> tuple[Any, ...]:
    return (
        list(Enrollment.objects.order_by("pk").values_list("pk", "status", "score")),
        EnrollmentEvent.objects.count(),
        Notification.objects.count(),
        list(Offering.objects.order_by("pk").values_list("capacity", "seats_taken", "status")),
    )


def error(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --- reading -----------------------------------------------------------------------------------


def test_anonymous_callers_get_401_everywhere(api):
    enrollment = enroll(OfferingFactory())
    for method, path in [
        ("get", LIST),
        ("get", detail(enrollment)),
        ("post", LIST),
        ("post", detail(enrollment, "drop")),
        ("get", "/api/v1/me/"),
        ("get", "/api/v1/me/enrollments/"),
        ("post", f"/api/v1/offerings/{enrollment.offering.public_id}/capacity/"),
    ]:
        response = getattr(api, method)(path, {}, format="json")
        assert error(response) == (401, "not_authenticated"), path
    assert Enrollment.objects.count() == 1


def test_a_learner_sees_their_own_enrollments_only(as_user):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5)
    seated, waiting = enroll(offering), enroll(offering)
    client = as_user(waiting.learner)
    body = client.get(LIST).json()
    assert [row["id"] for row in body["results"]] == [str(waiting.public_id)]
    row = body["results"][0]
    assert row["status"] == "waitlisted"
    assert row["position"] == 1
    assert row["learner"] == {
        "id": str(waiting.learner.public_id),
        "display_name": waiting.learner.display_name,
        "email": waiting.learner.email,
        "external_id": None,
    }
    assert row["offering"] == {
        "id": str(offering.public_id),
        "course_code": offering.course.code,
        "course_title_zh": offering.course.title_zh,
        "course_title_en": offering.course.title_en,
        "term_code": offering.term.code,
        "section": offering.section,
        "institution": offering.course.institution.code,
    }
    assert set(row) >= {"offer_expires_at", "score", "grade", "hours_completed", "channel"}
    assert "pk" not in row
    assert "queue_number" not in row
    assert client.get(detail(waiting)).json()["position"] == 1
    assert error(client.get(detail(seated))) == (404, "not_found")


def test_staff_see_the_rosters_they_run_and_their_own(as_user):
    offering = OfferingFactory()
    mine = enroll(offering)
    elsewhere = enroll(OfferingFactory())
    staff = manager_of(offering)
    own = enroll(OfferingFactory(), staff)
    ids = {row["id"] for row in as_user(staff).get(LIST).json()["results"]}
    assert ids == {str(mine.public_id), str(own.public_id)}
    assert error(as_user(staff).get(detail(elsewhere))) == (404, "not_found")


def test_instructors_see_the_offerings_they_teach_only(as_user):
    taught = OfferingFactory()
    other = OfferingFactory(course=taught.course)
    instructor = manager_of(taught, StaffMembership.Role.INSTRUCTOR)
    taught.instructors.add(instructor)
    in_taught, in_other = enroll(taught), enroll(other)
    ids = {row["id"] for row in as_user(instructor).get(LIST).json()["results"]}
    assert ids == {str(in_taught.public_id)}
    assert as_user(instructor).get(detail(in_other)).status_code == 404


def test_superusers_see_everything(as_user, superuser):
    for _ in range(3):
        enroll(OfferingFactory())
    assert as_user(superuser).get(LIST).json()["count"] == 3


def test_staff_of_another_institution_get_404_for_reads_and_actions(as_user):
    """Another institution's roster is outside what its staff see: 404 for the list (absent),
    the detail and every action; nothing changes."""
    offering = OfferingFactory(requires_approval=True)
    pending = enroll(offering)
    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=InstitutionFactory(), role="admin")
    client = as_user(outsider)
    assert client.get(LIST).json()["count"] == 0
    assert client.get(detail(pending)).status_code == 404
    before = state()
    for action in ("approve", "reject", "withdraw", "complete", "drop"):
        response = client.post(detail(pending, action), {"reason": "x", "completed": True})
        assert error(response) == (404, "not_found"), action
    assert state() == before


def test_filters_ordering_and_updated_since(as_user, superuser):
    offering, other = OfferingFactory(capacity=1, waitlist_capacity=3), OfferingFactory()
    first, second = enroll(offering), enroll(offering)
    third = enroll(other, first.learner)
    client = as_user(superuser)

    def ids(**params: Any) -> list[str]:
        response = client.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(offering=offering.public_id) == [str(first.public_id), str(second.public_id)]
    assert ids(learner=first.learner.public_id) == [str(first.public_id), str(third.public_id)]
    assert ids(status="waitlisted") == [str(second.public_id)]
    assert ids(ordering="-created_at")[0] == str(third.public_id)
    Enrollment.objects.filter(pk=first.pk).update(updated_at=timezone.now() + timedelta(days=1))
    since = (timezone.now() + timedelta(hours=1)).isoformat()
    assert ids(updated_since=since) == [str(first.public_id)]
    assert ids() == [str(second.public_id), str(third.public_id), str(first.public_id)]
    for bad in ({"updated_since": "yesterday"}, {"status": "asleep"}, {"offering": "nope"}):
        response = client.get(LIST, bad)
        assert error(response) == (400, "invalid")
        assert set(response.json()["error"]["fields"]) == set(bad)


@pytest.mark.parametrize("caller", ["learner", "staff", "partner"])
def test_list_query_count_does_not_grow_with_page_size(caller, as_user, as_partner, superuser):
    offerings = [OfferingFactory(capacity=20, waitlist_capacity=200) for _ in range(6)]
    learner = UserFactory()
    client = as_user(learner)
    if caller == "staff":
        client = as_user(manager_of(offerings[0]))
    elif caller == "partner":
        client = as_partner(["enrollments:read"])
    if caller == "partner":
        PartnerLearner.objects.create(
            organisation=client.organisation, user=learner, external_id="E"
        )
    for index in range(110):
        offering = offerings[index % len(offerings)]
        person = learner if index < len(offerings) else UserFactory()
        if caller == "partner" and person != learner:
            PartnerLearner.objects.create(
                organisation=client.organisation, user=person, external_id=f"E{index}"
            )
        enroll(offering, person)
    if caller == "staff":
        for _ in range(100):  # enough on the managed offering alone
            enroll(offerings[0])
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"page_size": size})
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, response.json()["count"])
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 8


def test_me_enrollments_query_count_does_not_grow(as_user):
    learner = UserFactory()
    for _ in range(105):
        enroll(OfferingFactory(), learner)
    client = as_user(learner)
    counts = []
    for size in (5, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/me/enrollments/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


# --- /me/ --------------------------------------------------------------------------------------


def test_me_is_the_signed_in_profile_and_not_for_partners(as_user, as_partner):
    home = InstitutionFactory(code="CQU")
    user = UserFactory(home_institution=home, member_number="2026001", email_verified_at=None)
    body = as_user(user).get("/api/v1/me/").json()
    assert body == {
        "id": str(user.public_id),
        "email": user.email,
        "display_name": user.display_name,
        "preferred_language": "zh-hans",
        "learner_type": "student",
        "home_institution": "CQU",
        "member_number": "2026001",
        "is_email_verified": False,
    }
    partner = as_partner()
    assert error(partner.get("/api/v1/me/")) == (403, "permission_denied")
    assert error(partner.get("/api/v1/me/enrollments/")) == (403, "permission_denied")


def test_me_enrollments_lists_own_only(as_user):
    learner = UserFactory()
    mine = enroll(OfferingFactory(), learner)
    enroll(OfferingFactory())
    body = as_user(learner).get("/api/v1/me/enrollments/").json()
    assert [row["id"] for row in body["results"]] == [str(mine.public_id)]


# --- enrolling ---------------------------------------------------------------------------------


def test_a_learner_enrolls_themselves(as_user):
    offering = OfferingFactory(capacity=5)
    learner = UserFactory()
    response = as_user(learner).post(LIST, {"offering": str(offering.public_id)}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    enrollment = Enrollment.objects.get(public_id=body["id"])
    assert response["Location"].endswith(detail(enrollment))
    assert (body["status"], body["channel"]) == ("enrolled", "api")
    event = enrollment.events.get()
    assert (event.actor, event.channel) == (learner, Channel.API)
    again = as_user(learner).post(
        LIST, {"offering": str(offering.public_id), "learner": str(learner.public_id)}
    )
    assert error(again) == (422, "already_enrolled")


def test_enrollment_rules_refuse_with_422_and_their_code(as_user):
    offering = OfferingFactory(capacity=1, waitlist_capacity=0)
    other = OfferingFactory()
    enroll(offering)
    before = state()
    response = as_user(UserFactory()).post(LIST, {"offering": str(offering.public_id)})
    assert error(response) == (422, "offering_full")
    assert response.json()["error"]["message"] == "This offering is full and has no waitlist."
    zh = as_user(UserFactory()).post(
        LIST, {"offering": str(offering.public_id)}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert zh.json()["error"]["code"] == "offering_full"
    assert zh.json()["error"]["message"] != response.json()["error"]["message"]
    unverified = as_user(UserFactory(email_verified_at=None))
    assert error(unverified.post(LIST, {"offering": str(other.public_id)})) == (
        422,
        "email_not_verified",
    )
    assert state() == before


def test_staff_enroll_a_learner_outside_the_window(as_user):
    offering = OfferingFactory(requires_approval=True)
    Offering.objects.filter(pk=offering.pk).update(
        enrollment_closes_at=timezone.now() - timedelta(minutes=1)
    )
    learner, staff = UserFactory(), manager_of(offering)
    response = as_user(staff).post(
        LIST, {"offering": str(offering.public_id), "learner": str(learner.public_id)}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "enrolled"
    assert Enrollment.objects.get().events.get().actor == staff


def test_enrolling_someone_else_needs_the_roster(as_user):
    offering = OfferingFactory()
    learner = UserFactory()
    body = {"offering": str(offering.public_id), "learner": str(learner.public_id)}
    assert error(as_user(UserFactory()).post(LIST, body)) == (403, "not_allowed")
    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=InstitutionFactory(), role="admin")
    assert error(as_user(outsider).post(LIST, body)) == (403, "not_allowed")
    unknown = {**body, "learner": "00000000-0000-0000-0000-000000000000"}
    assert error(as_user(manager_of(offering)).post(LIST, unknown)) == (404, "not_found")
    assert not Enrollment.objects.exists()


def test_unknown_and_hidden_offerings_are_404(as_user):
    learner = as_user(UserFactory())
    draft = OfferingFactory(status=Offering.Status.DRAFT)
    for offering_id in ("00000000-0000-0000-0000-000000000000", str(draft.public_id)):
        assert error(learner.post(LIST, {"offering": offering_id})) == (404, "not_found")
    staff = as_user(manager_of(draft))  # the owner's staff see the draft: the rule speaks
    assert error(staff.post(LIST, {"offering": str(draft.public_id)})) == (
        422,
        "offering_not_published",
    )
    assert not Enrollment.objects.exists()


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        ("{oops", "application/json", 400, "malformed"),
        ('{"offering": 12}', "application/json", 400, "invalid"),
        ('{"offering": [12]}', "application/json", 400, "invalid"),
        ('{"offering": true}', "application/json", 400, "invalid"),
        ('{"offering": "not-a-uuid"}', "application/json", 400, "invalid"),
        ("{}", "application/json", 400, "invalid"),
        ('["a list"]', "application/json", 400, "invalid"),
        ('{"offering": "' + "9" * 5000 + '"}', "application/json", 400, "invalid"),
        ("offering=x", "text/plain", 415, "unsupported_media_type"),
    ],
)
def test_bad_input_is_4xx_in_the_error_shape_and_changes_nothing(
    as_user, body, content_type, status, code
):
    OfferingFactory()
    before = state()
    response = as_user(UserFactory()).post(LIST, data=body, content_type=content_type)
    assert error(response) == (status, code)
    assert response.json()["error"]["message"]
    assert state() == before


# --- partners ----------------------------------------------------------------------------------


def test_partner_sees_its_learners_with_their_external_ids(as_partner, make_partner):
    client = as_partner(["enrollments:read"])
    ours = learner_of(client.organisation, "HR-001")
    theirs = learner_of(make_partner(), "X-1")
    offering = OfferingFactory()
    mine, foreign = enroll(offering, ours), enroll(offering, theirs)
    body = client.get(LIST).json()
    assert [row["id"] for row in body["results"]] == [str(mine.public_id)]
    assert body["results"][0]["learner"]["external_id"] == "HR-001"
    assert client.get(detail(mine)).json()["learner"]["external_id"] == "HR-001"
    assert error(client.get(detail(foreign))) == (404, "not_found")


def test_partner_scopes(as_partner):
    offering = OfferingFactory()
    reader = as_partner(["enrollments:read"])
    body = {"offering": str(offering.public_id), "learner": str(UserFactory().public_id)}
    refused = reader.post(LIST, body)
    assert error(refused) == (403, "permission_denied")
    assert "enrollments:write" in refused.json()["error"]["message"]
    assert error(as_partner(["catalog:read"]).get(LIST)) == (403, "permission_denied")


def test_partner_enrolls_its_own_learner_under_the_learner_rules(as_partner):
    client = as_partner(["enrollments:read", "enrollments:write"])
    learner = learner_of(client.organisation, "HR-7", email_verified_at=None)
    offering = OfferingFactory(requires_approval=True)
    response = client.post(
        LIST, {"offering": str(offering.public_id), "learner": str(learner.public_id)}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["channel"]) == ("pending", "partner")  # approval still applies
    assert body["learner"]["external_id"] == "HR-7"
    event = Enrollment.objects.get().events.get()
    assert (event.actor, event.channel) == (client.organisation.service_user, Channel.PARTNER)
    closed = OfferingFactory()
    Offering.objects.filter(pk=closed.pk).update(
        enrollment_closes_at=timezone.now() - timedelta(minutes=1)
    )
    late = client.post(LIST, {"offering": str(closed.public_id), "learner": str(learner.public_id)})
    assert error(late) == (422, "enrollment_closed")


def test_partner_cannot_name_foreign_or_unknown_learners(as_partner, make_partner):
    client = as_partner(["enrollments:write"])
    offering = OfferingFactory()
    foreign = learner_of(make_partner(), "X-1")
    stranger = UserFactory()
    for learner_id in (
        str(foreign.public_id),
        str(stranger.public_id),
        "00000000-0000-0000-0000-000000000000",
    ):
        response = client.post(LIST, {"offering": str(offering.public_id), "learner": learner_id})
        assert error(response) == (404, "not_found")
    missing = client.post(LIST, {"offering": str(offering.public_id)})
    assert error(missing) == (400, "invalid")
    assert "learner" in missing.json()["error"]["fields"]
    assert not Enrollment.objects.exists()


def test_partner_withdraws_its_learner_but_not_others(as_partner, make_partner):
    client = as_partner(["enrollments:read", "enrollments:write"])
    offering = OfferingFactory()
    ours = enroll(offering, learner_of(client.organisation, "HR-1"))
    theirs = enroll(offering, learner_of(make_partner(), "HR-1"))
    response = client.post(detail(ours, "withdraw"), {"reason": "left the company"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "withdrawn"
    event = ours.events.last()
    assert (event.channel, event.reason, event.actor) == (
        "partner",
        "left the company",
        client.organisation.service_user,
    )
    assert error(client.post(detail(theirs, "withdraw"))) == (404, "not_found")
    for action in ("drop", "approve", "complete"):  # not for partners at all
        assert error(client.post(detail(ours, action))) == (403, "permission_denied")


# --- actions -----------------------------------------------------------------------------------


def test_learner_drops(as_user):
    offering = OfferingFactory(capacity=1, waitlist_capacity=3)
    seated, waiting = enroll(offering), enroll(offering)
    response = as_user(seated.learner).post(detail(seated, "drop"))
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "dropped"
    waiting.refresh_from_db()
    assert waiting.status == Status.ENROLLED
    assert error(as_user(seated.learner).post(detail(seated, "drop"))) == (
        409,
        "invalid_transition",
    )


def test_another_learners_enrollment_is_404_for_every_action(as_user):
    enrollment = enroll(OfferingFactory())
    client = as_user(UserFactory())
    before = state()
    for action in ("drop", "accept", "decline", "withdraw", "approve", "reject", "complete"):
        assert error(client.post(detail(enrollment, action), {})) == (404, "not_found"), action
    assert state() == before


def test_visible_but_not_yours_to_change_is_403(as_user):
    offering = OfferingFactory(requires_approval=True)
    pending = enroll(offering)
    learner = as_user(pending.learner)
    assert error(learner.post(detail(pending, "approve"))) == (403, "not_allowed")
    assert error(learner.post(detail(pending, "withdraw"))) == (403, "not_allowed")
    staff = as_user(manager_of(offering))
    assert error(staff.post(detail(pending, "drop"))) == (403, "not_your_enrollment")
    assert Enrollment.objects.get().status == Status.PENDING


def offered_seat() -> tuple[Enrollment, Enrollment]:
    offering = OfferingFactory(capacity=1, waitlist_capacity=3, promote_by_offer=True)
    seated, first, second = enroll(offering), enroll(offering), enroll(offering)
    services.enrollment_drop(enrollment=seated, actor=seated.learner)
    first.refresh_from_db()
    return first, second


def test_accept_an_offered_seat(as_user):
    first, second = offered_seat()
    offered = as_user(first.learner).get(detail(first)).json()
    assert offered["status"] == "offered"
    assert offered["offer_expires_at"]
    assert as_user(second.learner).get(detail(second)).json()["position"] == 1
    response = as_user(first.learner).post(detail(first, "accept"))
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["offer_expires_at"]) == ("enrolled", None)
    assert error(as_user(second.learner).post(detail(second, "accept"))) == (
        409,
        "invalid_transition",
    )


def test_decline_an_offered_seat_passes_it_on(as_user):
    first, second = offered_seat()
    response = as_user(first.learner).post(detail(first, "decline"))
    assert response.json()["status"] == "dropped"
    second.refresh_from_db()
    assert second.status == Status.OFFERED


def test_staff_approve_reject_withdraw(as_user):
    offering = OfferingFactory(capacity=3, requires_approval=True)
    a, b, c = enroll(offering), enroll(offering), enroll(offering)
    staff = as_user(manager_of(offering))
    assert staff.post(detail(a, "approve")).json()["status"] == "enrolled"
    missing = staff.post(detail(b, "reject"), {})
    assert error(missing) == (400, "invalid")
    assert "reason" in missing.json()["error"]["fields"]
    assert staff.post(detail(b, "reject"), {"reason": "not eligible"}).json()["status"] == (
        "rejected"
    )
    assert b.events.last().reason == "not eligible"
    assert error(staff.post(detail(b, "approve"))) == (409, "invalid_transition")
    withdrawn = staff.post(detail(c, "withdraw"))
    assert withdrawn.json()["status"] == "withdrawn"
    assert c.events.last().channel == "api"
    too_long = staff.post(detail(a, "withdraw"), {"reason": "x" * 301})
    assert error(too_long) == (400, "invalid")


def test_staff_complete_with_a_result(as_user):
    offering = OfferingFactory()
    enrollment = enroll(offering)
    staff = as_user(manager_of(offering))
    response = staff.post(
        detail(enrollment, "complete"),
        {"completed": True, "score": "92.5", "grade": "A", "hours": 32},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["score"], body["grade"], body["hours_completed"]) == (
        "completed",
        "92.50",
        "A",
        "32.0",
    )
    enrollment.refresh_from_db()
    assert enrollment.score == Decimal("92.5")
    before = state()
    out_of_range = staff.post(detail(enrollment, "complete"), {"completed": True, "score": 150})
    assert error(out_of_range) == (422, "invalid_result")
    for bad in (
        {"score": 90},
        {"completed": "perhaps"},
        {"completed": True, "score": "lots"},
        {"completed": True, "score": 10**12},
        {"completed": True, "grade": "A" * 11},
    ):
        assert error(staff.post(detail(enrollment, "complete"), bad, format="json")) == (
            400,
            "invalid",
        ), bad
    assert state() == before


def test_ids_that_are_not_uuids_are_404(as_user):
    client = as_user(UserFactory())
    assert client.get(f"{LIST}{'-' * 32}/").status_code == 404
    assert client.get(f"{LIST}1/").status_code == 404
    assert client.post(f"{LIST}{'a' * 32}x/drop/").status_code == 404


# --- offering actions --------------------------------------------------------------------------


def capacity_path(offering: Offering) -> str:
    return f"/api/v1/offerings/{offering.public_id}/capacity/"


def test_staff_raise_the_capacity_and_the_line_moves_up(as_user):
    offering = OfferingFactory(capacity=1, waitlist_capacity=3)
    enroll(offering)
    waiting = enroll(offering)
    response = as_user(manager_of(offering)).post(capacity_path(offering), {"capacity": 2})
    assert response.status_code == 200, response.json()
    assert (response.json()["capacity"], response.json()["seats_taken"]) == (2, 2)
    assert response.json()["id"] == str(offering.public_id)
    waiting.refresh_from_db()
    assert waiting.status == Status.ENROLLED


def test_capacity_refusals(as_user, as_partner):
    offering = OfferingFactory(capacity=2)
    enroll(offering), enroll(offering)
    staff = as_user(manager_of(offering))
    draft = OfferingFactory(status=Offering.Status.DRAFT)
    before = state()
    assert error(staff.post(capacity_path(offering), {"capacity": 1})) == (
        422,
        "capacity_below_taken",
    )
    for bad in ({}, {"capacity": "many"}, {"capacity": -1}, {"capacity": 10**20}):
        assert error(staff.post(capacity_path(offering), bad, format="json")) == (
            400,
            "invalid",
        ), bad
    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=InstitutionFactory(), role="admin")
    assert error(as_user(outsider).post(capacity_path(offering), {"capacity": 9})) == (
        403,
        "not_allowed",
    )
    assert error(as_user(UserFactory()).post(capacity_path(offering), {"capacity": 9})) == (
        403,
        "not_allowed",
    )
    assert error(as_partner().post(capacity_path(offering), {"capacity": 9})) == (
        403,
        "permission_denied",
    )
    assert error(as_user(outsider).post(capacity_path(draft), {"capacity": 9})) == (
        404,
        "not_found",
    )
    unknown = "/api/v1/offerings/00000000-0000-0000-0000-000000000000/capacity/"
    assert error(staff.post(unknown, {"capacity": 9})) == (404, "not_found")
    assert state() == before


def test_staff_cancel_an_offering(as_user):
    offering = OfferingFactory(capacity=1, waitlist_capacity=2)
    seated, waiting = enroll(offering), enroll(offering)
    staff = as_user(manager_of(offering))
    path = f"/api/v1/offerings/{offering.public_id}/cancel/"
    response = staff.post(path, {"reason": "teacher ill"})
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["seats_taken"]) == ("cancelled", 0)
    assert set(Enrollment.objects.values_list("status", flat=True)) == {"cancelled"}
    assert seated.events.last().reason == "teacher ill"
    assert error(staff.post(path, {})) == (409, "offering_not_cancellable")
    assert error(as_user(waiting.learner).post(path, {})) == (403, "not_allowed")


# --- The answer to an enrollment POST, pinned: it is the enrollment exactly as reading it back
# gives it (the re-read the view used to make), for every kind of caller and outcome.


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_created_enrollment_is_what_reading_it_back_gives(as_user, as_partner, language):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5, open_to_public=True)
    approval = OfferingFactory(requires_approval=True)
    staff = manager_of(offering)
    partner = as_partner(["enrollments:read", "enrollments:write"])
    enroll(offering)  # the one seat
    calls: list[tuple[Any, dict[str, str]]] = []
    for _ in range(3):  # three waitlisted: positions 1, 2, 3
        learner = UserFactory(display_name="学员 «Ö»")
        calls.append((as_user(learner), {"offering": str(offering.public_id)}))
    calls.append((as_user(UserFactory()), {"offering": str(approval.public_id)}))  # pending
    calls.append(
        (
            as_user(staff),
            {"offering": str(offering.public_id), "learner": str(UserFactory().public_id)},
        )
    )
    external = learner_of(partner.organisation, "HR-«42»", email_verified_at=None)
    calls.append(
        (partner, {"offering": str(approval.public_id), "learner": str(external.public_id)})
    )
    statuses = []
    for client, body in calls:
        created = client.post(LIST, body, format="json", HTTP_ACCEPT_LANGUAGE=language)
        assert created.status_code == 201, created.json()
        read = client.get(created["Location"], HTTP_ACCEPT_LANGUAGE=language)
        assert read.status_code == 200
        assert created.content == read.content
        assert created["Location"].endswith(
            detail(Enrollment.objects.get(public_id=read.json()["id"]))
        )
        for header in ("Content-Type", "Content-Language", "Vary"):
            assert created.get(header) == read.get(header), header
        statuses.append((created.json()["status"], created.json()["position"]))
    assert statuses == [
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
        ("pending", None),
        ("waitlisted", 4),
        ("pending", None),
    ]
    assert created.json()["learner"]["external_id"] == "HR-«42»"


# --- The statements of an enrollment POST, pinned (the registration rush's path: see
# docs/performance.md and bench/sql/rush_enrollment.sql, which follows them).


def _statements(client: Any, body: dict[str, str]) -> tuple[Any, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(LIST, body, format="json")
    assert response.status_code == 201, response.json()
    return response, [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("outcome", ["enrolled", "waitlisted"])
def test_a_learner_enrolling_themselves_sends_a_fixed_set_of_statements(as_user, outcome):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5)
    if outcome == "waitlisted":
        enroll(offering)
    response, sql = _statements(as_user(UserFactory()), {"offering": str(offering.public_id)})
    assert response.json()["status"] == outcome
    # session, user; the offering; BEGIN, learner and offering locks, live enrollment,
    # prerequisites, enrollment, event, notification, delivery, partners' webhooks, counters,
    # COMMIT. Nothing read again for the answer, and a waitlist place is not counted.
    assert len(sql) == 15, "\n".join(sql)
    assert not [s for s in sql if "institutions_staffmembership" in s]  # public: roles unread
    offerings = [s for s in sql if s.startswith("SELECT") and 'FROM "courses_offering"' in s]
    found, locked = offerings
    assert "JOIN" in found
    assert "JOIN" not in locked  # the lock reads the offering's row alone
    assert '"courses_course"."description_zh"' not in found
    if connection.vendor == "postgresql":
        assert locked.endswith("FOR UPDATE")
    enrollment_reads = [
        s for s in sql if s.startswith("SELECT") and 'FROM "enrollment_enrollment"' in s
    ]
    assert len(enrollment_reads) == 1
    assert enrollment_reads[0].startswith('SELECT "status" FROM')  # the live one's, if any


def test_staff_and_partners_enrolling_someone_send_a_fixed_set_of_statements(as_user, as_partner):
    offering = OfferingFactory(capacity=5)
    staff = as_user(manager_of(offering))
    _, sql = _statements(
        staff, {"offering": str(offering.public_id), "learner": str(UserFactory().public_id)}
    )
    # The 15, plus the learner named and the staff's roles (the roster check).
    assert len(sql) == 17, "\n".join(sql)
    partner = as_partner(["enrollments:write"])
    learner = learner_of(partner.organisation, "P-1")
    _, sql = _statements(
        partner, {"offering": str(offering.public_id), "learner": str(learner.public_id)}
    )
    # The token (3) and its user, the learner named, the partner's link to them (under the
    # lock), and its external id for the answer; no roles.
    assert len(sql) == 20, "\n".join(sql)
    assert Enrollment.objects.filter(offering=offering).count() == 2
