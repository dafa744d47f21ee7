import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from .bilingual import Bilingual
from .catalog_version import CatalogQuerySet

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    _("Use letters, digits, dots, hyphens and underscores only, starting with a letter or digit."),
)


class Institution(models.Model):
    """One of the sub-project owners: a university, a vocational college or a development zone."""

    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("University")
        VOCATIONAL_COLLEGE = "vocational_college", _("Vocational college")
        DEVELOPMENT_ZONE = "development_zone", _("Economic and technological development area")

    class Output(models.IntegerChoices):
        EDUCATION = 1, _("Output 1: higher education and vocational training strengthened")
        INNOVATION = 2, _("Output 2: innovation and entrepreneurship mechanisms established")
        MANAGEMENT = 3, _("Output 3: institutional and project management capacity enhanced")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        _("code"),
        max_length=20,
        validators=[code_validator],
        help_text=_("Short stable code used in addresses and the API, e.g. CQJTU."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    short_name_zh = models.CharField(_("short name (Chinese)"), max_length=50, blank=True)
    short_name_en = models.CharField(_("short name (English)"), max_length=50, blank=True)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    district = models.CharField(_("district"), max_length=100, blank=True)
    website = models.URLField(_("website"), blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    project_output = models.PositiveSmallIntegerField(
        _("project output"), choices=Output.choices, default=Output.EDUCATION
    )
    is_active = models.BooleanField(_("active"), default=True)
    max_enrollments_per_term = models.PositiveSmallIntegerField(
        _("enrollments per learner per term"),
        null=True,
        blank=True,
        help_text=_(
            "How many live enrollments (including waitlists) one learner may hold in one term "
            "of this institution. Empty means no limit."
        ),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    name = Bilingual()
    short_name = Bilingual()
    description = Bilingual()

    objects = CatalogQuerySet.as_manager()  # queryset writes change the catalog

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="institution_code_unique_ci",
                violation_error_message=_("An institution with this code already exists."),
            ),
            models.CheckConstraint(
                condition=models.Q(project_output__in=[1, 2, 3]),
                name="institution_project_output_valid",
                violation_error_message=_("The project output must be 1, 2 or 3."),
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=["university", "vocational_college", "development_zone"]
                ),
                name="institution_kind_valid",
                violation_error_message=_("Unknown institution kind."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class StaffMembership(models.Model):
    """A user's role at one institution. Roles decide what the user may see and change there."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Institution admin")
        COURSE_MANAGER = "course_manager", _("Course manager")
        INSTRUCTOR = "instructor", _("Instructor")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("institution"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        ordering = ["institution__code", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "institution"],
                name="membership_one_role_per_institution",
                violation_error_message=_("This user already has a role at this institution."),
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["admin", "course_manager", "instructor"]),
                name="membership_role_valid",
                violation_error_message=_("Unknown role."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.institution.code} · {self.get_role_display()}"
