"""Measures read what the enrollment services write, in a constant number of queries."""

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from accounts.models import User
from enrollment import services
from enrollment.models import EnrollmentEvent
from reports.measures import (
    DIMENSIONS,
    MEASURES,
    Filters,
    Request,
    compute,
    compute_many,
    quarter_of,
    quarters,
)
from tests.factories import CourseFactory, InstitutionFactory, OfferingFactory, UserFactory
from tests.reports.world import S, at, history

pytestmark = pytest.mark.django_db


def owners(count: int, first_quarter: date) -> None:
    """`count` owners, each with a course, an offering and learners of both sexes and none."""
    for n in range(count):
        institution = InstitutionFactory()
        offering = OfferingFactory(
            course=CourseFactory(institution=institution), starts_on=first_quarter
        )
        for sex in ("female", "male", ""):
            learner = UserFactory(sex=sex, sex_consent=bool(sex), home_institution=None)
            history(
                learner,
                offering,
                (S.ENROLLED, at(first_quarter.month, 2, year=first_quarter.year)),
                (S.COMPLETED, at(first_quarter.month, 20 + n % 5, year=first_quarter.year)),
                hours="8",
            )


@pytest.mark.parametrize(("owner_count", "quarter_count"), [(2, 2), (7, 8)])
def test_queries_do_not_grow(
    owner_count: int, quarter_count: int, django_assert_max_num_queries: Any
) -> None:
    first = date(2027, 1, 1)
    owners(owner_count, first)
    periods = quarters(first, quarter_count)
    for code, measure in MEASURES.items():
        dimensions = measure.dimensions
        # Splits by the learner's own keys (sex, learner type) come with the totals.
        others = [name for name in dimensions if not DIMENSIONS[name].of_learner]
        with django_assert_max_num_queries(1 + len(others)):
            results = compute(
                code, periods=periods, as_of=at(12, 31, year=2029), dimensions=dimensions
            )
        assert len(results) == quarter_count
    totals = compute("completions", periods=periods, as_of=at(12, 31, year=2029))
    assert [r.value for r in totals] == [3 * owner_count] + [0] * (quarter_count - 1)


@pytest.mark.parametrize(("owner_count", "quarter_count"), [(2, 2), (7, 8)])
def test_many_measures_share_their_queries(
    owner_count: int, quarter_count: int, django_assert_num_queries: Any
) -> None:
    """Every measure with every split, some twice with filters of their own: per source of
    rows, one query for the totals and one per split other than sex and learner type."""
    first = date(2027, 1, 1)
    owners(owner_count, first)
    periods = quarters(first, quarter_count)
    requests = [Request(code, dimensions=tuple(m.dimensions)) for code, m in MEASURES.items()]
    requests += [
        Request("unique_learners", Filters(learner_type="employee"), ("sex", "institution")),
        Request("offerings_run", Filters(program_kind="minor"), ("institution",)),
    ]
    expected = 0
    for source in {m.source for m in MEASURES.values()}:
        measure = next(m for m in MEASURES.values() if m.source == source)
        expected += 1 + len([d for d in measure.dimensions if not DIMENSIONS[d].of_learner])
    as_of = at(12, 31, year=2029)
    with django_assert_num_queries(expected):
        together = compute_many(requests, periods=periods, as_of=as_of)
    for request, results in zip(requests, together, strict=True):
        alone = compute(
            request.code,
            periods=periods,
            as_of=as_of,
            filters=request.filters,
            dimensions=request.dimensions,
        )
        assert results == alone, request


def test_reads_what_the_services_write(make_staff: Any) -> None:
    """An enrollment made and completed through enrollment.services, then moved in time."""
    offering = OfferingFactory(starts_on=date(2027, 3, 1))
    manager = make_staff(institution=offering.course.institution)
    learner = UserFactory(sex=User.Sex.FEMALE, sex_consent=True)
    enrollment = services.enrollment_create(learner=learner, offering=offering, actor=learner)
    services.enrollment_complete(
        enrollment=enrollment,
        actor=manager,
        result=services.Result(completed=True, hours=Decimal("24")),
    )
    first, second = EnrollmentEvent.objects.filter(enrollment=enrollment).order_by("at", "id")
    EnrollmentEvent.objects.filter(pk=first.pk).update(at=at(2, 15))
    EnrollmentEvent.objects.filter(pk=second.pk).update(at=at(5, 15))
    type(enrollment).objects.filter(pk=enrollment.pk).update(created_at=at(2, 15))

    q1, q2 = quarter_of(date(2027, 2, 1)), quarter_of(date(2027, 5, 1))
    as_of = at(7, 15)
    enrolled = compute("enrollments", periods=[q1, q2], as_of=as_of)
    assert [r.value for r in enrolled] == [1, 1]
    done = compute("completions", periods=[q1, q2], as_of=as_of)
    assert [r.value for r in done] == [0, 1]
    hours = compute("learning_hours", periods=[q1, q2], as_of=as_of, dimensions=["sex"])
    assert hours[1].value == Decimal("24")
    assert {b.key: b.value for b in hours[1].breakdowns["sex"]} == {"female": 24, "male": 0, "": 0}
    # As of the middle of March the course was not finished yet.
    assert compute("completions", periods=[q1, q2], as_of=at(3, 15))[1].value == 0
