"""The view the measures read an enrollment's status from: one row per enrollment as of a date."""

from datetime import timedelta

import pytest
from django.db.models import Q

from enrollment.models import Enrollment
from reports.measures import compute, quarter_of
from reports.spans import EnrollmentSpan
from tests.factories import OfferingFactory, UserFactory
from tests.reports.world import S, at, history

pytestmark = pytest.mark.django_db


def status_as_of(enrollment: Enrollment, moment: object) -> list[str]:
    return list(
        EnrollmentSpan.objects.filter(enrollment=enrollment, at__lte=moment)
        .filter(Q(next_at__isnull=True) | Q(next_at__gt=moment))
        .values_list("to_status", flat=True)
    )


def test_one_status_at_any_moment_ties_broken_by_id() -> None:
    offering = OfferingFactory()
    same = at(2, 10)
    enrollment = history(
        UserFactory(),
        offering,
        (S.WAITLISTED, same),
        (S.ENROLLED, same),  # promoted in the same instant: the later row wins
        (S.COMPLETED, at(3, 20)),
    )
    assert status_as_of(enrollment, same - timedelta(seconds=1)) == []
    assert status_as_of(enrollment, same) == ["enrolled"]
    assert status_as_of(enrollment, at(3, 19)) == ["enrolled"]
    assert status_as_of(enrollment, at(3, 20)) == ["completed"]
    span = EnrollmentSpan.objects.filter(enrollment=enrollment).first()
    assert span is not None
    assert (span.seat_from, span.seat_until, span.result_at, span.waited_at) == (
        same,
        at(3, 20),
        at(3, 20),
        same,
    )


def test_a_seat_held_for_an_instant_counts_in_its_period() -> None:
    offering = OfferingFactory()
    history(UserFactory(), offering, (S.ENROLLED, at(3, 31, 23)), (S.DROPPED, at(3, 31, 23)))
    history(UserFactory(), offering, (S.ENROLLED, at(3, 31, 23)), (S.DROPPED, at(4, 1, 0)))
    q1, q2 = quarter_of(at(2, 1).date()), quarter_of(at(5, 1).date())
    # The second dropped at the first instant of Q2: it held the seat until then, so in Q2 too.
    results = compute("enrollments", periods=[q1, q2], as_of=at(7, 1))
    assert [r.value for r in results] == [2, 1]
