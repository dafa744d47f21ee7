"""Row locks for enrollment changes, in one place and one order.

Every service that changes enrollments of an offering first locks that offering's row; two
writers of the same offering therefore take turns, and the seat and waitlist counters read
under the lock are exact. Order, always: the learner's row, then offerings by ascending id. A
fixed order means two transactions never wait on each other in a cycle (no deadlocks).

On SQLite, select_for_update() is a no-op: SQLite serialises writers on the whole database.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from courses.models import Offering


def _offerings() -> QuerySet[Offering]:
    # of=("self",) locks the offering row only, not the course, term and institution joined in.
    return Offering.objects.select_related("course__institution", "term").select_for_update(
        of=("self",)
    )


def lock_offering(offering_id: int) -> Offering:
    return _offerings().get(pk=offering_id)


def lock_learner_and_offering(learner_id: int, offering_id: int) -> tuple[Any, Offering]:
    """Lock a learner (their per-term limit spans offerings), then one offering."""
    learner = get_user_model().objects.select_for_update().get(pk=learner_id)
    return learner, lock_offering(offering_id)


def lock_offerings(*offering_ids: int) -> dict[int, Offering]:
    """Lock several offerings in ascending id order; returns them by id."""
    return {pk: lock_offering(pk) for pk in sorted(set(offering_ids))}


def lock_learner_and_offerings(
    learner_id: int, *offering_ids: int
) -> tuple[Any, dict[int, Offering]]:
    """Lock a learner, then several offerings in ascending id order (a move between two)."""
    learner = get_user_model().objects.select_for_update().get(pk=learner_id)
    return learner, lock_offerings(*offering_ids)
