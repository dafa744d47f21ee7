"""Enrollments in the admin: read-only rows, changes only through the services' actions."""

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from courses.admin import OfferingAdmin as CatalogOfferingAdmin
from courses.models import Offering
from institutions.admin_scoping import InstitutionScopedAdmin
from institutions.rules import InstitutionRule, is_superuser

from . import services
from .exceptions import EnrollmentError
from .models import Channel, Enrollment, EnrollmentBatch, EnrollmentEvent

ENROLLMENT = InstitutionRule("offering__course__institution")


class EventInline(admin.TabularInline):
    model = EnrollmentEvent
    extra = 0
    can_delete = False
    fields = ["at", "from_status", "to_status", "actor", "channel", "reason"]
    readonly_fields = ["at", "from_status", "to_status", "actor", "channel", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _run(modeladmin: Any, request: HttpRequest, queryset: QuerySet, service: Any) -> None:
    done = 0
    for enrollment in queryset:
        try:
            service(enrollment=enrollment, actor=request.user, channel=Channel.ADMIN)
            done += 1
        except EnrollmentError as error:
            modeladmin.message_user(
                request, f"{enrollment.learner}: {error.message}", level=messages.ERROR
            )
    if done:
        modeladmin.message_user(request, _("%(count)s enrollments changed.") % {"count": done})


@admin.register(Enrollment)
class EnrollmentAdmin(InstitutionScopedAdmin):
    rule = ENROLLMENT
    list_display = ["learner", "offering", "status", "queue_number", "created_at", "updated_at"]
    list_filter = ["status", "channel", "offering__term__code"]
    search_fields = ["learner__email", "learner__display_name", "offering__course__code"]
    list_select_related = ["learner", "offering__course", "offering__term"]
    readonly_fields = [
        "public_id",
        "learner",
        "offering",
        "status",
        "queue_number",
        "offer_expires_at",
        "score",
        "grade",
        "hours_completed",
        "channel",
        "created_at",
        "updated_at",
    ]
    inlines = [EventInline]
    actions = ["approve", "reject", "withdraw"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # enrollments are made by learners, the roster page or the API

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # history is kept

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request)  # actions only

    @admin.action(description=_("Approve selected enrollments"))
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, services.enrollment_approve)

    @admin.action(description=_("Reject selected enrollments"))
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, services.enrollment_reject)

    @admin.action(description=_("Withdraw selected learners"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet) -> None:
        _run(self, request, queryset, services.enrollment_withdraw)


admin.site.unregister(Offering)


@admin.register(Offering)
class OfferingAdmin(CatalogOfferingAdmin):
    """The catalog's offering admin, with capacity and cancellation going through the services.

    Capacity changes promote the waitlist (and may not go below the seats taken); cancelling
    ends every live enrollment and tells the learners.
    """

    actions = ["cancel_offerings"]

    def save_model(self, request: HttpRequest, obj: Offering, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        capacity, status = obj.capacity, obj.status
        before = Offering.objects.only("capacity", "status").get(pk=obj.pk)
        obj.save(
            update_fields=[
                f.name
                for f in Offering._meta.concrete_fields
                if not f.primary_key and f.name not in {*Offering.COUNTERS, "capacity", "status"}
            ]
        )
        try:
            if capacity != before.capacity:
                services.offering_change_capacity(
                    offering=obj, capacity=capacity, actor=request.user, channel=Channel.ADMIN
                )
            if status != before.status:
                if status == Offering.Status.CANCELLED:
                    services.offering_cancel(
                        offering=obj, actor=request.user, channel=Channel.ADMIN
                    )
                else:
                    Offering.objects.filter(pk=obj.pk).update(status=status)
        except EnrollmentError as error:
            self.message_user(request, error.message, level=messages.ERROR)

    @admin.action(description=_("Cancel selected offerings (learners are told)"))
    def cancel_offerings(self, request: HttpRequest, queryset: QuerySet) -> None:
        for offering in queryset:
            try:
                services.offering_cancel(
                    offering=offering, actor=request.user, channel=Channel.ADMIN
                )
            except EnrollmentError as error:
                self.message_user(request, f"{offering}: {error.message}", level=messages.ERROR)


@admin.register(EnrollmentBatch)
class EnrollmentBatchAdmin(admin.ModelAdmin):
    """Bulk jobs, for the project office to follow: read-only (they are made by staff pages
    and the API, and their rows are read there)."""

    list_display = [
        "public_id",
        "owner_user",
        "owner_partner",
        "channel",
        "dry_run",
        "status",
        "total",
        "succeeded",
        "failed",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "dry_run", "channel"]
    search_fields = ["public_id", "owner_user__email", "owner_partner__code", "source_name"]
    list_select_related = ["owner_user", "owner_partner"]
    date_hierarchy = "created_at"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in EnrollmentBatch._meta.fields]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
