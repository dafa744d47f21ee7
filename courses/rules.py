"""Access rules for the catalog; see institutions.rules for how a rule answers."""

from typing import Any

from django.db.models import Q

from institutions.rules import InstitutionRule

from .models import Offering

PROGRAM = InstitutionRule("institution")
COURSE = InstitutionRule("institution")
TERM = InstitutionRule("institution")
OFFERING = InstitutionRule("course__institution")

PUBLIC_OFFERING_STATUSES = (
    Offering.Status.PUBLISHED,
    Offering.Status.CANCELLED,
    Offering.Status.ARCHIVED,
)


def offerings_visible_on_pages(user: Any) -> Q:
    """Everyone sees offerings once published; the owner's staff also see drafts."""
    public = Q(status__in=PUBLIC_OFFERING_STATUSES)
    if getattr(user, "is_authenticated", False):
        return public | OFFERING.visible(user)
    return public
