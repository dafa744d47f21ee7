"""Reads of enrollments for pages and exports, each a bounded number of queries."""

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from courses.models import Offering
from courses.rules import OFFERING
from institutions.rules import is_superuser

from .models import LIVE, Enrollment, Status


def learner_enrollments(*, learner: Any, offerings: Sequence[Offering]) -> dict[int, Enrollment]:
    """The learner's latest enrollment in each of these offerings, with waitlist positions."""
    if not getattr(learner, "is_authenticated", False) or not offerings:
        return {}
    rows = (
        Enrollment.objects.filter(learner=learner, offering__in=[o.pk for o in offerings])
        .with_position()
        .order_by("offering_id", "-created_at")
    )
    latest: dict[int, Enrollment] = {}
    for row in rows:
        latest.setdefault(row.offering_id, row)
    return latest


def my_learning(*, learner: Any) -> QuerySet[Enrollment]:
    """All of a learner's enrollments, live first, with offering, course and owner."""
    return (
        Enrollment.objects.filter(learner=learner)
        .with_position()
        .select_related("offering__course__institution", "offering__term")
        .order_by("-updated_at")
    )


def roster(*, offering: Offering, statuses: Sequence[str] = tuple(LIVE)) -> QuerySet[Enrollment]:
    """An offering's enrollments in the given states, waitlist in line order, with learners."""
    return (
        offering.enrollments.filter(status__in=statuses)
        .select_related("learner__home_institution")
        .with_position()
        .order_by("status", "queue_number", "created_at")
    )


def waitlist(*, offering: Offering) -> QuerySet[Enrollment]:
    return roster(offering=offering, statuses=[Status.WAITLISTED]).order_by("queue_number")


def sibling_offerings(*, offering: Offering) -> QuerySet[Offering]:
    """Other published offerings of the same course: where a learner can be moved."""
    return (
        Offering.objects.filter(course_id=offering.course_id, status=Offering.Status.PUBLISHED)
        .exclude(pk=offering.pk)
        .select_related("term")
        .order_by("-term__starts_on", "section")
    )


def managed_offerings(*, user: Any) -> QuerySet[Offering]:
    """Offerings whose roster this user runs: their institutions' catalog, or what they teach."""
    offerings = Offering.objects.all()
    if not is_superuser(user):
        taught = Offering.objects.filter(instructors=user).values("pk")
        offerings = offerings.filter(OFFERING.changeable(user) | Q(pk__in=taught))
    return offerings.select_related("course__institution", "term").order_by(
        "-term__starts_on", "course__code", "section"
    )
