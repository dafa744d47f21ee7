"""The enrollment controls other apps' pages embed (the course page), without importing us."""

from collections.abc import Sequence
from typing import Any

from django import template
from django.utils import timezone

from courses.models import Offering
from enrollment.models import Enrollment, Status
from enrollment.selectors import learner_enrollments

register = template.Library()


@register.simple_tag(takes_context=True)
def my_enrollments(context: dict[str, Any], offerings: Sequence[Offering]) -> dict[int, Any]:
    """The signed-in learner's enrollments in these offerings, in one query."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return learner_enrollments(learner=user, offerings=list(offerings))


@register.inclusion_tag("enrollment/_panel.html", takes_context=True)
def enrollment_panel(
    context: dict[str, Any], offering: Offering, mine: dict[int, Enrollment]
) -> dict[str, Any]:
    now = timezone.now()
    enrollment = mine.get(offering.pk)
    live = enrollment if enrollment is not None and enrollment.is_live else None
    is_open = offering.is_open_for_enrollment(now)
    full = offering.seats_taken >= offering.capacity or offering.waitlist_length > 0
    return {
        "request": context.get("request"),
        "user": context.get("user"),
        "offering": offering,
        "enrollment": live,
        "ended": enrollment if live is None else None,
        "is_open": is_open,
        "full": full,
        "waitlist_open": offering.waitlist_length < offering.waitlist_capacity,
        "can_drop": live is not None
        and (live.status == Status.WAITLISTED or now <= offering.drop_deadline),
        "opens_later": offering.status == Offering.Status.PUBLISHED
        and now < offering.enrollment_opens_at,
    }
