from django.contrib import admin
from django.http import HttpRequest

from institutions.rules import is_superuser

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-only: the record of what the platform told whom. The project office sees it."""

    list_display = ["created_at", "event", "recipient"]
    list_filter = ["event"]
    search_fields = ["event", "recipient__email"]
    list_select_related = ["recipient"]
    readonly_fields = ["public_id", "event", "recipient", "data", "created_at"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_superuser(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
