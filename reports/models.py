"""Indicators the project office reports on, with baselines and targets, and who that office is.

Indicators, baselines and targets are data the project office edits, never constants in code;
what an indicator counts is one of the measures in `reports.measures`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from courses.models import Program
from institutions.bilingual import Bilingual
from institutions.models import Institution, code_validator

from . import measures


class ProjectOfficeMember(models.Model):
    """A member of the city's project office: reads every owner's results, edits indicators."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="project_office",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("project office member")
        verbose_name_plural = _("project office members")
        ordering = ["user__email"]

    def __str__(self) -> str:
        return str(self.user)


class Unit(models.TextChoices):
    COUNT = measures.Unit.COUNT, _("count")
    PERCENT = measures.Unit.PERCENT, _("percent")
    HOURS = measures.Unit.HOURS, _("hours")


class Indicator(models.Model):
    """A results indicator: a measure, optionally narrowed by owner, program kind and learner
    type, with the project-wide baseline and target (per-owner ones are `IndicatorTarget`s)."""

    Unit = Unit

    code = models.CharField(
        _("code"),
        max_length=30,
        validators=[code_validator],
        help_text=_("Short stable code, e.g. O1-LEARNERS."),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    project_output = models.PositiveSmallIntegerField(
        _("project output"),
        choices=Institution.Output.choices,
        null=True,
        blank=True,
        help_text=_("Empty for a project-wide indicator."),
    )
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.COUNT)
    measure = models.CharField(
        _("measure"),
        max_length=40,
        choices=measures.measure_choices(),
        help_text=_("What the indicator counts, read as of the report date."),
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("institution"),
        help_text=_("Count only this owner's courses. Empty: all owners."),
    )
    program_kind = models.CharField(
        _("program kind"),
        max_length=30,
        choices=Program.Kind.choices,
        blank=True,
        help_text=_("Count only courses in a program of this kind. Empty: any."),
    )
    learner_type = models.CharField(
        _("learner type"),
        max_length=20,
        choices=User.LearnerType.choices,
        blank=True,
        help_text=_("Count only learners of this type. Empty: any."),
    )
    baseline = models.DecimalField(
        _("baseline"), default=Decimal(0), max_digits=12, decimal_places=2
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    target_date = models.DateField(_("target date"), null=True, blank=True)
    display_order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    name = Bilingual()

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["display_order", "code"]
        constraints = [
            models.UniqueConstraint(
                Lower("code"),
                name="indicator_code_unique_ci",
                violation_error_message=_("An indicator with this code already exists."),
            ),
            models.CheckConstraint(
                condition=Q(project_output__isnull=True) | Q(project_output__in=[1, 2, 3]),
                name="indicator_project_output_valid",
                violation_error_message=_("The project output must be 1, 2 or 3, or empty."),
            ),
            models.CheckConstraint(
                condition=Q(unit__in=Unit.values),
                name="indicator_unit_valid",
                violation_error_message=_("Unknown unit."),
            ),
            models.CheckConstraint(
                condition=Q(measure__in=list(measures.MEASURES)),
                name="indicator_measure_valid",
                violation_error_message=_("Unknown measure."),
            ),
            models.CheckConstraint(
                condition=Q(program_kind__in=["", *Program.Kind.values]),
                name="indicator_program_kind_valid",
                violation_error_message=_("Unknown program kind."),
            ),
            models.CheckConstraint(
                condition=Q(learner_type__in=["", *User.LearnerType.values]),
                name="indicator_learner_type_valid",
                violation_error_message=_("Unknown learner type."),
            ),
            models.CheckConstraint(
                condition=Q(baseline__gte=0) & Q(target__gte=0),
                name="indicator_amounts_not_negative",
                violation_error_message=_("Baseline and target cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(unit="percent") | (Q(baseline__lte=100) & Q(target__lte=100)),
                name="indicator_percent_at_most_100",
                violation_error_message=_("A percentage is at most 100."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def clean(self) -> None:
        super().clean()
        measure = measures.MEASURES.get(self.measure)
        if measure is None:
            return
        if self.learner_type and not measure.uses_learners:
            raise ValidationError(
                {"learner_type": _("This measure does not count learners: leave it empty.")}
            )
        if measure.unit != self.unit:
            raise ValidationError(
                {
                    "unit": _("This measure is counted in %(unit)s.")
                    % {"unit": Unit(measure.unit).label}
                }
            )

    def filters(self, institutions: frozenset[int] | None = None) -> measures.Filters:
        """The rows this indicator reads, within `institutions` when given (None: all)."""
        if self.institution_id is not None:
            own = frozenset({self.institution_id})
            institutions = own if institutions is None else institutions & own
        return measures.Filters(
            institutions=institutions,
            program_kind=self.program_kind,
            learner_type=self.learner_type,
        )


class IndicatorTarget(models.Model):
    """One owner's baseline and target for an indicator."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        related_name="indicator_targets",
        verbose_name=_("institution"),
    )
    baseline = models.DecimalField(
        _("baseline"), default=Decimal(0), max_digits=12, decimal_places=2
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("owner target")
        verbose_name_plural = _("owner targets")
        ordering = ["indicator", "institution__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "institution"],
                name="indicator_target_one_per_owner",
                violation_error_message=_("This owner already has a target for this indicator."),
            ),
            models.CheckConstraint(
                condition=Q(baseline__gte=0) & Q(target__gte=0),
                name="indicator_target_not_negative",
                violation_error_message=_("Baseline and target cannot be negative."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} · {self.institution.code}"
