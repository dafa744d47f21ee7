import uuid
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from institutions.bilingual import Bilingual
from institutions.catalog_version import CatalogQuerySet, CatalogWrites
from institutions.models import Institution, code_validator

from .signals import offering_changed


class Topic(models.Model):
    """A subject tag shared across institutions, e.g. design thinking or smart manufacturing."""

    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)

    name = Bilingual()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["slug"]

    def __str__(self) -> str:
        return str(self.name)


class Program(models.Model):
    """A program an institution runs: a major, a minor, a certificate, enterprise training..."""

    class Kind(models.TextChoices):
        MAJOR = "major", _("Major")
        MINOR = "minor", _("Minor")
        CERTIFICATE = "certificate", _("Certificate")
        MICRO_CREDENTIAL = "micro_credential", _("Micro-credential")
        ENTERPRISE_TRAINING = "enterprise_training", _("Enterprise training")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="programs",
        verbose_name=_("institution"),
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    name = Bilingual()
    description = Bilingual()

    class Meta:
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        ordering = ["institution__code", "code"]
        constraints = [
            models.UniqueConstraint(
                "institution",
                Lower("code"),
                name="program_code_unique_per_institution",
                violation_error_message=_("This institution already has a program with this code."),
            ),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "major",
                        "minor",
                        "certificate",
                        "micro_credential",
                        "enterprise_training",
                    ]
                ),
                name="program_kind_valid",
                violation_error_message=_("Unknown program kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Course(models.Model):
    """A course an institution teaches. It runs as offerings, one or more per term."""

    class Language(models.TextChoices):
        ZH = "zh", _("Chinese")
        EN = "en", _("English")
        BILINGUAL = "bilingual", _("Chinese and English")

    class Level(models.TextChoices):
        INTRODUCTORY = "introductory", _("Introductory")
        INTERMEDIATE = "intermediate", _("Intermediate")
        ADVANCED = "advanced", _("Advanced")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="courses",
        verbose_name=_("institution"),
    )
    programs = models.ManyToManyField(
        Program, blank=True, related_name="courses", verbose_name=_("programs")
    )
    code = models.CharField(_("code"), max_length=30, validators=[code_validator])
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_zh = models.CharField(_("summary (Chinese)"), max_length=500, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=500, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    credits = models.DecimalField(
        _("credits"),
        max_digits=4,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    class_hours = models.PositiveSmallIntegerField(_("class hours"), default=0)
    language = models.CharField(
        _("language of instruction"), max_length=10, choices=Language.choices, default=Language.ZH
    )
    level = models.CharField(
        _("level"), max_length=20, choices=Level.choices, default=Level.INTRODUCTORY
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="courses", verbose_name=_("topics")
    )
    prerequisites = models.ManyToManyField(
        "self",
        through="Prerequisite",
        through_fields=("course", "required_course"),
        symmetrical=False,
        blank=True,
        related_name="required_for",
        verbose_name=_("prerequisite courses"),
    )
    is_active = models.BooleanField(
        _("active"), default=True, help_text=_("Inactive courses are hidden from the catalog.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    title = Bilingual()
    summary = Bilingual()
    description = Bilingual()

    objects = CatalogQuerySet.as_manager()  # queryset writes change the catalog

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["institution__code", "code"]
        constraints = [
            models.UniqueConstraint(
                "institution",
                Lower("code"),
                name="course_code_unique_per_institution",
                violation_error_message=_("This institution already has a course with this code."),
            ),
            models.CheckConstraint(
                condition=Q(credits__gte=0),
                name="course_credits_not_negative",
                violation_error_message=_("Credits cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(language__in=["zh", "en", "bilingual"]),
                name="course_language_valid",
                violation_error_message=_("Unknown language of instruction."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=["introductory", "intermediate", "advanced"]),
                name="course_level_valid",
                violation_error_message=_("Unknown level."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Prerequisite(models.Model):
    """`course` can be taken only after `required_course` has been completed."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="+", verbose_name=_("course")
    )
    required_course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="+", verbose_name=_("required course")
    )

    class Meta:
        verbose_name = _("prerequisite")
        verbose_name_plural = _("prerequisites")
        constraints = [
            models.UniqueConstraint(
                fields=["course", "required_course"],
                name="prerequisite_unique",
                violation_error_message=_("This prerequisite is already listed."),
            ),
            models.CheckConstraint(
                condition=~Q(course=F("required_course")),
                name="prerequisite_not_self",
                violation_error_message=_("A course cannot be its own prerequisite."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.required_course.code} → {self.course.code}"

    def clean(self) -> None:
        if (
            self.course_id
            and self.required_course_id
            and self.course.institution_id != self.required_course.institution_id
        ):
            raise ValidationError(
                {"required_course": _("A prerequisite must be a course of the same institution.")}
            )


class Term(models.Model):
    """A teaching period of one institution. Terms of different institutions that share a code
    (e.g. 2026-autumn) are the same period in the catalog's term filter."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="terms",
        verbose_name=_("institution"),
    )
    code = models.CharField(
        _("code"),
        max_length=30,
        validators=[code_validator],
        help_text=_("Use the same code across institutions for the same period, e.g. 2026-autumn."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    name = Bilingual()

    objects = CatalogQuerySet.as_manager()  # queryset writes change the catalog

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["institution__code", "-starts_on"]
        constraints = [
            models.UniqueConstraint(
                "institution",
                Lower("code"),
                name="term_code_unique_per_institution",
                violation_error_message=_("This institution already has a term with this code."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="term_dates_in_order",
                violation_error_message=_("A term cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.institution.code} {self.name}"


class OfferingQuerySet(CatalogWrites, models.QuerySet["Offering"]):
    def published(self) -> "OfferingQuerySet":
        return self.filter(status=Offering.Status.PUBLISHED)

    def open_for_enrollment(self, at: datetime | None = None) -> "OfferingQuerySet":
        """Published, and the enrollment window contains `at` (now by default)."""
        at = at or timezone.now()
        return self.published().filter(enrollment_opens_at__lte=at, enrollment_closes_at__gt=at)


class Offering(models.Model):
    """A run of a course in a term: dates, place, people, seats and who may enroll.

    `seats_taken` and `waitlist_length` are kept by the enrollment services under the offering's
    row lock, so the catalog shows seats left without counting enrollments.
    """

    class DeliveryMode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        CANCELLED = "cancelled", _("Cancelled")
        ARCHIVED = "archived", _("Archived")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("course")
    )
    term = models.ForeignKey(
        Term, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("term")
    )
    section = models.CharField(
        _("section"), max_length=20, default="01", validators=[code_validator]
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    schedule_zh = models.CharField(_("meeting pattern (Chinese)"), max_length=200, blank=True)
    schedule_en = models.CharField(_("meeting pattern (English)"), max_length=200, blank=True)
    delivery_mode = models.CharField(
        _("delivery mode"),
        max_length=20,
        choices=DeliveryMode.choices,
        default=DeliveryMode.IN_PERSON,
    )
    location_zh = models.CharField(_("location (Chinese)"), max_length=200, blank=True)
    location_en = models.CharField(_("location (English)"), max_length=200, blank=True)
    instructors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="teaching",
        verbose_name=_("instructors"),
    )
    capacity = models.PositiveIntegerField(_("capacity"))
    waitlist_capacity = models.PositiveIntegerField(
        _("waitlist capacity"), default=0, help_text=_("0 means no waitlist.")
    )
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0, editable=False)
    waitlist_length = models.PositiveIntegerField(_("waitlist length"), default=0, editable=False)
    enrollment_opens_at = models.DateTimeField(_("enrollment opens"))
    enrollment_closes_at = models.DateTimeField(_("enrollment closes"))
    drop_deadline = models.DateTimeField(_("drop deadline"))
    open_to_students = models.BooleanField(_("open to students"), default=True)
    open_to_employees = models.BooleanField(_("open to company employees"), default=True)
    open_to_government = models.BooleanField(_("open to government staff"), default=True)
    open_to_public = models.BooleanField(_("open to the public"), default=False)
    open_to_other_institutions = models.BooleanField(
        _("open to other institutions' learners"), default=True
    )
    requires_approval = models.BooleanField(_("requires approval"), default=False)
    promote_by_offer = models.BooleanField(
        _("offer freed seats"),
        default=False,
        help_text=_(
            "When a seat frees, offer it to the first on the waitlist to accept within the claim "
            "window, instead of enrolling them at once."
        ),
    )
    offer_claim_hours = models.PositiveSmallIntegerField(
        _("claim window (hours)"),
        default=48,
        help_text=_("How long a learner offered a freed seat has to accept it."),
    )
    last_queue_number = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    schedule = Bilingual()
    location = Bilingual()

    objects: ClassVar[OfferingQuerySet] = OfferingQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["starts_on", "section"]
        indexes = [
            models.Index(fields=["status", "enrollment_opens_at"], name="offering_status_opens"),
            models.Index(fields=["course", "status"], name="offering_course_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "term", "section"],
                name="offering_section_unique_per_course_term",
                violation_error_message=_(
                    "This course already has an offering with this section in this term."
                ),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="offering_dates_in_order",
                violation_error_message=_("An offering cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(enrollment_closes_at__gt=F("enrollment_opens_at")),
                name="offering_enrollment_window_in_order",
                violation_error_message=_("Enrollment must close after it opens."),
            ),
            models.CheckConstraint(
                condition=Q(drop_deadline__gte=F("enrollment_opens_at")),
                name="offering_drop_deadline_after_opening",
                violation_error_message=_("The drop deadline cannot be before enrollment opens."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=0)
                & Q(waitlist_capacity__gte=0)
                & Q(seats_taken__gte=0)
                & Q(waitlist_length__gte=0),
                name="offering_counts_not_negative",
                violation_error_message=_("Capacity and counts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(offer_claim_hours__gte=1) & Q(offer_claim_hours__lte=720),
                name="offering_claim_window_range",
                violation_error_message=_("The claim window must be between 1 and 720 hours."),
            ),
            models.CheckConstraint(
                condition=Q(open_to_students=True)
                | Q(open_to_employees=True)
                | Q(open_to_government=True)
                | Q(open_to_public=True),
                name="offering_has_audience",
                violation_error_message=_("Open the offering to at least one kind of learner."),
            ),
            models.CheckConstraint(
                condition=Q(delivery_mode__in=["in_person", "online", "hybrid"]),
                name="offering_delivery_mode_valid",
                violation_error_message=_("Unknown delivery mode."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "published", "cancelled", "archived"]),
                name="offering_status_valid",
                violation_error_message=_("Unknown status."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course.code}-{self.section} {self.term.code}"

    # Kept by the enrollment services with UPDATEs under the row lock; a save() of a copy read
    # earlier (an admin form, a seed) must never write them back.
    COUNTERS = frozenset({"seats_taken", "waitlist_length", "last_queue_number"})

    # Learners and partners hear when these change (courses.signals.offering_changed).
    _watched: dict[str, Any]
    WATCHED = (
        "status",
        "starts_on",
        "ends_on",
        "schedule_zh",
        "schedule_en",
        "delivery_mode",
        "location_zh",
        "location_en",
    )

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        if not adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.COUNTERS
            ]
        changes = {} if adding else self.watched_changes()
        with transaction.atomic():  # the change and the news about it commit together
            super().save(*args, **kwargs)
            if changes:
                offering_changed.send(sender=Offering, offering=self, changes=changes)
        self._watched = {name: getattr(self, name) for name in self.WATCHED}

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> "Offering":
        offering = super().from_db(*args, **kwargs)
        loaded = offering.__dict__  # deferred fields are absent: never compared
        offering._watched = {name: loaded[name] for name in cls.WATCHED if name in loaded}
        return offering

    def watched_changes(self) -> dict[str, tuple[Any, Any]]:
        loaded = getattr(self, "_watched", {})
        return {
            name: (old, getattr(self, name))
            for name, old in loaded.items()
            if old != getattr(self, name)
        }

    def clean(self) -> None:
        super().clean()
        if (
            self.course_id
            and self.term_id
            and self.course.institution_id != self.term.institution_id
        ):
            raise ValidationError({"term": _("Choose a term of the course's own institution.")})

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.seats_taken, 0)

    @property
    def waitlist_places_left(self) -> int:
        return max(self.waitlist_capacity - self.waitlist_length, 0)

    @property
    def audience(self) -> list[str]:
        """The learner types (accounts.User.LearnerType values) this offering admits."""
        flags = {
            "student": self.open_to_students,
            "employee": self.open_to_employees,
            "government": self.open_to_government,
            "public": self.open_to_public,
        }
        return [kind for kind, allowed in flags.items() if allowed]

    @property
    def audience_labels(self) -> list[str]:
        return [str(User.LearnerType(kind).label) for kind in self.audience]

    def is_open_for_enrollment(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return (
            self.status == self.Status.PUBLISHED
            and self.enrollment_opens_at <= at < self.enrollment_closes_at
        )
