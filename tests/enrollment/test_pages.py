"""Enrollment pages: learners' flows, staff rosters, exports, and bad input of every kind."""

import csv
import io
import uuid
from typing import Any

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from enrollment import services
from enrollment.models import Enrollment, EnrollmentEvent, Status
from institutions.models import StaffMembership
from tests.factories import InstitutionFactory, OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def url(name: str, *args: Any) -> str:
    with translation.override("en"):
        return reverse(f"enrollment:{name}", args=args)


def course_url(offering: Any) -> str:
    course = offering.course
    with translation.override("en"):
        return reverse("courses:course_detail", args=[course.institution.code, course.code])


def said(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def enroll(offering: Any, learner: Any = None) -> Enrollment:
    learner = learner or UserFactory()
    return services.enrollment_create(learner=learner, offering=offering, actor=learner)


def manager_of(offering: Any) -> Any:
    user = UserFactory()
    StaffMembership.objects.create(
        user=user, institution=offering.course.institution, role="course_manager"
    )
    return user


def state() -> tuple[Any, ...]:
    return (
        list(Enrollment.objects.order_by("pk").values_list("pk", "status", "score")),
        EnrollmentEvent.objects.count(),
    )


# --- learners ----------------------------------------------------------------------------------


def test_anonymous_visitors_are_asked_to_log_in(client):
    offering = OfferingFactory()
    page = client.get(course_url(offering)).content.decode()
    assert "Log in to enroll" in page
    response = client.get(url("enroll", offering.public_id))
    assert response.status_code == 302
    assert "/login/" in response.url


def test_enroll_with_confirmation_then_drop(login):
    offering = OfferingFactory(capacity=5)
    learner = UserFactory()
    client = login(learner)
    page = client.get(course_url(offering)).content.decode()
    assert url("enroll", offering.public_id) in page
    confirm = client.get(url("enroll", offering.public_id))
    assert "Confirm enrollment" in confirm.content.decode()
    assert not Enrollment.objects.exists()  # a GET changes nothing
    done = client.post(url("enroll", offering.public_id), follow=True)
    assert "You are enrolled in" in done.content.decode()
    enrollment = Enrollment.objects.get()
    assert enrollment.status == Status.ENROLLED
    assert "You are enrolled." in done.content.decode()
    drop = url("learner_action", enrollment.public_id, "drop")
    assert "Drop this course?" in client.get(drop).content.decode()
    left = client.post(drop, follow=True)
    assert "You left" in left.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.status == Status.DROPPED


def test_full_offering_offers_the_waitlist_and_shows_the_position(login):
    offering = OfferingFactory(capacity=1, waitlist_capacity=5)
    enroll(offering)
    client = login(UserFactory())
    page = client.get(course_url(offering)).content.decode()
    assert "Join the waitlist (0 waiting)" in page
    response = client.post(url("enroll", offering.public_id), follow=True)
    text = response.content.decode()
    assert "You are number 1 on the waitlist" in text
    assert "Leave the waitlist" in text


def test_refusals_are_explained_and_change_nothing(login):
    offering = OfferingFactory(capacity=1, waitlist_capacity=0)
    enroll(offering)
    before = state()
    client = login(UserFactory())
    response = client.post(url("enroll", offering.public_id))
    assert said(response) == ["This offering is full and has no waitlist."]
    assert state() == before
    unverified = login(UserFactory(email_verified_at=None))
    other = OfferingFactory()
    response = unverified.post(url("enroll", other.public_id))
    assert said(response) == ["Verify your email address before you enroll."]


def test_offered_seat_accept_and_decline_pages(login):
    offering = OfferingFactory(capacity=1, waitlist_capacity=3, promote_by_offer=True)
    seated, first, second = enroll(offering), enroll(offering), enroll(offering)
    services.enrollment_drop(enrollment=seated, actor=seated.learner)
    first.refresh_from_db()
    client = login(first.learner)
    page = client.get(course_url(offering)).content.decode()
    assert "A seat is held for you until" in page
    mine = client.get(url("mine")).content.decode()
    assert "Seats held for you" in mine
    response = client.post(url("learner_action", first.public_id, "decline"), {"next": "mine"})
    assert response.url == url("mine")
    second.refresh_from_db()
    assert second.status == Status.OFFERED
    other = login(second.learner)
    other.post(url("learner_action", second.public_id, "accept"))
    second.refresh_from_db()
    assert second.status == Status.ENROLLED


@pytest.mark.parametrize("method", ["get", "post"])
def test_someone_elses_enrollment_is_not_found(login, method):
    enrollment = enroll(OfferingFactory())
    before = state()
    response = getattr(login(UserFactory()), method)(
        url("learner_action", enrollment.public_id, "drop")
    )
    assert response.status_code == 404
    assert state() == before


@pytest.mark.parametrize(
    "path",
    [
        "/en/enroll/not-a-uuid/",
        f"/en/enroll/{uuid.uuid4()}/",
        f"/en/enrollments/{uuid.uuid4()}/drop/",
        "/en/enrollments/nope/drop/",
    ],
)
def test_unknown_ids_are_404(login, path):
    client = login(UserFactory())
    assert client.get(path).status_code == 404
    assert client.post(path).status_code == 404


def test_unknown_action_is_404_and_wrong_state_is_explained(login):
    enrollment = enroll(OfferingFactory())
    client = login(enrollment.learner)
    assert client.post(url("learner_action", enrollment.public_id, "explode")).status_code == 404
    before = state()
    response = client.post(url("learner_action", enrollment.public_id, "accept"))
    assert said(response) == ["This enrollment is Enrolled; it cannot be accepted."]
    assert state() == before


def test_my_learning_lists_everything_in_bounded_queries(login, django_assert_max_num_queries):
    learner = UserFactory()
    for _ in range(6):
        enroll(OfferingFactory(), learner)
    full = OfferingFactory(capacity=0, waitlist_capacity=3)
    enroll(full, learner)
    client = login(learner)
    with django_assert_max_num_queries(6):
        page = client.get(url("mine")).content.decode()
    assert page.count('class="card"') == 7
    assert "Number 1 on the waitlist." in page


# --- staff -------------------------------------------------------------------------------------


def test_roster_is_for_the_offerings_staff_only(login):
    offering = OfferingFactory()
    assert login(UserFactory()).get(url("roster", offering.public_id)).status_code == 404
    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=InstitutionFactory(), role="admin")
    assert login(outsider).get(url("roster", offering.public_id)).status_code == 404
    assert login(outsider).get(url("export", offering.public_id, "csv")).status_code == 404
    assert login(manager_of(offering)).get(url("roster", offering.public_id)).status_code == 200
    instructor = UserFactory()
    StaffMembership.objects.create(
        user=instructor, institution=offering.course.institution, role="instructor"
    )
    assert login(instructor).get(url("roster", offering.public_id)).status_code == 404
    offering.instructors.add(instructor)
    assert login(instructor).get(url("roster", offering.public_id)).status_code == 200


def test_roster_query_count_does_not_grow(login, django_assert_max_num_queries):
    offering = OfferingFactory(capacity=60, waitlist_capacity=20, requires_approval=False)
    for _ in range(50):
        enroll(offering)
    client = login(manager_of(offering))
    with django_assert_max_num_queries(9):
        page = client.get(url("roster", offering.public_id))
    assert len(page.context["enrolled"]) == 50


def test_staff_list_shows_managed_offerings(login):
    offering = OfferingFactory()
    OfferingFactory()  # another institution's
    page = login(manager_of(offering)).get(url("staff_offerings"))
    assert list(page.context["current"]) == [offering]


def test_approve_reject_withdraw_from_the_roster(login):
    offering = OfferingFactory(capacity=3, requires_approval=True)
    a, b, c = enroll(offering), enroll(offering), enroll(offering)
    client = login(manager_of(offering))
    client.post(url("staff_action", offering.public_id, a.public_id, "approve"))
    client.post(
        url("staff_action", offering.public_id, b.public_id, "reject"), {"reason": "no seats"}
    )
    client.post(url("staff_action", offering.public_id, c.public_id, "withdraw"))
    statuses = [Enrollment.objects.get(pk=e.pk).status for e in (a, b, c)]
    assert statuses == [Status.ENROLLED, Status.REJECTED, Status.WITHDRAWN]
    assert b.events.last().reason == "no seats"
    assert (
        client.get(url("staff_action", offering.public_id, a.public_id, "approve")).status_code
        == 405
    )


def test_staff_actions_on_another_offerings_enrollment_are_404(login):
    offering = OfferingFactory()
    elsewhere = enroll(OfferingFactory(course=offering.course))
    before = state()
    response = login(manager_of(offering)).post(
        url("staff_action", offering.public_id, elsewhere.public_id, "withdraw")
    )
    assert response.status_code == 404
    assert state() == before


def test_bulk_completion_from_the_roster(login):
    offering = OfferingFactory(capacity=5)
    rows = [enroll(offering) for _ in range(3)]
    client = login(manager_of(offering))
    data = {
        f"result-{rows[0].public_id}": "completed",
        f"score-{rows[0].public_id}": "91.5",
        f"hours-{rows[0].public_id}": "32",
        f"result-{rows[1].public_id}": "not_completed",
        f"result-{rows[2].public_id}": "",  # left alone
    }
    response = client.post(url("complete", offering.public_id), data)
    assert said(response) == ["Results recorded for 2 learners."]
    statuses = [Enrollment.objects.get(pk=e.pk).status for e in rows]
    assert statuses == [Status.COMPLETED, Status.NOT_COMPLETED, Status.ENROLLED]
    assert str(Enrollment.objects.get(pk=rows[0].pk).score) == "91.50"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        ({"result-not-a-uuid": "completed"}, "The form was changed in a way it cannot be"),
        ({f"result-{uuid.uuid4()}": "completed"}, "Nothing was saved"),
        ("score", "Nothing was saved: Give a score between 0 and 100"),
        ({}, "Choose completed or not completed for at least one learner."),
    ],
)
def test_tampered_or_bad_results_save_nothing(login, tamper, message):
    offering = OfferingFactory(capacity=5)
    row = enroll(offering)
    client = login(manager_of(offering))
    before = state()
    if tamper == "score":
        tamper = {f"result-{row.public_id}": "completed", f"score-{row.public_id}": "9999"}
    response = client.post(url("complete", offering.public_id), tamper)
    assert said(response)[0].startswith(message)
    assert state() == before


def test_capacity_form(login):
    offering = OfferingFactory(capacity=1, waitlist_capacity=2)
    enroll(offering)
    waiting = enroll(offering)
    client = login(manager_of(offering))
    assert said(client.post(url("capacity", offering.public_id), {"capacity": "x"})) == [
        "Give the capacity as a whole number."
    ]
    assert said(client.post(url("capacity", offering.public_id), {"capacity": "0"}))[-1] == (
        "1 seats are taken; the capacity cannot be lower than that."
    )
    client.post(url("capacity", offering.public_id), {"capacity": "2"})
    waiting.refresh_from_db()
    assert waiting.status == Status.ENROLLED


def test_roster_exports(login):
    offering = OfferingFactory(capacity=5)
    learner = UserFactory(display_name="=HYPERLINK(1)", member_number="2023001")
    enroll(offering, learner)
    enroll(offering)
    client = login(manager_of(offering))
    response = client.get(url("export", offering.public_id, "csv"))
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert table[0][:3] == ["No.", "Name", "Email"]
    assert len(table) == 3
    assert "'=HYPERLINK(1)" in [row[1] for row in table]  # never a live formula
    response = client.get(url("export", offering.public_id, "xlsx"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet.cell(row=4, column=2).value == "Name"
    assert sheet.max_row == 6
    assert client.get(url("export", offering.public_id, "pdf")).status_code == 404


def test_staff_add_a_learner_by_email(login):
    offering = OfferingFactory(capacity=2)
    learner = UserFactory(email="li.lei@example.com")
    client = login(manager_of(offering))
    response = client.post(url("staff_enroll", offering.public_id), {"email": "LI.LEI@example.com"})
    assert said(response)[-1].endswith(": Enrolled.")
    assert learner.enrollments.get().status == Status.ENROLLED
    before = state()
    response = client.post(url("staff_enroll", offering.public_id), {"email": "nobody@example.com"})
    assert said(response)[-1] == "No active account uses the email address nobody@example.com."
    response = client.post(url("staff_enroll", offering.public_id), {"email": "li.lei@example.com"})
    assert said(response)[-1].endswith("You are already enrolled in this offering.")
    assert state() == before


def test_staff_move_a_learner(login):
    source = OfferingFactory(capacity=2)
    target = OfferingFactory(course=source.course, capacity=2)
    row = enroll(source)
    client = login(manager_of(source))
    page = client.get(url("roster", source.public_id)).content.decode()
    assert str(target.public_id) in page
    before = state()
    for bad in ("", "not-a-uuid", str(uuid.uuid4())):
        response = client.post(url("staff_move", source.public_id, row.public_id), {"to": bad})
        assert said(response)[-1] == "Choose one of the listed offerings."
    assert state() == before
    client.post(url("staff_move", source.public_id, row.public_id), {"to": str(target.public_id)})
    row.refresh_from_db()
    assert row.status == Status.WITHDRAWN
    assert target.enrollments.get().learner == row.learner
