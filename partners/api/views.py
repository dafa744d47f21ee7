"""Partners' learners by the partner's own id: list, read, and register or update with PUT.

Only partner tokens with learners:write get in; browsers and anonymous callers are refused, and
a partner sees its own learners only (another partner's external id is a 404).
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.db.models.functions import Greatest
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import MethodNotAllowed, ValidationError
from rest_framework.filters import SearchFilter
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from api.authentication import partner_of
from api.idempotency import IdempotentMixin
from api.permissions import TokenScopes

from ..models import PartnerLearner
from ..services import external_id_validator, partner_learner_upsert
from .filters import LearnerFilter
from .serializers import LearnerSerializer, LearnerWriteSerializer

SCOPE = "learners:write"


class PartnerOnly(BasePermission):
    """A partner system's token; a signed-in browser is refused (403), anonymous callers 401."""

    message = _("Only partner systems can use this endpoint.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return partner_of(request) is not None


@extend_schema_view(
    list=extend_schema(summary="Your organisation's learners"),
    retrieve=extend_schema(summary="One of your learners, by your own id"),
)
class LearnerViewSet(
    IdempotentMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The people a partner registered, looked up by the partner's own id (`external_id`)."""

    serializer_class = LearnerSerializer
    permission_classes = [PartnerOnly, TokenScopes]
    required_scopes = {action: [SCOPE] for action in ("list", "retrieve", "update")}
    lookup_field = "external_id"
    lookup_value_regex = "[^/]+"  # checked by the service, so a bad id gets a 400 on PUT
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = LearnerFilter
    search_fields = ["external_id", "user__email", "user__display_name"]
    http_method_names = ["get", "put", "head", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # PATCH, DELETE and POST are not part of this resource: say so (405) before asking who
        # the caller is, rather than "partner systems cannot use this endpoint".
        if self.action is None:
            raise MethodNotAllowed(request.method or "")
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[PartnerLearner]:
        organisation = partner_of(self.request)
        if organisation is None:  # the schema generator; callers without a token never get here
            return PartnerLearner.objects.none()
        return (
            PartnerLearner.objects.filter(organisation=organisation)
            .select_related("user")
            .annotate(last_changed=Greatest("updated_at", "user__updated_at"))
            .order_by("last_changed", "pk")
        )

    @extend_schema(
        summary="Register or update one of your learners",
        request=LearnerWriteSerializer,
        responses={
            200: OpenApiResponse(LearnerSerializer, description="Updated."),
            201: OpenApiResponse(LearnerSerializer, description="Registered (or linked)."),
        },
    )
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        external_id = kwargs[self.lookup_field]
        serializer = LearnerWriteSerializer(data=request.data)
        errors: dict[str, Any] = {}
        if not serializer.is_valid():
            errors.update(serializer.errors)
        try:
            external_id_validator(external_id)
        except DjangoValidationError as error:
            errors["external_id"] = error.messages
        if errors:
            raise ValidationError(errors)
        link, created = partner_learner_upsert(
            organisation=partner_of(request),
            external_id=external_id,
            **serializer.validated_data,
            absolute_url=request.build_absolute_uri,
        )
        data = LearnerSerializer(self.get_queryset().get(pk=link.pk)).data
        if created:
            return Response(
                data, status=status.HTTP_201_CREATED, headers={"Location": request.path}
            )
        return Response(data)
