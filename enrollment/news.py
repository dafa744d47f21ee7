"""What the platform tells about enrollment changes: the learner, the staff and the partners.

Messages (notifications.services.publish) and webhook events (partners.webhooks) are written
in the transaction of the change. This module also holds the scheduled news: offers about to
lapse, courses starting soon, and the staff's daily digest. Each job is safe to run twice or late.
"""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from courses.models import Offering
from institutions.models import StaffMembership
from notifications.services import publish, publish_each
from partners import webhooks

from .models import LIVE, SEAT_HOLDING, Enrollment, EnrollmentEvent, Status


def message_data(
    enrollment: Enrollment, offering: Offering, *, before: str | None, reason: str
) -> dict[str, Any]:
    """What a message about this change needs, so notifications never reads our models."""
    course = offering.course
    learner = enrollment.learner
    return {
        "enrollment": str(enrollment.public_id),
        "offering": str(offering.public_id),
        "learner": str(learner.public_id),
        "learner_name": learner.display_name,
        "learner_email": learner.email,
        "course_code": course.code,
        "course_title_zh": course.title_zh,
        "course_title_en": course.title_en,
        "institution_code": course.institution.code,
        "term_code": offering.term.code,
        "section": offering.section,
        "starts_on": offering.starts_on.isoformat(),
        "location_zh": offering.location_zh,
        "location_en": offering.location_en,
        "schedule_zh": offering.schedule_zh,
        "schedule_en": offering.schedule_en,
        "from_status": before or "",
        "status": enrollment.status,
        "waitlist_position": offering.waitlist_length
        if enrollment.status == Status.WAITLISTED
        else None,
        "offer_expires_at": enrollment.offer_expires_at.isoformat()
        if enrollment.offer_expires_at
        else None,
        "hours_completed": str(enrollment.hours_completed)
        if enrollment.hours_completed is not None
        else None,
        "grade": enrollment.grade,
        "reason": reason,
    }


def event_name(status: str, before: str | None) -> str:
    """The notification event for a move: `enrollment.<status>`, with three moves named apart."""
    if before == Status.WAITLISTED and status in SEAT_HOLDING and status != Status.OFFERED:
        return "enrollment.promoted"
    if before == Status.PENDING and status == Status.ENROLLED:
        return "enrollment.approved"
    return f"enrollment.{status}"


# Webhook types (DESIGN.md §4) for notification events; the rest are not sent to partners.
WEBHOOK_TYPES = {
    "enrollment.enrolled": "enrollment.created",
    "enrollment.pending": "enrollment.created",
    "enrollment.approved": "enrollment.approved",
    "enrollment.rejected": "enrollment.rejected",
    "enrollment.waitlisted": "enrollment.waitlisted",
    "enrollment.offered": "enrollment.offered",
    "enrollment.promoted": "enrollment.promoted",
    "enrollment.dropped": "enrollment.dropped",
    "enrollment.withdrawn": "enrollment.withdrawn",
    "enrollment.completed": "enrollment.completed",
    "enrollment.not_completed": "enrollment.completed",
    "enrollment.expired": "enrollment.expired",
    "enrollment.cancelled": "enrollment.cancelled",
}


def webhook_type(event: str, before: str | None) -> str | None:
    if event == "enrollment.enrolled" and before == Status.OFFERED:
        return "enrollment.promoted"  # a claimed offer: the seat is now theirs
    return WEBHOOK_TYPES.get(event)


def enrollment_resource(
    enrollment: Enrollment, offering: Offering, before: str | None
) -> dict[str, Any]:
    """The enrollment as the API shows it (GET /api/v1/enrollments/{id}/), for webhooks."""
    course, learner = offering.course, enrollment.learner
    return {
        "enrollment": {
            "id": str(enrollment.public_id),
            "learner": {
                "id": str(learner.public_id),
                "display_name": learner.display_name,
                "email": learner.email,
            },
            "offering": {
                "id": str(offering.public_id),
                "course_code": course.code,
                "course_title_zh": course.title_zh,
                "course_title_en": course.title_en,
                "term_code": offering.term.code,
                "section": offering.section,
                "institution": course.institution.code,
            },
            "status": enrollment.status,
            "previous_status": before or None,
            "position": offering.waitlist_length
            if enrollment.status == Status.WAITLISTED
            else None,
            "offer_expires_at": _iso(enrollment.offer_expires_at),
            "score": str(enrollment.score) if enrollment.score is not None else None,
            "grade": enrollment.grade,
            "hours_completed": str(enrollment.hours_completed)
            if enrollment.hours_completed is not None
            else None,
            "channel": enrollment.channel,
            "created_at": _iso(enrollment.created_at),
            "updated_at": _iso(enrollment.updated_at),
        }
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def tell(enrollment: Enrollment, offering: Offering, *, before: str | None, reason: str) -> None:
    data = message_data(enrollment, offering, before=before, reason=reason)
    event = event_name(enrollment.status, before)
    publish(event=event, recipients=[enrollment.learner_id], data=data)
    if enrollment.status == Status.PENDING:
        publish(event="enrollment.pending_approval", recipients=approvers(offering), data=data)
    hook = webhook_type(event, before)
    if hook:
        webhooks.emit_for_learners(
            hook, [(enrollment.learner_id, enrollment_resource(enrollment, offering, before))]
        )


def approvers(offering: Offering) -> list[int]:
    """Who hears of a request to approve: the instructors, or else the course's managers."""
    staff = list(offering.instructors.values_list("pk", flat=True))
    if not staff:
        staff = list(
            StaffMembership.objects.filter(
                institution_id=offering.course.institution_id, role__in=DIGEST_ROLES
            ).values_list("user_id", flat=True)
        )
    return staff


def tell_many(rows: list[tuple[Enrollment, str]], offering: Offering, reason: str) -> None:
    """News for many moves on one offering at once: a bounded number of queries."""
    publish_each(
        (
            event_name(row.status, before),
            row.learner_id,
            message_data(row, offering, before=before, reason=reason),
        )
        for row, before in rows
    )
    by_type: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for row, before in rows:
        hook = webhook_type(event_name(row.status, before), before)
        if hook:
            by_type.setdefault(hook, []).append(
                (row.learner_id, enrollment_resource(row, offering, before))
            )
    for hook, items in by_type.items():
        webhooks.emit_for_learners(hook, items)


def offering_resource(offering: Offering) -> dict[str, Any]:
    course = offering.course
    return {
        "offering": {
            "id": str(offering.public_id),
            "course_code": course.code,
            "course_title_zh": course.title_zh,
            "course_title_en": course.title_en,
            "institution": course.institution.code,
            "term_code": offering.term.code,
            "section": offering.section,
            "status": offering.status,
            "starts_on": offering.starts_on.isoformat(),
            "ends_on": offering.ends_on.isoformat(),
            "schedule_zh": offering.schedule_zh,
            "schedule_en": offering.schedule_en,
            "delivery_mode": offering.delivery_mode,
            "location_zh": offering.location_zh,
            "location_en": offering.location_en,
            "capacity": offering.capacity,
            "seats_left": offering.seats_left,
            "waitlist_length": offering.waitlist_length,
        }
    }


# --- an offering changed ------------------------------------------------------------------------

# Changes a learner plans around; status changes go to partners only (cancelling tells learners
# through enrollment.cancelled).
FOR_LEARNERS = ("starts_on", "ends_on", "schedule", "delivery_mode", "location")


def offering_changed(offering: Offering, changes: dict[str, tuple[Any, Any]], **_: Any) -> None:
    """Receiver of courses.signals.offering_changed, inside the save's transaction."""
    grouped: dict[str, list[Any]] = {}
    for name, (old, new) in changes.items():
        if name.endswith(("_zh", "_en")):
            key, language = name[:-3], name[-2:]
            pair = grouped.setdefault(key, [_both(offering, key), _both(offering, key)])
            pair[0] = {**pair[0], language: old}
        else:
            grouped[name] = [_plain(old), _plain(new)]
    if offering.status == Offering.Status.PUBLISHED:
        told = {k: v for k, v in grouped.items() if k in FOR_LEARNERS}
        if told:
            _tell_learners_of_change(offering, told)
    if offering.status != Offering.Status.DRAFT or "status" in changes:
        webhooks.emit_to_all("offering.updated", offering_resource(offering))


def _both(offering: Offering, key: str) -> dict[str, str]:
    return {"zh": getattr(offering, f"{key}_zh"), "en": getattr(offering, f"{key}_en")}


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def offering_facts(offering: Offering) -> dict[str, Any]:
    """What every message about an offering names: the course, the term and section, the start."""
    course = offering.course
    return {
        "offering": str(offering.public_id),
        "course_code": course.code,
        "course_title_zh": course.title_zh,
        "course_title_en": course.title_en,
        "term_code": offering.term.code,
        "section": offering.section,
        "starts_on": offering.starts_on.isoformat(),
    }


def _tell_learners_of_change(offering: Offering, changes: dict[str, list[Any]]) -> None:
    data = {
        **offering_facts(offering),
        "changes": changes,
    }
    learners = offering.enrollments.filter(status__in=LIVE).values_list("learner_id", flat=True)
    publish(event="offering.changed", recipients=list(learners), data=data)


# --- scheduled news -----------------------------------------------------------------------------


def warn_expiring_offers(*, now: datetime | None = None, within: timedelta | None = None) -> int:
    """Tell learners whose seat offer lapses within 12 hours, once per offer.

    An offer made less than an hour before this warning would be due is left alone: its own
    message, with the deadline, has only just gone out.
    """
    now = now or timezone.now()
    within = within or timedelta(hours=12)
    rows = list(
        Enrollment.objects.filter(
            status=Status.OFFERED, offer_expires_at__gt=now, offer_expires_at__lte=now + within
        ).select_related("learner", "offering__course__institution", "offering__term")
    )
    items, keys = [], []
    for row in rows:
        offered = row.offering.offer_claim_hours
        if offered and timedelta(hours=offered) - within < timedelta(hours=1):
            continue
        data = message_data(row, row.offering, before=Status.OFFERED, reason="")
        items.append(("enrollment.offer_expiring", row.learner_id, data))
        keys.append(f"offer-expiring:{row.public_id}:{data['offer_expires_at']}")
    with transaction.atomic():
        return len(publish_each(items, dedupe_keys=keys))


def remind_starting_courses(*, today: Any = None) -> int:
    """Remind learners with a seat of a course starting in 3 days, and again the day before.

    A run that comes late still sends the reminder that fits the days left (the 3-day one up to
    two days before), and a second run sends nothing new.
    """
    today = today or timezone.localdate()
    rows = list(
        Enrollment.objects.filter(
            status__in=(Status.ENROLLED, Status.PENDING),
            offering__status=Offering.Status.PUBLISHED,
            offering__starts_on__gt=today,
            offering__starts_on__lte=today + timedelta(days=3),
        ).select_related("learner", "offering__course__institution", "offering__term")
    )
    items, keys = [], []
    for row in rows:
        days_left = (row.offering.starts_on - today).days
        which = 3 if days_left >= 2 else 1
        data = message_data(row, row.offering, before=row.status, reason="")
        data["days_left"] = days_left
        items.append(("offering.starts_soon", row.learner_id, data))
        keys.append(f"starts:{which}:{row.public_id}")
    with transaction.atomic():
        return len(publish_each(items, dedupe_keys=keys))


DIGEST_ROLES = (StaffMembership.Role.ADMIN, StaffMembership.Role.COURSE_MANAGER)


def send_daily_digests(*, now: datetime | None = None) -> int:
    """One message per staff member with each roster of theirs that changed in the last day.

    Course managers and institution admins hear of every offering of their institution;
    instructors of their own offerings. The key is the day, so a second run sends nothing.
    """
    now = now or timezone.now()
    day = timezone.localdate(now)
    since = now - timedelta(days=1)
    counts = (
        EnrollmentEvent.objects.filter(at__gte=since, at__lt=now)
        .values("enrollment__offering_id")
        .annotate(
            enrolled=Count("pk", filter=Q(to_status__in=[Status.ENROLLED, Status.PENDING])),
            waitlisted=Count("pk", filter=Q(to_status=Status.WAITLISTED)),
            left=Count(
                "pk",
                filter=Q(
                    to_status__in=[
                        Status.DROPPED,
                        Status.WITHDRAWN,
                        Status.CANCELLED,
                        Status.EXPIRED,
                        Status.REJECTED,
                    ]
                ),
            ),
        )
    )
    changed: dict[int, dict[str, Any]] = {
        row["enrollment__offering_id"]: dict(row) for row in counts
    }
    if not changed:
        return 0
    offerings = {
        o.pk: o
        for o in Offering.objects.filter(pk__in=list(changed))
        .select_related("course__institution", "term")
        .annotate(pending=Count("enrollments", filter=Q(enrollments__status=Status.PENDING)))
    }
    by_institution: dict[int, list[int]] = {}
    for offering in offerings.values():
        by_institution.setdefault(offering.course.institution_id, []).append(offering.pk)
    recipients: dict[int, set[int]] = {}
    for user_id, institution_id in StaffMembership.objects.filter(
        institution_id__in=list(by_institution), role__in=DIGEST_ROLES
    ).values_list("user_id", "institution_id"):
        recipients.setdefault(user_id, set()).update(by_institution[institution_id])
    for user_id, offering_id in Offering.instructors.through.objects.filter(
        offering_id__in=list(offerings)
    ).values_list("user_id", "offering_id"):
        recipients.setdefault(user_id, set()).add(offering_id)
    items, keys = [], []
    for user_id, offering_ids in recipients.items():
        rows = [_digest_row(offerings[pk], changed[pk]) for pk in sorted(offering_ids)]
        items.append(("digest.daily", user_id, {"day": day.isoformat(), "offerings": rows}))
        keys.append(f"digest:{day.isoformat()}")
    with transaction.atomic():
        return len(publish_each(items, dedupe_keys=keys))


def _digest_row(offering: Any, counts: dict[str, Any]) -> dict[str, Any]:
    return {
        **offering_facts(offering),
        "counts": {k: counts[k] for k in ("enrolled", "waitlisted", "left")},
        "pending": offering.pending,
        "seats_taken": offering.seats_taken,
        "capacity": offering.capacity,
    }


# --- announcements from course staff --------------------------------------------------------------

ANNOUNCEMENT_SUBJECT_MAX = 120
ANNOUNCEMENT_BODY_MAX = 2000


def offering_announce(*, offering: Offering, actor: Any, subject: str, body: str) -> int:
    """Staff write to everyone holding or waiting for a place. Returns how many will hear.

    An announcement is optional mail (learners may turn announcements off) and waits out the
    night; it always reaches the inbox.
    """
    from .exceptions import RuleViolation
    from .permissions import require_roster_manager

    require_roster_manager(actor, offering)
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise RuleViolation("announcement_empty")
    if len(subject) > ANNOUNCEMENT_SUBJECT_MAX or len(body) > ANNOUNCEMENT_BODY_MAX:
        raise RuleViolation(
            "announcement_too_long", subject=ANNOUNCEMENT_SUBJECT_MAX, body=ANNOUNCEMENT_BODY_MAX
        )
    data = {
        **offering_facts(offering),
        "subject": subject,
        "body": body,
        "sender": getattr(actor, "display_name", "") or getattr(actor, "email", ""),
    }
    with transaction.atomic():
        learners = list(
            offering.enrollments.filter(status__in=LIVE).values_list("learner_id", flat=True)
        )
        publish(event="offering.announcement", recipients=learners, data=data)
    return len(learners)
