import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import Offering


class Channel(models.TextChoices):
    WEB = "web", _("Web")
    API = "api", _("API")
    PARTNER = "partner", _("Partner system")
    ADMIN = "admin", _("Admin")
    SYSTEM = "system", _("System")


class Status(models.TextChoices):
    PENDING = "pending", _("Awaiting approval")
    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("Waitlisted")
    OFFERED = "offered", _("Seat offered")
    COMPLETED = "completed", _("Completed")
    NOT_COMPLETED = "not_completed", _("Not completed")
    DROPPED = "dropped", _("Dropped")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


# States that hold one of the offering's seats, and states that are still in play.
SEAT_HOLDING = frozenset({Status.PENDING, Status.ENROLLED, Status.OFFERED})
LIVE = SEAT_HOLDING | {Status.WAITLISTED}

# Allowed moves. None is "no enrollment yet". A completed result may be corrected.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({Status.PENDING, Status.ENROLLED, Status.WAITLISTED}),
    Status.PENDING: frozenset(
        {Status.ENROLLED, Status.REJECTED, Status.DROPPED, Status.WITHDRAWN, Status.CANCELLED}
    ),
    Status.ENROLLED: frozenset(
        {
            Status.COMPLETED,
            Status.NOT_COMPLETED,
            Status.DROPPED,
            Status.WITHDRAWN,
            Status.CANCELLED,
        }
    ),
    Status.WAITLISTED: frozenset(
        {
            Status.ENROLLED,
            Status.OFFERED,
            Status.PENDING,
            Status.DROPPED,
            Status.WITHDRAWN,
            Status.EXPIRED,
            Status.CANCELLED,
        }
    ),
    Status.OFFERED: frozenset(
        {
            Status.ENROLLED,
            Status.PENDING,
            Status.DROPPED,
            Status.WITHDRAWN,
            Status.EXPIRED,
            Status.CANCELLED,
        }
    ),
    Status.COMPLETED: frozenset({Status.COMPLETED, Status.NOT_COMPLETED}),
    Status.NOT_COMPLETED: frozenset({Status.COMPLETED, Status.NOT_COMPLETED}),
}


def waitlist_position() -> Coalesce:
    """Annotation: 1 for the first in line, dense; null unless waitlisted."""
    ahead = (
        Enrollment.objects.filter(
            offering=OuterRef("offering"),
            status=Status.WAITLISTED,
            queue_number__lte=OuterRef("queue_number"),
        )
        .order_by()
        .values("offering")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(ahead), None)


class EnrollmentQuerySet(models.QuerySet["Enrollment"]):
    def live(self) -> "EnrollmentQuerySet":
        return self.filter(status__in=LIVE)

    def holding_seats(self) -> "EnrollmentQuerySet":
        return self.filter(status__in=SEAT_HOLDING)

    def waitlist(self) -> "EnrollmentQuerySet":
        """The waitlisted, first in line first."""
        return self.filter(status=Status.WAITLISTED).order_by("queue_number")

    def with_position(self) -> "EnrollmentQuerySet":
        return self.annotate(
            position=models.Case(
                models.When(status=Status.WAITLISTED, then=waitlist_position()),
                default=None,
                output_field=models.IntegerField(),
            )
        )


class Enrollment(models.Model):
    """A learner's place in an offering: a seat, a place in line, or how it ended.

    Nothing is deleted: an enrollment that ends keeps its final state, and its events are the
    audit trail. Only the services in enrollment.services change it.
    """

    Status = Status

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("learner"),
    )
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("offering")
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    queue_number = models.PositiveIntegerField(
        _("place in line"),
        null=True,
        blank=True,
        help_text=_("Order of joining the waitlist; the lowest waiting number goes first."),
    )
    offer_expires_at = models.DateTimeField(_("offer expires"), null=True, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, blank=True)
    hours_completed = models.DecimalField(
        _("hours completed"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects: ClassVar[EnrollmentQuerySet] = EnrollmentQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["offering", "status", "queue_number"], name="enrollment_line"),
            models.Index(fields=["learner", "status"], name="enrollment_learner_status"),
            models.Index(fields=["updated_at"], name="enrollment_updated"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "offering"],
                condition=Q(status__in=sorted(LIVE)),
                name="enrollment_one_live_per_learner",
                violation_error_message=_("This learner already has a live enrollment here."),
            ),
            models.UniqueConstraint(
                fields=["offering", "queue_number"],
                name="enrollment_queue_number_unique",
                violation_error_message=_("Two learners cannot share a place in line."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.WAITLISTED) | Q(queue_number__isnull=False),
                name="enrollment_waitlisted_has_place",
                violation_error_message=_("A waitlisted enrollment needs a place in line."),
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.OFFERED) | Q(offer_expires_at__isnull=False),
                name="enrollment_offer_has_deadline",
                violation_error_message=_("An offered seat needs a claim deadline."),
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=100)),
                name="enrollment_score_range",
                violation_error_message=_("A score is between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(hours_completed__isnull=True) | Q(hours_completed__gte=0),
                name="enrollment_hours_not_negative",
                violation_error_message=_("Hours cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values),
                name="enrollment_status_valid",
                violation_error_message=_("Unknown enrollment status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} @ {self.offering_id}: {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_HOLDING


class EnrollmentEvent(models.Model):
    """One change of an enrollment's state: who, when, from, to, why and through what."""

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="events", verbose_name=_("enrollment")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        help_text=_("Empty when the platform itself acted, e.g. an offer lapsed."),
    )
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)

    class Meta:
        verbose_name = _("enrollment event")
        verbose_name_plural = _("enrollment events")
        ordering = ["at", "id"]
        indexes = [
            # An enrollment's history in order: its status as of a date, and the reports'
            # view of how long each status lasted (reports.spans), read from the index alone
            # (to_status a key column, not INCLUDE: SQLite has no covering indexes).
            models.Index(
                fields=["enrollment", "at", "id", "to_status"], name="enrollment_event_timeline"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchAction(models.TextChoices):
    ENROLL = "enroll", _("Enroll")
    WITHDRAW = "withdraw", _("Withdraw")


class Outcome(models.TextChoices):
    OK = "ok", _("OK")
    ERROR = "error", _("Error")


class EnrollmentBatch(models.Model):
    """A bulk enrollment job: rows of (learner, offering, action) applied one by one in the
    background, or only checked (`dry_run`). Owned by the staff user who sent it, or by the
    partner organisation whose system did (then its service account is the actor).

    The counters are refreshed from the rows while the job runs (every 100 rows) and at its end.
    """

    Status = BatchStatus

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollment_batches",
        verbose_name=_("owner"),
    )
    owner_partner = models.ForeignKey(
        "partners.PartnerOrganisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrollment_batches",
        verbose_name=_("partner organisation"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    dry_run = models.BooleanField(_("dry run"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=BatchStatus.choices, default=BatchStatus.QUEUED
    )
    source_name = models.CharField(_("file name"), max_length=200, blank=True)
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("processed"), default=0)
    succeeded = models.PositiveIntegerField(_("succeeded"), default=0)
    failed = models.PositiveIntegerField(_("failed"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    applied_as = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="preview",
        verbose_name=_("applied as"),
        help_text=_("For a dry run: the batch that applied its rows."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("enrollment batch")
        verbose_name_plural = _("enrollment batches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False, owner_partner__isnull=True)
                | Q(owner_user__isnull=True, owner_partner__isnull=False),
                name="enrollment_batch_one_owner",
                violation_error_message=_("A batch belongs to a user or to a partner, not both."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values),
                name="enrollment_batch_status_valid",
                violation_error_message=_("Unknown batch status."),
            ),
            models.CheckConstraint(
                condition=Q(processed__lte=models.F("total"))
                & Q(processed=models.F("succeeded") + models.F("failed")),
                name="enrollment_batch_counts_add_up",
                violation_error_message=_("Processed rows are those that succeeded or failed."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (BatchStatus.DONE, BatchStatus.FAILED)


class BatchRow(models.Model):
    """One line of a batch as it was sent, and what came of it (empty outcome: not yet run)."""

    batch = models.ForeignKey(
        EnrollmentBatch, on_delete=models.CASCADE, related_name="rows", verbose_name=_("batch")
    )
    line = models.PositiveIntegerField(_("line"))
    learner = models.CharField(_("learner"), max_length=254)
    offering = models.CharField(_("offering"), max_length=64)
    action = models.CharField(_("action"), max_length=20)
    outcome = models.CharField(_("outcome"), max_length=5, choices=Outcome.choices, blank=True)
    code = models.CharField(_("code"), max_length=50, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(
        _("enrollment status"),
        max_length=20,
        choices=Status.choices,
        blank=True,
        help_text=_("After the row: the enrollment's state (in a dry run, what it would be)."),
    )
    enrollment = models.ForeignKey(
        Enrollment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("enrollment"),
    )
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)

    class Meta:
        verbose_name = _("batch row")
        verbose_name_plural = _("batch rows")
        ordering = ["batch", "line"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "line"], name="batch_row_line_unique"),
            models.CheckConstraint(
                condition=Q(outcome__in=["", *Outcome.values]),
                name="batch_row_outcome_valid",
                violation_error_message=_("Unknown row outcome."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.outcome or '…'}"


__all__ = [
    "LIVE",
    "SEAT_HOLDING",
    "TRANSITIONS",
    "BatchRow",
    "Channel",
    "Enrollment",
    "EnrollmentBatch",
    "EnrollmentEvent",
]
