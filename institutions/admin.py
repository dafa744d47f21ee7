from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from .admin_scoping import InstitutionScopedAdmin, InstitutionScopedInline
from .models import Institution, StaffMembership
from .rules import INSTITUTION, INSTITUTION_ADMINS, MEMBERSHIP, institution_ids, is_superuser


def colleagues(user: Any) -> Q:
    """Users an institution admin may pick: anyone with a role or a home at their institutions."""
    if is_superuser(user):
        return Q()
    ids = sorted(institution_ids(user, INSTITUTION_ADMINS))
    has_role = StaffMembership.objects.filter(user=OuterRef("pk"), institution__in=ids)
    return Q(home_institution__in=ids) | Q(Exists(has_role))


class MembershipInline(InstitutionScopedInline):
    model = StaffMembership
    rule = INSTITUTION
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]
    scoped_choices = {"user": colleagues}


@admin.register(Institution)
class InstitutionAdmin(InstitutionScopedAdmin):
    rule = INSTITUTION
    list_display = ["code", "name_zh", "name_en", "kind", "project_output", "district", "is_active"]
    list_filter = ["kind", "project_output", "is_active"]
    search_fields = ["code", "name_zh", "name_en", "short_name_zh", "short_name_en"]
    readonly_fields = ["public_id", "created_at", "updated_at"]
    inlines = [MembershipInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["code", "kind", "project_output", "is_active"]}),
        (_("Enrollment"), {"fields": ["max_enrollments_per_term"]}),
        (
            _("Names"),
            {"fields": [("name_zh", "name_en"), ("short_name_zh", "short_name_en")]},
        ),
        (_("Description"), {"fields": ["description_zh", "description_en"]}),
        (_("Contact"), {"fields": ["district", "website", "contact_email"]}),
        (_("Record"), {"fields": ["public_id", "created_at", "updated_at"]}),
    ]

    def has_add_permission(self, request: Any) -> bool:
        return is_superuser(request.user)

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def get_readonly_fields(self, request: Any, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if not is_superuser(request.user):
            # The owner's identity and place in the project are the project office's to set.
            fields += ["code", "kind", "project_output", "is_active"]
        return fields


@admin.register(StaffMembership)
class StaffMembershipAdmin(InstitutionScopedAdmin):
    rule = MEMBERSHIP
    list_display = ["user", "institution", "role", "created_at"]
    list_filter = ["role", "institution"]
    search_fields = ["user__email", "user__display_name", "institution__code"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "institution"]
    scoped_choices = {"user": colleagues}

    def get_list_filter(self, request: Any) -> list[Any]:
        return ["role", "institution"] if is_superuser(request.user) else ["role"]
