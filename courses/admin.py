from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from institutions.admin_scoping import InstitutionScopedAdmin, InstitutionScopedInline
from institutions.models import StaffMembership
from institutions.rules import CATALOG_EDITORS, institution_ids, is_superuser

from .models import Course, Offering, Prerequisite, Program, Term, Topic
from .rules import COURSE, OFFERING, PROGRAM, TERM


def institution_staff(user: Any) -> Q:
    """Instructors a user may assign: staff of the institutions whose catalog they edit."""
    if is_superuser(user):
        return Q(Exists(StaffMembership.objects.filter(user=OuterRef("pk"))))
    ids = sorted(institution_ids(user, CATALOG_EDITORS))
    return Q(Exists(StaffMembership.objects.filter(user=OuterRef("pk"), institution__in=ids)))


class InstitutionListFilterMixin:
    """Only superusers, who see every institution, need to filter by one."""

    def get_list_filter(self, request: HttpRequest) -> Any:
        filters = list(super().get_list_filter(request))  # type: ignore[misc]
        if is_superuser(request.user):
            return filters
        return [f for f in filters if "institution" not in str(f)]


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    """Topics are shared by all institutions: everyone with admin access reads, the project
    office (superusers) edits."""

    list_display = ["slug", "name_zh", "name_en"]
    search_fields = ["slug", "name_zh", "name_en"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_active)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    has_add_permission = has_delete_permission = lambda self, request, obj=None: is_superuser(
        request.user
    )


@admin.register(Program)
class ProgramAdmin(InstitutionListFilterMixin, InstitutionScopedAdmin):
    rule = PROGRAM
    list_display = ["code", "name_zh", "name_en", "institution", "kind", "is_active"]
    list_filter = ["institution", "kind", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["institution"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    fields = [
        "institution",
        "code",
        "kind",
        ("name_zh", "name_en"),
        "description_zh",
        "description_en",
        "is_active",
        "public_id",
        "created_at",
        "updated_at",
    ]


class PrerequisiteInline(InstitutionScopedInline):
    model = Prerequisite
    fk_name = "course"
    rule = COURSE
    autocomplete_fields = ["required_course"]
    scoped_choices = {"required_course": COURSE}
    verbose_name = _("prerequisite")
    verbose_name_plural = _("prerequisites")


class CourseForm(forms.ModelForm):
    """The admin builds the fields from the fieldsets; this adds the cross-row checks."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        institution = data.get("institution")
        programs = data.get("programs") or []
        if institution and any(p.institution_id != institution.pk for p in programs):
            self.add_error("programs", _("Choose programs of the course's own institution."))
        return data


class OfferingForm(forms.ModelForm):
    """The admin builds the fields from the fieldsets; this adds the cross-row checks."""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        course, instructors = data.get("course"), data.get("instructors") or []
        if course and instructors:
            staff = set(
                StaffMembership.objects.filter(
                    institution_id=course.institution_id, user__in=instructors
                ).values_list("user_id", flat=True)
            )
            if any(person.pk not in staff for person in instructors):
                self.add_error(
                    "instructors", _("Instructors must be staff of the course's institution.")
                )
        return data


@admin.register(Course)
class CourseAdmin(InstitutionListFilterMixin, InstitutionScopedAdmin):
    rule = COURSE
    form = CourseForm
    list_display = ["code", "title_zh", "title_en", "institution", "level", "language", "is_active"]
    list_filter = ["institution", "level", "language", "is_active", "topics"]
    search_fields = ["code", "title_zh", "title_en"]
    list_select_related = ["institution"]
    filter_horizontal = ["programs", "topics"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [PrerequisiteInline]
    scoped_choices = {"programs": PROGRAM}
    fieldsets = [
        (None, {"fields": ["institution", "code", "is_active"]}),
        (
            _("Titles and text"),
            {
                "fields": [
                    ("title_zh", "title_en"),
                    ("summary_zh", "summary_en"),
                    "description_zh",
                    "description_en",
                ]
            },
        ),
        (
            _("Teaching"),
            {"fields": [("credits", "class_hours"), ("language", "level"), "programs", "topics"]},
        ),
        (_("Record"), {"fields": ["public_id", "created_at", "updated_at"]}),
    ]


@admin.register(Term)
class TermAdmin(InstitutionListFilterMixin, InstitutionScopedAdmin):
    rule = TERM
    list_display = ["code", "name_zh", "name_en", "institution", "starts_on", "ends_on"]
    list_filter = ["institution"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["institution"]
    date_hierarchy = "starts_on"


@admin.register(Offering)
class OfferingAdmin(InstitutionListFilterMixin, InstitutionScopedAdmin):
    rule = OFFERING
    form = OfferingForm
    list_display = [
        "__str__",
        "course_title",
        "status",
        "delivery_mode",
        "starts_on",
        "capacity",
        "seats_taken",
        "waitlist_length",
    ]
    list_filter = ["status", "delivery_mode", "course__institution", "term__code"]
    search_fields = ["course__code", "course__title_zh", "course__title_en", "section"]
    list_select_related = ["course", "course__institution", "term"]
    autocomplete_fields = ["course", "term"]
    filter_horizontal = ["instructors"]
    readonly_fields = ["public_id", "seats_taken", "waitlist_length", "created_at", "updated_at"]
    scoped_choices = {"course": COURSE, "term": TERM, "instructors": institution_staff}
    fieldsets = [
        (None, {"fields": ["course", "term", "section", "status"]}),
        (
            _("When and where"),
            {
                "fields": [
                    ("starts_on", "ends_on"),
                    ("schedule_zh", "schedule_en"),
                    "delivery_mode",
                    ("location_zh", "location_en"),
                    "instructors",
                ]
            },
        ),
        (
            _("Seats and enrollment"),
            {
                "fields": [
                    ("capacity", "waitlist_capacity"),
                    ("seats_taken", "waitlist_length"),
                    ("enrollment_opens_at", "enrollment_closes_at"),
                    "drop_deadline",
                    "requires_approval",
                    ("promote_by_offer", "offer_claim_hours"),
                ]
            },
        ),
        (
            _("Who may enroll"),
            {
                "fields": [
                    (
                        "open_to_students",
                        "open_to_employees",
                        "open_to_government",
                        "open_to_public",
                    ),
                    "open_to_other_institutions",
                ]
            },
        ),
        (_("Record"), {"fields": ["public_id", "created_at", "updated_at"]}),
    ]

    @admin.display(description=_("course"), ordering="course__title_zh")
    def course_title(self, obj: Offering) -> str:
        return str(obj.course.title)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Offering]:
        return super().get_queryset(request).select_related("course__institution", "term")
