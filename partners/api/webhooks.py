"""Partners' webhooks: their endpoints, the events sent to them, replays, and the event types.

Only partner tokens with webhooks:manage get in; browsers are refused (403), anonymous callers
asked to authenticate (401), and a partner sees its own endpoints and events only: another
organisation's id is a 404, as if it did not exist. Every change goes through partners.webhooks.

An endpoint's signing secret is shown twice only: in the answer that creates the endpoint and in
the answer that rotates its secret.
"""

import uuid
from typing import Any
from urllib.parse import urlsplit

import django_filters
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.reverse import reverse

from api.authentication import partner_of
from api.filters import UpdatedSinceFilter
from api.idempotency import IdempotentMixin
from api.parsers import JSONParser
from api.permissions import TokenScopes
from notifications.models import OutboxItem

from .. import webhooks
from ..exceptions import PartnerError
from ..models import (
    WEBHOOK_EVENT_TYPES,
    PartnerOrganisation,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from ..outbound import TargetRefused, check_url
from .views import PartnerOnly

SCOPE = "webhooks:manage"
MAX_ENDPOINTS = 10  # per organisation
EVENT_TYPES = list(WEBHOOK_EVENT_TYPES)
# Output fields name the enum rather than repeat it (one enum, one name, in the schema).
TYPE_HELP = "One of EventTypesEnum; GET /api/v1/webhook-event-types/ describes them."


class WebhookRuleViolation(PartnerError):
    """A well-formed request that a webhook rule refuses (422)."""

    http_status = 422
    messages = {
        "endpoint_limit_reached": _(
            "Your organisation already has %(limit)d webhook endpoints, the most it may have: "
            "delete one first."
        ),
    }


# --- serializers -------------------------------------------------------------------------------


def _event_types_field(**kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        allow_empty=False,
        max_length=len(EVENT_TYPES),
        help_text="The event types to send to this endpoint: at least one, each once.",
        **kwargs,
    )


class WebhookEndpointSerializer(serializers.ModelSerializer):
    """An endpoint of the calling partner. Its secret is never shown here."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), read_only=True
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "paused_at",
            "paused_reason",
            "failing_since",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WebhookEndpointSecretSerializer(WebhookEndpointSerializer):
    """An endpoint with its signing secret: only in the answers that create it or rotate it."""

    secret = serializers.CharField(
        read_only=True,
        help_text="Signs every call (HMAC-SHA256). Keep it: it is not shown again.",
    )
    previous_secret_expires_at = serializers.DateTimeField(
        read_only=True,
        allow_null=True,
        help_text=(
            "After a rotation, the old secret also signs each call (a second v1= value) until "
            "this time, 24 hours on."
        ),
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret", "previous_secret_expires_at"]
        read_only_fields = fields


class WebhookUrlField(serializers.URLField):
    """An https URL of a public host (partners.outbound.check_url), at most 500 characters."""

    def to_internal_value(self, data: Any) -> str:
        url = super().to_internal_value(data)
        try:
            urlsplit(url).port  # noqa: B018 (a port out of range raises ValueError)
            check_url(url)
        except TargetRefused as refused:
            raise serializers.ValidationError(str(refused)) from refused
        except ValueError as error:
            raise serializers.ValidationError(str(self.error_messages["invalid"])) from error
        return url


def _no_duplicates(types: list[str]) -> list[str]:
    if len(set(types)) != len(types):
        raise serializers.ValidationError(_("Name each event type once."))
    return types


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = WebhookUrlField(
        max_length=500,
        help_text="Where the events go: https, on a public address; redirects are not followed.",
    )
    event_types = _event_types_field()
    description = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )

    def validate_event_types(self, value: list[str]) -> list[str]:
        return _no_duplicates(value)


class WebhookEndpointUpdateSerializer(serializers.Serializer):
    """Only the fields sent change. `is_active: true` resumes a paused endpoint."""

    url = WebhookUrlField(max_length=500, required=False)
    event_types = _event_types_field(required=False)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_active = serializers.BooleanField(
        required=False,
        help_text="false pauses the endpoint; true resumes it and clears its failure record.",
    )

    def validate_event_types(self, value: list[str]) -> list[str]:
        return _no_duplicates(value)


class WebhookDeliverySerializer(serializers.Serializer):
    """One event to one endpoint: its state and its last attempt."""

    endpoint = serializers.UUIDField(source="endpoint.public_id", read_only=True)
    state = serializers.ChoiceField(
        choices=OutboxItem.State.choices,
        read_only=True,
        help_text=(
            "pending: to be sent; sent: answered 2xx; failed: will be retried at "
            "next_attempt_at; dead: given up; skipped: the endpoint was paused."
        ),
    )
    attempts = serializers.IntegerField(read_only=True)
    last_status_code = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="The HTTP status of the last answer, if any."
    )
    last_error = serializers.CharField(read_only=True)
    sent_at = serializers.DateTimeField(read_only=True, allow_null=True)
    next_attempt_at = serializers.SerializerMethodField(
        help_text="When the next attempt is due (null unless pending or failed)."
    )

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_attempt_at(self, delivery: WebhookDelivery) -> Any:
        if delivery.state not in OutboxItem.DUE:
            return None
        return serializers.DateTimeField().to_representation(delivery.next_attempt_at)


class WebhookEventSerializer(serializers.ModelSerializer):
    """An event as it was sent (`data` is the body's `data`), with its deliveries."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    type = serializers.CharField(read_only=True, help_text=TYPE_HELP)
    data = serializers.JSONField(read_only=True)
    deliveries = WebhookDeliverySerializer(many=True, read_only=True)

    class Meta:
        model = WebhookEvent
        fields = ["id", "type", "created_at", "data", "deliveries"]
        read_only_fields = fields


class ReplaySerializer(serializers.Serializer):
    deliveries = serializers.IntegerField(
        read_only=True, help_text="How many endpoints the event is being sent to again."
    )


class WebhookEventTypeSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text="One of EventTypesEnum.")
    description = serializers.CharField(read_only=True, help_text="In the Accept-Language.")


# --- filters -----------------------------------------------------------------------------------


class WebhookEventFilter(django_filters.FilterSet):
    """`type`, `created_since` (ISO 8601 with its offset) and `endpoint` (an endpoint's id)."""

    type = django_filters.ChoiceFilter(choices=[(name, name) for name in EVENT_TYPES])
    created_since = UpdatedSinceFilter(field_name="created_at")
    endpoint = django_filters.UUIDFilter(field_name="deliveries__endpoint__public_id")

    class Meta:
        model = WebhookEvent
        fields = ["type", "created_since", "endpoint"]


# --- views -------------------------------------------------------------------------------------


class PartnerWebhooksView:
    """What the webhook views share: partner tokens with webhooks:manage, UUID lookups, and a
    405 for a method the resource lacks (before asking who calls)."""

    permission_classes = [PartnerOnly, TokenScopes]
    parser_classes = [JSONParser]
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"
    action: str | None
    kwargs: dict[str, Any]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if self.action is None:
            raise MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def get_object(self) -> Any:
        try:
            uuid.UUID(self.kwargs["id"])
        except ValueError as error:
            raise NotFound() from error
        return super().get_object()  # type: ignore[misc]


@extend_schema_view(
    list=extend_schema(summary="Your webhook endpoints"),
    retrieve=extend_schema(summary="One of your webhook endpoints"),
)
class WebhookEndpointViewSet(
    IdempotentMixin,
    PartnerWebhooksView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Where your organisation hears of events. At most 10 endpoints per organisation."""

    serializer_class = WebhookEndpointSerializer
    required_scopes = {
        name: [SCOPE]
        for name in ("list", "retrieve", "create", "partial_update", "destroy", "rotate_secret")
    }
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[WebhookEndpoint]:
        organisation = partner_of(self.request)
        if organisation is None:  # the schema generator; other callers never get here
            return WebhookEndpoint.objects.none()
        return WebhookEndpoint.objects.filter(organisation=organisation).order_by(
            "created_at", "pk"
        )

    def _location(self, endpoint: WebhookEndpoint) -> str:
        return reverse(
            "webhook-endpoint-detail", kwargs={"id": endpoint.public_id}, request=self.request
        )

    @extend_schema(
        summary="Add a webhook endpoint",
        description=(
            "The answer carries the endpoint's signing `secret`: keep it, it is not shown "
            "again (rotate it to get a new one). A URL that is not https or points to a "
            "private address is a 400; an organisation with 10 endpoints already gets 422 "
            "`endpoint_limit_reached`."
        ),
        request=WebhookEndpointCreateSerializer,
        responses={
            201: OpenApiResponse(
                WebhookEndpointSecretSerializer,
                description="Created; Location is the endpoint. The only time the secret shows.",
            )
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = WebhookEndpointCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        organisation = partner_of(request)
        with transaction.atomic():
            # One organisation's creations queue here, so the limit holds under a race.
            PartnerOrganisation.objects.select_for_update().filter(pk=organisation.pk).first()
            if WebhookEndpoint.objects.filter(organisation=organisation).count() >= MAX_ENDPOINTS:
                raise WebhookRuleViolation("endpoint_limit_reached", limit=MAX_ENDPOINTS)
            endpoint = webhooks.endpoint_create(organisation=organisation, **body.validated_data)
        return Response(
            WebhookEndpointSecretSerializer(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": self._location(endpoint)},
        )

    @extend_schema(
        summary="Change a webhook endpoint",
        description=(
            "Send only the fields to change. `is_active: false` pauses the endpoint; "
            "`is_active: true` resumes a paused one (events from the pause are not sent again "
            "by themselves: replay them)."
        ),
        request=WebhookEndpointUpdateSerializer,
        responses=WebhookEndpointSerializer,
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        body = WebhookEndpointUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        endpoint = webhooks.endpoint_update(endpoint=endpoint, **body.validated_data)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        summary="Delete a webhook endpoint",
        description="Its deliveries still waiting are dropped; its events stay listed.",
        responses={204: OpenApiResponse(description="Deleted.")},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = self.get_object()
        with transaction.atomic():
            WebhookEndpoint.objects.select_for_update().filter(pk=endpoint.pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate an endpoint's signing secret",
        description=(
            "Answers with the new `secret`. For 24 hours (until `previous_secret_expires_at`) "
            "each call carries two signatures, with the new and the old secret, so that your "
            "receiver can switch over without losing events."
        ),
        request=None,
        responses=WebhookEndpointSecretSerializer,
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        endpoint = webhooks.endpoint_rotate_secret(endpoint=self.get_object())
        return Response(WebhookEndpointSecretSerializer(endpoint).data)


@extend_schema_view(
    list=extend_schema(
        summary="Events sent to your organisation",
        description=(
            "Newest first, each with its deliveries. Events are kept 30 days. `endpoint` keeps "
            "the events sent (or being sent) to one of your endpoints."
        ),
    ),
    retrieve=extend_schema(summary="One event and its deliveries"),
)
class WebhookEventViewSet(
    IdempotentMixin,
    PartnerWebhooksView,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The events written for your organisation, as they were sent, and how each one went."""

    serializer_class = WebhookEventSerializer
    required_scopes = {name: [SCOPE] for name in ("list", "retrieve", "replay")}
    filter_backends = [DjangoFilterBackend]
    filterset_class = WebhookEventFilter

    def get_queryset(self) -> QuerySet[WebhookEvent]:
        organisation = partner_of(self.request)
        if organisation is None:
            return WebhookEvent.objects.none()
        deliveries = WebhookDelivery.objects.select_related("endpoint").order_by("created_at", "pk")
        return (
            WebhookEvent.objects.filter(organisation=organisation)
            .prefetch_related(Prefetch("deliveries", queryset=deliveries))
            .order_by("-created_at", "-pk")
        )

    @extend_schema(
        summary="Send an event again",
        description=(
            "To each of your active endpoints that takes its type, with the same event id (so "
            "a receiver that already has it can drop it). Answers how many deliveries were "
            "queued; 0 when no active endpoint takes the type."
        ),
        request=None,
        responses={202: ReplaySerializer},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        count = webhooks.event_replay(event=self.get_object())
        return Response({"deliveries": count}, status=status.HTTP_202_ACCEPTED)


class WebhookEventTypeViewSet(PartnerWebhooksView, viewsets.GenericViewSet):
    """The event types an endpoint can ask for. Not paged: the list is short."""

    serializer_class = WebhookEventTypeSerializer
    required_scopes = {"list": [SCOPE]}
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        summary="The webhook event types",
        description="Each type with what it means, in the Accept-Language.",
        responses=WebhookEventTypeSerializer(many=True),
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rows = [
            {"type": name, "description": str(text)} for name, text in WEBHOOK_EVENT_TYPES.items()
        ]
        return Response(WebhookEventTypeSerializer(rows, many=True).data)
