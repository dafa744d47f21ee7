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

from config import rows
from courses.models import Course, Offering


def _offerings() -> QuerySet[Offering]:
    # of=("self",) locks the offering row only, not the course, term and institution joined in.
    return Offering.objects.select_related("course__institution", "term").select_for_update(
        of=("self",)
    )


def _related_loaded(offering: Offering) -> bool:
    course, term = Offering._meta.get_field("course"), Offering._meta.get_field("term")
    return (
        course.is_cached(offering)
        and term.is_cached(offering)
        and Course._meta.get_field("institution").is_cached(offering.course)
    )


def lock_offering(offering_id: int, *, known: Offering | None = None) -> Offering:
    """Lock one offering and read it under the lock, with its course, institution and term.

    `known`: the same offering as read before the lock with those three loaded. Then only the
    offering's own row is read (no joins to compile and send) and the three are taken from it:
    they are not locked either way, so reading them a moment earlier decides nothing
    differently. Everything the lock guards (counters, status, window) is on the offering row.
    """
    if known is None or not _related_loaded(known):
        return _offerings().get(pk=offering_id)
    offering = rows.by_pk(Offering, offering_id, lock=True)
    if (offering.course_id, offering.term_id) != (known.course_id, known.term_id):
        return _offerings().get(pk=offering_id)  # moved meanwhile: read them again
    offering.course, offering.term = known.course, known.term
    return offering


def lock_learner_and_offering(
    learner_id: int, offering_id: int, *, known: Offering | None = None
) -> tuple[Any, Offering]:
    """Lock a learner (their per-term limit spans offerings), then one offering."""
    learner = rows.by_pk(get_user_model(), learner_id, lock=True)
    return learner, lock_offering(offering_id, known=known)


def lock_offerings(*offering_ids: int) -> dict[int, Offering]:
    """Lock several offerings in ascending id order; returns them by id."""
    return {pk: lock_offering(pk) for pk in sorted(set(offering_ids))}


def lock_learner_and_offerings(
    learner_id: int, *offering_ids: int
) -> tuple[Any, dict[int, Offering]]:
    """Lock a learner, then several offerings in ascending id order (a move between two)."""
    learner = rows.by_pk(get_user_model(), learner_id, lock=True)
    return learner, lock_offerings(*offering_ids)
