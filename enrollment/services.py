"""Every change to enrollments. Each public function is one transaction.

The pattern, always: lock (enrollment.locks, fixed order) → re-read under the lock → check the
rules and the state machine → write the enrollment, its event, the offering's counters and the
news for notifications. A refused request raises before the first write, so it changes nothing.

When a seat frees, `_fill_free_seats` promotes the first in line in the same transaction.
"""

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from config import rows
from courses.models import Offering
from partners import webhooks
from partners.models import PartnerOrganisation
from partners.selectors import partner_owns_learner

from . import locks, news
from .eligibility import check_learner_may_enroll
from .exceptions import InvalidTransition, NotAllowed, RuleViolation
from .models import LIVE, SEAT_HOLDING, TRANSITIONS, Channel, Enrollment, EnrollmentEvent, Status
from .permissions import require_roster_manager

# How a move is named in "this enrollment is X; it cannot be <action>".
ACTIONS: dict[str, Any] = {
    Status.ENROLLED: _("enrolled"),
    Status.PENDING: _("sent for approval"),
    Status.WAITLISTED: _("waitlisted"),
    Status.OFFERED: _("offered a seat"),
    Status.COMPLETED: _("marked completed"),
    Status.NOT_COMPLETED: _("marked not completed"),
    Status.DROPPED: _("dropped"),
    Status.WITHDRAWN: _("withdrawn"),
    Status.REJECTED: _("rejected"),
    Status.CANCELLED: _("cancelled"),
    Status.EXPIRED: _("expired"),
    "accept": _("accepted"),
    "decline": _("declined"),
    "move": _("moved"),
}


# --- the state machine -------------------------------------------------------------------------


def _change(
    enrollment: Enrollment,
    offering: Offering,
    to: str,
    *,
    actor: Any,
    channel: str,
    reason: str = "",
    now: datetime | None = None,
    **fields: Any,
) -> Enrollment:
    """Move an enrollment to `to`: check the move, keep the counters, record event and news.

    The caller holds the offering's lock and saves the offering's counters afterwards.
    """
    now = now or timezone.now()
    before = enrollment.status if enrollment.pk else None
    if to not in TRANSITIONS.get(before, frozenset()):
        raise InvalidTransition(
            "invalid_transition",
            status=Status(before).label if before else "-",
            action=ACTIONS.get(to, to),
        )
    if to == Status.WAITLISTED:
        offering.last_queue_number += 1
        fields["queue_number"] = offering.last_queue_number
    if to != Status.OFFERED:
        fields.setdefault("offer_expires_at", None)
    for name, value in fields.items():
        setattr(enrollment, name, value)
    enrollment.status = to
    enrollment.save()
    offering.seats_taken += (to in SEAT_HOLDING) - (before in SEAT_HOLDING)
    offering.waitlist_length += (to == Status.WAITLISTED) - (before == Status.WAITLISTED)
    EnrollmentEvent.objects.create(
        enrollment=enrollment,
        actor=actor if getattr(actor, "pk", None) else None,
        at=now,
        from_status=before or "",
        to_status=to,
        reason=reason[:300],
        channel=channel,
    )
    news.tell(enrollment, offering, before=before, reason=reason)
    return enrollment


def _save_counts(offering: Offering) -> None:
    Offering.objects.filter(pk=offering.pk).update(
        seats_taken=offering.seats_taken,
        waitlist_length=offering.waitlist_length,
        last_queue_number=offering.last_queue_number,
        updated_at=timezone.now(),
    )


def _fill_free_seats(
    offering: Offering, *, actor: Any, channel: str, now: datetime
) -> list[Enrollment]:
    """Give free seats to the first in line: enrolled at once, awaiting approval, or offered.

    Runs under the offering's lock after anything that frees a seat. One pass per free seat.
    Returns the enrollments it moved.
    """
    promoted: list[Enrollment] = []
    while offering.seats_taken < offering.capacity and offering.waitlist_length > 0:
        first = (
            Enrollment.objects.waitlist()
            .filter(offering=offering)
            .select_related("learner")
            .first()
        )
        if first is None:  # counters and rows disagree: trust the rows
            offering.waitlist_length = 0
            break
        if offering.promote_by_offer:
            to, extra = (
                Status.OFFERED,
                {"offer_expires_at": now + timedelta(hours=offering.offer_claim_hours)},
            )
        elif offering.requires_approval:
            to, extra = Status.PENDING, {}
        else:
            to, extra = Status.ENROLLED, {}
        _change(
            first,
            offering,
            to,
            actor=None,
            channel=Channel.SYSTEM,
            reason="promoted from the waitlist",
            now=now,
            **extra,
        )
        promoted.append(first)
    return promoted


def _locked_enrollment(enrollment: Enrollment | int) -> tuple[Enrollment, Offering]:
    """Lock the enrollment's learner and offering, then re-read the enrollment under the lock."""
    pk = enrollment.pk if isinstance(enrollment, Enrollment) else enrollment
    ids = Enrollment.objects.filter(pk=pk).values_list("learner_id", "offering_id").first()
    if ids is None:
        raise Enrollment.DoesNotExist
    learner, offering = locks.lock_learner_and_offering(*ids)
    fresh = Enrollment.objects.get(pk=pk)
    fresh.learner = learner
    fresh.offering = offering
    return fresh, offering


# --- learners ----------------------------------------------------------------------------------


def _locked_own_enrollment(enrollment: Enrollment | int, actor: Any) -> tuple[Enrollment, Offering]:
    """Lock and re-read the enrollment; only its learner may act on it this way."""
    enrollment, offering = _locked_enrollment(enrollment)
    if actor is None or actor.pk != enrollment.learner_id:
        raise NotAllowed("not_your_enrollment")
    return enrollment, offering


def _locked_own_offer(
    enrollment: Enrollment | int, actor: Any, *, action: str
) -> tuple[Enrollment, Offering]:
    """As _locked_own_enrollment, for a seat held for the learner (accept or decline)."""
    enrollment, offering = _locked_own_enrollment(enrollment, actor)
    if enrollment.status != Status.OFFERED:
        raise InvalidTransition(
            "invalid_transition", status=Status(enrollment.status).label, action=ACTIONS[action]
        )
    return enrollment, offering


def _placement(offering: Offering, *, staff: bool) -> str:
    """Where a new enrollment goes: a seat if one is free and nobody waits, else the line.

    Staff enrolling someone imply approval. Raises offering_full / waitlist_full.
    """
    if offering.seats_taken < offering.capacity and offering.waitlist_length == 0:
        return Status.PENDING if offering.requires_approval and not staff else Status.ENROLLED
    if offering.waitlist_length < offering.waitlist_capacity:
        return Status.WAITLISTED
    if offering.waitlist_capacity == 0:
        raise RuleViolation("offering_full")
    raise RuleViolation("waitlist_full")


@functools.cache
def _live_status_sql(vendor: str) -> str:
    status, learner, offering = (
        rows.column(Enrollment, f) for f in ("status", "learner", "offering")
    )
    places = ", ".join(["%s"] * len(LIVE))
    return (
        f"SELECT {status} FROM {rows.table(Enrollment)} "  # noqa: S608 (names from meta)
        f"WHERE {learner} = %s AND {offering} = %s AND {status} IN ({places})"
    )


def live_status(learner_id: int, offering_id: int) -> str | None:
    """The status of the learner's live enrollment in the offering, if any (at most one: the
    enrollment_one_live_per_learner constraint). Enrollment.objects.filter(learner=...,
    offering=..., status__in=LIVE).values_list("status") in SQL written once (config.rows):
    every enrollment asks, and building the query cost more than running it."""
    with connection.cursor() as cursor:
        cursor.execute(
            _live_status_sql(connection.vendor), [learner_id, offering_id, *sorted(LIVE)]
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _check_new_enrollment(
    *,
    learner: Any,
    offering: Offering,
    actor: Any,
    partner: Any,
    channel: str,
    now: datetime,
) -> str:
    """Every check of enrollment_create, in its order, without writing: who acts, the rules,
    then seats and waitlist. Returns the state the new enrollment would start in."""
    on_behalf = actor is not None and actor.pk != learner.pk
    if partner is not None:
        # A partner acts for its own learners only, under the learner rules (window included);
        # it vouches for their identity, so no email verification.
        if not partner_owns_learner(partner, learner):
            raise NotAllowed("not_allowed")
        staff, check_verified = False, False
    else:
        staff = on_behalf
        if staff:
            require_roster_manager(actor, offering)
        check_verified = not staff and channel in (Channel.WEB, Channel.API)
    existing = live_status(learner.pk, offering.pk)
    check_learner_may_enroll(
        learner=learner,
        offering=offering,
        existing=existing,
        now=now,
        check_window=not staff,
        check_verified=check_verified,
    )
    return _placement(offering, staff=staff)


def check_enrollment(
    *,
    learner: Any,
    offering: Offering,
    actor: Any = None,
    partner: Any = None,
    channel: str = Channel.WEB,
    now: datetime | None = None,
) -> str:
    """Would enrollment_create accept this? The same checks, read-only and without locks.

    Returns the state the enrollment would start in (enrolled, pending or waitlisted), or raises
    the RuleViolation / NotAllowed that enrollment_create would raise. Seats and waitlist are
    judged from `offering`'s counters as passed (a caller simulating several rows may advance
    them); without the lock the answer can be overtaken by other writers, so it is advice.
    """
    return _check_new_enrollment(
        learner=learner,
        offering=offering,
        actor=actor,
        partner=partner,
        channel=Channel.PARTNER if partner is not None else channel,
        now=now or timezone.now(),
    )


@transaction.atomic
def enrollment_create(
    *,
    learner: Any,
    offering: Offering,
    actor: Any = None,
    channel: str = Channel.WEB,
    reason: str = "",
    partner: PartnerOrganisation | None = None,
    read_now: bool = False,
) -> Enrollment:
    """Enroll `learner`: a seat if one is free and nobody waits, else a place in line.

    `actor` is the learner themselves (or None) for self-enrollment. Staff enrolling someone
    else need the roster permission; for them the enrollment window and email check do not
    apply and approval is implied. With `partner`, the actor is the partner's service account
    (by default): the learner must be one of the partner's (checked under the lock), every
    learner rule applies including the window, the email check does not, and the channel is
    `partner`. Raises RuleViolation (waitlist_full, audience_not_allowed...) or NotAllowed
    before any write.

    `read_now`: `offering` was read in this request with its course, institution and term
    (the API): those are kept, and only the offering's row is read under the lock. Otherwise
    (a batch reads its offerings once for minutes of rows) all four are read under the lock.
    """
    now = timezone.now()
    if partner is not None:
        actor, channel = actor or partner.service_user, Channel.PARTNER
    learner, offering = locks.lock_learner_and_offering(
        learner.pk, offering.pk, known=offering if read_now else None
    )
    to = _check_new_enrollment(
        learner=learner, offering=offering, actor=actor, partner=partner, channel=channel, now=now
    )
    enrollment = Enrollment(learner=learner, offering=offering, channel=channel, created_at=now)
    _change(
        enrollment, offering, to, actor=actor or learner, channel=channel, reason=reason, now=now
    )
    promoted = _fill_free_seats(offering, actor=actor, channel=channel, now=now)
    _save_counts(offering)
    # Seats free behind a line: the new place may have been promoted at once (another object).
    return next((row for row in promoted if row.pk == enrollment.pk), enrollment)


@transaction.atomic
def enrollment_drop(
    *, enrollment: Enrollment | int, actor: Any, channel: str = Channel.WEB, reason: str = ""
) -> Enrollment:
    """The learner leaves: a seat (before the drop deadline), the waitlist or an offered seat."""
    now = timezone.now()
    enrollment, offering = _locked_own_enrollment(enrollment, actor)
    if enrollment.status in (Status.PENDING, Status.ENROLLED) and now > offering.drop_deadline:
        raise RuleViolation(
            "drop_deadline_passed",
            deadline=formats.date_format(offering.drop_deadline, "DATETIME_FORMAT"),
        )
    _change(
        enrollment, offering, Status.DROPPED, actor=actor, channel=channel, reason=reason, now=now
    )
    _fill_free_seats(offering, actor=actor, channel=channel, now=now)
    _save_counts(offering)
    return enrollment


@transaction.atomic
def enrollment_accept_offer(
    *, enrollment: Enrollment | int, actor: Any, channel: str = Channel.WEB
) -> Enrollment:
    """The learner takes the seat held for them, before the claim deadline."""
    now = timezone.now()
    enrollment, offering = _locked_own_offer(enrollment, actor, action="accept")
    if enrollment.offer_expires_at and enrollment.offer_expires_at <= now:
        raise RuleViolation("offer_expired")
    to = Status.PENDING if offering.requires_approval else Status.ENROLLED
    _change(
        enrollment, offering, to, actor=actor, channel=channel, reason="offer accepted", now=now
    )
    _save_counts(offering)
    return enrollment


@transaction.atomic
def enrollment_decline_offer(
    *, enrollment: Enrollment | int, actor: Any, channel: str = Channel.WEB
) -> Enrollment:
    """The learner turns the held seat down; the next in line gets it."""
    now = timezone.now()
    enrollment, offering = _locked_own_offer(enrollment, actor, action="decline")
    _change(
        enrollment,
        offering,
        Status.DROPPED,
        actor=actor,
        channel=channel,
        reason="offer declined",
        now=now,
    )
    _fill_free_seats(offering, actor=actor, channel=channel, now=now)
    _save_counts(offering)
    return enrollment


# --- staff -------------------------------------------------------------------------------------


def _staff_change(
    enrollment: Enrollment | int,
    to: str,
    *,
    actor: Any,
    channel: str,
    reason: str,
    allowed_from: Iterable[str],
    partner: Any = None,
    **fields: Any,
) -> Enrollment:
    now = timezone.now()
    enrollment, offering = _locked_enrollment(enrollment)
    if partner is not None:
        if not partner_owns_learner(partner, enrollment.learner):
            raise NotAllowed("not_allowed")
    else:
        require_roster_manager(actor, offering)
    if enrollment.status not in set(allowed_from):
        raise InvalidTransition(
            "invalid_transition", status=Status(enrollment.status).label, action=ACTIONS[to]
        )
    _change(
        enrollment, offering, to, actor=actor, channel=channel, reason=reason, now=now, **fields
    )
    _fill_free_seats(offering, actor=actor, channel=channel, now=now)
    _save_counts(offering)
    return enrollment


@transaction.atomic
def enrollment_withdraw(
    *,
    enrollment: Enrollment | int,
    actor: Any,
    channel: str = Channel.WEB,
    reason: str = "",
    partner: PartnerOrganisation | None = None,
) -> Enrollment:
    """Staff (or a partner) take a learner out of an offering, seat or waitlist.

    Staff need the roster permission. With `partner`, the learner must be the partner's instead
    (checked under the lock), the actor is its service account by default and the channel is
    `partner`.
    """
    if partner is not None:
        actor, channel = actor or partner.service_user, Channel.PARTNER
    return _staff_change(
        enrollment,
        Status.WITHDRAWN,
        actor=actor,
        channel=channel,
        reason=reason,
        allowed_from=LIVE,
        partner=partner,
    )


@transaction.atomic
def enrollment_approve(
    *, enrollment: Enrollment | int, actor: Any, channel: str = Channel.WEB, reason: str = ""
) -> Enrollment:
    return _staff_change(
        enrollment,
        Status.ENROLLED,
        actor=actor,
        channel=channel,
        reason=reason,
        allowed_from={Status.PENDING},
    )


@transaction.atomic
def enrollment_reject(
    *, enrollment: Enrollment | int, actor: Any, channel: str = Channel.WEB, reason: str = ""
) -> Enrollment:
    return _staff_change(
        enrollment,
        Status.REJECTED,
        actor=actor,
        channel=channel,
        reason=reason,
        allowed_from={Status.PENDING},
    )


@dataclass(frozen=True)
class Result:
    """A completion result for one enrollment."""

    completed: bool
    score: Decimal | None = None
    grade: str = ""
    hours: Decimal | None = None


def _checked_result(result: Result) -> Result:
    try:
        score = None if result.score in (None, "") else Decimal(str(result.score))
        hours = None if result.hours in (None, "") else Decimal(str(result.hours))
    except (InvalidOperation, ValueError) as error:
        raise RuleViolation("invalid_result") from error
    if score is not None and not (0 <= score <= 100):
        raise RuleViolation("invalid_result")
    if hours is not None and not (0 <= hours <= 1000):
        raise RuleViolation("invalid_result")
    return Result(result.completed, score, (result.grade or "")[:10], hours)


COMPLETABLE = {Status.ENROLLED, Status.COMPLETED, Status.NOT_COMPLETED}
MAX_CAPACITY = 100_000


@transaction.atomic
def enrollment_complete(
    *, enrollment: Enrollment | int, actor: Any, result: Result, channel: str = Channel.WEB
) -> Enrollment:
    """Record a learner's result: completed (with score or grade and hours) or not completed."""
    result = _checked_result(result)
    to = Status.COMPLETED if result.completed else Status.NOT_COMPLETED
    return _staff_change(
        enrollment,
        to,
        actor=actor,
        channel=channel,
        reason="result recorded",
        allowed_from=COMPLETABLE,
        score=result.score,
        grade=result.grade,
        hours_completed=result.hours,
    )


@transaction.atomic
def enrollments_complete(
    *,
    offering: Offering,
    actor: Any,
    results: dict[Any, Result],
    channel: str = Channel.WEB,
) -> list[Enrollment]:
    """Record results for many enrollments of one offering at once (a roster of hundreds).

    `results` maps enrollment public ids to results. All or nothing: an unknown id, another
    offering's enrollment, a wrong state or a bad value refuses the whole batch. A constant
    number of queries whatever the roster size.
    """
    now = timezone.now()
    offering = locks.lock_offering(offering.pk)
    require_roster_manager(actor, offering)
    checked = {str(key): _checked_result(result) for key, result in results.items()}
    rows = list(
        Enrollment.objects.filter(offering=offering, public_id__in=list(checked)).select_related(
            "learner"
        )
    )
    if len(rows) != len(checked):
        raise NotAllowed("not_allowed")
    events, updated = [], []
    for row in rows:
        result = checked[str(row.public_id)]
        to = Status.COMPLETED if result.completed else Status.NOT_COMPLETED
        if row.status not in COMPLETABLE or to not in TRANSITIONS[row.status]:
            raise InvalidTransition(
                "invalid_transition", status=Status(row.status).label, action=ACTIONS[to]
            )
        before = row.status
        row.status, row.score, row.grade = to, result.score, result.grade
        row.hours_completed, row.updated_at = result.hours, now
        offering.seats_taken -= before in SEAT_HOLDING
        events.append(
            EnrollmentEvent(
                enrollment=row,
                actor=actor,
                at=now,
                from_status=before,
                to_status=to,
                reason="result recorded",
                channel=channel,
            )
        )
        updated.append((row, before))
    Enrollment.objects.bulk_update(
        rows, ["status", "score", "grade", "hours_completed", "updated_at"], batch_size=500
    )
    EnrollmentEvent.objects.bulk_create(events, batch_size=500)
    news.tell_many(updated, offering, "result recorded")
    _save_counts(offering)
    return rows


@transaction.atomic
def enrollment_move(
    *, enrollment: Enrollment | int, to_offering: Offering, actor: Any, channel: str = Channel.WEB
) -> Enrollment:
    """Move a learner to another offering of the same course: a seat there, theirs freed here.

    Staff only; the target must have a free seat. Returns the new enrollment.
    """
    now = timezone.now()
    pk = enrollment.pk if isinstance(enrollment, Enrollment) else enrollment
    ids = Enrollment.objects.filter(pk=pk).values_list("learner_id", "offering_id").first()
    if ids is None:
        raise Enrollment.DoesNotExist
    learner_id, source_id = ids
    if source_id == to_offering.pk:
        raise RuleViolation("same_offering")
    learner, offerings = locks.lock_learner_and_offerings(learner_id, source_id, to_offering.pk)
    source, target = offerings[source_id], offerings[to_offering.pk]
    require_roster_manager(actor, source)
    require_roster_manager(actor, target)
    current = Enrollment.objects.get(pk=pk)
    current.learner, current.offering = learner, source
    if current.status not in LIVE:
        raise InvalidTransition(
            "invalid_transition", status=Status(current.status).label, action=ACTIONS["move"]
        )
    if source.course_id != target.course_id:
        raise RuleViolation("not_same_course")
    if target.status != Offering.Status.PUBLISHED:
        raise RuleViolation(
            "offering_cancelled"
            if target.status == Offering.Status.CANCELLED
            else "offering_not_published"
        )
    if Enrollment.objects.filter(learner=learner, offering=target, status__in=LIVE).exists():
        raise RuleViolation("already_enrolled")
    if target.seats_taken >= target.capacity or target.waitlist_length > 0:
        raise RuleViolation("offering_full")
    label = f"{target.term.code} {target.section}"
    _change(
        current,
        source,
        Status.WITHDRAWN,
        actor=actor,
        channel=channel,
        reason=f"moved to {label}",
        now=now,
    )
    moved = Enrollment(learner=learner, offering=target, channel=channel, created_at=now)
    _change(
        moved,
        target,
        Status.ENROLLED,
        actor=actor,
        channel=channel,
        reason=f"moved from {source.term.code} {source.section}",
        now=now,
    )
    _fill_free_seats(source, actor=actor, channel=channel, now=now)
    _save_counts(source)
    _save_counts(target)
    return moved


# --- offerings ---------------------------------------------------------------------------------


@transaction.atomic
def offering_change_capacity(
    *, offering: Offering, capacity: int, actor: Any, channel: str = Channel.WEB
) -> Offering:
    """Set the number of seats. Never below the seats taken; raising it promotes the line."""
    now = timezone.now()
    offering = locks.lock_offering(offering.pk)
    require_roster_manager(actor, offering)
    if not 0 <= capacity <= MAX_CAPACITY:
        raise RuleViolation("invalid_capacity", most=MAX_CAPACITY)
    if capacity < offering.seats_taken:
        raise RuleViolation("capacity_below_taken", taken=offering.seats_taken)
    offering.capacity = capacity
    Offering.objects.filter(pk=offering.pk).update(capacity=capacity)
    _fill_free_seats(offering, actor=actor, channel=channel, now=now)
    _save_counts(offering)
    webhooks.emit_to_all("offering.updated", news.offering_resource(offering))
    return offering


@transaction.atomic
def offering_cancel(
    *, offering: Offering, actor: Any, reason: str = "", channel: str = Channel.WEB
) -> Offering:
    """Cancel an offering: every live enrollment ends as cancelled and each learner is told."""
    now = timezone.now()
    offering = locks.lock_offering(offering.pk)
    require_roster_manager(actor, offering)
    if offering.status not in (Offering.Status.DRAFT, Offering.Status.PUBLISHED):
        raise InvalidTransition("offering_not_cancellable", status=offering.get_status_display())
    live = list(offering.enrollments.filter(status__in=LIVE).select_related("learner"))
    events, moves = [], []
    why = reason[:300] or "offering cancelled"
    for row in live:
        events.append(
            EnrollmentEvent(
                enrollment=row,
                actor=actor,
                at=now,
                from_status=row.status,
                to_status=Status.CANCELLED,
                reason=why,
                channel=channel,
            )
        )
        moves.append((row, row.status))
        row.status, row.offer_expires_at, row.updated_at = Status.CANCELLED, None, now
    Enrollment.objects.bulk_update(live, ["status", "offer_expires_at", "updated_at"])
    EnrollmentEvent.objects.bulk_create(events)
    news.tell_many(moves, offering, why)
    offering.status = Offering.Status.CANCELLED
    offering.seats_taken = offering.waitlist_length = 0
    Offering.objects.filter(pk=offering.pk).update(status=Offering.Status.CANCELLED)
    _save_counts(offering)
    webhooks.emit_to_all("offering.cancelled", news.offering_resource(offering))
    return offering


# --- the periodic job --------------------------------------------------------------------------


def expire_lapsed_offers(*, now: datetime | None = None) -> int:
    """Release seats whose claim window closed and offer them to the next in line.

    Safe to run twice or late: each offering is handled in its own transaction under its lock,
    and only offers still lapsed at that moment are touched. Returns how many expired.
    """
    now = now or timezone.now()
    offering_ids = (
        Enrollment.objects.filter(status=Status.OFFERED, offer_expires_at__lte=now)
        .values_list("offering_id", flat=True)
        .distinct()
    )
    expired = 0
    for offering_id in list(offering_ids):
        with transaction.atomic():
            offering = locks.lock_offering(offering_id)
            lapsed = offering.enrollments.filter(
                status=Status.OFFERED, offer_expires_at__lte=now
            ).select_related("learner")
            for row in lapsed:
                _change(
                    row,
                    offering,
                    Status.EXPIRED,
                    actor=None,
                    channel=Channel.SYSTEM,
                    reason="claim window closed",
                    now=now,
                )
                expired += 1
            _fill_free_seats(offering, actor=None, channel=Channel.SYSTEM, now=now)
            _save_counts(offering)
    return expired


def close_started_waitlists(*, today: Any = None) -> int:
    """When an offering starts, nobody is still waiting: its waitlist ends as expired."""
    today = today or timezone.localdate()
    offering_ids = Offering.objects.filter(starts_on__lte=today, waitlist_length__gt=0).values_list(
        "pk", flat=True
    )
    closed = 0
    for offering_id in list(offering_ids):
        with transaction.atomic():
            offering = locks.lock_offering(offering_id)
            for row in offering.enrollments.waitlist().select_related("learner"):
                _change(
                    row,
                    offering,
                    Status.EXPIRED,
                    actor=None,
                    channel=Channel.SYSTEM,
                    reason="offering started",
                )
                closed += 1
            _save_counts(offering)
    return closed
