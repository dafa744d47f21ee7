"""Partner organisations, their API clients, learners and webhooks: the project office's screens.

Superusers only; institution staff do not see them. Every change goes through partners.services
(and partners.webhooks), so an organisation always has its service account and a client secret
is only ever shown once. A webhook endpoint's signing secret is never shown here, except once,
in the message of the action that rotates it.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from . import webhooks
from .models import (
    SCOPES,
    PartnerClient,
    PartnerLearner,
    PartnerOrganisation,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from .services import (
    partner_client_create,
    partner_client_revoke,
    partner_client_rotate_secret,
    partner_client_update,
    partner_organisation_create,
)


def _is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


class ProjectOfficeOnly:
    """Seen and changed by superusers (the project office) only; nothing is deleted here:
    organisations are deactivated and clients revoked instead."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _is_superuser(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return _is_superuser(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _is_superuser(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _scope_choices() -> list[tuple[str, str]]:
    return [(name, f"{name}: {text}") for name, text in SCOPES.items()]


class ClientInline(ProjectOfficeOnly, admin.TabularInline):
    model = PartnerClient
    extra = 0
    fields = ["name", "client_id", "scopes", "revoked_at", "created_at"]
    readonly_fields = ["name", "client_id", "scopes", "revoked_at", "created_at"]
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("name"))
    def name(self, client: PartnerClient) -> str:
        return client.application.name

    @admin.display(description=_("client id"))
    def client_id(self, client: PartnerClient) -> str:
        return client.application.client_id


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(ProjectOfficeOnly, admin.ModelAdmin):
    list_display = [
        "code",
        "name_zh",
        "name_en",
        "institution",
        "is_active",
        "learner_total",
        "created_at",
    ]
    list_filter = ["is_active"]
    search_fields = ["code", "name_zh", "name_en", "contact_email"]
    list_select_related = ["institution"]
    fields = [
        "code",
        "name_zh",
        "name_en",
        "institution",
        "contact_email",
        "is_active",
        "public_id",
        "service_user",
        "created_at",
    ]
    inlines = [ClientInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerOrganisation]:
        return super().get_queryset(request).annotate(learner_count=Count("learners"))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["public_id", "service_user", "created_at"]
        return ["code", *fixed] if obj is not None else fixed

    @admin.display(description=_("learners"), ordering="learner_count")
    def learner_total(self, organisation: Any) -> int:
        return getattr(organisation, "learner_count", 0)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.save()
            return
        created = partner_organisation_create(
            code=obj.code,
            name_zh=obj.name_zh,
            name_en=obj.name_en,
            institution=obj.institution,
            contact_email=obj.contact_email,
        )
        if not obj.is_active:
            created.is_active = False
            created.save(update_fields=["is_active"])
        # The admin goes on with `obj` (the log entry, the redirect): make it the saved row.
        for name in ("pk", "public_id", "service_user", "created_at"):
            setattr(obj, name, getattr(created, name))
        obj._state.adding, obj._state.db = False, created._state.db


class PartnerClientForm(forms.ModelForm):
    name = forms.CharField(
        label=_("name"),
        max_length=255,
        help_text=_("What the client is, e.g. “HR system (production)”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("allowed scopes"),
        choices=_scope_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The client may ask for these scopes only."),
    )

    class Meta:
        model = PartnerClient
        fields = ["organisation", "scopes"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["name"].initial = self.instance.application.name


@admin.register(PartnerClient)
class PartnerClientAdmin(ProjectOfficeOnly, admin.ModelAdmin):
    """A client is an OAuth2 application (client credentials) of one organisation."""

    form = PartnerClientForm
    list_display = ["name", "organisation", "client_id", "scope_list", "is_revoked", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["application__name", "application__client_id", "organisation__code"]
    list_select_related = ["application", "organisation"]
    actions = ["rotate_secret", "revoke"]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["organisation", "name", "scopes"]
        return ["organisation", "name", "client_id", "scopes", "revoked_at", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["organisation", "client_id", "revoked_at", "created_at"]

    @admin.display(description=_("name"), ordering="application__name")
    def name(self, client: PartnerClient) -> str:
        return client.application.name

    @admin.display(description=_("client id"))
    def client_id(self, client: PartnerClient) -> str:
        return client.application.client_id

    @admin.display(description=_("allowed scopes"))
    def scope_list(self, client: PartnerClient) -> str:
        return " ".join(client.scopes)

    @admin.display(description=_("revoked"), boolean=True)
    def is_revoked(self, client: PartnerClient) -> bool:
        return client.revoked_at is not None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        name, scopes = form.cleaned_data["name"], form.cleaned_data["scopes"]
        if change:
            partner_client_update(client=obj, name=name, scopes=scopes)
            return
        client, secret = partner_client_create(
            organisation=obj.organisation, name=name, scopes=scopes
        )
        for field in ("pk", "application", "created_at"):
            setattr(obj, field, getattr(client, field))
        obj._state.adding, obj._state.db = False, client._state.db
        self._show_secret(request, client, secret)

    def _show_secret(self, request: HttpRequest, client: PartnerClient, secret: str) -> None:
        self.message_user(
            request,
            gettext(
                "%(client)s: client id %(client_id)s, secret %(secret)s. Copy the secret now: "
                "it is stored hashed and will not be shown again."
            )
            % {"client": client, "client_id": client.application.client_id, "secret": secret},
            messages.SUCCESS,
        )

    @admin.action(description=_("Rotate secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[PartnerClient]) -> None:
        for client in queryset.select_related("application", "organisation"):
            if client.revoked_at is not None:
                self.message_user(
                    request,
                    gettext("%(client)s is revoked; its secret was not changed.")
                    % {"client": client},
                    messages.WARNING,
                )
                continue
            self._show_secret(request, client, partner_client_rotate_secret(client=client))

    @admin.action(description=_("Revoke"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerClient]) -> None:
        done = 0
        for client in queryset.filter(revoked_at__isnull=True).select_related("application"):
            partner_client_revoke(client=client)
            done += 1
        self.message_user(
            request,
            gettext("%(count)s clients revoked; their tokens no longer work.") % {"count": done},
            messages.SUCCESS,
        )


@admin.register(PartnerLearner)
class PartnerLearnerAdmin(ProjectOfficeOnly, admin.ModelAdmin):
    """Who registered whom: read only (partners manage their learners through the API)."""

    list_display = ["external_id", "organisation", "user", "created_at", "updated_at"]
    list_filter = ["organisation"]
    search_fields = ["external_id", "user__email", "user__display_name", "organisation__code"]
    list_select_related = ["organisation", "user"]
    fields = ["organisation", "external_id", "user", "created_at", "updated_at"]
    readonly_fields = ["organisation", "external_id", "user", "created_at", "updated_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- webhooks ----------------------------------------------------------------------------------


class ReadOnly(ProjectOfficeOnly):
    """Nothing is added or edited in the form; the change permission only opens the actions."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.get_fields(request, obj)  # type: ignore[attr-defined]


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnly, admin.ModelAdmin):
    """Partners manage their endpoints through the API; the office pauses, resumes and rotates."""

    list_display = [
        "organisation",
        "url",
        "is_active",
        "paused_at",
        "failing_since",
        "created_at",
    ]
    list_filter = ["is_active", "organisation"]
    search_fields = ["url", "description", "organisation__code"]
    list_select_related = ["organisation"]
    # Never the secret (nor the previous one).
    fields = [
        "organisation",
        "public_id",
        "url",
        "description",
        "event_types",
        "is_active",
        "paused_at",
        "paused_reason",
        "failing_since",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
    ]
    actions = ["pause", "resume", "rotate_secret"]

    @admin.action(description=_("Pause the selected endpoints"), permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        done = 0
        for endpoint in queryset.filter(is_active=True):
            with transaction.atomic():
                webhooks.endpoint_update(endpoint=endpoint, is_active=False)
                # Stored as the pipeline stores its own reasons; the partner reads it in the API.
                WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
                    paused_reason="paused by the project office"
                )
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d endpoint paused: it receives nothing until it is resumed.",
                "%(count)d endpoints paused: they receive nothing until they are resumed.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Resume the selected endpoints"), permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        done = 0
        for endpoint in queryset.filter(is_active=False):
            webhooks.endpoint_update(endpoint=endpoint, is_active=True)
            done += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d endpoint resumed. Events from the pause are not sent by themselves: "
                "replay them.",
                "%(count)d endpoints resumed. Events from the pause are not sent by themselves: "
                "replay them.",
                done,
            )
            % {"count": done},
            messages.SUCCESS,
        )

    @admin.action(description=_("Rotate the signing secret"), permissions=["change"])
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset.select_related("organisation"):
            rotated = webhooks.endpoint_rotate_secret(endpoint=endpoint)
            self.message_user(
                request,
                gettext(
                    "%(endpoint)s: new signing secret %(secret)s. Give it to the partner now: it "
                    "is not shown again. The old secret also signs calls for 24 hours."
                )
                % {"endpoint": endpoint, "secret": rotated.secret},
                messages.SUCCESS,
            )


class WebhookDeliveryInline(ReadOnly, admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    fields = [
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "sent_at",
        "last_error",
    ]
    show_change_link = True

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return super().get_queryset(request).select_related("endpoint__organisation")


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnly, admin.ModelAdmin):
    """What was sent to whom: read only. Partners replay events through the API."""

    list_display = ["created_at", "type", "organisation", "public_id"]
    list_filter = ["type", "organisation"]
    search_fields = ["organisation__code", "type"]
    list_select_related = ["organisation"]
    fields = ["organisation", "public_id", "type", "data", "created_at"]
    date_hierarchy = "created_at"
    inlines = [WebhookDeliveryInline]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnly, admin.ModelAdmin):
    """Every call made or due, with its attempts and last error; staff may send one again."""

    list_display = [
        "created_at",
        "event_type",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "last_error_short",
    ]
    list_filter = ["state", "event__type", "endpoint__organisation"]
    search_fields = ["endpoint__url", "endpoint__organisation__code", "last_error"]
    list_select_related = ["event", "endpoint__organisation"]
    fields = [
        "event",
        "endpoint",
        "state",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "queued_at",
        "sent_at",
        "last_error",
        "created_at",
        "updated_at",
    ]
    date_hierarchy = "created_at"
    actions = ["retry_now"]

    @admin.display(description=_("event"), ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.display(description=_("last error"))
    def last_error_short(self, delivery: WebhookDelivery) -> str:
        return delivery.last_error[:80]

    @admin.action(description=_("Send the selected deliveries again now"), permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        retried, paused = webhooks.deliveries_retry(ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery will be sent again.",
                "%(count)d deliveries will be sent again.",
                retried,
            )
            % {"count": retried},
            messages.SUCCESS,
        )
        if paused:
            self.message_user(
                request,
                ngettext(
                    "%(count)d delivery goes to a paused endpoint and was left as it was: "
                    "resume the endpoint first.",
                    "%(count)d deliveries go to paused endpoints and were left as they were: "
                    "resume the endpoints first.",
                    paused,
                )
                % {"count": paused},
                messages.WARNING,
            )
