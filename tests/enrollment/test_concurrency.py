"""Real threads racing on PostgreSQL: exact capacity, fair dense waitlists, no deadlocks.

Each thread has its own database connection, as web workers do; a barrier releases them
together. On SQLite these are skipped (it serialises writers on the whole file).
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from enrollment import services
from enrollment.exceptions import EnrollmentError
from enrollment.models import SEAT_HOLDING, Enrollment, Status
from institutions.models import StaffMembership
from tests.factories import OfferingFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each result is a value or the exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except Exception as error:  # the test inspects every outcome
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung: deadlock?"
    return results


def outcome(result: Any) -> str:
    if isinstance(result, Enrollment):
        return result.status
    if isinstance(result, EnrollmentError):
        return result.code
    raise AssertionError(f"unexpected outcome: {result!r}")


def assert_counters_match_rows(offering_id: int) -> None:
    from courses.models import Offering

    offering = Offering.objects.get(pk=offering_id)
    rows = Counter(Enrollment.objects.filter(offering=offering).values_list("status", flat=True))
    assert offering.seats_taken == sum(rows[s] for s in SEAT_HOLDING)
    assert offering.waitlist_length == rows[Status.WAITLISTED]
    assert offering.seats_taken <= offering.capacity
    # Never a free seat while someone waits.
    assert offering.seats_taken == offering.capacity or offering.waitlist_length == 0


def enroll_call(learner: Any, offering: Any) -> Callable[[], Any]:
    return lambda: services.enrollment_create(learner=learner, offering=offering, actor=learner)


def test_sixty_learners_race_for_ten_seats_and_thirty_places_in_line():
    offering = OfferingFactory(capacity=10, waitlist_capacity=30)
    learners = [UserFactory() for _ in range(60)]
    results = race([enroll_call(learner, offering) for learner in learners])
    tally = Counter(outcome(r) for r in results)
    assert tally == {"enrolled": 10, "waitlisted": 30, "waitlist_full": 20}
    line = list(Enrollment.objects.waitlist().filter(offering=offering).with_position())
    assert [e.position for e in line] == list(range(1, 31))  # dense and unique
    # In the order served: the line order is the order the rows were written under the lock.
    assert [e.pk for e in line] == sorted(e.pk for e in line)
    assert_counters_match_rows(offering.pk)
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        assert cursor.fetchone()[0] == 0


def test_concurrent_drops_and_enrollments_never_oversell_nor_leave_seats_idle():
    offering = OfferingFactory(capacity=10, waitlist_capacity=60)
    seated = [
        services.enrollment_create(learner=u, offering=offering, actor=u)
        for u in (UserFactory() for _ in range(10))
    ]
    for _ in range(10):
        learner = UserFactory()
        services.enrollment_create(learner=learner, offering=offering, actor=learner)
    newcomers = [UserFactory() for _ in range(20)]
    calls = [
        (lambda e=e: services.enrollment_drop(enrollment=e, actor=e.learner)) for e in seated
    ] + [enroll_call(learner, offering) for learner in newcomers]
    results = race(calls)
    assert all(isinstance(r, Enrollment) for r in results), results
    assert_counters_match_rows(offering.pk)
    assert Enrollment.objects.filter(offering=offering, status=Status.ENROLLED).count() == 10
    line = list(Enrollment.objects.waitlist().filter(offering=offering).with_position())
    assert [e.position for e in line] == list(range(1, len(line) + 1))


def test_a_double_submit_ends_with_one_enrollment():
    offering = OfferingFactory(capacity=5)
    learner = UserFactory()
    results = race([enroll_call(learner, offering), enroll_call(learner, offering)])
    assert sorted(outcome(r) for r in results) == ["already_enrolled", "enrolled"]
    assert Enrollment.objects.filter(learner=learner, offering=offering).count() == 1


def test_crossing_moves_and_enrollments_do_not_deadlock():
    first = OfferingFactory(capacity=20, waitlist_capacity=5)
    second = OfferingFactory(course=first.course, capacity=20, waitlist_capacity=5)
    manager = UserFactory()
    StaffMembership.objects.create(
        user=manager, institution=first.course.institution, role="course_manager"
    )
    in_first = [
        services.enrollment_create(learner=u, offering=first, actor=u)
        for u in (UserFactory() for _ in range(5))
    ]
    in_second = [
        services.enrollment_create(learner=u, offering=second, actor=u)
        for u in (UserFactory() for _ in range(5))
    ]
    calls: list[Callable[[], Any]] = []
    for a, b in zip(in_first, in_second, strict=True):
        calls.append(
            lambda a=a: services.enrollment_move(enrollment=a, to_offering=second, actor=manager)
        )
        calls.append(
            lambda b=b: services.enrollment_move(enrollment=b, to_offering=first, actor=manager)
        )
    for learner in (UserFactory() for _ in range(10)):
        calls.append(enroll_call(learner, first))
        calls.append(enroll_call(learner, second))
    results = race(calls)
    assert all(isinstance(r, Enrollment) for r in results), [
        r for r in results if not isinstance(r, Enrollment)
    ]
    assert_counters_match_rows(first.pk)
    assert_counters_match_rows(second.pk)


def test_a_rush_through_the_enroll_page_never_fails():
    """Forty learners press "confirm" together: every response is a redirect, none a 5xx."""
    from django.test import Client

    offering = OfferingFactory(capacity=10, waitlist_capacity=20)
    clients = []
    for learner in (UserFactory() for _ in range(40)):
        client = Client()
        client.force_login(learner)
        clients.append(client)
    path = f"/en/enroll/{offering.public_id}/"
    responses = race([lambda c=c: c.post(path) for c in clients])
    assert [r.status_code for r in responses] == [302] * 40
    tally = Counter(Enrollment.objects.filter(offering=offering).values_list("status", flat=True))
    assert tally == {"enrolled": 10, "waitlisted": 20}
    assert_counters_match_rows(offering.pk)
