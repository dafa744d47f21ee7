from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from institutions.rules import is_superuser

from . import services
from .models import Delivery, Notification


class SuperuserOnly:
    """The record of what the platform told whom: the project office (superusers) only."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_superuser(request.user)

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return is_superuser(request.user)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class DeliveryInline(SuperuserOnly, admin.TabularInline):
    model = Delivery
    extra = 0
    fields = ("channel", "state", "attempts", "next_attempt_at", "sent_at", "last_error")
    readonly_fields = fields


@admin.register(Notification)
class NotificationAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["created_at", "event", "category", "recipient", "read_at"]
    list_filter = ["event", "category"]
    search_fields = ["event", "recipient__email"]
    list_select_related = ["recipient"]
    readonly_fields = [
        "public_id",
        "event",
        "category",
        "recipient",
        "data",
        "dedupe_key",
        "read_at",
        "created_at",
    ]
    date_hierarchy = "created_at"
    inlines = [DeliveryInline]


@admin.register(Delivery)
class DeliveryAdmin(SuperuserOnly, admin.ModelAdmin):
    """Every email (and future channel) sent or waiting, with its attempts and last error."""

    list_display = [
        "created_at",
        "event",
        "recipient",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "last_error_short",
    ]
    list_filter = ["state", "channel", "notification__event"]
    search_fields = ["notification__recipient__email", "notification__event", "last_error"]
    list_select_related = ["notification__recipient"]
    readonly_fields = [
        "notification",
        "channel",
        "state",
        "attempts",
        "next_attempt_at",
        "queued_at",
        "last_error",
        "sent_at",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    actions = ["retry"]

    @admin.display(description=_("event"), ordering="notification__event")
    def event(self, delivery: Delivery) -> str:
        return delivery.notification.event

    @admin.display(description=_("recipient"))
    def recipient(self, delivery: Delivery) -> str:
        return str(delivery.notification.recipient or "-")

    @admin.display(description=_("last error"))
    def last_error_short(self, delivery: Delivery) -> str:
        return delivery.last_error[:80]

    @admin.action(description=_("Send the selected deliveries again now"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        count = services.deliveries_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # Actions need the change permission; the form itself is all read-only fields.
        return is_superuser(request.user)
