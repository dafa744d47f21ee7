"""Indicators and their owners' targets: the project office and superusers edit them; nobody
else sees them. Who is in the project office is decided by superusers.

The admin site lets in active users with `is_staff` or an institution role
(`config.admin.YuchuangAdminSite`): a project office member without an institution role needs
`is_staff` to reach these pages.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from institutions.rules import is_superuser

from .models import Indicator, IndicatorTarget, ProjectOfficeMember
from .rules import can_edit_indicators


class OfficeOnly:
    """Every permission: superusers and the project office."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_edit_indicators(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_indicators(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_indicators(request.user)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_indicators(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_edit_indicators(request.user)


class IndicatorTargetInline(OfficeOnly, admin.TabularInline):
    model = IndicatorTarget
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(OfficeOnly, admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "project_output",
        "measure",
        "unit",
        "baseline",
        "target",
        "target_date",
        "display_order",
        "is_active",
    ]
    list_filter = ["project_output", "measure", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    list_select_related = ["institution"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "code",
        ("name_zh", "name_en"),
        "project_output",
        ("measure", "unit"),
        ("institution", "program_kind", "learner_type"),
        ("baseline", "target", "target_date"),
        ("display_order", "is_active"),
        "created_at",
        "updated_at",
    ]
    inlines = [IndicatorTargetInline]


@admin.register(ProjectOfficeMember)
class ProjectOfficeMemberAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    search_fields = ["user__email", "user__display_name"]
    raw_id_fields = ["user"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_superuser(request.user)
