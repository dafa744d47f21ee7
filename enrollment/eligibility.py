"""The rules a new enrollment must pass, checked under the offering's lock before any write."""

import functools
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import formats
from django.utils.translation import pgettext

from config import rows
from courses.models import Course, Offering, Prerequisite

from .exceptions import RuleViolation
from .models import LIVE, Enrollment, Status

ALREADY: dict[str, str] = {
    Status.ENROLLED: "already_enrolled",
    Status.WAITLISTED: "already_waitlisted",
    Status.PENDING: "already_pending",
    Status.OFFERED: "already_offered",
}


def check_offering_open(offering: Offering, *, now: datetime, check_window: bool) -> None:
    if offering.status == Offering.Status.CANCELLED:
        raise RuleViolation("offering_cancelled")
    if offering.status != Offering.Status.PUBLISHED:
        raise RuleViolation("offering_not_published")
    if not check_window:
        return
    if now < offering.enrollment_opens_at:
        raise RuleViolation(
            "enrollment_not_open_yet",
            opens_at=formats.date_format(offering.enrollment_opens_at, "DATETIME_FORMAT"),
        )
    if now >= offering.enrollment_closes_at:
        raise RuleViolation(
            "enrollment_closed",
            closes_at=formats.date_format(offering.enrollment_closes_at, "DATETIME_FORMAT"),
        )


def check_learner_may_enroll(
    *,
    learner: Any,
    offering: Offering,
    existing: str | None,
    now: datetime,
    check_window: bool = True,
    check_verified: bool = True,
) -> None:
    """Raise RuleViolation with a stable code for the first rule that refuses the learner.

    `existing`: the status of the learner's live enrollment in the offering, if any."""
    check_offering_open(offering, now=now, check_window=check_window)
    if existing is not None:
        raise RuleViolation(ALREADY[existing])
    if check_verified and learner.email_verified_at is None:
        raise RuleViolation("email_not_verified")
    if learner.learner_type not in offering.audience:
        raise RuleViolation("audience_not_allowed")
    institution = offering.course.institution
    if not offering.open_to_other_institutions and learner.home_institution_id != institution.pk:
        raise RuleViolation("other_institution_not_allowed")
    missing = missing_prerequisites(learner=learner, course=offering.course)
    if missing:
        separator = pgettext("separator between items of a list", ", ")
        titles = separator.join(str(course.title) for course in missing)
        raise RuleViolation("prerequisites_missing", courses=titles)
    limit = institution.max_enrollments_per_term
    if limit is not None:
        held = Enrollment.objects.filter(
            learner=learner, status__in=LIVE, offering__term_id=offering.term_id
        ).count()
        if held >= limit:
            raise RuleViolation("term_limit_reached", limit=limit)


@functools.cache
def _required_sql(vendor: str) -> str:
    """Prerequisite.objects.filter(course=...).values_list("required_course_id"), written once
    (config.rows): every enrollment asks, and building the query cost more than running it."""
    required, course = (
        rows.column(Prerequisite, "required_course"),
        rows.column(Prerequisite, "course"),
    )
    return f"SELECT {required} FROM {rows.table(Prerequisite)} WHERE {course} = %s"  # noqa: S608


def missing_prerequisites(*, learner: Any, course: Course) -> list[Course]:
    """Required courses the learner has not completed. One query for a course without
    prerequisites (most): which it has; then which the learner completed, then the missing."""
    with connection.cursor() as cursor:
        cursor.execute(_required_sql(connection.vendor), [course.pk])
        required = [pk for (pk,) in cursor.fetchall()]
    if not required:
        return []
    done = set(
        Enrollment.objects.filter(
            learner=learner, status=Status.COMPLETED, offering__course_id__in=required
        ).values_list("offering__course_id", flat=True)
    )
    missing = [pk for pk in required if pk not in done]
    courses = Course.objects.in_bulk(missing)
    return [courses[pk] for pk in missing]
