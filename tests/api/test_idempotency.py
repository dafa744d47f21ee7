"""Idempotency-Key on the enrollment API's POSTs: one effect, the first response replayed."""

import threading
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from enrollment.models import Enrollment, EnrollmentBatch, EnrollmentEvent
from partners.models import IdempotencyRecord, PartnerLearner
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/enrollments/"


def post(client: Any, path: str, body: Any, key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, format="json", **headers)


def test_a_repeat_replays_the_first_response_and_does_nothing_again(as_user):
    offering = OfferingFactory(capacity=5)
    client = as_user(UserFactory())
    body = {"offering": str(offering.public_id)}
    first = post(client, LIST, body, key="enroll-1")
    assert first.status_code == 201, first.json()
    assert "Idempotent-Replayed" not in first
    again = post(client, LIST, body, key="enroll-1")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Enrollment.objects.count() == 1
    assert EnrollmentEvent.objects.count() == 1
    offering.refresh_from_db()
    assert offering.seats_taken == 1
    without_key = post(client, LIST, body)  # a plain repeat is judged by the rules
    assert without_key.json()["error"]["code"] == "already_enrolled"


def test_a_refusal_is_replayed_as_well(as_user):
    offering = OfferingFactory(capacity=0, waitlist_capacity=0)
    client = as_user(UserFactory())
    body = {"offering": str(offering.public_id)}
    first = post(client, LIST, body, key="k")
    assert first.status_code == 422
    offering.capacity = 5
    offering.save()
    again = post(client, LIST, body, key="k")
    assert (again.status_code, again.content) == (422, first.content)
    assert again["Idempotent-Replayed"] == "true"
    assert not Enrollment.objects.exists()


def test_the_same_key_with_another_body_is_refused(as_user):
    client = as_user(UserFactory())
    first, second = OfferingFactory(), OfferingFactory()
    assert post(client, LIST, {"offering": str(first.public_id)}, key="k").status_code == 201
    reused = post(client, LIST, {"offering": str(second.public_id)}, key="k")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert Enrollment.objects.count() == 1
    elsewhere = post(client, f"{LIST}{Enrollment.objects.get().public_id}/drop/", {}, key="k")
    assert elsewhere.json()["error"]["code"] == "idempotency_key_reused"
    assert Enrollment.objects.get().status == "enrolled"


def test_keys_of_different_clients_do_not_collide(as_user, as_partner):
    offering = OfferingFactory(capacity=5)
    body = {"offering": str(offering.public_id)}
    one, two = as_user(UserFactory()), as_user(UserFactory())
    partner = as_partner(["enrollments:write"])
    learner = UserFactory()
    PartnerLearner.objects.create(organisation=partner.organisation, user=learner, external_id="1")
    responses = [
        post(one, LIST, body, key="same"),
        post(two, LIST, body, key="same"),
        post(partner, LIST, {**body, "learner": str(learner.public_id)}, key="same"),
    ]
    assert [r.status_code for r in responses] == [201, 201, 201]
    assert not any("Idempotent-Replayed" in r for r in responses)
    assert len({r.json()["id"] for r in responses}) == 3
    assert IdempotencyRecord.objects.filter(key="same").count() == 3


def test_actions_and_batches_honour_the_key(as_user, django_capture_on_commit_callbacks):
    offering = OfferingFactory(capacity=5)
    learner = UserFactory()
    client = as_user(learner)
    enrollment = post(client, LIST, {"offering": str(offering.public_id)}).json()
    drop = f"{LIST}{enrollment['id']}/drop/"
    assert post(client, drop, {}, key="drop").status_code == 200
    replay = post(client, drop, {}, key="drop")
    assert (replay.status_code, replay["Idempotent-Replayed"]) == (200, "true")
    assert EnrollmentEvent.objects.count() == 2  # enrolled, dropped: no second drop attempt

    from institutions.models import StaffMembership

    staff = UserFactory()
    StaffMembership.objects.create(
        user=staff, institution=offering.course.institution, role="course_manager"
    )
    body = {
        "rows": [
            {"learner": learner.email, "offering": str(offering.public_id), "action": "enroll"}
        ]
    }
    staff_client = as_user(staff)
    with django_capture_on_commit_callbacks(execute=True):
        first = post(staff_client, "/api/v1/enrollment-batches/", body, key="batch")
        again = post(staff_client, "/api/v1/enrollment-batches/", body, key="batch")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.json()["id"] == first.json()["id"]
    assert EnrollmentBatch.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_threads_with_one_key_make_one_enrollment():
    """The same POST from 8 threads at once: one enrollment, eight identical responses."""
    offering = OfferingFactory(capacity=10)
    learner = UserFactory()
    body = f'{{"offering": "{offering.public_id}"}}'
    barrier = threading.Barrier(8)
    responses: list[Any] = [None] * 8

    def fire(index: int) -> None:
        try:
            client = Client(HTTP_ACCEPT_LANGUAGE="en")
            client.force_login(learner)
            barrier.wait(timeout=30)
            responses[index] = client.post(
                LIST, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="rush-1"
            )
        except Exception as error:  # the assertions below report it
            responses[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert {r.status_code for r in responses} == {201}
    assert len({r.content for r in responses}) == 1
    assert sum("Idempotent-Replayed" in r for r in responses) == 7
    assert Enrollment.objects.filter(learner=learner, offering=offering).count() == 1
    assert EnrollmentEvent.objects.filter(enrollment__learner=learner).count() == 1
