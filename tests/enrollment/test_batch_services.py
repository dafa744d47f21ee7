"""The service additions for the API: partners acting for their learners, the read-only
check, and the batch module's readers and job."""

import io
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone, translation

from courses.models import Offering
from enrollment import batches, services
from enrollment.exceptions import NotAllowed, RuleViolation
from enrollment.models import (
    BatchRow,
    Channel,
    Enrollment,
    EnrollmentBatch,
    EnrollmentEvent,
    Status,
)
from institutions.models import StaffMembership
from notifications.models import Notification
from partners.models import PartnerLearner
from partners.services import partner_organisation_create
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def partner() -> Any:
    return partner_organisation_create(code="HRSYS", name_zh="人事系统")


def learner_of(partner: Any, **fields: Any) -> Any:
    user = UserFactory(**fields)
    PartnerLearner.objects.create(organisation=partner, user=user, external_id=f"E{user.pk}")
    return user


def snapshot() -> tuple[Any, ...]:
    return (
        list(Enrollment.objects.values_list("pk", "status")),
        EnrollmentEvent.objects.count(),
        Notification.objects.count(),
        list(Offering.objects.values_list("seats_taken", "waitlist_length")),
    )


# --- partners ----------------------------------------------------------------------------------


def test_a_partner_enrolls_its_learner_without_email_verification(partner):
    offering = OfferingFactory()
    learner = learner_of(partner, email_verified_at=None)
    enrollment = services.enrollment_create(learner=learner, offering=offering, partner=partner)
    assert (enrollment.status, enrollment.channel) == (Status.ENROLLED, Channel.PARTNER)
    event = enrollment.events.get()
    assert (event.actor, event.channel) == (partner.service_user, Channel.PARTNER)


def test_a_partner_is_held_to_the_learner_rules(partner):
    learner = learner_of(partner)
    pending = OfferingFactory(requires_approval=True)
    assert services.enrollment_create(
        learner=learner, offering=pending, partner=partner
    ).status == (
        Status.PENDING  # unlike staff, a partner does not imply approval
    )
    closed = OfferingFactory()
    Offering.objects.filter(pk=closed.pk).update(
        enrollment_closes_at=timezone.now() - timedelta(minutes=1)
    )
    before = snapshot()
    with pytest.raises(RuleViolation) as caught:
        services.enrollment_create(learner=learner, offering=closed, partner=partner)
    assert caught.value.code == "enrollment_closed"
    assert snapshot() == before


def test_a_partner_acts_for_its_own_learners_only(partner):
    offering = OfferingFactory()
    stranger = UserFactory()
    other = partner_organisation_create(code="OTHER", name_zh="别家")
    foreign = learner_of(other)
    for learner in (stranger, foreign):
        before = snapshot()
        with pytest.raises(NotAllowed):
            services.enrollment_create(learner=learner, offering=offering, partner=partner)
        assert snapshot() == before
    theirs = services.enrollment_create(learner=foreign, offering=offering, partner=other)
    with pytest.raises(NotAllowed):
        services.enrollment_withdraw(enrollment=theirs, actor=None, partner=partner)
    withdrawn = services.enrollment_withdraw(
        enrollment=theirs, actor=None, partner=other, reason="left"
    )
    assert withdrawn.status == Status.WITHDRAWN
    assert withdrawn.events.last().channel == Channel.PARTNER


def test_existing_callers_are_unchanged():
    """Learners on the web still need a verified address; staff still need the roster."""
    offering = OfferingFactory()
    unverified = UserFactory(email_verified_at=None)
    with pytest.raises(RuleViolation, match="email_not_verified"):
        services.enrollment_create(learner=unverified, offering=offering, actor=unverified)
    with pytest.raises(RuleViolation, match="email_not_verified"):  # the API is a web client too
        services.enrollment_create(
            learner=unverified, offering=offering, actor=unverified, channel=Channel.API
        )
    with pytest.raises(NotAllowed):
        services.enrollment_withdraw(
            enrollment=services.enrollment_create(learner=UserFactory(), offering=offering),
            actor=UserFactory(),
        )


# --- the read-only check -----------------------------------------------------------------------


def test_check_enrollment_answers_like_enrollment_create_and_writes_nothing(partner):
    offering = OfferingFactory(capacity=1, waitlist_capacity=1, requires_approval=True)
    learner = UserFactory()
    before = snapshot()
    assert services.check_enrollment(learner=learner, offering=offering) == Status.PENDING
    staff = UserFactory()
    StaffMembership.objects.create(
        user=staff, institution=offering.course.institution, role="course_manager"
    )
    assert services.check_enrollment(learner=learner, offering=offering, actor=staff) == (
        Status.ENROLLED
    )
    with pytest.raises(NotAllowed):
        services.check_enrollment(learner=learner, offering=offering, actor=UserFactory())
    with pytest.raises(NotAllowed):
        services.check_enrollment(learner=learner, offering=offering, partner=partner)
    assert snapshot() == before
    offering.seats_taken = 1  # a caller simulating rows advances the counters
    assert services.check_enrollment(learner=learner, offering=offering) == Status.WAITLISTED
    offering.waitlist_length = 1
    with pytest.raises(RuleViolation, match="waitlist_full"):
        services.check_enrollment(learner=learner, offering=offering)
    services.enrollment_create(learner=learner, offering=offering, actor=learner)
    with pytest.raises(RuleViolation, match="already"):
        services.check_enrollment(learner=learner, offering=offering_fresh(offering))


def offering_fresh(offering: Offering) -> Offering:
    return Offering.objects.select_related("course__institution", "term").get(pk=offering.pk)


# --- reading rows ------------------------------------------------------------------------------


def test_rows_from_data_strips_and_checks_every_row():
    rows = batches.rows_from_data(
        [{"learner": " a@example.com ", "offering": "X", "action": "enroll"}]
    )
    assert rows == [
        batches.RowInput(line=1, learner="a@example.com", offering="X", action="enroll")
    ]
    with pytest.raises(batches.BatchInputError, match="Row 2: action is empty"):
        batches.rows_from_data(
            [
                {"learner": "a", "offering": "x", "action": "enroll"},
                {"learner": "a", "offering": "x", "action": "  "},
            ]
        )


def test_rows_from_csv_reads_crlf_and_quotes():
    upload = io.BytesIO(b'learner,offering,action\r\n"a@example.com","x, y",enroll\r\n')
    assert batches.rows_from_csv(upload) == [
        batches.RowInput(line=2, learner="a@example.com", offering="x, y", action="enroll")
    ]


def test_rows_from_csv_accepts_exactly_the_maximum():
    text = "learner,offering,action\n" + "a,b,enroll\n" * batches.MAX_ROWS
    assert len(batches.rows_from_csv(io.BytesIO(text.encode()))) == batches.MAX_ROWS


# --- the job -----------------------------------------------------------------------------------


def test_running_a_finished_batch_again_changes_nothing():
    offering = OfferingFactory()
    staff = UserFactory()
    StaffMembership.objects.create(
        user=staff, institution=offering.course.institution, role="course_manager"
    )
    rows = [batches.RowInput(1, UserFactory().email, str(offering.public_id), "enroll")]
    with mock.patch.object(batches, "_queue"):
        batch = batches.enrollment_batch_create(rows=rows, actor=staff)
    assert batches.enrollment_batch_run(batch_id=batch.pk).status == "done"
    before = snapshot()
    EnrollmentBatch.objects.filter(pk=batch.pk).update(status="running")  # as if redelivered
    assert batches.enrollment_batch_run(batch_id=batch.pk).status == "done"
    assert snapshot() == before
    assert BatchRow.objects.get().outcome == "ok"
    assert batches.enrollment_batch_run(batch_id=10**9) is None


def test_a_row_messages_follow_the_language_the_batch_was_sent_in():
    offering = OfferingFactory()
    staff = UserFactory()
    StaffMembership.objects.create(
        user=staff, institution=offering.course.institution, role="course_manager"
    )
    rows = [batches.RowInput(1, "ghost@example.com", str(offering.public_id), "enroll")]
    with translation.override("zh-hans"), mock.patch.object(batches, "_queue"):
        batch = batches.enrollment_batch_create(rows=rows, actor=staff)
    batches.enrollment_batch_run(batch_id=batch.pk)
    row = BatchRow.objects.get()
    assert row.code == "learner_not_found"
    assert batch.language == "zh-hans"
    assert row.message  # in the sender's language, whatever the worker's


def test_only_staff_who_run_a_roster_may_send_batches():
    rows = [batches.RowInput(1, "a@example.com", "x", "enroll")]
    with pytest.raises(NotAllowed):
        batches.enrollment_batch_create(rows=rows, actor=UserFactory())
    instructor = UserFactory()
    OfferingFactory().instructors.add(instructor)
    with mock.patch.object(batches, "_queue"):
        assert batches.enrollment_batch_create(rows=rows, actor=instructor).total == 1


def test_an_offering_id_may_be_spelled_in_upper_case():
    offering = OfferingFactory()
    staff = UserFactory()
    StaffMembership.objects.create(
        user=staff, institution=offering.course.institution, role="course_manager"
    )
    spellings = [str(offering.public_id), str(offering.public_id).upper()]
    rows = [
        batches.RowInput(i + 1, UserFactory().email, spelling, "enroll")
        for i, spelling in enumerate(spellings)
    ]
    with mock.patch.object(batches, "_queue"):
        batch = batches.enrollment_batch_create(rows=rows, actor=staff)
    batches.enrollment_batch_run(batch_id=batch.pk)
    assert list(BatchRow.objects.order_by("line").values_list("outcome", flat=True)) == ["ok", "ok"]
