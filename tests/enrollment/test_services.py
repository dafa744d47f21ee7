"""Enrollment services: every rule, every transition allowed and refused, counters, news."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from courses.models import Offering, Prerequisite
from enrollment import services
from enrollment.exceptions import InvalidTransition, NotAllowed, RuleViolation
from enrollment.models import LIVE, Channel, Enrollment, EnrollmentEvent, Status
from enrollment.selectors import learner_enrollments, waitlist
from institutions.models import StaffMembership
from notifications.models import Notification
from tests.factories import (
    CourseFactory,
    EnrollmentFactory,
    InstitutionFactory,
    OfferingFactory,
    TermFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def make_offering(capacity: int = 2, waitlist_capacity: int = 2, **fields: Any) -> Offering:
    return OfferingFactory(capacity=capacity, waitlist_capacity=waitlist_capacity, **fields)


def enroll(offering: Offering, learner: Any = None, **kwargs: Any) -> Enrollment:
    learner = learner or UserFactory()
    return services.enrollment_create(learner=learner, offering=offering, actor=learner, **kwargs)


def snapshot(offering: Offering) -> tuple[Any, ...]:
    offering.refresh_from_db()
    return (
        list(Enrollment.objects.order_by("pk").values_list("pk", "status", "queue_number")),
        EnrollmentEvent.objects.count(),
        Notification.objects.count(),
        offering.seats_taken,
        offering.waitlist_length,
        offering.capacity,
        offering.status,
    )


@contextmanager
def refused(offering: Offering, error: type[Exception], code: str) -> Iterator[None]:
    """The call raises `error` with `code`, and nothing at all changed."""
    before = snapshot(offering)
    with pytest.raises(error) as caught:
        yield
    assert caught.value.code == code  # type: ignore[attr-defined]
    assert caught.value.message  # type: ignore[attr-defined]
    assert snapshot(offering) == before


def positions(offering: Offering) -> list[tuple[str, int]]:
    return [(e.learner.email, e.position) for e in waitlist(offering=offering)]


def staff_of(offering: Offering, role: str = StaffMembership.Role.COURSE_MANAGER) -> Any:
    user = UserFactory()
    StaffMembership.objects.create(user=user, institution=offering.course.institution, role=role)
    return user


# --- enrolling ---------------------------------------------------------------------------------


def test_enroll_takes_a_seat_and_records_event_and_news():
    offering = make_offering()
    learner = UserFactory()
    enrollment = enroll(offering, learner)
    assert enrollment.status == Status.ENROLLED
    offering.refresh_from_db()
    assert (offering.seats_taken, offering.waitlist_length) == (1, 0)
    event = enrollment.events.get()
    assert (event.from_status, event.to_status, event.channel) == ("", "enrolled", "web")
    assert event.actor == learner
    news = Notification.objects.get()
    assert (news.event, news.recipient) == ("enrollment.enrolled", learner)
    assert news.data["course_code"] == offering.course.code
    assert news.data["offering"] == str(offering.public_id)


def test_full_offering_puts_learners_in_line_then_refuses():
    offering = make_offering(capacity=1, waitlist_capacity=2)
    enroll(offering)
    first, second = enroll(offering), enroll(offering)
    assert (first.status, second.status) == (Status.WAITLISTED, Status.WAITLISTED)
    assert positions(offering) == [(first.learner.email, 1), (second.learner.email, 2)]
    with refused(offering, RuleViolation, "waitlist_full"):
        enroll(offering)


def test_offering_without_waitlist_is_simply_full():
    offering = make_offering(capacity=1, waitlist_capacity=0)
    enroll(offering)
    with refused(offering, RuleViolation, "offering_full"):
        enroll(offering)


def test_approval_holds_a_seat_and_tells_the_instructors():
    offering = make_offering(capacity=1, requires_approval=True)
    instructor = staff_of(offering, StaffMembership.Role.INSTRUCTOR)
    offering.instructors.add(instructor)
    pending = enroll(offering)
    assert pending.status == Status.PENDING
    assert Notification.objects.filter(event="enrollment.pending_approval", recipient=instructor)
    assert enroll(offering).status == Status.WAITLISTED  # the pending one holds the only seat
    approved = services.enrollment_approve(enrollment=pending, actor=instructor)
    assert approved.status == Status.ENROLLED


def test_reject_frees_the_seat_for_the_first_in_line():
    offering = make_offering(capacity=1, requires_approval=True)
    manager = staff_of(offering)
    pending, waiting = enroll(offering), enroll(offering)
    services.enrollment_reject(enrollment=pending, actor=manager, reason="not eligible")
    waiting.refresh_from_db()
    assert waiting.status == Status.PENDING  # promoted, still subject to approval
    assert pending.events.last().reason == "not eligible"


def test_drop_promotes_the_first_in_line_and_keeps_positions_dense():
    offering = make_offering(capacity=1, waitlist_capacity=3)
    seated = enroll(offering)
    a, b, c = enroll(offering), enroll(offering), enroll(offering)
    services.enrollment_drop(enrollment=seated, actor=seated.learner)
    a.refresh_from_db()
    assert a.status == Status.ENROLLED
    promotion = a.events.last()
    assert (promotion.channel, promotion.actor, promotion.from_status) == (
        "system",
        None,
        "waitlisted",
    )
    assert Notification.objects.filter(event="enrollment.promoted", recipient=a.learner).exists()
    assert positions(offering) == [(b.learner.email, 1), (c.learner.email, 2)]
    services.enrollment_drop(enrollment=b, actor=b.learner)  # leaving the line
    assert positions(offering) == [(c.learner.email, 1)]
    offering.refresh_from_db()
    assert (offering.seats_taken, offering.waitlist_length) == (1, 1)


def test_learner_can_leave_the_waitlist_after_the_drop_deadline_but_not_a_seat():
    offering = make_offering(capacity=1)
    seated, waiting = enroll(offering), enroll(offering)
    Offering.objects.filter(pk=offering.pk).update(
        drop_deadline=offering.enrollment_opens_at + timedelta(minutes=1)
    )
    with refused(offering, RuleViolation, "drop_deadline_passed"):
        services.enrollment_drop(enrollment=seated, actor=seated.learner)
    assert services.enrollment_drop(enrollment=waiting, actor=waiting.learner).status == "dropped"


def test_only_the_learner_drops_their_enrollment():
    offering = make_offering()
    enrollment = enroll(offering)
    with refused(offering, NotAllowed, "not_your_enrollment"):
        services.enrollment_drop(enrollment=enrollment, actor=UserFactory())
    with refused(offering, NotAllowed, "not_your_enrollment"):
        services.enrollment_drop(enrollment=enrollment, actor=staff_of(offering))


# --- offered seats -----------------------------------------------------------------------------


def offer_setup() -> tuple[Offering, Enrollment, Enrollment, Enrollment]:
    offering = make_offering(capacity=1, waitlist_capacity=3, promote_by_offer=True)
    offering.offer_claim_hours = 24
    offering.save()
    seated, first, second = enroll(offering), enroll(offering), enroll(offering)
    services.enrollment_drop(enrollment=seated, actor=seated.learner)
    first.refresh_from_db()
    return offering, seated, first, second


def test_freed_seat_is_offered_with_a_deadline():
    offering, _, first, second = offer_setup()
    assert first.status == Status.OFFERED
    expected = timezone.now() + timedelta(hours=24)
    assert abs((first.offer_expires_at - expected).total_seconds()) < 60
    offering.refresh_from_db()
    assert (offering.seats_taken, offering.waitlist_length) == (1, 1)  # the offer holds the seat
    assert Notification.objects.get(recipient=first.learner, event="enrollment.offered")
    assert positions(offering) == [(second.learner.email, 1)]


def test_accepting_an_offer_enrolls():
    _, _, first, _ = offer_setup()
    assert services.enrollment_accept_offer(enrollment=first, actor=first.learner).status == (
        Status.ENROLLED
    )


def test_declining_an_offer_passes_it_on():
    _, _, first, second = offer_setup()
    services.enrollment_decline_offer(enrollment=first, actor=first.learner)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.DROPPED, Status.OFFERED)


def test_lapsed_offers_expire_and_pass_on_and_the_job_is_safe_to_repeat():
    _, _, first, second = offer_setup()
    later = timezone.now() + timedelta(hours=25)
    assert services.expire_lapsed_offers(now=later) == 1
    assert services.expire_lapsed_offers(now=later) == 0
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.EXPIRED, Status.OFFERED)
    assert first.events.last().channel == Channel.SYSTEM


def test_an_offer_past_its_deadline_cannot_be_accepted():
    offering, _, first, _ = offer_setup()
    Enrollment.objects.filter(pk=first.pk).update(offer_expires_at=timezone.now())
    with refused(offering, RuleViolation, "offer_expired"):
        services.enrollment_accept_offer(enrollment=first, actor=first.learner)


def test_only_offers_can_be_accepted_or_declined():
    offering = make_offering()
    enrollment = enroll(offering)
    with refused(offering, InvalidTransition, "invalid_transition"):
        services.enrollment_accept_offer(enrollment=enrollment, actor=enrollment.learner)
    with refused(offering, InvalidTransition, "invalid_transition"):
        services.enrollment_decline_offer(enrollment=enrollment, actor=enrollment.learner)


# --- rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": Offering.Status.DRAFT}, "offering_not_published"),
        ({"status": Offering.Status.ARCHIVED}, "offering_not_published"),
        ({"status": Offering.Status.CANCELLED}, "offering_cancelled"),
        ({"enrollment_opens_at": timezone.now() + timedelta(days=1)}, "enrollment_not_open_yet"),
        (
            {
                "enrollment_opens_at": timezone.now() - timedelta(days=9),
                "enrollment_closes_at": timezone.now() - timedelta(days=1),
            },
            "enrollment_closed",
        ),
        ({"open_to_students": False, "open_to_public": True}, "audience_not_allowed"),
        ({"open_to_other_institutions": False}, "other_institution_not_allowed"),
    ],
)
def test_offering_rules(changes, code):
    offering = make_offering()
    Offering.objects.filter(pk=offering.pk).update(**changes)
    with refused(offering, RuleViolation, code):
        enroll(offering)


def test_own_institution_learners_pass_the_own_institution_rule():
    offering = make_offering(open_to_other_institutions=False)
    learner = UserFactory(home_institution=offering.course.institution)
    assert enroll(offering, learner).status == Status.ENROLLED


def test_email_must_be_verified_for_self_enrollment():
    offering = make_offering()
    with refused(offering, RuleViolation, "email_not_verified"):
        enroll(offering, UserFactory(email_verified_at=None))


def test_prerequisites_must_be_completed():
    offering = make_offering()
    basics = CourseFactory(institution=offering.course.institution, title_en="Basics")
    Prerequisite.objects.create(course=offering.course, required_course=basics)
    learner = UserFactory()
    with refused(offering, RuleViolation, "prerequisites_missing") as _:
        enroll(offering, learner)
    basics_run = make_offering(course=basics)
    done = enroll(basics_run, learner)
    services.enrollment_complete(
        enrollment=done, actor=staff_of(basics_run), result=services.Result(completed=True)
    )
    assert enroll(offering, learner).status == Status.ENROLLED


def test_prerequisite_message_names_the_courses():
    offering = make_offering()
    basics = CourseFactory(institution=offering.course.institution, title_en="Basics")
    Prerequisite.objects.create(course=offering.course, required_course=basics)
    with pytest.raises(RuleViolation) as caught:
        enroll(offering)
    assert caught.value.message == "Complete these courses first: Basics."


def test_per_term_limit_counts_live_enrollments_in_that_term():
    institution = InstitutionFactory(max_enrollments_per_term=2)
    term = TermFactory(institution=institution)
    runs = [
        make_offering(course=CourseFactory(institution=institution), term=term) for _ in range(3)
    ]
    learner = UserFactory()
    first = enroll(runs[0], learner)
    enroll(runs[1], learner)
    with refused(runs[2], RuleViolation, "term_limit_reached"):
        enroll(runs[2], learner)
    services.enrollment_drop(enrollment=first, actor=learner)
    assert enroll(runs[2], learner).status == Status.ENROLLED
    other_term = TermFactory(institution=institution, code="2027-autumn")
    elsewhere = make_offering(course=CourseFactory(institution=institution), term=other_term)
    assert enroll(elsewhere, learner).status == Status.ENROLLED


@pytest.mark.parametrize(
    ("capacity", "requires_approval", "promote_by_offer", "code"),
    [
        (2, False, False, "already_enrolled"),
        (0, False, False, "already_waitlisted"),
        (2, True, False, "already_pending"),
    ],
)
def test_one_live_enrollment_per_learner_and_offering(
    capacity, requires_approval, promote_by_offer, code
):
    offering = make_offering(
        capacity=capacity, requires_approval=requires_approval, promote_by_offer=promote_by_offer
    )
    learner = UserFactory()
    enroll(offering, learner)
    with refused(offering, RuleViolation, code):
        enroll(offering, learner)


def test_a_held_offer_counts_as_live():
    offering, _, first, _ = offer_setup()
    with refused(offering, RuleViolation, "already_offered"):
        enroll(offering, first.learner)


def test_a_learner_may_enroll_again_after_dropping():
    offering = make_offering()
    learner = UserFactory()
    services.enrollment_drop(enrollment=enroll(offering, learner), actor=learner)
    assert enroll(offering, learner).status == Status.ENROLLED
    assert learner.enrollments.count() == 2


def test_the_database_refuses_a_second_live_enrollment():
    offering = make_offering()
    learner = UserFactory()
    enroll(offering, learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrollment.objects.create(learner=learner, offering=offering, status=Status.PENDING)


def test_staff_enroll_on_behalf_outside_the_window_and_without_approval():
    offering = make_offering(requires_approval=True)
    Offering.objects.filter(pk=offering.pk).update(
        enrollment_opens_at=timezone.now() + timedelta(days=2),
        enrollment_closes_at=timezone.now() + timedelta(days=9),
        drop_deadline=timezone.now() + timedelta(days=10),
    )
    learner = UserFactory(email_verified_at=None)
    enrollment = services.enrollment_create(
        learner=learner, offering=offering, actor=staff_of(offering), channel=Channel.WEB
    )
    assert enrollment.status == Status.ENROLLED
    assert enrollment.events.get().actor != learner


def test_staff_of_another_institution_cannot_enroll_on_behalf():
    offering = make_offering()
    outsider = UserFactory()
    StaffMembership.objects.create(user=outsider, institution=InstitutionFactory(), role="admin")
    with refused(offering, NotAllowed, "not_allowed"):
        services.enrollment_create(learner=UserFactory(), offering=offering, actor=outsider)


# --- staff actions and the state machine -------------------------------------------------------


def test_withdraw_by_managers_and_the_offerings_instructors_only():
    offering = make_offering()
    enrollment = enroll(offering)
    other_instructor = staff_of(offering, StaffMembership.Role.INSTRUCTOR)
    with refused(offering, NotAllowed, "not_allowed"):
        services.enrollment_withdraw(enrollment=enrollment, actor=other_instructor)
    with refused(offering, NotAllowed, "not_allowed"):
        services.enrollment_withdraw(enrollment=enrollment, actor=enrollment.learner)
    instructor = staff_of(offering, StaffMembership.Role.INSTRUCTOR)
    offering.instructors.add(instructor)
    withdrawn = services.enrollment_withdraw(enrollment=enrollment, actor=instructor, reason="x")
    assert withdrawn.status == Status.WITHDRAWN


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (Status.ENROLLED, "approve"),
        (Status.ENROLLED, "reject"),
        (Status.WAITLISTED, "complete"),
        (Status.WAITLISTED, "approve"),
        (Status.DROPPED, "withdraw"),
        (Status.DROPPED, "complete"),
        (Status.DROPPED, "drop"),
        (Status.COMPLETED, "withdraw"),
        (Status.COMPLETED, "drop"),
    ],
)
def test_refused_transitions_change_nothing(start, action):
    offering = make_offering(capacity=0 if start == Status.WAITLISTED else 2)
    enrollment = enroll(offering)
    manager = staff_of(offering)
    if start == Status.DROPPED:
        services.enrollment_drop(enrollment=enrollment, actor=enrollment.learner)
    if start == Status.COMPLETED:
        services.enrollment_complete(
            enrollment=enrollment, actor=manager, result=services.Result(completed=True)
        )
    call = {
        "approve": lambda: services.enrollment_approve(enrollment=enrollment, actor=manager),
        "reject": lambda: services.enrollment_reject(enrollment=enrollment, actor=manager),
        "withdraw": lambda: services.enrollment_withdraw(enrollment=enrollment, actor=manager),
        "drop": lambda: services.enrollment_drop(enrollment=enrollment, actor=enrollment.learner),
        "complete": lambda: services.enrollment_complete(
            enrollment=enrollment, actor=manager, result=services.Result(completed=True)
        ),
    }[action]
    with refused(offering, InvalidTransition, "invalid_transition"):
        call()


def test_completion_records_result_and_can_be_corrected():
    offering = make_offering()
    enrollment = enroll(offering)
    manager = staff_of(offering)
    done = services.enrollment_complete(
        enrollment=enrollment,
        actor=manager,
        result=services.Result(completed=True, score=Decimal("88.5"), grade="A", hours=32),
    )
    assert (done.status, done.score, done.grade, done.hours_completed) == (
        Status.COMPLETED,
        Decimal("88.5"),
        "A",
        Decimal("32"),
    )
    offering.refresh_from_db()
    assert offering.seats_taken == 0  # a finished learner no longer holds a seat
    fixed = services.enrollment_complete(
        enrollment=enrollment, actor=manager, result=services.Result(completed=False)
    )
    assert fixed.status == Status.NOT_COMPLETED
    assert [e.to_status for e in enrollment.events.all()] == [
        "enrolled",
        "completed",
        "not_completed",
    ]


@pytest.mark.parametrize(
    "result",
    [
        services.Result(completed=True, score=Decimal("101")),
        services.Result(completed=True, score="abc"),  # type: ignore[arg-type]
        services.Result(completed=True, hours=Decimal("-1")),
        services.Result(completed=True, hours="1e9"),  # type: ignore[arg-type]
    ],
)
def test_bad_results_are_refused(result):
    offering = make_offering()
    enrollment = enroll(offering)
    with refused(offering, RuleViolation, "invalid_result"):
        services.enrollment_complete(enrollment=enrollment, actor=staff_of(offering), result=result)


def test_bulk_completion_is_all_or_nothing():
    offering = make_offering(capacity=5)
    manager = staff_of(offering)
    rows = [enroll(offering) for _ in range(3)]
    stranger = enroll(make_offering())
    results = {row.public_id: services.Result(completed=True, hours=30) for row in rows}
    with refused(offering, NotAllowed, "not_allowed"):
        services.enrollments_complete(
            offering=offering,
            actor=manager,
            results={**results, stranger.public_id: services.Result(completed=True)},
        )
    services.enrollment_drop(enrollment=rows[0], actor=rows[0].learner)
    with refused(offering, InvalidTransition, "invalid_transition"):
        services.enrollments_complete(offering=offering, actor=manager, results=results)
    del results[rows[0].public_id]
    done = services.enrollments_complete(offering=offering, actor=manager, results=results)
    assert {row.status for row in done} == {Status.COMPLETED}
    assert Notification.objects.filter(event="enrollment.completed").count() == 2
    offering.refresh_from_db()
    assert offering.seats_taken == 0


def test_bulk_completion_takes_constant_queries(django_assert_max_num_queries):
    offering = make_offering(capacity=120)
    manager = staff_of(offering)
    rows = [enroll(offering) for _ in range(120)]
    results = {row.public_id: services.Result(completed=True, score=80) for row in rows}
    with django_assert_max_num_queries(14):
        services.enrollments_complete(offering=offering, actor=manager, results=results)


def test_move_to_another_offering_of_the_same_course():
    source = make_offering(capacity=1, waitlist_capacity=1)
    target = make_offering(course=source.course, capacity=1)
    manager = staff_of(source)
    moving, waiting = enroll(source), enroll(source)
    moved = services.enrollment_move(enrollment=moving, to_offering=target, actor=manager)
    assert (moved.offering, moved.status) == (target, Status.ENROLLED)
    moving.refresh_from_db()
    waiting.refresh_from_db()
    assert moving.status == Status.WITHDRAWN
    assert waiting.status == Status.ENROLLED  # the freed seat went to the first in line
    target.refresh_from_db()
    assert target.seats_taken == 1


def test_move_refusals():
    source = make_offering(capacity=2)
    manager = staff_of(source)
    enrollment = enroll(source)
    other_course = make_offering(course=CourseFactory(institution=source.course.institution))
    with refused(source, RuleViolation, "not_same_course"):
        services.enrollment_move(enrollment=enrollment, to_offering=other_course, actor=manager)
    full = make_offering(course=source.course, capacity=0)
    with refused(source, RuleViolation, "offering_full"):
        services.enrollment_move(enrollment=enrollment, to_offering=full, actor=manager)
    with refused(source, RuleViolation, "same_offering"):
        services.enrollment_move(enrollment=enrollment, to_offering=source, actor=manager)


def test_capacity_never_below_seats_taken_and_raising_it_promotes():
    offering = make_offering(capacity=1, waitlist_capacity=3)
    manager = staff_of(offering)
    enroll(offering)
    waiting = [enroll(offering) for _ in range(3)]
    with refused(offering, RuleViolation, "capacity_below_taken"):
        services.offering_change_capacity(offering=offering, capacity=0, actor=manager)
    with refused(offering, RuleViolation, "invalid_capacity"):
        services.offering_change_capacity(offering=offering, capacity=10**9, actor=manager)
    services.offering_change_capacity(offering=offering, capacity=3, actor=manager)
    statuses = [Enrollment.objects.get(pk=w.pk).status for w in waiting]
    assert statuses == [Status.ENROLLED, Status.ENROLLED, Status.WAITLISTED]
    offering.refresh_from_db()
    assert (offering.capacity, offering.seats_taken, offering.waitlist_length) == (3, 3, 1)


def test_cancel_offering_ends_every_live_enrollment():
    offering = make_offering(capacity=1)
    manager = staff_of(offering)
    seated, waiting = enroll(offering), enroll(offering)
    services.offering_cancel(offering=offering, actor=manager, reason="room unavailable")
    offering.refresh_from_db()
    assert (offering.status, offering.seats_taken, offering.waitlist_length) == (
        "cancelled",
        0,
        0,
    )
    for row in (seated, waiting):
        row.refresh_from_db()
        assert row.status == Status.CANCELLED
        assert row.events.last().reason == "room unavailable"
    assert Notification.objects.filter(event="enrollment.cancelled").count() == 2
    with refused(offering, InvalidTransition, "offering_not_cancellable"):
        services.offering_cancel(offering=offering, actor=manager)


def test_waitlists_close_when_the_offering_starts():
    offering = make_offering(capacity=1)
    enroll(offering)
    waiting = enroll(offering)
    assert services.close_started_waitlists(today=offering.starts_on - timedelta(days=1)) == 0
    assert services.close_started_waitlists(today=offering.starts_on) == 1
    waiting.refresh_from_db()
    assert waiting.status == Status.EXPIRED
    offering.refresh_from_db()
    assert offering.waitlist_length == 0


def test_learner_enrollments_shows_the_latest_with_position():
    offering = make_offering(capacity=0)
    learner = UserFactory()
    enroll(offering)
    enroll(offering, learner)
    mine = learner_enrollments(learner=learner, offerings=[offering])
    assert mine[offering.pk].position == 2


# --- bounded queries ---------------------------------------------------------------------------


@pytest.mark.parametrize("crowd", [3, 30])
def test_enroll_and_drop_with_promotion_take_bounded_queries(crowd, django_assert_max_num_queries):
    offering = make_offering(capacity=crowd, waitlist_capacity=crowd + 5)
    seated = [enroll(offering) for _ in range(crowd)]
    for _ in range(crowd):
        enroll(offering)
    learner = UserFactory()
    with django_assert_max_num_queries(13):
        services.enrollment_create(learner=learner, offering=offering, actor=learner)
    with django_assert_max_num_queries(18):
        services.enrollment_drop(enrollment=seated[0], actor=seated[0].learner)


def test_saving_a_stale_offering_never_overwrites_the_counters():
    offering = make_offering(capacity=3)
    stale = Offering.objects.get(pk=offering.pk)  # read before anyone enrolled
    enroll(offering)
    stale.location_zh = "新教室"
    stale.save()
    offering.refresh_from_db()
    assert (offering.seats_taken, offering.location_zh) == (1, "新教室")


def test_periodic_tasks_run_the_services():
    from enrollment import tasks

    _, _, first, _ = offer_setup()
    Enrollment.objects.filter(pk=first.pk).update(offer_expires_at=timezone.now())
    assert tasks.expire_lapsed_offers.delay().get() == 1
    assert tasks.close_started_waitlists.delay().get() == 0


# --- what is read under the lock ---------------------------------------------------------------


def _offering_reads(run: Any) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        run()
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "courses_offering"."id"')
    ]


def test_the_lock_reads_course_institution_and_term_again_unless_read_now():
    offering = make_offering()
    # A batch's offering, read long before: all four are read again under the lock.
    (locked,) = _offering_reads(lambda: enroll(offering))
    assert "JOIN" in locked
    # The API's, read in the same request: the offering's row alone.
    (locked,) = _offering_reads(lambda: enroll(offering, read_now=True))
    assert "JOIN" not in locked


def test_an_offering_moved_to_another_term_meanwhile_is_read_again_in_full():
    offering = make_offering()
    other = TermFactory(institution=offering.course.institution, code="2027-autumn")
    Offering.objects.filter(pk=offering.pk).update(term=other)  # after the caller's read
    reads = _offering_reads(lambda: enroll(offering, read_now=True))
    assert ["JOIN" in sql for sql in reads] == [False, True]
    news = Notification.objects.get(event="enrollment.enrolled")
    assert news.data["term_code"] == "2027-autumn"


@pytest.mark.parametrize("state", [s.value for s in Status])
def test_live_status_is_the_live_enrollments_status_or_none(state):
    """services.live_status answers what the ORM filter on LIVE it stands for answers."""
    extra = {
        Status.WAITLISTED: {"queue_number": 1},
        Status.OFFERED: {"offer_expires_at": timezone.now() + timedelta(days=1)},
    }.get(state, {})
    enrollment = EnrollmentFactory(status=state, **extra)
    other = OfferingFactory()
    expected = (
        Enrollment.objects.filter(
            learner=enrollment.learner, offering=enrollment.offering, status__in=LIVE
        )
        .values_list("status", flat=True)
        .first()
    )
    assert services.live_status(enrollment.learner_id, enrollment.offering_id) == expected
    assert expected == (state if state in LIVE else None)
    assert services.live_status(enrollment.learner_id, other.pk) is None
